"""Merges of branches: element-wise sum (a residual connection) and concatenation along channels."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, feature_axis, features
from .activation import expression, problem as act_problem
from ..layer import Analysis, Layer, describe, shape_error, who


def _at_least_two(layer, inputs) -> None:
    if len(inputs) < 2:
        raise shape_error(layer, f"{layer.kind} needs at least two inputs", hint=f"write: {layer.kind} a b")


@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of its inputs (a residual connection), optionally followed by an activation."""

    act: str | None = None
    kind: ClassVar[str] = "add"


class AddKind(Kind):
    on_sequences = "add"
    example = "a = conv 16 k3 p1\nb = conv 16 k1 from a\nadd a b relu"
    keyword, layer, legend, family = "add", Add, "sum", "add"
    colours = Colours((70, 170, 100), 117, "green", 0.85)
    doc = "the sum of its inputs (a residual connection): add a b, or add a (and the line before); an activation"
    merges = names_inputs = True
    repeatable = False
    symbol = "$+$"
    fuses = ("activation",)
    torch_functions, onnx_ops = ("add", "iadd"), ("Add",)

    def read(self, items, span):
        *refs, act = items
        return {"act": act and str(act)}, list(refs)

    def build(self, act: str | None = None, **common):
        return Add(act=act, **common)

    def check(self, layer):
        return act_problem(layer.act)

    def written(self, inputs: list[str], previous: str) -> list[str]:
        """`add a` reads the line before too."""
        if len(inputs) == 2 and previous in inputs:
            return [inputs[0] if inputs[1] == previous else inputs[1]]
        return inputs

    def words(self, layer, refs):
        return ["add", *refs] + ([layer.act] if layer.act else [])

    def infer(self, layer, inputs, sequence: bool = False):
        _at_least_two(layer, inputs)
        (first, first_shape), rest = inputs[0], inputs[1:]
        for other, shape in rest:
            if shape != first_shape:
                raise shape_error(layer, f"cannot add {who(first)} ({describe(first_shape)}) and {who(other)} "
                                         f"({describe(shape)})", hint=_projection_hint(first_shape, shape))
        return Analysis(first_shape, 0, 0, sequence)

    def infer_sequence(self, layer, inputs):
        return self.infer(layer, inputs, sequence=True)

    def forward(self, layer, target, args, attribute, source):
        total = " + ".join(args)
        if not layer.act:
            return f"{target} = {total}"
        found = expression(layer.act, total, source)
        if found is None:  # prelu: its slope is a module's parameter
            from ..errors import ModelError
            raise ModelError(f"{'' if layer.at else repr(layer.name) + ': '}{layer.act} after an add cannot be "
                             "exported to PyTorch: nn.PReLU learns a slope, which needs a module of its own",
                             span=layer.at, hint="write the prelu on a line of its own after the add")
        return f"{target} = {found}"

    def from_torch_function(self, name, given, node, shape, tensors):
        import operator

        import torch
        if node.target in (operator.add, operator.iadd, torch.add) and len(tensors) == 2 and \
                tensors[0] == tensors[1] == shape:
            return {}
        return None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        return {} if len(data) == 2 and not weights else None


def _projection_hint(a, b) -> str:
    if len(a) == len(b) == 3:
        big, small = (a, b) if a[1] >= b[1] else (b, a)
        stride = big[1] // small[1]
        if stride > 1:
            return (f"project the larger one on the skip: a 1×1 conv with {small[0]} channels and stride {stride} "
                    f"(conv {small[0]} k1 s{stride} bn from NAME)")
        return f"project one with a 1×1 conv to the other's channels (conv {max(a[0], b[0])} k1 from NAME)"
    return "both inputs of add must have the same shape"


@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """Concatenation of its inputs along channels."""

    kind: ClassVar[str] = "concat"


class ConcatKind(Kind):
    on_sequences = "concat"
    example = "a = conv 16 k3 p1\nb = conv 8 k1 from a\nconcat a b"
    keyword, layer, legend, family = "concat", Concat, "concatenation", "concat"
    colours = Colours((232, 172, 70), 117, "orange", 0.85)
    doc = "its inputs side by side along channels (features, for sequences): concat a b c"
    merges = names_inputs = True
    repeatable = False
    symbol = r"$\Vert$"
    counted = True  # the channels it adds up to, beside it
    torch_functions, onnx_ops = ("cat",), ("Concat",)

    def read(self, items, span):
        return {}, list(items)

    def describe(self, layer, result, counts):
        return "concat"

    def written(self, inputs: list[str], previous: str) -> list[str]:
        return inputs

    def words(self, layer, refs):
        return ["concat", *refs]

    def infer(self, layer, inputs, sequence: bool = False):
        _at_least_two(layer, inputs)
        (first, first_shape), rest = inputs[0], inputs[1:]
        kept = (lambda sh: sh[:-1]) if sequence else (lambda sh: sh[1:])  # all but the concatenated axis
        for other, shape in rest:
            if len(shape) != len(first_shape) or kept(shape) != kept(first_shape):
                raise shape_error(layer, f"cannot concatenate {who(first)} ({describe(first_shape)}) and "
                                         f"{who(other)} ({describe(shape)}): sizes other than channels differ",
                                  hint="resize one branch (pool, upsample or a strided conv) to the other's size")
        if sequence:  # features are the last axis
            return Analysis((*first_shape[:-1], sum(shape[-1] for _, shape in inputs)), 0, 0, True)
        return Analysis((sum(shape[0] for _, shape in inputs), *first_shape[1:]), 0, 0)

    def infer_sequence(self, layer, inputs):
        return self.infer(layer, inputs, sequence=True)

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = torch.cat([{', '.join(args)}], dim={feature_axis(source)})"

    def from_torch_function(self, name, given, node, shape, tensors):
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
        return {} if len(tensors) >= 2 and dim == 1 else None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        return {} if attrs.get("axis") == 1 and len(data) >= 2 and not weights else None


