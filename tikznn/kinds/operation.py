"""Any other operation, named by its title: what an imported model runs that the language has no word for."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind
from ..layer import Analysis, Layer


@dataclass(frozen=True, kw_only=True)
class Operation(Layer):
    """Its output has `shape`, or its first input's shape, and it holds `weights` parameters."""

    title: str
    shape: tuple[int, ...] | None = None
    weights: int = 0
    kind: ClassVar[str] = "op"


class OperationKind(Kind):
    example = "a = bn\nop Mul a w16"
    keyword, layer, legend, family = "op", Operation, "other operation", "op"
    colours = Colours((170, 170, 185), 75, "purple")
    doc = "any other operation: op Mul a b; op Reshape 64x7x7; w32: its weights"
    names_inputs, any_shape, exportable = True, True, False
    slab, bar = 0.75, True

    def read(self, items, span):
        title, shape, *refs, weights = items
        settings = {"title": str(title)}
        if shape is not None:
            settings["shape"] = tuple(int(n) for n in str(shape).split("x"))
        if weights is not None:
            settings["weights"] = int(weights[1:])
        return settings, list(refs)

    def build(self, title: str, shape=None, weights: int = 0, label=None, **common):
        return Operation(title=title, shape=tuple(shape) if shape else None, weights=weights,
                         label=title if label is None else label, **common)

    def builder_refs(self, args):
        return args[:1], args[1:]

    def default_label(self, settings):
        return settings["title"]

    def implicit(self, refs):
        return not refs

    def written(self, inputs: list[str], previous: str) -> list[str]:
        return [] if inputs == [previous] else inputs

    def words(self, layer, refs):
        return ["op", layer.title] + (["x".join(map(str, layer.shape))] if layer.shape else []) + refs + \
            ([f"w{layer.weights}"] if layer.weights else [])

    def infer(self, layer, inputs):
        return Analysis(layer.shape or inputs[0][1], layer.weights, 0)

    def describe(self, layer, result, counts):
        return layer.title

    def from_settings(self, settings, shape):
        return Operation(title=settings["title"], shape=tuple(shape) if settings.get("reshapes") else None,
                         weights=settings.get("params", 0))


@dataclass(frozen=True, kw_only=True)
class Part(Layer):
    """A part of a network drawn as one box: a block's use, when a figure draws blocks, not their layers
    ('detail blocks'). Its output has `shape`; it holds `weights` parameters and does `macs` multiply-accumulates."""

    title: str
    shape: tuple[int, ...]
    weights: int = 0
    macs: int = 0
    kind: ClassVar[str] = "part"


class PartKind(Kind):
    example = "part fire 128x32x32 w12345 m678900"
    keyword, layer, legend, family = "part", Part, "block of layers", "op"
    colours = Colours((175, 205, 225), 161, "sky", 0.7)
    doc = "a block's layers drawn as one box (what 'detail blocks' draws): part fire 128x55x55 w12345 m678900"
    any_shape, exportable, counted = True, False, True

    def read(self, items, span):
        title, shape, weights, macs = items
        settings = {"title": str(title), "shape": tuple(int(n) for n in str(shape).split("x"))}
        if weights is not None:
            settings["weights"] = int(weights[1:])
        if macs is not None:
            settings["macs"] = int(macs[1:])
        return settings, []

    def build(self, title: str, shape, weights: int = 0, macs: int = 0, label=None, **common):
        return Part(title=title, shape=tuple(shape), weights=weights, macs=macs,
                    label=title if label is None else label, **common)

    def default_label(self, settings):
        return settings["title"]

    def words(self, layer, refs):
        return ["part", layer.title, "x".join(map(str, layer.shape))] + \
            ([f"w{layer.weights}"] if layer.weights else []) + ([f"m{layer.macs}"] if layer.macs else [])

    def infer(self, layer, inputs):
        return Analysis(layer.shape, layer.weights, layer.macs)

    def infer_sequence(self, layer, inputs):
        return Analysis(layer.shape, layer.weights, layer.macs, sequence=len(layer.shape) == 2)

    def describe(self, layer, result, counts):
        return layer.title


KINDS = (OperationKind(), PartKind())
