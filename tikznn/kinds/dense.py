"""Fully connected layers, and what comes between a feature map and them: flatten and dropout."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from . import Colours, Kind, call, features
from .activation import module as act_module, problem as act_problem
from ..layer import Analysis, Layer, describe, shape_error, who


@dataclass(frozen=True, kw_only=True)
class Dense(Layer):
    units: int
    act: str | None = None
    kind: ClassVar[str] = "dense"


class DenseKind(Kind):
    on_sequences = "dense"
    example, example_input = "dense 10 softmax", "input 784"
    keyword, layer, legend, family = "dense", Dense, "fully connected", "dense"
    colours = Colours((196, 182, 232), 161, "sky", 0.7)
    parts = (("dense-act", "activation (fully connected)", Colours((130, 105, 200), 117, "blue")),
             ("softmax", "softmax", Colours((128, 30, 100), 0, "purple")))
    doc = "a fully connected layer: units and an activation (on a sequence: at each position)"
    bar = counted = neurons = True
    band = "dense-act"
    fuses = ("activation",)
    torch_modules, onnx_ops = ("Linear",), ("Gemm",)

    def read(self, items, span):
        units, act = items
        return {"units": int(units), "act": act and str(act)}, []

    def build(self, units: int, act: str | None = None, **common):
        return Dense(units=units, act=act, **common)

    def check(self, layer):
        return act_problem(layer.act)

    def words(self, layer, refs):
        return ["dense", str(layer.units)] + ([layer.act] if layer.act else [])

    def infer(self, layer, inputs):
        source, shape = inputs[0]
        if len(shape) != 1:
            raise shape_error(layer, f"dense needs a flat vector but {who(source)} gives {describe(shape)}",
                              hint=f"add a 'flatten' line before this one (it gives {prod(shape)} features), "
                                   "or 'pool global' first")
        return Analysis((layer.units,), shape[0] * layer.units + layer.units, shape[0] * layer.units)

    def infer_sequence(self, layer, inputs):  # applied at each position
        length, width = inputs[0][1]
        return Analysis((length, layer.units), width * layer.units + layer.units, length * width * layer.units, True)

    def describe(self, layer, result, counts):
        return f"fc {layer.units}" if counts else "dense"

    def torch_module(self, layer, source):
        linear = call("nn.Linear", str(features(source)), str(layer.units))
        return [linear, act_module(layer.act, source)] if layer.act else linear

    def from_torch(self, module, shape):  # (not over the last axis of a C×H×W: that is no layer of the language)
        return {"units": module.out_features} if module.bias is not None and len(shape) < 3 else None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        if len(data) == 1 and len(weights) == 2 and attrs.get("transB", 0) == 1 and not attrs.get("transA", 0):
            return {"units": weights[0][0]}
        return None


@dataclass(frozen=True, kw_only=True)
class Flatten(Layer):
    kind: ClassVar[str] = "flatten"


class FlattenKind(Kind):
    on_sequences = "flatten"
    example = "flatten"
    keyword, layer, legend, family = "flatten", Flatten, "flatten", "op"
    doc = "a feature map (or sequence) as one vector; drawn as part of the arrow"
    in_arrow = in_words = True
    torch_modules, torch_functions, onnx_ops = ("Flatten",), ("flatten", "view", "reshape"), ("Flatten", "Reshape")

    def infer(self, layer, inputs):
        return Analysis((prod(inputs[0][1]),), 0, 0)

    def infer_sequence(self, layer, inputs):
        return Analysis((prod(inputs[0][1]),), 0, 0)

    def describe(self, layer, result, counts):
        return "flatten"

    def function(self, layer, x, source):
        return f"torch.flatten({x}, 1)"

    def from_torch(self, module, shape):
        return {} if len(shape) == 1 else None

    def from_torch_function(self, name, given, node, shape, tensors):
        if name != "flatten" and node.op != "call_method":  # x.view(...), not a function named view
            return None
        return {} if len(shape) == 1 and tensors and len(tensors[0]) > 1 and prod(tensors[0]) == shape[0] else None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        if len(shape) == 1 and len(data) == 1 and len(shapes.get(data[0], ())) > 2 and attrs.get("axis", 1) == 1:
            return {}
        return None


@dataclass(frozen=True, kw_only=True)
class Dropout(Layer):
    p: float = 0.5
    kind: ClassVar[str] = "dropout"


class DropoutKind(Kind):
    on_sequences = "dropout"
    example, example_input = "dropout 0.2", "input 784"
    keyword, layer, legend, family = "dropout", Dropout, "dropout", "op"
    doc = "dropout with probability p (0.5 unless given); drawn as part of the arrow"
    in_arrow = in_words = True
    torch_modules, torch_functions, onnx_ops = ("Dropout",), ("dropout",), ("Dropout",)

    def read(self, items, span):
        return ({} if items[0] is None else {"p": float(items[0])}), []

    def build(self, p: float = 0.5, **common):
        return Dropout(p=p, **common)

    def check(self, layer):
        return None if 0 <= layer.p < 1 else f"probability {layer.p} must be at least 0 and below 1"

    def words(self, layer, refs):
        return ["dropout", f"{layer.p:g}" if isinstance(layer.p, float) else str(layer.p)]

    def infer_sequence(self, layer, inputs):
        return Analysis(inputs[0][1], 0, 0, True)

    def describe(self, layer, result, counts):
        return f"dropout {layer.p:g}"

    def function(self, layer, x, source):
        return f"F.dropout({x}, p={layer.p}, training=self.training)"

    def passes(self, settings):
        return settings.get("p") == 0

    def from_torch(self, module, shape):
        return {"p": module.p}

    def from_torch_function(self, name, given, node, shape, tensors):
        return {"p": given.get("p", 0.5)}

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        return {"p": attrs.get("ratio", 0.5)}


KINDS = (DenseKind(), FlattenKind(), DropoutKind())