@dataclass(frozen=True, kw_only=True)
class Scale(Layer):
    """Its first input multiplied by a factor per channel: another input's (a gate of C×1×1, as
    squeeze-and-excitation computes) or, reading only the line before, a factor it learns (layer scale)."""

    kind: ClassVar[str] = "scale"


def _gate(data: tuple, gate: tuple, sequence: bool) -> bool:
    """Does `gate` scale `data` per channel (C×1×1 on a C×H×W map, D on a sequence of L×D), or entry by entry?"""
    if gate == data:
        return True
    return gate == (1, data[-1]) if sequence else len(gate) == len(data) and gate[0] == data[0] and \
        all(n == 1 for n in gate[1:])


class ScaleKind(Kind):
    on_sequences = "scale"
    example = "x = conv 16 k3 p1\npool global\ngate = conv 16 k1 sigmoid\nscale x gate"
    keyword, layer, legend, family = "scale", Scale, "scaling", "add"
    colours = Colours((205, 120, 170), 117, "vermillion", 0.85)
    doc = ("a map times a gate per channel, as squeeze-and-excitation does: scale x gate (scale x: times the line "
           "before); alone, a factor per channel it learns (layer scale)")
    merges = names_inputs = True
    repeatable = False
    symbol = r"$\times$"
    torch_functions, onnx_ops = ("mul", "imul"), ("Mul",)

    def read(self, items, span):
        return {}, list(items)

    def implicit(self, refs):
        return len(refs) < 2

    def written(self, inputs: list[str], previous: str) -> list[str]:
        if len(inputs) == 2 and previous in inputs:
            return [inputs[0] if inputs[1] == previous else inputs[1]]
        return [] if inputs == [previous] else inputs

    def words(self, layer, refs):
        return ["scale", *refs]

    def describe(self, layer, result, counts):
        return "scale" if len(layer.inputs) > 1 else "layer scale"

    def infer(self, layer, inputs, sequence: bool = False):
        if len(inputs) == 1:  # a factor per channel (per feature) it learns
            shape = inputs[0][1]
            return Analysis(shape, shape[-1] if sequence else shape[0], 0, sequence)
        if len(inputs) > 2:
            raise shape_error(layer, f"scale multiplies two inputs, not {len(inputs)}", hint="write: scale x gate")
        (a, a_shape), (b, b_shape) = inputs
        if _gate(a_shape, b_shape, sequence):
            return Analysis(a_shape, 0, 0, sequence)
        if _gate(b_shape, a_shape, sequence):
            return Analysis(b_shape, 0, 0, sequence)
        one = f"{a_shape[-1]}" if sequence else f"{a_shape[0]}×1×1" if len(a_shape) == 3 else str(a_shape[0])
        raise shape_error(layer, f"cannot scale {who(a)} ({describe(a_shape)}) by {who(b)} ({describe(b_shape)}): a "
                                 "gate has one value per channel, or the same shape",
                          hint=f"make the gate {one}: pool global, then 1×1 convs (or dense layers) to {a_shape[-1 if sequence else 0]}")

    def infer_sequence(self, layer, inputs):
        return self.infer(layer, inputs, sequence=True)

    def torch_module(self, layer, source):
        if len(layer.inputs) > 1:
            return None
        axes = f"{features(source)}" if source.sequence or len(source.shape) == 1 else \
            ", ".join([str(source.shape[0])] + ["1"] * (len(source.shape) - 1))
        return f"nn.Parameter(torch.ones({axes}))"

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = {' * '.join(args) if len(args) > 1 else f'{attribute} * {args[0]}'}"

    def from_torch_function(self, name, given, node, shape, tensors):
        """x * gate (squeeze-and-excitation), or x * a parameter of one value per channel (layer scale)."""
        import operator

        import torch
        if node.target not in (operator.mul, operator.imul, torch.mul) or len(node.all_input_nodes) != 2:
            return None
        data = [n for n in node.all_input_nodes if n.op != "get_attr"]
        if len(data) == 2 and shape in tensors:
            other = tensors[1] if tensors[0] == shape else tensors[0]
            return {} if _gate(shape, other, False) or _gate(shape, other, True) else None
        parameters = dict(node.graph.owning_module.named_parameters())
        held = [n for n in node.all_input_nodes if n.op == "get_attr" and n.target in parameters]  # (no buffer)
        factor = tuple(getattr(held[0].meta.get("tensor_meta"), "shape", ())) if held else ()
        per_channel = (shape[0], *[1] * (len(shape) - 1)) if len(shape) == 3 else (shape[-1],)  # (a sequence's D)
        if len(data) == 1 and tuple(data[0].meta["tensor_meta"].shape)[1:] == shape and factor == per_channel:
            return {}
        return None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        """x * gate of two tensors the model computes, or x * a weight of one value per channel."""
        if len(data) == 2 and not weights:
            a, b = (shapes.get(t, ())[1:] for t in data)
            gated = a == shape and _gate(shape, b, False) or b == shape and _gate(shape, a, False)
            return {} if gated else None
        per_channel = weights and tuple(weights[0][-len(shape):]) == (shape[0], *[1] * (len(shape) - 1))
        return {} if len(data) == 1 and len(weights) == 1 and per_channel else None


KINDS = (AddKind(), ConcatKind(), ScaleKind())
