"""What every layer has (a name, inputs, a label, a style) and what shape inference says of one (`Analysis`);
each kind of layer adds its own settings in tikznn/kinds."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import ClassVar

from .errors import ShapeError, Span

Pair = tuple[int, int]
Shape = tuple[int, ...]
DIMS_MODES = ("auto", "shape", "channels", "none")  # what is written on a block: see docs/language.md


@dataclass(frozen=True, kw_only=True)
class Style:
    """Per-layer drawing overrides; None means the theme's value."""

    color: str | None = None  # a palette colour name or '#rrggbb'
    opacity: float | None = None
    show_label: bool = True
    dims: str | None = None  # what is written on its block (DIMS_MODES); None: the figure's setting
    image: str | None = None  # a picture on its block's face: a PNG or JPEG path, relative to its .nn file


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
    use: tuple[str, str] = field(default=("", ""), compare=False, repr=False)  # ... that use's block and instance

    kind: ClassVar[str] = "layer"  # its keyword in the language: the key of its declaration in tikznn/kinds


@dataclass(frozen=True)
class Analysis:
    """A layer's output shape, parameters and multiply-accumulates."""

    shape: Shape
    params: int
    macs: int
    sequence: bool = False  # positions first: (L,) token ids or (L, D)

    @property
    def elements(self) -> int:
        """Activation memory of the output, in elements (per sample)."""
        return prod(self.shape)


Inputs = list[tuple[Layer, Shape]]  # a layer's inputs and their shapes, as shape inference hands them to a kind


def describe(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def who(layer: Layer) -> str:
    """A layer as the user knows it: by its name, or for an unnamed one by its kind and line."""
    if "#" not in layer.name:
        return f"'{layer.name}'"
    if layer.used_at:
        return f"the {layer.kind} of the block used on line {layer.used_at.line}"
    return f"the {layer.kind} on line {layer.at.line}" if layer.at else f"'{layer.name}'"


def shape_error(layer: Layer, message: str, hint: str | None = None) -> ShapeError:
    """The error for a layer whose inputs do not fit it, pointing at its line (and the block's use)."""
    if layer.used_at:
        note = f"it is in the block used on line {layer.used_at.line}"
        hint = f"{hint}; {note}" if hint else note
    return ShapeError(f"{who(layer)}: {message}", span=layer.at, hint=hint)
