"""Activations: a line of their own (relu), or the last word of a conv, dense or add line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, feature_axis
from ..errors import suggest
from ..layer import Analysis, Inputs, Layer

# the language's activations and how a figure names them
NAMES = {"relu": "ReLU", "leakyrelu": "leaky ReLU", "prelu": "PReLU", "elu": "ELU", "gelu": "GELU", "silu": "SiLU",
         "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "logsoftmax": "log-softmax", "relu6": "ReLU6",
         "hardswish": "hard swish", "hardsigmoid": "hard sigmoid", "mish": "Mish"}
ACTIVATIONS = tuple(NAMES)
SOFTMAX = ("softmax", "logsoftmax")  # drawn in the softmax colour
# as a module (in nn.Sequential) and as a function of an expression; dim 1 is channels or features
MODULES = {"prelu": "nn.PReLU()", "relu": "nn.ReLU(inplace=True)", "leakyrelu": "nn.LeakyReLU()", "elu": "nn.ELU()",
           "gelu": "nn.GELU()", "silu": "nn.SiLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
           "softmax": "nn.Softmax(dim={dim})", "logsoftmax": "nn.LogSoftmax(dim={dim})", "relu6": "nn.ReLU6(inplace=True)",
           "hardswish": "nn.Hardswish()", "hardsigmoid": "nn.Hardsigmoid()", "mish": "nn.Mish()"}
CALLS = {"relu": "F.relu({x})", "leakyrelu": "F.leaky_relu({x})", "elu": "F.elu({x})", "gelu": "F.gelu({x})",
         "silu": "F.silu({x})", "sigmoid": "torch.sigmoid({x})", "tanh": "torch.tanh({x})",
         "softmax": "F.softmax({x}, dim={dim})", "logsoftmax": "F.log_softmax({x}, dim={dim})", "relu6": "F.relu6({x})",
         "hardswish": "F.hardswish({x})", "hardsigmoid": "F.hardsigmoid({x})", "mish": "F.mish({x})"}
# what the importers read as each
TORCH_MODULES = {"ReLU": "relu", "LeakyReLU": "leakyrelu", "ELU": "elu", "GELU": "gelu", "SiLU": "silu",
                 "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "logsoftmax", "ReLU6": "relu6",
                 "Hardswish": "hardswish", "Hardsigmoid": "hardsigmoid", "Mish": "mish"}
TORCH_FUNCTIONS = {"relu": "relu", "gelu": "gelu", "silu": "silu", "sigmoid": "sigmoid", "tanh": "tanh",
                   "softmax": "softmax", "log_softmax": "logsoftmax", "leaky_relu": "leakyrelu", "elu": "elu",
                   "relu6": "relu6", "hardswish": "hardswish", "hardsigmoid": "hardsigmoid", "mish": "mish"}
ONNX_OPS = {"Relu": "relu", "LeakyRelu": "leakyrelu", "Elu": "elu", "Gelu": "gelu", "Sigmoid": "sigmoid",
            "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "logsoftmax", "HardSwish": "hardswish",
            "HardSigmoid": "hardsigmoid", "Mish": "mish", "Clip": "relu6"}  # (a Clip of 0 and 6 only)


def problem(act: str | None):
    """Why `act` is no activation, if it is not one."""
    if act is None or act in ACTIVATIONS:
        return None
    return f"unknown activation '{act}'", suggest(act, ACTIVATIONS) or "choose from: " + ", ".join(ACTIVATIONS)


def learned(act: str | None) -> int:
    """Parameters an activation learns: nn.PReLU() one slope."""
    return 1 if act == "prelu" else 0


def module(act: str, source: Analysis) -> str:
    return MODULES[act].format(dim=feature_axis(source))


def expression(act: str, x: str, source: Analysis) -> str | None:
    """The activation of an expression; None for prelu, whose slope needs a module."""
    return CALLS[act].format(x=x, dim=feature_axis(source)) if act in CALLS else None


@dataclass(frozen=True, kw_only=True)
class Activation(Layer):
    fn: str
    kind: ClassVar[str] = "activation"


class ActivationKind(Kind):
    on_sequences = "activations"
    example = "leakyrelu"
    keyword, layer, legend, family = "activation", Activation, "activation", "activation"
    colours = Colours((236, 142, 60), 117, "orange")
    doc = "an activation on a line of its own: relu, gelu, softmax, ..."
    method = "act"
    slab, sticks, in_words = 0.75, True, True
    torch_modules, torch_functions, onnx_ops = tuple(TORCH_MODULES), tuple(TORCH_FUNCTIONS), tuple(ONNX_OPS)
    terminals = {"ACT": ("an activation (" + ", ".join(ACTIVATIONS) + ")", ACTIVATIONS)}

    def read(self, items, span):
        return {"fn": str(items[0])}, []

    def build(self, fn: str, **settings):
        return Activation(fn=fn, **settings)

    def check(self, layer):
        return problem(layer.fn)

    def words(self, layer, refs):
        return [layer.fn]

    def infer_sequence(self, layer, inputs: Inputs):
        return Analysis(inputs[0][1], 0, 0, True)

    def describe(self, layer, result, counts):
        return NAMES[layer.fn]

    def torch_module(self, layer, source):
        return "nn.PReLU()" if layer.fn == "prelu" else None

    def function(self, layer, x, source):
        return expression(layer.fn, x, source) if layer.fn != "prelu" else None

    def folded(self, host, settings):
        return None if host.get("act") else {"act": settings["fn"]}

    def from_torch(self, module, shape):
        return {"fn": TORCH_MODULES[type(module).__name__]}

    def from_torch_function(self, name, given, node, shape, tensors):
        return {"fn": TORCH_FUNCTIONS[name]} if len(tensors) == 1 else None

    def from_ops(self, ops, shapes):
        """x * sigmoid(x): SiLU, as ONNX exporters write it (a Sigmoid and a Mul)."""
        if len(ops) < 2:
            return None
        gate, product = ops[-2:]
        if gate.kind != "activation" or gate.settings.get("fn") != "sigmoid" or len(gate.inputs) != 1 or \
                product.kind != "scale" or sorted(product.inputs) != sorted([gate.name, gate.inputs[0]]) or \
                product.shape != gate.shape:
            return None
        return 2, {"fn": "silu"}

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        if op_type == "Clip":  # its bounds: attributes (opset < 11) or constant inputs
            given = attrs.get("inputs", ())
            low = attrs.get("min", given[1] if len(given) > 1 else None)
            high = attrs.get("max", given[2] if len(given) > 2 else None)
            low, high = (v[0] if isinstance(v, tuple) and len(v) == 1 else v for v in (low, high))
            return {"fn": "relu6"} if (low, high) == (0, 6) and not weights else None
        return None if weights else {"fn": ONNX_OPS[op_type]}


KINDS = (ActivationKind(),)
