"""Shape inference: each layer's output shape, parameters and MACs, with PyTorch's arithmetic.

Shapes are (channels, *spatial) for feature maps, (features,) for flat vectors, and for sequences (length,) of
token ids or (length, features), as PyTorch's batch_first layout; the batch axis is implicit.
Parameters follow PyTorch: weights and biases, batch-norm's affine weight and bias (running statistics are
buffers, not parameters). MACs count the multiply-accumulates of conv, deconv and dense layers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod

from . import model
from .errors import ShapeError
from .model import Layer, Network

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Analysis:
    shape: Shape
    params: int
    macs: int
    sequence: bool = False  # positions first: (L,) token ids or (L, D)

    @property
    def elements(self) -> int:
        """Activation memory of the output, in elements (per sample)."""
        return prod(self.shape)


def describe(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def human(count: int) -> str:
    """Three significant digits and a unit: 11689512 → '11.7M', 416520 → '417k'; below 1000 exact."""
    units = ((10**9, "G"), (10**6, "M"), (10**3, "k"))
    for i, (size, unit) in enumerate(units):
        if count >= size:
            value = float(f"{count / size:.3g}")
            if value >= 1000 and i > 0:  # 999,999 rounds up to the next unit
                return f"{value / 1000:.3g}{units[i - 1][1]}"
            return f"{value:g}{unit}"
    return str(count)


def stats_line(analysis: dict[str, "Analysis"]) -> str:
    """The caption line a figure gets with `stats`."""
    params = sum(a.params for a in analysis.values())
    macs = sum(a.macs for a in analysis.values())
    return f"{human(params)} parameters · {human(macs)} MACs"


def window_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil: bool = False) -> int:
    """Output length of a convolution or pooling window along one axis (PyTorch's formula)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil:
        return span // stride + 1
    out = -(-span // stride) + 1
    # PyTorch's ceil mode: the last window must start inside the input or its left padding
    return out - 1 if (out - 1) * stride >= size + padding else out


def transposed_out(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0,
                   dilation: int = 1) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def analyse(network: Network) -> dict[str, Analysis]:
    """Every layer's output shape, parameter count and multiply-accumulates, by layer name."""
    result: dict[str, Analysis] = {}
    by_name = {layer.name: layer for layer in network.layers}
    for layer in network.layers:
        inputs = [(by_name[name], result[name].shape) for name in layer.inputs]
        sequences = {result[name].sequence for name in layer.inputs}
        if len(sequences) > 1:
            raise _error(layer, "it takes a sequence and a feature map or vector together",
                         hint="merge sequences with sequences (add, concat)")
        if isinstance(layer, model.Operation):  # whatever it is, the model it came from said its shape
            result[layer.name] = Analysis(layer.shape or inputs[0][1], layer.weights, 0, sequences == {True})
        elif sequences == {True}:
            result[layer.name] = _sequence_layer(layer, inputs)
        else:
            result[layer.name] = _analyse(layer, inputs)
        if "prelu" in (getattr(layer, "fn", None), getattr(layer, "act", None)):  # nn.PReLU() learns one slope
            result[layer.name] = replace(result[layer.name], params=result[layer.name].params + 1)
    return result


def _error(layer: Layer, message: str, hint: str | None = None) -> ShapeError:
    if layer.used_at:
        note = f"it is in the block used on line {layer.used_at.line}"
        hint = f"{hint}; {note}" if hint else note
    return ShapeError(f"{_who(layer)}: {message}", span=layer.at, hint=hint)


def _who(layer: Layer) -> str:
    """A layer as the user knows it: by its name, or for an unnamed one by its kind and line."""
    if "#" not in layer.name:
        return f"'{layer.name}'"
    if layer.used_at:
        return f"the {layer.kind} of the block used on line {layer.used_at.line}"
    return f"the {layer.kind} on line {layer.at.line}" if layer.at else f"'{layer.name}'"


def _spatial_input(layer: Layer, inputs) -> tuple[Layer, Shape]:
    source, shape = inputs[0]
    if len(shape) < 2:
        raise _error(layer, f"{layer.kind} needs a feature map (C×H×W) but {_who(source)} gives a flat "
                            f"vector of {shape[0]}",
                     hint="put spatial layers before 'flatten'/'dense', or give the input a shape like 3x32x32")
    return source, shape


_SEQUENCE_KINDS = (model.Embedding, model.Recurrent, model.Attention, model.Encoder)


def _analyse(layer: Layer, inputs) -> Analysis:
    if isinstance(layer, model.Input):  # the model has checked its shape
        return Analysis(layer.shape, 0, 0, sequence=layer.data != "tensor")
    if isinstance(layer, _SEQUENCE_KINDS):
        source, shape = inputs[0]
        raise _error(layer, f"{layer.kind} works on a sequence, but {_who(source)} gives {describe(shape)}",
                     hint="start from 'input 128 tokens' (token ids) or 'input 128x512 seq' (L×D vectors)")
    if isinstance(layer, model.LayerNorm):
        source, shape = inputs[0]
        if len(shape) != 1:
            raise _error(layer, f"layernorm normalises a sequence's features or a vector, not the {describe(shape)} "
                                f"of {_who(source)}", hint="for feature maps use bn")
        return Analysis(shape, 2 * shape[0], 0)
    if isinstance(layer, (model.Add, model.Concat)):
        return _merge(layer, inputs)
    if len(inputs) != 1:
        raise _error(layer, f"{layer.kind} takes one input, got {len(inputs)}")
    source, shape = inputs[0]

    if isinstance(layer, model.Conv):  # and Deconv
        return _convolution(layer, source, _spatial_input(layer, inputs)[1])
    if isinstance(layer, model.Pool):
        _, shape = _spatial_input(layer, inputs)
        if layer.mode == "global":
            return Analysis((shape[0],) + (1,) * (len(shape) - 1), 0, 0)
        kernel = layer.kernel or (2, 2)
        stride = layer.stride or kernel
        if any(2 * p > k for p, k in zip(layer.padding, kernel)):
            raise _error(layer, f"padding {describe(layer.padding)} is more than half the "
                                f"{describe(kernel)} window", hint="PyTorch allows at most half the kernel")
        spatial = tuple(window_out(n, k, s, p, ceil=layer.ceil) for n, k, s, p in
                        zip(shape[1:], kernel, stride, layer.padding))
        _check_window(layer, source, shape, spatial)
        return Analysis((shape[0], *spatial), 0, 0)
    if isinstance(layer, model.Upsample):
        _, shape = _spatial_input(layer, inputs)
        return Analysis((shape[0], *(n * layer.scale for n in shape[1:])), 0, 0)
    if isinstance(layer, model.Dense):
        if len(shape) != 1:
            raise _error(layer, f"dense needs a flat vector but {_who(source)} gives {describe(shape)}",
                         hint=f"add a 'flatten' line before this one (it gives {prod(shape)} features), "
                              "or 'pool global' first")
        return Analysis((layer.units,), shape[0] * layer.units + layer.units, shape[0] * layer.units)
    if isinstance(layer, model.Flatten):
        return Analysis((prod(shape),), 0, 0)
    if isinstance(layer, model.BatchNorm):
        return Analysis(shape, 2 * shape[0], 0)
    # activation, dropout: the shape passes through
    return Analysis(shape, 0, 0)


def _sequence_layer(layer: Layer, inputs) -> Analysis:
    """Layers on sequences: (L,) token ids or (L, D) vectors. Weights are shared across positions, so
    MACs are per position times L."""
    if isinstance(layer, (model.Add, model.Concat)):
        return _merge(layer, inputs, sequence=True)
    if len(inputs) != 1:
        raise _error(layer, f"{layer.kind} takes one input, got {len(inputs)}")
    source, shape = inputs[0]
    if isinstance(layer, model.Embedding):
        if len(shape) != 1:
            raise _error(layer, f"embed looks up token ids, but {_who(source)} gives vectors ({describe(shape)})",
                         hint="feed it from 'input 128 tokens'")
        return Analysis((shape[0], layer.dim), layer.vocab * layer.dim, 0, True)
    if len(shape) == 1:
        raise _error(layer, f"{_who(source)} gives token ids; {layer.kind} needs vectors",
                     hint="put 'embed VOCAB DIM' first")
    length, features = shape
    if isinstance(layer, model.Recurrent):
        directions = 2 if layer.bidirectional else 1
        params = macs = 0
        width = features
        for _ in range(layer.layers):
            step = layer.gates * layer.hidden * (width + layer.hidden)  # input and hidden weights, per direction
            params += directions * (step + 2 * layer.gates * layer.hidden)
            macs += directions * step * length
            width = directions * layer.hidden
        if layer.last:
            return Analysis((width,), params, macs)
        return Analysis((length, width), params, macs, True)
    if isinstance(layer, (model.Attention, model.Encoder)):
        if features % layer.heads:
            raise _error(layer, f"{layer.heads} heads do not divide the {features} features of {_who(source)}",
                         hint="the features are split evenly among the heads")
        params = 4 * features * features + 4 * features  # query, key, value and output projections
        macs = 4 * length * features * features + 2 * length * length * features
        if isinstance(layer, model.Encoder):  # feed-forward network and two layer norms
            params += 2 * features * layer.ff + layer.ff + features + 4 * features
            macs += 2 * length * features * layer.ff
        return Analysis(shape, params, macs, True)
    if isinstance(layer, model.Dense):  # applied at each position
        return Analysis((length, layer.units), features * layer.units + layer.units,
                        length * features * layer.units, True)
    if isinstance(layer, (model.LayerNorm, model.BatchNorm)):
        return Analysis(shape, 2 * features, 0, True)
    if isinstance(layer, model.Flatten):
        return Analysis((length * features,), 0, 0)
    if isinstance(layer, model.Pool) and layer.mode == "global":  # the mean over positions
        return Analysis((features,), 0, 0)
    if isinstance(layer, (model.Activation, model.Dropout)):
        return Analysis(shape, 0, 0, True)
    raise _error(layer, f"{layer.kind} does not apply to a sequence ({describe(shape)}, positions × features)",
                 hint="sequences take embed, lstm, gru, attention, encoder, layernorm, dense, pool global, flatten")


def _convolution(layer: model.Conv, source: Layer, shape: Shape) -> Analysis:
    """Output, parameters and MACs of a conv or deconv: padding same/valid, dilation, groups, bias."""
    channels_in = shape[0]
    groups = channels_in if layer.depthwise else layer.groups
    for count, what in ((channels_in, f"input channels ({_who(source)} gives {channels_in})"),
                        (layer.channels, f"output channels ({layer.channels})")):
        if count % groups:
            raise _error(layer, f"{groups} groups do not divide the {what}",
                         hint="groups must divide both channel counts")
    axes = len(shape) - 1
    kernel, stride, dilation = layer.kernel[:axes], layer.stride[:axes], layer.dilation[:axes]
    transposed = isinstance(layer, model.Deconv)
    if layer.padding == "same":
        if transposed or any(s != 1 for s in stride):
            raise _error(layer, "padding 'same' needs stride 1 (as in PyTorch)",
                         hint="give the padding as a number, e.g. p1 for a 3×3 kernel")
        spatial = shape[1:]
    else:
        padding = (0,) * axes if layer.padding == "valid" else layer.padding[:axes]
        if transposed:
            if any(o >= max(s, d) for o, s, d in zip(layer.output_padding, stride, dilation)):
                raise _error(layer, f"output padding {describe(layer.output_padding)} must be smaller than the "
                                    f"stride or the dilation (as in PyTorch)")
            spatial = tuple(transposed_out(n, k, s, p, o, d) for n, k, s, p, o, d in
                            zip(shape[1:], kernel, stride, padding, layer.output_padding, dilation))
        else:
            spatial = tuple(window_out(n, k, s, p, d) for n, k, s, p, d in
                            zip(shape[1:], kernel, stride, padding, dilation))
        _check_window(layer, source, shape, spatial)
    weights = channels_in // groups * layer.channels * prod(kernel)
    bias = layer.channels if (layer.bias if layer.bias is not None else not layer.bn) else 0
    norm = 2 * layer.channels if layer.bn else 0
    # each weight is used once per output position (conv) or once per input position (deconv)
    positions = prod(shape[1:]) if transposed else prod(spatial)
    return Analysis((layer.channels, *spatial), weights + bias + norm, weights * positions)


def _check_window(layer, source, shape, spatial) -> None:
    if any(n <= 0 for n in spatial):
        window = describe(layer.kernel or (2, 2))
        raise _error(layer, f"its output would be {describe(spatial)}: the {window} window does "
                            f"not fit the {describe(shape[1:])} output of {_who(source)}",
                     hint="use a smaller kernel or stride, or change the padding")


def _merge(layer: Layer, inputs, sequence: bool = False) -> Analysis:
    if len(inputs) < 2:
        raise _error(layer, f"{layer.kind} needs at least two inputs", hint=f"write: {layer.kind} a b")
    (first, first_shape), rest = inputs[0], inputs[1:]
    for other, shape in rest:
        if isinstance(layer, model.Add) and shape != first_shape:
            raise _error(layer, f"cannot add {_who(first)} ({describe(first_shape)}) and {_who(other)} "
                                f"({describe(shape)})", hint=_projection_hint(first_shape, shape))
        kept = (lambda sh: sh[:-1]) if sequence else (lambda sh: sh[1:])  # all but the concatenated axis
        if isinstance(layer, model.Concat) and (len(shape) != len(first_shape) or kept(shape) != kept(first_shape)):
            raise _error(layer, f"cannot concatenate {_who(first)} ({describe(first_shape)}) and "
                                f"{_who(other)} ({describe(shape)}): sizes other than channels differ",
                         hint="resize one branch (pool, upsample or a strided conv) to the other's size")
    if isinstance(layer, model.Add):
        return Analysis(first_shape, 0, 0, sequence)
    if sequence:  # features are the last axis
        return Analysis((*first_shape[:-1], sum(shape[-1] for _, shape in inputs)), 0, 0, True)
    return Analysis((sum(shape[0] for _, shape in inputs), *first_shape[1:]), 0, 0)


def _projection_hint(a: Shape, b: Shape) -> str:
    if len(a) == len(b) == 3:
        big, small = (a, b) if a[1] >= b[1] else (b, a)
        stride = big[1] // small[1]
        if stride > 1:
            return (f"project the larger one on the skip: a 1×1 conv with {small[0]} channels and stride {stride} "
                    f"(conv {small[0]} k1 s{stride} bn from NAME)")
        return f"project one with a 1×1 conv to the other's channels (conv {max(a[0], b[0])} k1 from NAME)"
    return "both inputs of add must have the same shape"
