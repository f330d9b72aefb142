"""The network model: frozen dataclasses for layers and connections, and the builder that chains them.

The parser and the Python builder both add layers through `Assembler.add`, so a .nn file and the equivalent
builder calls produce equal networks. The model knows nothing about drawing.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import ClassVar, Mapping, Sequence

from .errors import ModelError, Span

Pair = tuple[int, int]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")  # the grammar's NAME
# xcolor's base colours, which every LaTeX install has; other colours are written #rrggbb
COLOR_NAMES = ("red", "green", "blue", "cyan", "magenta", "yellow", "black", "gray", "white", "darkgray",
               "lightgray", "brown", "lime", "olive", "orange", "pink", "purple", "teal", "violet")
DIMS_MODES = ("auto", "shape", "channels", "none")  # what is written on blocks: see docs/language.md
# the main path left to right, or top to bottom; down and up again by resolution (encoder-decoders); columns of a
# layered layout
LAYOUTS = ("right", "down", "u", "layered")
THEMES = ("classic", "print", "colorblind")
ENGINES = ("pdflatex", "xelatex", "lualatex")
THEME_PARTS = ("input", "conv", "conv-act", "deconv", "upsample", "pool", "bn", "activation", "dense", "dense-act",
               "softmax", "embed", "lstm", "gru", "attention", "encoder", "layernorm", "op", "loop", "add", "concat",
               "flow", "skip", "link", "edge")
_UNITS_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72.27}


RELATIVE_WIDTH = re.compile(r"(\d*\.?\d+)?\\(linewidth|textwidth|columnwidth)")  # known only in a document


def length_cm(length: str) -> float | None:
    """A TeX length like '17cm' or '6.5in' in centimetres; None for one relative to the page (0.8\\linewidth),
    which only the document a fragment is input into knows."""
    if RELATIVE_WIDTH.fullmatch(length.strip()):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(cm|mm|in|pt)", length.strip())
    if not match:
        raise ModelError(f"'{length}' is not a width",
                         hint="write a length like 17cm, 170mm, 6.5in or 480pt, or \\linewidth for a fragment")
    return float(match.group(1)) * _UNITS_CM[match.group(2)]


ACTIVATIONS = ("relu", "leakyrelu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "logsoftmax")
POOL_MODES = ("max", "avg", "global")
INPUT_DATA = ("tensor", "tokens", "seq")  # a feature map or vector; token ids (L); a sequence of vectors (L×D)
UPSAMPLE_MODES = ("nearest", "bilinear")


@dataclass(frozen=True, kw_only=True)
class Style:
    """Per-layer drawing overrides; None means the theme's value."""

    color: str | None = None  # a palette colour name or '#rrggbb'
    opacity: float | None = None
    show_label: bool = True
    dims: str | None = None  # one of DIMS_MODES; None: the figure's setting


@dataclass(frozen=True, kw_only=True)
class Layer:
    name: str = ""
    inputs: tuple[str, ...] = ()
    label: str | None = None
    style: Style = Style()
    times: int = 1  # on the first of a repeated layer's copies: how many there are (the next ones follow it)
    block_times: int = 1  # on the first layer of a repeated block: how many copies of the block follow from here
    block_length: int = 0  # ... and how many layers each copy has
    stage: str = ""  # the stage it belongs to, if any
    at: Span | None = field(default=None, compare=False, repr=False)
    used_at: Span | None = field(default=None, compare=False, repr=False)  # in a block: where the block is used

    kind: ClassVar[str] = "layer"


@dataclass(frozen=True, kw_only=True)
class Input(Layer):
    shape: tuple[int, ...]
    data: str = "tensor"  # one of INPUT_DATA
    kind: ClassVar[str] = "input"


@dataclass(frozen=True, kw_only=True)
class Conv(Layer):
    channels: int
    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair | str = (0, 0)  # or "same" / "valid", as in PyTorch
    dilation: Pair = (1, 1)
    groups: int = 1
    depthwise: bool = False  # groups = input channels
    bias: bool | None = None  # None: a bias unless batch-norm follows (torchvision's habit)
    bn: bool = False
    act: str | None = None
    kind: ClassVar[str] = "conv"


@dataclass(frozen=True, kw_only=True)
class Deconv(Conv):
    """A transposed convolution; by default 2×2 with stride 2, doubling the size (U-Net's up-convolution)."""

    kernel: Pair = (2, 2)
    stride: Pair = (2, 2)
    output_padding: Pair = (0, 0)
    kind: ClassVar[str] = "deconv"


@dataclass(frozen=True, kw_only=True)
class Pool(Layer):
    mode: str = "max"  # one of POOL_MODES; 'global' is global average pooling
    kernel: Pair | None = None  # None: 2×2 (max and avg), the whole map (global)
    stride: Pair | None = None  # None: equal to the kernel, as in PyTorch
    padding: Pair = (0, 0)
    ceil: bool = False  # ceil_mode: round the output size up
    kind: ClassVar[str] = "pool"


@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    scale: int = 2
    mode: str = "nearest"
    kind: ClassVar[str] = "upsample"


