"""ONNX models built with onnx.helper for the importer's tests: a small ResNet-like network (named as torch.onnx
names nodes, so that its repeated blocks can be found) and a plain chain with an operation tikznn has no word for."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Graph:
    def __init__(self, channels: int, size: int):
        self.nodes, self.weights, self.count = [], [], 0
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, size, size])

    def weight(self, *dims) -> str:
        self.count += 1
        name = f"w{self.count}"
        self.weights.append(numpy_helper.from_array(np.zeros(dims, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        output = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def conv(self, x, cin, cout, k, s, p, name, bias=False):
        inputs = [x, self.weight(cout, cin, k, k)] + ([self.weight(cout)] if bias else [])
        return self.node("Conv", inputs, f"{name}/Conv", kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)

    def bn(self, x, c, name):
        return self.node("BatchNormalization", [x] + [self.weight(c) for _ in range(4)], f"{name}/BatchNormalization")

    def model(self, output: str, out_shape: list[int]) -> onnx.ModelProto:
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, out_shape)
        graph = helper.make_graph(self.nodes, "net", [self.input], [out], self.weights)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def resnet_like() -> tuple[onnx.ModelProto, int]:
    """conv-bn-relu stem, max pool, two identical basic blocks, a block with a projection, pool, fc.
    Returns the model and its weight count (batch-norm's running mean and variance are not weights)."""
    g = Graph(3, 32)
    x = g.node("Relu", [g.bn(g.conv("x", 3, 16, 3, 1, 1, "/conv1"), 16, "/bn1")], "/relu/Relu")
    x = g.node("MaxPool", [x], "/maxpool/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    for i, (cin, cout, s) in enumerate([(16, 16, 1), (16, 16, 1), (16, 32, 2)]):
        block = f"/layer1/layer1.{i}"
        y = g.node("Relu", [g.bn(g.conv(x, cin, cout, 3, s, 1, f"{block}/conv1"), cout, f"{block}/bn1")],
                   f"{block}/relu/Relu")
        y = g.bn(g.conv(y, cout, cout, 3, 1, 1, f"{block}/conv2"), cout, f"{block}/bn2")
        shortcut = x
        if s != 1:
            shortcut = g.bn(g.conv(x, cin, cout, 1, s, 0, f"{block}/downsample/downsample.0"), cout,
                            f"{block}/downsample/downsample.1")
        x = g.node("Relu", [g.node("Add", [y, shortcut], f"{block}/Add")], f"{block}/relu_1/Relu")
    x = g.node("GlobalAveragePool", [x], "/avgpool/GlobalAveragePool")
    x = g.node("Flatten", [x], "/Flatten", axis=1)
    x = g.node("Gemm", [x, g.weight(10, 32), g.weight(10)], "/fc/Gemm", transB=1)
    weights = (3 * 16 * 9 + 2 * 16) + 4 * (16 * 16 * 9 + 2 * 16) + (16 * 32 * 9 + 2 * 32) + (32 * 32 * 9 + 2 * 32) \
        + (16 * 32 + 2 * 32) + (32 * 10 + 10)
    return g.model(x, [1, 10]), weights


def chain_with_unknown_op() -> tuple[onnx.ModelProto, int]:
    """conv (with bias), Celu (no word for it), a branch concatenated back, average pool, flatten, fc."""
    g = Graph(1, 28)
    a = g.conv("x", 1, 8, 5, 1, 2, "conv_a", bias=True)
    h = g.node("Celu", [a], "celu")
    b = g.node("Relu", [g.conv(h, 8, 8, 3, 1, 1, "conv_b", bias=True)], "relu_b")
    x = g.node("Concat", [h, b], "cat", axis=1)
    x = g.node("AveragePool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [x], "flat", axis=1)
    x = g.node("Gemm", [x, g.weight(10, 16 * 14 * 14), g.weight(10)], "fc", transB=1)
    return g.model(x, [1, 10]), (8 * 25 + 8) + (8 * 8 * 9 + 8) + (16 * 14 * 14 * 10 + 10)


def mobile_activations() -> onnx.ModelProto:
    """A conv, then HardSwish, HardSigmoid and Mish (opset 18, where Mish is defined)."""
    g = Graph(3, 8)
    x = g.conv("x", 3, 8, 3, 1, 1, "conv1", bias=True)
    x = g.node("HardSwish", [x], "act1/HardSwish")
    x = g.node("HardSigmoid", [x], "act2/HardSigmoid")
    x = g.node("Mish", [x], "act3/Mish")
    model = g.model(x, [1, 8, 8, 8])
    model.opset_import[0].version = 18
    return model


def exporters_patterns() -> tuple[onnx.ModelProto, int]:
    """What exporters write for a mobile block: ReLU6 as Clip(0, 6) with constant bounds, SiLU as x·Sigmoid(x),
    squeeze-and-excitation as a Mul of the map by its gate, and a Reshape whose target shape is an int64 weight
    (no parameter). Returns the model and its weight count."""
    g = Graph(3, 8)
    x = g.conv("x", 3, 8, 3, 1, 1, "conv1", bias=True)
    low, high = (numpy_helper.from_array(np.array(v, dtype=np.float32), n) for v, n in ((0.0, "low"), (6.0, "high")))
    g.weights += [low, high]
    x = g.node("Clip", [x, "low", "high"], "act1/Clip")
    y = g.conv(x, 8, 8, 1, 1, 0, "conv2", bias=True)
    x = g.node("Mul", [y, g.node("Sigmoid", [y], "act2/Sigmoid")], "act2/Mul")
    gate = g.node("Sigmoid", [g.conv(g.node("GlobalAveragePool", [x], "se/pool"), 8, 8, 1, 1, 0, "se/fc", bias=True)],
                  "se/Sigmoid")
    x = g.node("Mul", [x, gate], "se/Mul")
    g.weights.append(numpy_helper.from_array(np.array([1, 8, 64], dtype=np.int64), "target"))
    x = g.node("Reshape", [x, "target"], "reshape/Reshape")
    return g.model(x, [1, 8, 64]), 3 * 8 * 9 + 8 + 8 * 8 + 8 + 8 * 8 + 8
