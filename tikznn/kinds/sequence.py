"""Layers on sequences, L positions of D features (PyTorch's batch_first layout): embedding, recurrent layers
(LSTM, GRU), multi-head attention, Transformer encoder layers, and layer norm. Weights are shared across positions,
so MACs are per position times L."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, call, features, torch_options
from ..errors import ParseError
from ..layer import Analysis, Layer, describe, shape_error, who

_NOT_A_SEQUENCE = "start from 'input 128 tokens' (token ids) or 'input 128x512 seq' (L×D vectors)"


def _sequence_only(layer: Layer, inputs):
    source, shape = inputs[0]
    raise shape_error(layer, f"{layer.kind} works on a sequence, but {who(source)} gives {describe(shape)}",
                      hint=_NOT_A_SEQUENCE)


@dataclass(frozen=True, kw_only=True)
class Embedding(Layer):
    """Token ids → vectors: a table of `vocab` rows of `dim` features (nn.Embedding)."""

    vocab: int
    dim: int
    kind: ClassVar[str] = "embed"


class EmbeddingKind(Kind):
    on_sequences = "embed"
    example, example_input = "embed 1000 64", "input 20 tokens"
    keyword, layer, legend, family = "embed", Embedding, "embedding", "embed"
    colours = Colours((150, 200, 185), 207, "green", 0.7)
    doc = "token ids → vectors: embed VOCAB DIM"
    counted, takes_tokens = True, True
    torch_modules = ("Embedding",)

    def read(self, items, span):
        return {"vocab": int(items[0]), "dim": int(items[1])}, []

    def build(self, vocab: int, dim: int, **common):
        return Embedding(vocab=vocab, dim=dim, **common)

    def words(self, layer, refs):
        return ["embed", str(layer.vocab), str(layer.dim)]

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        source, shape = inputs[0]
        if len(shape) != 1:
            raise shape_error(layer, f"embed looks up token ids, but {who(source)} gives vectors ({describe(shape)})",
                              hint="feed it from 'input 128 tokens'")
        return Analysis((shape[0], layer.dim), layer.vocab * layer.dim, 0, True)

    def describe(self, layer, result, counts):
        return f"embedding, {layer.dim}" if counts else "embedding"

    def torch_module(self, layer, source):
        return call("nn.Embedding", str(layer.vocab), str(layer.dim))

    def from_torch(self, module, shape):
        return {"vocab": module.num_embeddings, "dim": module.embedding_dim}


@dataclass(frozen=True, kw_only=True)
class Recurrent(Layer):
    """A recurrent layer over the sequence; `last` keeps only the final hidden state (a vector)."""

    hidden: int
    layers: int = 1
    bidirectional: bool = False
    last: bool = False


@dataclass(frozen=True, kw_only=True)
class LSTM(Recurrent):
    kind: ClassVar[str] = "lstm"


@dataclass(frozen=True, kw_only=True)
class GRU(Recurrent):
    kind: ClassVar[str] = "gru"


class RecurrentKind(Kind):
    """An LSTM (4 gates) or a GRU (3)."""

    family = "lstm"
    torch_tuple = True
    doc = "a recurrent layer: hidden size; n2: two stacked layers, bi: both directions, last: the final state only"
    counted = loop = True
    example_input = "input 20x64 seq"

    def __init__(self, keyword: str, layer: type, legend: str, gates: int, module: str, colours: Colours):
        self.keyword, self.layer, self.legend, self.gates, self.module = keyword, layer, legend, gates, module
        self.colours, self.torch_modules, self.on_sequences = colours, (module,), keyword
        self.example = f"{keyword} 32 n2 bi"

    def read(self, items, span):
        settings = {"hidden": int(items[0])}
        for token in items[1:]:
            key, value = {"STACKED": ("layers", int(token[1:]) if token.type == "STACKED" else 0),
                          "BI": ("bidirectional", True), "LAST": ("last", True)}[token.type]
            if key in settings:
                raise ParseError(f"{key} given twice", span=span(token), hint="keep one of them")
            settings[key] = value
        return settings, []

    def build(self, hidden: int, *, layers: int = 1, bidirectional: bool = False, last: bool = False, **common):
        return self.layer(hidden=hidden, layers=layers, bidirectional=bidirectional, last=last, **common)

    def words(self, layer, refs):
        return [self.keyword, str(layer.hidden)] + ([f"n{layer.layers}"] if layer.layers != 1 else []) + \
            (["bi"] if layer.bidirectional else []) + (["last"] if layer.last else [])

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        length, width = inputs[0][1]
        directions = 2 if layer.bidirectional else 1
        params = macs = 0
        for _ in range(layer.layers):
            step = self.gates * layer.hidden * (width + layer.hidden)  # input and hidden weights, per direction
            params += directions * (step + 2 * self.gates * layer.hidden)
            macs += directions * step * length
            width = directions * layer.hidden
        if layer.last:
            return Analysis((width,), params, macs)
        return Analysis((length, width), params, macs, True)

    def describe(self, layer, result, counts):
        return f"{self.legend} {layer.hidden}" + (", bi" if layer.bidirectional else "") if counts else self.legend

    def torch_module(self, layer, source):
        return call(f"nn.{self.module}", str(features(source)), str(layer.hidden),
                    *torch_options([("num_layers", layer.layers, 1), ("bidirectional", layer.bidirectional, False)]),
                    "batch_first=True")

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = {HELPER}({attribute}, {args[0]})" if layer.last else f"{target}, _ = {attribute}({args[0]})"

    def from_torch(self, module, shape):
        if module.batch_first and module.bias and not getattr(module, "proj_size", 0):
            return {"hidden": module.hidden_size, "layers": module.num_layers, "bidirectional": module.bidirectional}
        return None


# the exported module's helper for a recurrent layer's final state (`last`)
HELPER = "last_hidden"
HELPER_SOURCE = f'''def {HELPER}(rnn, x):
    """Final hidden state of a recurrent layer's last layer; directions side by side."""
    _, state = rnn(x)
    hidden = state[0] if isinstance(state, tuple) else state  # (hidden, cell) or hidden
    directions = 2 if rnn.bidirectional else 1
    return torch.cat(list(hidden[-directions:]), dim=1)
