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


KINDS = (OperationKind(),)