@dataclass(frozen=True, kw_only=True)
class Dense(Layer):
    units: int
    act: str | None = None
    kind: ClassVar[str] = "dense"


@dataclass(frozen=True, kw_only=True)
class Flatten(Layer):
    kind: ClassVar[str] = "flatten"


@dataclass(frozen=True, kw_only=True)
class BatchNorm(Layer):
    kind: ClassVar[str] = "bn"


@dataclass(frozen=True, kw_only=True)
class Activation(Layer):
    fn: str
    kind: ClassVar[str] = "activation"


@dataclass(frozen=True, kw_only=True)
class Dropout(Layer):
    p: float = 0.5
    kind: ClassVar[str] = "dropout"


@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of its inputs (a residual connection), optionally followed by an activation."""

    act: str | None = None
    kind: ClassVar[str] = "add"


@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """Concatenation of its inputs along channels."""

    kind: ClassVar[str] = "concat"


@dataclass(frozen=True, kw_only=True)
class Operation(Layer):
    """Any other operation, named by `title` (an imported model's op the language has no word for): its output
    has `shape`, or its first input's shape, and it holds `weights` parameters."""

    title: str
    shape: tuple[int, ...] | None = None
    weights: int = 0
    kind: ClassVar[str] = "op"


# -- sequence layers: their inputs are sequences, L positions of D features (PyTorch's batch_first layout) ------

@dataclass(frozen=True, kw_only=True)
class Embedding(Layer):
    """Token ids → vectors: a table of `vocab` rows of `dim` features (nn.Embedding)."""

    vocab: int
    dim: int
    kind: ClassVar[str] = "embed"


@dataclass(frozen=True, kw_only=True)
class Recurrent(Layer):
    """An LSTM or GRU over the sequence; `last` keeps only the final hidden state (a vector)."""

    hidden: int
    layers: int = 1
    bidirectional: bool = False
    last: bool = False
    gates: ClassVar[int] = 4


@dataclass(frozen=True, kw_only=True)
class LSTM(Recurrent):
    gates: ClassVar[int] = 4
    kind: ClassVar[str] = "lstm"


@dataclass(frozen=True, kw_only=True)
class GRU(Recurrent):
    gates: ClassVar[int] = 3
    kind: ClassVar[str] = "gru"


@dataclass(frozen=True, kw_only=True)
class Attention(Layer):
    """Multi-head self-attention with `heads` heads over the sequence's features (nn.MultiheadAttention)."""

    heads: int
    kind: ClassVar[str] = "attention"


@dataclass(frozen=True, kw_only=True)
class LayerNorm(Layer):
    """Normalisation over each position's features (nn.LayerNorm of the last axis)."""

    kind: ClassVar[str] = "layernorm"


@dataclass(frozen=True, kw_only=True)
class Encoder(Layer):
    """A Transformer encoder layer (Vaswani et al.; nn.TransformerEncoderLayer): self-attention and a
    feed-forward network of `ff` units, each with a residual connection and layer norm."""

    heads: int
    ff: int = 2048
    act: str = "relu"
    kind: ClassVar[str] = "encoder"


@dataclass(frozen=True, kw_only=True)
class Skip:
    """A plain arrow from one layer to a later one, drawn as a routed skip; it carries no data."""

    source: str
    target: str
    label: str | None = None
    at: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BlockScope:
    """A block being added: its layers are named `prefix + local name`, 'in' is what feeds it, and its last layer
    takes the instance's name."""

    block: str
    name: str
    prefix: str
    input: str
    start: int  # index of its first layer
    used_at: Span | None = field(default=None, compare=False)
    names: tuple[tuple[str, str], ...] = ()  # local name -> name in the network
    counts: tuple[tuple[str, int], ...] = ()  # unnamed layers so far, by kind

    def local(self, ref: str) -> str | None:
        if ref == "in":
            return self.input
        return dict(self.names).get(ref)

    def named(self, local: str, full: str) -> "BlockScope":
        return replace(self, names=self.names + ((local, full),))

    def unnamed(self, kind: str) -> tuple[str, "BlockScope"]:
        """conv1, conv2, ... as torchvision names them, passing over names the block gave explicitly."""
        counts, taken = dict(self.counts), {full for _, full in self.names}
        counts[kind] = counts.get(kind, 0) + 1
        while f"{self.prefix}{kind}{counts[kind]}" in taken:
            counts[kind] += 1
        return f"{self.prefix}{kind}{counts[kind]}", replace(self, counts=tuple(counts.items()))


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """'did you mean' text for a misspelt word, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def colour_problem(value: str) -> tuple[str, str] | None:
    """(message, hint) when `value` is not a colour tikznn can pass to TeX."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value) or value in COLOR_NAMES:
        return None
    if value.startswith("#"):
        return f"colour '{value}' is not #rrggbb", "write six hexadecimal digits, e.g. #1f77b4"
    return (f"unknown colour '{value}'",
            suggest(value, COLOR_NAMES) or "use #rrggbb or one of: " + ", ".join(COLOR_NAMES))


def style_words(text: str) -> tuple[str, tuple[str, ...]]:
    """A style as written on the command line or to the builder: its name, then its options ('graph bias',
    'graph,bias')."""
    words = [word for word in re.split(r"[\s,]+", text) if word]
    return (words[0] if words else ""), tuple(words[1:])


def style_problem(name: str, options: Sequence[str] = ()) -> tuple[str, str] | None:
    """(message, hint) when no drawing style has this name, or it does not take these options."""
    from .styles import names, options_of
    if name not in names():
        return f"unknown style '{name}'", suggest(name, names()) or "choose from: " + ", ".join(names())
    known = options_of(name)
    for i, word in enumerate(options):
        if word in options[:i]:
            return f"the option '{word}' is given twice", "give each option once"
        if word not in known:
            return (f"the {name} style has no option '{word}'",
                    (suggest(word, list(known)) or "its options: " + ", ".join(known)) if known
                    else f"the {name} style takes no options")
    return None


def label_problem(text: str) -> str | None:
    """Why a label cannot be typeset: only math ($...$) is passed to TeX as written, so its braces must pair."""
    for math in re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", text):
        depth = 0
        for ch in re.sub(r"\\[{}]", "", math):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                break
        if depth:
            return f"the braces in the math ${math}$ do not pair"
    return None


def _check_settings(layer: Layer) -> None:
    """Values the grammar cannot rule out: sizes that must be positive, known words, probabilities."""
    def bad(message: str, hint: str | None = None):
        raise ModelError(f"{layer.kind}: {message}", span=layer.at, hint=hint)

    if layer.name and not NAME.match(layer.name):
        bad(f"'{layer.name}' is not a name", hint="a name is letters, digits, _ and ., starting with a letter or _")
    if layer.label is not None and (problem := label_problem(layer.label)):
        bad(problem, hint="in labels, TeX math goes between $...$ with balanced braces")
    if layer.style.color is not None and (problem := colour_problem(layer.style.color)):
        bad(*problem)
    if layer.kind in ("flatten", "dropout") and (layer.label or layer.style != Style()):
        bad(f"{layer.kind} is drawn as part of the arrow, so it shows no label or style",
            hint="label the layer before or after it instead")
    if getattr(layer, "depthwise", False) and layer.groups != 1:
        bad("dw (depthwise) sets the groups already; remove the g option")
    if isinstance(layer, Pool) and layer.mode == "global" and (layer.kernel, layer.stride, layer.padding,
                                                               layer.ceil) != (None, None, (0, 0), False):
        bad("global pooling covers the whole map; it takes no size, stride, padding or ceil")

    for key in ("channels", "units", "scale", "vocab", "dim", "hidden", "layers", "heads", "ff"):
        value = getattr(layer, key, 1)
        if not isinstance(value, int) or value < 1:
            bad(f"{key} must be a whole number of at least 1, not {value}")
    for key, least in (("kernel", 1), ("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)):
        value = getattr(layer, key, None)
        if isinstance(value, str):
            if value not in ("same", "valid"):
                bad(f"padding '{value}' is not allowed", hint="write a size like p1, or psame / pvalid")
            continue
        if value is not None and any(not isinstance(n, int) or n < least for n in value):
            shown = str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))
            bad(f"{key} {shown} is not allowed: each size must be at least {least}")
    if isinstance(layer, Input) and layer.data not in INPUT_DATA:
        bad(f"unknown input data '{layer.data}'", hint="choose from: " + ", ".join(INPUT_DATA))
    if isinstance(layer, Input) and layer.data != "tensor" and len(layer.shape) != {"tokens": 1, "seq": 2}[layer.data]:
        bad(f"{layer.data} input takes {'a length, like 128' if layer.data == 'tokens' else 'L×D, like 128x512'}")
    if isinstance(layer, Input) and not (1 <= len(layer.shape) <= 3 and all(n >= 1 for n in layer.shape)):
        bad(f"shape {'x'.join(map(str, layer.shape))} is not supported",
            hint="write C×H×W like 3x224x224, C×L like 1x128, or a vector size like 784")
    act = getattr(layer, "act", None) or getattr(layer, "fn", None)
    if act is not None and act not in ACTIVATIONS:
        bad(f"unknown activation '{act}'", hint=suggest(act, ACTIVATIONS) or "choose from: " + ", ".join(ACTIVATIONS))
    if isinstance(layer, Encoder) and layer.act not in ("relu", "gelu"):
        bad(f"an encoder's feed-forward activation is relu or gelu, not {layer.act}")
    mode, modes = getattr(layer, "mode", None), POOL_MODES if isinstance(layer, Pool) else UPSAMPLE_MODES
    if mode is not None and mode not in modes:
        bad(f"unknown mode '{mode}'", hint=suggest(mode, modes) or "choose from: " + ", ".join(modes))
    if getattr(layer, "groups", 1) < 1:
        bad(f"groups must be at least 1, not {layer.groups}")
    if layer.style.dims is not None and layer.style.dims not in DIMS_MODES:
        bad(f"unknown dims '{layer.style.dims}'", hint="choose from: " + ", ".join(DIMS_MODES))
    if isinstance(layer, Dropout) and not 0 <= layer.p < 1:
        bad(f"probability {layer.p} must be at least 0 and below 1")
    opacity = layer.style.opacity
    if opacity is not None and not 0 <= opacity <= 1:
        bad(f"opacity {opacity} must be between 0 and 1")


def _padding(value: int | Sequence[int] | str) -> Pair | str:
    return value if isinstance(value, str) else _pair(value)


def _pair(value: int | Sequence[int]) -> Pair:
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))