'''


@dataclass(frozen=True, kw_only=True)
class Attention(Layer):
    """Multi-head self-attention with `heads` heads over the sequence's features (nn.MultiheadAttention); with a
    `window`, over each window×window patch of a C×H×W map (Swin's window attention, with a learned relative
    position bias), its windows moved by half a window when `shift`."""

    heads: int
    window: int = 0
    shift: bool = False
    kind: ClassVar[str] = "attention"


def _window_attention(layer, inputs) -> Analysis:
    """Swin's (torchvision's ShiftedWindowAttention): the map padded to whole windows, attention within each."""
    source, shape = inputs[0]
    if len(shape) != 3:
        raise shape_error(layer, f"window attention works on a C×H×W map, not the {describe(shape)} of {who(source)}",
                          hint="leave out the window (win7) for attention over a sequence")
    channels, height, width = shape
    if channels % layer.heads:
        raise shape_error(layer, f"{layer.heads} heads do not divide the {channels} channels of {who(source)}",
                          hint="the channels are split evenly among the heads")
    positions = -(-height // layer.window) * layer.window * -(-width // layer.window) * layer.window
    params = 4 * channels * channels + 4 * channels + (2 * layer.window - 1) ** 2 * layer.heads  # qkv, out, bias
    macs = 4 * positions * channels * channels + 2 * positions * layer.window ** 2 * channels
    return Analysis(shape, params, macs)


def _attention(layer, inputs) -> tuple[int, int, int, int]:
    """(length, features, params, MACs) of the attention in a layer."""
    source, (length, width) = inputs[0]
    if width % layer.heads:
        raise shape_error(layer, f"{layer.heads} heads do not divide the {width} features of {who(source)}",
                          hint="the features are split evenly among the heads")
    params = 4 * width * width + 4 * width  # query, key, value and output projections
    return length, width, params, 4 * length * width * width + 2 * length * length * width


def _heads(items) -> dict:
    return {"heads": int(items[0][1:])}


class AttentionKind(Kind):
    on_sequences = "attention"
    example, example_input = "attention h8", "input 20x64 seq"
    keyword, layer, legend, family = "attention", Attention, "attention", "attention"
    colours = Colours((240, 165, 165), 75, "purple", 0.7)
    doc = "multi-head self-attention: attention h8; over windows of a map (Swin): attention h3 win7 (shift)"
    counted = torch_tuple = True
    torch_modules, torch_functions = ("MultiheadAttention",), ("shifted_window_attention",)

    def read(self, items, span):
        heads, window, shift = items
        settings = _heads([heads])
        if window is not None:
            settings["window"] = int(window[3:])
        if shift is not None:
            settings["shift"] = True
        return settings, []

    def build(self, heads: int, window: int = 0, shift: bool = False, **common):
        return Attention(heads=heads, window=window, shift=shift, **common)

    def check(self, layer):
        if layer.window < 0 or layer.shift and not layer.window:
            return "only window attention shifts its windows", "write the window too: attention h3 win7 shift"
        return None

    def words(self, layer, refs):
        return ["attention", f"h{layer.heads}"] + ([f"win{layer.window}"] if layer.window else []) + \
            (["shift"] if layer.shift else [])

    def infer(self, layer, inputs):
        return _window_attention(layer, inputs) if layer.window else _sequence_only(layer, inputs)

    def infer_sequence(self, layer, inputs):
        if layer.window:
            return _window_attention(layer, inputs)  # (which says it takes a map)
        _, _, params, macs = _attention(layer, inputs)
        return Analysis(inputs[0][1], params, macs, True)

    def describe(self, layer, result, counts):
        if layer.window:
            what = f"{'shifted ' if layer.shift else ''}{layer.window}×{layer.window} window attention"
            return f"{what}, {layer.heads} heads" if counts else what
        return f"{layer.heads}-head attention" if counts else "attention"

    def torch_module(self, layer, source):
        if layer.window:  # torchvision's, on a channels-last map
            shift = layer.window // 2 if layer.shift else 0
            return call("torchvision.models.swin_transformer.ShiftedWindowAttention", str(source.shape[0]),
                        f"[{layer.window}, {layer.window}]", f"[{shift}, {shift}]", str(layer.heads))
        return call("nn.MultiheadAttention", str(features(source)), str(layer.heads), "batch_first=True")

    def forward(self, layer, target, args, attribute, source):
        if layer.window:
            return f"{target} = {attribute}({args[0]}.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)"
        return f"{target}, _ = {attribute}({args[0]}, {args[0]}, {args[0]})"

    def from_torch(self, module, shape):
        return {"heads": module.num_heads} if module.batch_first and module._qkv_same_embed_dim else None

    def from_torch_function(self, name, given, node, shape, tensors):
        """torchvision's shifted_window_attention (Swin V1), on a map read as C×H×W."""
        args = list(node.args) + [None] * 7
        window, heads = args[4], args[5]
        shift = node.kwargs.get("shift_size", args[6])
        if len(shape) != 3 or node.kwargs.get("logit_scale") is not None or not isinstance(heads, int) or \
                not window or len(set(window)) != 1 or not shift or len(set(shift)) != 1:
            return None
        size = window[0]
        # (torchvision does not shift when one window covers the map)
        shifted = shift[0] > 0 and size < -(-shape[1] // size) * size
        if shift[0] not in (0, size // 2):
            return None
        return {"heads": heads, "window": size, **({"shift": True} if shifted else {})}


@dataclass(frozen=True, kw_only=True)
class Encoder(Layer):
    """A Transformer encoder layer (Vaswani et al.; nn.TransformerEncoderLayer): self-attention and a
    feed-forward network of `ff` units, each with a residual connection and layer norm."""

    heads: int
    ff: int = 2048
    act: str = "relu"
    kind: ClassVar[str] = "encoder"


class EncoderKind(Kind):
    on_sequences = "encoder"
    example, example_input = "encoder h8 ff256 gelu", "input 20x64 seq"
    keyword, layer, legend, family = "encoder", Encoder, "encoder layer", "encoder"
    colours = Colours((235, 205, 120), 75, "yellow", 0.7)
    doc = "a Transformer encoder layer: encoder h8 ff2048 (gelu)"
    counted = act_inside = True
    torch_modules = ("TransformerEncoderLayer",)

    def read(self, items, span):
        heads, ff, act = items
        settings = _heads([heads])
        if ff is not None:
            settings["ff"] = int(ff[2:])
        if act is not None:
            settings["act"] = str(act)
        return settings, []

    def build(self, heads: int, ff: int = 2048, act: str = "relu", **common):
        return Encoder(heads=heads, ff=ff, act=act, **common)

    def check(self, layer):
        if layer.act not in ("relu", "gelu"):
            return f"an encoder's feed-forward activation is relu or gelu, not {layer.act}"
        return None

    def words(self, layer, refs):
        return ["encoder", f"h{layer.heads}", f"ff{layer.ff}"] + ([layer.act] if layer.act != "relu" else [])

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        length, width, params, macs = _attention(layer, inputs)
        params += 2 * width * layer.ff + layer.ff + width + 4 * width  # feed-forward network and two layer norms
        macs += 2 * length * width * layer.ff
        return Analysis(inputs[0][1], params, macs, True)

    def describe(self, layer, result, counts):
        act = ", GELU" if layer.act == "gelu" else ""  # its feed-forward's, when not the usual ReLU
        return (f"encoder, {layer.heads} heads, ff {layer.ff}" if counts else "encoder") + act

    def torch_module(self, layer, source):
        return call("nn.TransformerEncoderLayer", str(features(source)), str(layer.heads),
                    f"dim_feedforward={layer.ff}", *torch_options([("activation", f'"{layer.act}"', '"relu"')]),
                    "batch_first=True")

    def from_torch(self, module, shape):
        if not module.self_attn.batch_first or module.norm_first:
            return None
        act = "gelu" if getattr(module, "activation_relu_or_gelu", 1) == 2 else "relu"
        return {"heads": module.self_attn.num_heads, "ff": module.linear1.out_features, "act": act}


@dataclass(frozen=True, kw_only=True)
class LayerNorm(Layer):
    """Normalisation over each position's features (nn.LayerNorm of the last axis)."""

    kind: ClassVar[str] = "layernorm"


class LayerNormKind(Kind):
    on_sequences = "layernorm"
    example, example_input = "layernorm", "input 20x64 seq"
    keyword, layer, legend, family = "layernorm", LayerNorm, "layer norm", "layernorm"
    colours = Colours((215, 215, 140), 36, "green")
    doc = "layer normalisation of each position's features (of a map: each position's channels, as ConvNeXt)"
    slab = 0.75
    torch_modules, torch_functions = ("LayerNorm",), ("layer_norm",)

    def infer(self, layer, inputs):
        source, shape = inputs[0]
        if len(shape) not in (1, 3):
            raise shape_error(layer, f"layernorm normalises a sequence's features, a map's channels or a vector, "
                                     f"not the {describe(shape)} of {who(source)}")
        return Analysis(shape, 2 * shape[0], 0)

    def infer_sequence(self, layer, inputs):
        shape = inputs[0][1]
        return Analysis(shape, 2 * shape[1], 0, True)

    def describe(self, layer, result, counts):
        return "layer norm"

    def torch_module(self, layer, source):
        return call("nn.LayerNorm", str(features(source)))

    def forward(self, layer, target, args, attribute, source):
        if len(source.shape) == 3 and not source.sequence:  # over each position's channels
            return f"{target} = {attribute}({args[0]}.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)"
        return None

    def from_torch(self, module, shape):
        return {} if tuple(module.normalized_shape) == (_normalised(shape),) and module.bias is not None and \
            module.elementwise_affine else None

    def from_torch_function(self, name, given, node, shape, tensors):
        held = [n for n in node.all_input_nodes if n.op == "get_attr"]
        return {} if tuple(given.get("normalized_shape", ())) == (_normalised(shape),) and len(held) == 2 else None


def _normalised(shape: tuple) -> int:
    """What a layer norm normalises over: a map's channels (C×H×W as tikznn reads it), else the last axis."""
    return shape[0] if len(shape) == 3 else shape[-1]


KINDS = (EmbeddingKind(),
         RecurrentKind("lstm", LSTM, "LSTM", 4, "LSTM", Colours((150, 190, 230), 75, "sky", 0.7)),
         RecurrentKind("gru", GRU, "GRU", 3, "GRU", Colours((150, 190, 230), 75, "sky", 0.7)),
         AttentionKind(), EncoderKind(), LayerNormKind())
