"""The network's inputs: a feature map or vector, token ids, or a sequence of vectors."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, token_sizes
from ..layer import Analysis, Layer, describe

DATA = ("tensor", "tokens", "seq")  # a feature map or vector; token ids (L); a sequence of vectors (L×D)


@dataclass(frozen=True, kw_only=True)
class Input(Layer):
    shape: tuple[int, ...]
    data: str = "tensor"  # one of DATA
    kind: ClassVar[str] = "input"


class InputKind(Kind):
    example, example_input = "input 3x224x224", ""
    keyword, layer, legend, family = "input", Input, "input", "input"
    colours = Colours((176, 190, 197), 255, "grey", 0.55)
    doc = "an input: C×H×W (3x224x224), C×L, a vector size (784); 128 tokens; 128x512 seq"
    is_input, repeatable, counted, neurons = True, False, True, True
    terminals = {"INPUT_DATA": ("tokens or seq", DATA[1:])}

    def read(self, items, span):
        shape, data = items
        return {"shape": token_sizes(shape),
                "data": str(data or "tensor")}, []

    def build(self, *shape: int, data: str = "tensor", **common):
        return Input(shape=tuple(shape), data=data, **common)

    def implicit(self, refs):
        return False

    def check(self, layer):
        if layer.data not in DATA:
            return f"unknown input data '{layer.data}'", "choose from: " + ", ".join(DATA)
        if layer.data != "tensor" and len(layer.shape) != {"tokens": 1, "seq": 2}[layer.data]:
            return f"{layer.data} input takes " + ("a length, like 128" if layer.data == "tokens" else
                                                   "L×D, like 128x512")
        if not (1 <= len(layer.shape) <= 3 and all(n >= 1 for n in layer.shape)):
            return (f"shape {'x'.join(map(str, layer.shape))} is not supported",
                    "write C×H×W like 3x224x224, C×L like 1x128, or a vector size like 784")
        return None

    def words(self, layer, refs):
        return ["input", "x".join(map(str, layer.shape))] + ([layer.data] if layer.data != "tensor" else [])

    def infer(self, layer, inputs):  # the model has checked its shape
        return Analysis(layer.shape, 0, 0, sequence=layer.data != "tensor")

    def describe(self, layer, result, counts):
        if not counts:
            return "input"
        return describe(result.shape) + (" tokens" if layer.data == "tokens" else "")

    def from_settings(self, settings, shape):
        return Input(shape=tuple(shape), data=settings.get("data", "tensor"))


KINDS = (InputKind(),)