@dataclass(frozen=True)
class Network:
    """A network: its name, caption, layers in order and skip arrows. Builder methods return a new Network.

        Network("LeNet-5").input(1, 32, 32).conv(6, k=5, act="relu", label="C1").pool("max", 2)
    """

    name: str = "network"
    caption: str | None = None
    layers: tuple[Layer, ...] = ()
    skips: tuple[Skip, ...] = ()
    dims: str = "auto"     # what blocks are labelled with: one of DIMS_MODES
    stats: bool = False    # a caption line with the parameter and MAC totals
    collapse: bool = False  # draw a repeated layer once, marked ×N
    layout: str | None = None  # one of LAYOUTS; None: the style's own (blocks: right; schematic: down)
    style: str = "blocks"   # how the figure is drawn: a module of tikznn/styles (blocks, flat, graph, schematic)
    style_options: tuple[str, ...] = ()  # words the style takes ('style graph bias'): its module's OPTIONS
    width: str | None = None  # a TeX length the figure must fit: scaled down to it
    wrap: bool = False      # with a width: first wrap the main path onto rows that fit it
    theme: str = "classic"  # one of THEMES: the colours
    colours: tuple = ()     # a theme file's (part, (r, g, b), opacity or None), over the theme
    engine: str | None = None  # one of ENGINES; None: pdflatex, or xelatex/lualatex when labels need it
    fontsize: float = 1.0   # all text, times its usual size
    legend: bool = False    # a legend of the kinds of layer drawn
    open_stage: str = ""    # the stage layers added now join (between 'stage' and 'end')
    open_blocks: tuple[BlockScope, ...] = ()  # blocks being added, outermost first (builder calls inside `use`)
    aliases: tuple[tuple[str, str], ...] = ()  # a repeated block's name -> the name of its last copy
    imports: tuple[str, ...] = field(default=(), compare=False)  # files it reads: imported blocks, a theme file

    # -- queries ---------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    # -- the one way layers enter a network ------------------------------------------------------------------
    def append(self, layer: Layer, refs: Sequence[str] = (), *, implicit: bool = True,
               ref_spans: Mapping[str, Span] | None = None, times: int = 1) -> "Network":
        """Add `layer` (`times` times in a row), fed by `refs` (names of earlier layers), plus the previous layer
        when `implicit`."""
        return Assembler(self).add(layer, refs, implicit=implicit, ref_spans=ref_spans, times=times).network()

    def with_skip(self, skip: Skip, ref_spans: Mapping[str, Span] | None = None) -> "Network":
        return Assembler(self).skip(skip, ref_spans).network()

    # -- the Python builder: one method per statement of the language -----------------------------------------
    def titled(self, name: str, caption: str | None = None) -> "Network":
        return replace(self, name=name, caption=caption if caption is not None else self.caption)

    def drawn_with(self, *, dims: str | None = None, stats: bool | None = None, collapse: bool | None = None,
                   layout: str | None = None, width: str | None = None, wrap: bool | None = None,
                   theme: str | None = None, legend: bool | None = None, engine: str | None = None,
                   fontsize: float | None = None, style: str | None = None) -> "Network":
        """Figure settings: what blocks are labelled with (DIMS_MODES), a caption line of totals, whether
        repeated layers are drawn once, marked ×N, the layout (LAYOUTS), a width to fit (a TeX length such
        as '17cm'), wrapping onto rows first with `wrap`, the colours (THEMES) and a legend."""
        if fontsize is not None and not 0.5 <= fontsize <= 1.6:
            raise ModelError(f"a font size of {fontsize} times the usual", hint="give a factor from 0.5 to 1.6")
        if engine is not None and engine not in ENGINES:
            raise ModelError(f"unknown engine '{engine}'", hint="choose from: " + ", ".join(ENGINES))
        if theme is not None and theme not in THEMES:
            raise ModelError(f"unknown theme '{theme}'", hint="choose from: " + ", ".join(THEMES))
        if width is not None:
            length_cm(width)
        if dims is not None and dims not in DIMS_MODES:
            raise ModelError(f"unknown dims '{dims}'", hint="choose from: " + ", ".join(DIMS_MODES))
        if layout is not None and layout not in LAYOUTS:
            raise ModelError(f"unknown layout '{layout}'", hint="choose from: " + ", ".join(LAYOUTS))
        options = self.style_options
        if style is not None:
            style, options = style_words(style)
            if problem := style_problem(style, options):
                raise ModelError(problem[0], hint=problem[1])
        return replace(self, dims=self.dims if dims is None else dims, stats=self.stats if stats is None else stats,
                       collapse=self.collapse if collapse is None else collapse,
                       layout=self.layout if layout is None else layout, width=self.width if width is None else width,
                       wrap=self.wrap if wrap is None else wrap, theme=self.theme if theme is None else theme,
                       legend=self.legend if legend is None else legend,
                       engine=self.engine if engine is None else engine,
                       fontsize=self.fontsize if fontsize is None else fontsize,
                       style=self.style if style is None else style, style_options=options)

    def input(self, *shape: int, data: str = "tensor", label: str | None = None, name: str = "",
              **style) -> "Network":
        """A network input: a feature map or vector; data="tokens" (token ids) or "seq" (L×D vectors)."""
        return self.append(Input(shape=tuple(shape), data=data, label=label, name=name, style=Style(**style)))

    def conv(self, channels: int, k: int | Pair = 3, s: int | Pair = 1, p: int | Pair | str = 0, *,
             d: int | Pair = 1, groups: int = 1, depthwise: bool = False, bias: bool | None = None,
             bn: bool = False, act: str | None = None, label: str | None = None, name: str = "",
             from_: str | None = None, times: int = 1, **style) -> "Network":
        layer = Conv(channels=channels, kernel=_pair(k), stride=_pair(s), padding=_padding(p), dilation=_pair(d),
                     groups=groups, depthwise=depthwise, bias=bias, bn=bn, act=act, label=label, name=name,
                     style=Style(**style))
        return self._fed(layer, from_, times)

    def deconv(self, channels: int, k: int | Pair = 2, s: int | Pair = 2, p: int | Pair = 0, *,
               op: int | Pair = 0, d: int | Pair = 1, groups: int = 1, bias: bool | None = None,
               bn: bool = False, act: str | None = None, label: str | None = None, name: str = "",
               from_: str | None = None, times: int = 1, **style) -> "Network":
        layer = Deconv(channels=channels, kernel=_pair(k), stride=_pair(s), padding=_padding(p),
                       output_padding=_pair(op), dilation=_pair(d), groups=groups, bias=bias, bn=bn, act=act,
                       label=label, name=name, style=Style(**style))
        return self._fed(layer, from_, times)

    def pool(self, mode: str = "max", k: int | Pair | None = None, s: int | Pair | None = None, p: int | Pair = 0,
             *, ceil: bool = False, label: str | None = None, name: str = "", from_: str | None = None,
             times: int = 1, **style) -> "Network":
        layer = Pool(mode=mode, kernel=None if k is None else _pair(k), stride=None if s is None else _pair(s),
                     padding=_pair(p),
                     ceil=ceil, label=label, name=name, style=Style(**style))
        return self._fed(layer, from_, times)

    def upsample(self, scale: int = 2, mode: str = "nearest", *, label: str | None = None, name: str = "",
                 from_: str | None = None, **style) -> "Network":
        return self._fed(Upsample(scale=scale, mode=mode, label=label, name=name, style=Style(**style)), from_)

    def dense(self, units: int, act: str | None = None, *, label: str | None = None, name: str = "",
              from_: str | None = None, times: int = 1, **style) -> "Network":
        return self._fed(Dense(units=units, act=act, label=label, name=name, style=Style(**style)), from_, times)

    def flatten(self, *, label: str | None = None, name: str = "", from_: str | None = None, **style) -> "Network":
        return self._fed(Flatten(label=label, name=name, style=Style(**style)), from_)

    def bn(self, *, label: str | None = None, name: str = "", from_: str | None = None, **style) -> "Network":
        return self._fed(BatchNorm(label=label, name=name, style=Style(**style)), from_)

    def act(self, fn: str, *, label: str | None = None, name: str = "", from_: str | None = None,
            **style) -> "Network":
        return self._fed(Activation(fn=fn, label=label, name=name, style=Style(**style)), from_)

    def dropout(self, p: float = 0.5, *, label: str | None = None, name: str = "", from_: str | None = None,
                **style) -> "Network":
        return self._fed(Dropout(p=p, label=label, name=name, style=Style(**style)), from_)

    def embed(self, vocab: int, dim: int, *, label: str | None = None, name: str = "", from_: str | None = None,
              **style) -> "Network":
        return self._fed(Embedding(vocab=vocab, dim=dim, label=label, name=name, style=Style(**style)), from_)

    def lstm(self, hidden: int, *, layers: int = 1, bidirectional: bool = False, last: bool = False,
             label: str | None = None, name: str = "", from_: str | None = None, **style) -> "Network":
        return self._fed(LSTM(hidden=hidden, layers=layers, bidirectional=bidirectional, last=last, label=label,
                              name=name, style=Style(**style)), from_)

    def gru(self, hidden: int, *, layers: int = 1, bidirectional: bool = False, last: bool = False,
            label: str | None = None, name: str = "", from_: str | None = None, **style) -> "Network":
        return self._fed(GRU(hidden=hidden, layers=layers, bidirectional=bidirectional, last=last, label=label,
                             name=name, style=Style(**style)), from_)

    def attention(self, heads: int, *, label: str | None = None, name: str = "", from_: str | None = None,
                  **style) -> "Network":
        return self._fed(Attention(heads=heads, label=label, name=name, style=Style(**style)), from_)

    def layernorm(self, *, label: str | None = None, name: str = "", from_: str | None = None,
                  **style) -> "Network":
        return self._fed(LayerNorm(label=label, name=name, style=Style(**style)), from_)

    def encoder(self, heads: int, ff: int = 2048, act: str = "relu", *, label: str | None = None, name: str = "",
                from_: str | None = None, times: int = 1, **style) -> "Network":
        return self._fed(Encoder(heads=heads, ff=ff, act=act, label=label, name=name, style=Style(**style)), from_,
                         times)

    def op(self, title: str, *refs: str, shape: Sequence[int] | None = None, weights: int = 0,
           label: str | None = None, name: str = "", **style) -> "Network":
        """Any other operation, captioned with its title: reads `refs` (default: the previous layer)."""
        layer = Operation(title=title, shape=tuple(shape) if shape else None, weights=weights,
                          label=title if label is None else label, name=name, style=Style(**style))
        return self.append(layer, refs, implicit=not refs)

    def add(self, *refs: str, act: str | None = None, label: str | None = None, name: str = "",
            **style) -> "Network":
        """Sum of the named layers; with one name, of the previous layer and that one."""
        return self.append(Add(act=act, label=label, name=name, style=Style(**style)), refs,
                           implicit=len(refs) < 2)

    def concat(self, *refs: str, label: str | None = None, name: str = "", **style) -> "Network":
        return self.append(Concat(label=label, name=name, style=Style(**style)), refs, implicit=len(refs) < 2)

    def skip(self, source: str, target: str, *, label: str | None = None) -> "Network":
        return self.with_skip(Skip(source=source, target=target, label=label))

    def stage(self, name: str) -> "Network":
        """Layers added from here until end() form a stage, framed and captioned in the figure."""
        return Assembler(self).stage(name).network()

    def end(self) -> "Network":
        return Assembler(self).stage(None).network()

    def use(self, block, *args, name: str = "", from_: str | None = None, times: int = 1, **kwargs) -> "Network":
        """Add a block: `block(network, *args, **kwargs)` is a function that adds layers, as a 'block' definition
        does in the language; inside it, "in" names the layer that feeds the block.

            def basic(net, c):
                return net.conv(c, 3, 1, 1, bn=True, act="relu").conv(c, 3, 1, 1, bn=True).add("in", act="relu")
            Network().input(64, 56, 56).use(basic, 64, name="layer1", times=2)
        """
        def expand(assembler: Assembler) -> None:
            assembler.load(block(assembler.network(), *args, **kwargs))
        return Assembler(self).use(block.__name__, expand, name=name, source=from_, times=times).network()

    def _fed(self, layer: Layer, from_: str | None, times: int = 1) -> "Network":
        if from_ is None:
            return self.append(layer, times=times)
        return self.append(layer, (from_,), implicit=False, times=times)


