"""Batch normalisation of a feature map's channels (layer norm, of a sequence's features, is in sequence.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, call, features
from ..layer import Analysis, Layer


@dataclass(frozen=True, kw_only=True)
class BatchNorm(Layer):
    kind: ClassVar[str] = "bn"


class BatchNormKind(Kind):
    on_sequences = "bn"
    example = "bn"
    keyword, layer, legend, family = "bn", BatchNorm, "batch norm", "bn"
    colours = Colours((196, 214, 140), 75, "green")
    doc = "batch normalisation (its affine weight and bias count; running statistics are buffers)"
    slab, sticks, in_words = 0.75, True, True
    torch_modules, onnx_ops = ("BatchNorm2d",), ("BatchNormalization",)

    def infer(self, layer, inputs):
        shape = inputs[0][1]
        return Analysis(shape, 2 * shape[0], 0)

    def infer_sequence(self, layer, inputs):
        shape = inputs[0][1]
        return Analysis(shape, 2 * shape[1], 0, True)

    def describe(self, layer, result, counts):
        return "batch norm"

    def torch_module(self, layer, source):
        return call("nn.BatchNorm2d" if len(source.shape) == 3 else "nn.BatchNorm1d", str(features(source)))

    def forward(self, layer, target, args, attribute, source):
        if source.sequence:  # BatchNorm1d takes features before positions
            return f"{target} = {attribute}({args[0]}.transpose(1, 2)).transpose(1, 2)"
        return None

    def folded(self, host, settings):
        return None if host.get("bn") or host.get("act") else {"bn": True}

    def from_torch(self, module, shape):
        return {} if module.affine else None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        return {} if len(weights) == 4 else None


KINDS = (BatchNormKind(),)
