"""The network model: frozen dataclasses for layers and connections, and the builder that chains them.

The parser and the Python builder both end in `Network.append`, so a .nn file and the equivalent builder calls
produce equal networks. The model knows nothing about drawing.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import ClassVar, Mapping, Sequence

from .errors import ModelError, Span

Pair = tuple[int, int]

ACTIVATIONS = ("relu", "leakyrelu", "prelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "logsoftmax")
POOL_MODES = ("max", "avg", "global")
UPSAMPLE_MODES = ("nearest", "bilinear")


@dataclass(frozen=True, kw_only=True)
class Style:
    """Per-layer drawing overrides; None means the theme's value."""

    color: str | None = None  # a palette colour name or '#rrggbb'
    opacity: float | None = None
    show_label: bool = True


@dataclass(frozen=True, kw_only=True)
class Layer:
    name: str = ""
    inputs: tuple[str, ...] = ()
    label: str | None = None
    style: Style = Style()
    at: Span | None = field(default=None, compare=False, repr=False)

    kind: ClassVar[str] = "layer"


@dataclass(frozen=True, kw_only=True)
class Input(Layer):
    shape: tuple[int, ...]
    kind: ClassVar[str] = "input"


@dataclass(frozen=True, kw_only=True)
class Conv(Layer):
    channels: int
    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    bn: bool = False
    act: str | None = None
    kind: ClassVar[str] = "conv"


@dataclass(frozen=True, kw_only=True)
class Deconv(Conv):
    """A transposed convolution; by default 2×2 with stride 2, doubling the size (U-Net's up-convolution)."""

    kernel: Pair = (2, 2)
    stride: Pair = (2, 2)
    kind: ClassVar[str] = "deconv"


@dataclass(frozen=True, kw_only=True)
class Pool(Layer):
    mode: str = "max"  # one of POOL_MODES; 'global' is global average pooling
    kernel: Pair = (2, 2)
    stride: Pair | None = None  # None: equal to the kernel, as in PyTorch
    padding: Pair = (0, 0)
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
class Skip:
    """A plain arrow from one layer to a later one, drawn as a routed skip; it carries no data."""

    source: str
    target: str
    label: str | None = None
    at: Span | None = field(default=None, compare=False, repr=False)


LAYER_KINDS = {cls.kind: cls for cls in
               (Input, Conv, Deconv, Pool, Upsample, Dense, Flatten, BatchNorm, Activation, Dropout, Add, Concat)}


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """'did you mean' text for a misspelt word, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


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

    # -- queries ---------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def consumers(self, name: str) -> list[Layer]:
        return [layer for layer in self.layers if name in layer.inputs]

    # -- the one way layers enter a network ------------------------------------------------------------------
    def append(self, layer: Layer, refs: Sequence[str] = (), *, implicit: bool = True,
               ref_spans: Mapping[str, Span] | None = None) -> "Network":
        """Add `layer`, fed by `refs` (names of earlier layers), plus the previous layer when `implicit`.

        An unnamed layer gets the name kind#n, which no .nn name can clash with.
        """
        names = self.names()
        if layer.name and layer.name in names:
            first = self[layer.name]
            where = f" (first defined on line {first.at.line})" if first.at else ""
            raise ModelError(f"duplicate name '{layer.name}'{where}", span=layer.at,
                             hint="give each named layer its own name")
        for ref in refs:
            if ref not in names:
                span = (ref_spans or {}).get(ref, layer.at)
                hint = suggest(ref, names) or ("names must be defined before they are used" if names else None)
                raise ModelError(f"undefined layer '{ref}'", span=span, hint=hint)
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
        if not layer.name:
            count = sum(1 for existing in self.layers if existing.kind == layer.kind) + 1
            layer = replace(layer, name=f"{layer.kind}#{count}")
        layer = replace(layer, inputs=tuple(inputs))
        return replace(self, layers=self.layers + (layer,))

    def with_skip(self, skip: Skip, ref_spans: Mapping[str, Span] | None = None) -> "Network":
        names = self.names()
        for ref in (skip.source, skip.target):
            if ref not in names:
                raise ModelError(f"undefined layer '{ref}'", span=(ref_spans or {}).get(ref, skip.at),
                                 hint=suggest(ref, names))
        if names.index(skip.source) >= names.index(skip.target):
            raise ModelError(f"skip '{skip.source} -> {skip.target}' would form a cycle: "
                             f"'{skip.target}' does not come after '{skip.source}'", span=skip.at,
                             hint="a skip arrow goes from a layer to a later one")
        return replace(self, skips=self.skips + (skip,))

    # -- the Python builder: one method per statement of the language -----------------------------------------
    def titled(self, name: str, caption: str | None = None) -> "Network":
        return replace(self, name=name, caption=caption if caption is not None else self.caption)

    def input(self, *shape: int, label: str | None = None, name: str = "", **style) -> "Network":
        return self.append(Input(shape=tuple(shape), label=label, name=name, style=Style(**style)))

    def conv(self, channels: int, k: int | Pair = 3, s: int | Pair = 1, p: int | Pair = 0, *, bn: bool = False,
             act: str | None = None, label: str | None = None, name: str = "", from_: str | None = None,
             **style) -> "Network":
        layer = Conv(channels=channels, kernel=_pair(k), stride=_pair(s), padding=_pair(p), bn=bn, act=act,
                     label=label, name=name, style=Style(**style))
        return self._fed(layer, from_)

    def deconv(self, channels: int, k: int | Pair = 2, s: int | Pair = 2, p: int | Pair = 0, *, bn: bool = False,
               act: str | None = None, label: str | None = None, name: str = "", from_: str | None = None,
               **style) -> "Network":
        layer = Deconv(channels=channels, kernel=_pair(k), stride=_pair(s), padding=_pair(p), bn=bn, act=act,
                       label=label, name=name, style=Style(**style))
        return self._fed(layer, from_)

    def pool(self, mode: str = "max", k: int | Pair = 2, s: int | Pair | None = None, p: int | Pair = 0, *,
             label: str | None = None, name: str = "", from_: str | None = None, **style) -> "Network":
        layer = Pool(mode=mode, kernel=_pair(k), stride=None if s is None else _pair(s), padding=_pair(p),
                     label=label, name=name, style=Style(**style))
        return self._fed(layer, from_)

    def upsample(self, scale: int = 2, mode: str = "nearest", *, label: str | None = None, name: str = "",
                 from_: str | None = None, **style) -> "Network":
        return self._fed(Upsample(scale=scale, mode=mode, label=label, name=name, style=Style(**style)), from_)

    def dense(self, units: int, act: str | None = None, *, label: str | None = None, name: str = "",
              from_: str | None = None, **style) -> "Network":
        return self._fed(Dense(units=units, act=act, label=label, name=name, style=Style(**style)), from_)

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

    def add(self, *refs: str, act: str | None = None, label: str | None = None, name: str = "",
            **style) -> "Network":
        """Sum of the named layers; with one name, of the previous layer and that one."""
        return self.append(Add(act=act, label=label, name=name, style=Style(**style)), refs,
                           implicit=len(refs) < 2)

    def concat(self, *refs: str, label: str | None = None, name: str = "", **style) -> "Network":
        return self.append(Concat(label=label, name=name, style=Style(**style)), refs, implicit=len(refs) < 2)

    def skip(self, source: str, target: str, *, label: str | None = None) -> "Network":
        return self.with_skip(Skip(source=source, target=target, label=label))

    def _fed(self, layer: Layer, from_: str | None) -> "Network":
        if from_ is None:
            return self.append(layer)
        return self.append(layer, (from_,), implicit=False)