class Assembler:
    """Checks and adds layers one at a time; the builder and the parser both go through `add` and `skip`.

    It keeps its indexes as it goes, so a parser adding thousands of layers stays linear.
    """

    def __init__(self, start: Network = Network()):
        self.load(start)

    def load(self, start: Network) -> None:
        self.name, self.caption, self.dims, self.stats = start.name, start.caption, start.dims, start.stats
        self.collapse, self.open_stage, self.layout = start.collapse, start.open_stage, start.layout
        self.width, self.wrap, self.theme, self.legend = start.width, start.wrap, start.theme, start.legend
        self.colours, self.fontsize, self.style = start.colours, start.fontsize, start.style
        self.style_options = start.style_options
        self.scopes: list[BlockScope] = list(start.open_blocks)
        self.aliases: dict[str, str] = dict(start.aliases)
        self.layers: list[Layer] = list(start.layers)
        self.skips: list[Skip] = list(start.skips)
        self.position = {layer.name: i for i, layer in enumerate(self.layers)}
        self.kinds: dict[str, int] = {}  # layers of each kind so far, and instances of each block
        for layer in self.layers:
            self.kinds[layer.kind] = self.kinds.get(layer.kind, 0) + 1
            instance = re.match(r"([A-Za-z_]\w*)#(\d+)\.", layer.name)
            if instance:
                block, count = instance.group(1), int(instance.group(2))
                self.kinds[block] = max(self.kinds.get(block, 0), count)

    def network(self) -> Network:
        return Network(name=self.name, caption=self.caption, layers=tuple(self.layers), skips=tuple(self.skips),
                       dims=self.dims, stats=self.stats, collapse=self.collapse, layout=self.layout,
                       width=self.width, wrap=self.wrap, theme=self.theme, legend=self.legend, colours=self.colours,
                       fontsize=self.fontsize, style=self.style, style_options=self.style_options,
                       open_stage=self.open_stage,
                       open_blocks=tuple(self.scopes), aliases=tuple(self.aliases.items()))

    def _undefined(self, ref: str, span: Span | None) -> ModelError:
        known = [n for n in list(self.position) + list(self.aliases) if "#" not in n]  # what a user can write
        known += [n for s in self.scopes for n, _ in s.names]
        hint = suggest(ref, known) or ("names must be defined before they are used" if self.position else None)
        if ref == "in" and not self.scopes:
            hint = "'in' names a block's input, inside a block definition"
        return ModelError(f"undefined layer '{ref}'", span=span, hint=hint)

    def resolve(self, ref: str) -> str:
        """The network's name for a name written here: inside blocks their own names and 'in' come first."""
        for scope in reversed(self.scopes):
            found = scope.local(ref)
            if found is not None:
                return found
        return self.aliases.get(ref, ref)

    def _full_name(self, layer: Layer) -> str:
        """An unnamed layer gets the name kind#n, which no user's name can clash with ('#' is not allowed in
        them); in a block, names are prefixed with the block's, as torchvision's are (layer1.0.conv1)."""
        self.kinds[layer.kind] = self.kinds.get(layer.kind, 0) + 1
        if self.scopes:
            scope = self.scopes[-1]
            kind = getattr(layer, "fn", None) or layer.kind
            if layer.name:
                if layer.name == "in":
                    raise ModelError("'in' names the block's input; give this layer another name", span=layer.at)
                full = scope.prefix + layer.name
                if layer.name in dict(scope.names):
                    raise ModelError(f"duplicate name '{layer.name}' in block '{scope.block}'", span=layer.at,
                                     hint="give each named layer of a block its own name")
                self.scopes[-1] = scope.named(layer.name, full)
                return full
            full, self.scopes[-1] = scope.unnamed(kind)
            return full
        return layer.name or f"{layer.kind}#{self.kinds[layer.kind]}"

    def add(self, layer: Layer, refs: Sequence[str] = (), *, implicit: bool = True,
            ref_spans: Mapping[str, Span] | None = None, times: int = 1) -> "Assembler":
        """Add a layer fed by `refs` and, when `implicit`, by the previous layer (in a block: at first, 'in').

        `times` > 1 adds the layer that many times in a row: the label goes to the first, the name to the last
        (the one later lines refer to).
        """
        if times != 1:
            if not isinstance(times, int) or times < 1 or isinstance(layer, (Input, Add, Concat)):
                raise ModelError(f"{layer.kind} cannot be repeated {times} times", span=layer.at,
                                 hint="repeat a layer with one input, e.g. conv 64 k3 p1 relu x2")
            self.add(replace(layer, name="", times=times), refs, implicit=implicit, ref_spans=ref_spans)
            for _ in range(times - 2):
                self.add(replace(layer, name="", label=None))
            return self.add(replace(layer, label=None))
        _check_settings(layer)
        if self.scopes:
            if isinstance(layer, Input):
                raise ModelError("a block cannot hold an input", span=layer.at,
                                 hint="a block is fed by the layer before it; its first line can say 'from in'")
            layer = replace(layer, used_at=self.scopes[0].used_at)
            if implicit and len(self.layers) == self.scopes[-1].start:  # the block's first layer: fed by 'in'
                refs, implicit = ["in"] + [r for r in refs if r != "in"], False
        elif layer.name and (layer.name in self.position or layer.name in self.aliases):
            first = self.layers[self.position[self.resolve(layer.name)]]
            where = f" (first defined on line {first.at.line})" if first.at else ""
            raise ModelError(f"duplicate name '{layer.name}'{where}", span=layer.at,
                             hint="give each named layer its own name")
        spans = dict(ref_spans or {})
        resolved = []
        for ref in refs:
            full = self.resolve(ref)
            if full not in self.position:
                raise self._undefined(ref, spans.get(ref, layer.at))
            resolved.append(full)
        refs = resolved
        inputs = list(refs)
        if isinstance(layer, Input):
            inputs = []
        elif implicit:
            if not self.layers:
                raise ModelError(f"'{layer.kind}' comes before any input", span=layer.at,
                                 hint="start the network with a line like: input 3x224x224")
            previous = self.layers[-1].name
            if isinstance(layer, (Add, Concat)) and inputs == [previous]:
                raise ModelError(f"{layer.kind} of '{previous}' with itself: '{previous}' is also the previous line",
                                 span=layer.at, hint=f"name both inputs: {layer.kind} OTHER {previous}")
            if previous not in inputs:
                inputs.insert(0, previous)
        name = self._full_name(layer)
        if name in self.position:
            raise ModelError(f"duplicate name '{name}'", span=layer.at, hint="give each named layer its own name")
        self.position[name] = len(self.layers)
        self.layers.append(replace(layer, name=name, inputs=tuple(inputs), stage=self.open_stage))
        return self

    def use(self, block: str, expand, *, name: str = "", source: str | None = None, times: int = 1,
            span: Span | None = None, source_span: Span | None = None) -> "Assembler":
        """Add `times` copies of a block, each fed by the one before; `expand(self)` adds one copy's layers.

        The last layer of a copy takes the instance's name: `name`, or with copies name.0, name.1, ... and `name`
        then stands for the last copy. An unnamed instance is block#n.
        """
        if not isinstance(times, int) or times < 1:
            raise ModelError(f"a block cannot be used {times} times", span=span)
        if not self.layers:
            raise ModelError(f"block '{block}' comes before any input", span=span,
                             hint="start the network with a line like: input 3x224x224")
        if name and (name == "in" or not NAME.match(name) or self.resolve(name) in self.position):
            raise ModelError(f"'{name}' cannot name this block: it is {'taken' if NAME.match(name) else 'no name'}",
                             span=span, hint="give the block a name of its own")
        if len(self.scopes) > 20:
            raise ModelError(f"blocks nest more than 20 deep at '{block}'", span=span,
                             hint="a block cannot use itself")
        feed = self.resolve(source) if source is not None else self.layers[-1].name
        if feed not in self.position:
            raise self._undefined(source, source_span or span)
        start, last = len(self.layers), None
        for copy in range(times):
            instance = f"{name}.{copy}" if name and times > 1 else name
            if self.scopes:
                parent = self.scopes[-1]
                if not instance:
                    instance, self.scopes[-1] = parent.unnamed(block)
                else:
                    instance = parent.prefix + instance
            elif not instance:
                self.kinds[block] = self.kinds.get(block, 0) + 1
                instance = f"{block}#{self.kinds[block]}"
            first = len(self.layers)
            used_at = self.scopes[0].used_at if self.scopes else span
            self.scopes.append(BlockScope(block, instance, instance + ".", feed, first, used_at))
            expand(self)
            self.scopes.pop()
            if len(self.layers) == first:
                raise ModelError(f"block '{block}' adds no layers", span=span)
            last = self.layers[-1].name
            self._rename(last, instance)
            feed = last = instance
        if name:
            full = self.scopes[-1].prefix + name if self.scopes else name
            if self.scopes:
                self.scopes[-1] = self.scopes[-1].named(name, last)
            elif times > 1:
                self.aliases[full] = last
        if times > 1:
            self.layers[start] = replace(self.layers[start], block_times=times,
                                         block_length=(len(self.layers) - start) // times)
        return self

    def _rename(self, old: str, new: str) -> None:
        """Give the last layer a new name (a block's output takes the instance's name)."""
        if old == new:
            return
        if new in self.position:
            raise ModelError(f"duplicate name '{new}'", span=self.layers[-1].at)
        for scope_index, scope in enumerate(self.scopes):
            self.scopes[scope_index] = replace(scope, names=tuple((k, new if v == old else v) for k, v in scope.names))
        self.layers[-1] = replace(self.layers[-1], name=new)
        del self.position[old]
        self.position[new] = len(self.layers) - 1
        self.skips = [replace(s, source=new if s.source == old else s.source,
                              target=new if s.target == old else s.target) for s in self.skips]

    def stage(self, name: str | None, span: Span | None = None) -> "Assembler":
        """Open a stage (name) or close the open one (None)."""
        if self.scopes:
            raise ModelError("a stage cannot start or end inside a block", span=span,
                             hint="put the stage around the lines that use the block")
        if name is None:
            if not self.open_stage:
                raise ModelError("'end' without a stage to end", span=span, hint='a stage starts with: stage "name"')
            self.open_stage = ""
            return self
        if self.open_stage:
            raise ModelError(f"stage '{name}' starts inside stage '{self.open_stage}'", span=span,
                             hint="stages do not nest: put 'end' before it")
        if not name.strip() or any(layer.stage == name for layer in self.layers):
            raise ModelError(f"a stage needs a name of its own, not '{name}'", span=span)
        if (problem := label_problem(name)):
            raise ModelError(problem, span=span)
        self.open_stage = name
        return self

    def skip(self, skip: Skip, ref_spans: Mapping[str, Span] | None = None) -> "Assembler":
        if skip.label is not None and (problem := label_problem(skip.label)):
            raise ModelError(problem, span=skip.at, hint="in labels, TeX math goes between $...$ with balanced braces")
        spans = dict(ref_spans or {})
        for ref in (skip.source, skip.target):
            if self.resolve(ref) not in self.position:
                raise self._undefined(ref, spans.get(ref, skip.at))
        skip = replace(skip, source=self.resolve(skip.source), target=self.resolve(skip.target))
        if skip.source == skip.target:
            raise ModelError(f"a skip from '{skip.source}' to itself", span=skip.at,
                             hint="a skip arrow goes from a layer to a later one")
        if self.position[skip.source] > self.position[skip.target]:
            raise ModelError(f"skip '{skip.source} -> {skip.target}' would form a cycle: "
                             f"'{skip.target}' does not come after '{skip.source}'", span=skip.at,
                             hint="a skip arrow goes from a layer to a later one")
        self.skips.append(skip)
        return self
