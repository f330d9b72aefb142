"""ONNX models → operations (traced.Op): shapes from onnx's own shape inference, weights from the initializers.
Needs the `onnx` package (pip install 'tikznn[onnx]')."""
from __future__ import annotations

from math import prod
from pathlib import Path

from . import kinds
from .errors import ModelImportError
from .traced import Names, Op


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ModelImportError("reading ONNX models needs the onnx package",
                               hint="pip install 'tikznn[onnx]'") from None
    return onnx


def read(path: str | Path) -> tuple[list[Op], str]:
    """The operations of an ONNX model file, in the order the graph runs them, and the model's name."""
    onnx = _onnx()
    try:
        model = onnx.load(str(path))
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)  # (shapes computed from shapes too)
    except FileNotFoundError:
        raise ModelImportError(f"no such file: {path}") from None
    except Exception as err:  # protobuf's DecodeError and onnx's checker errors share no base class
        raise ModelImportError(f"{path} is not a readable ONNX model ({type(err).__name__}: {err})".strip(),
                               hint="export it again (torch.onnx.export), or check that the file is complete") \
            from None
    if not model.graph.node:
        raise ModelImportError(f"{path} holds no ONNX graph",
                               hint="is it an ONNX model file (.onnx)? a truncated one reads as empty")
    generic = ("", "main_graph", "torch_jit", "torch-jit-export")  # what exporters call every graph
    return _Graph(model.graph).ops(), Path(path).stem if model.graph.name in generic else model.graph.name


class _Graph:
    def __init__(self, graph):
        self.graph = graph
        self.weights = {t.name: tuple(t.dims) for t in graph.initializer}
        # tensors of whole numbers: shapes, indices and axes (a Reshape's target), never weights nor data
        self.integers = {t.name for t in graph.initializer if t.data_type in _INTEGER}
        self.constants: set[str] = set()  # what Constant nodes make, and what is computed from shapes only
        self.values = {t.name: _small(t) for t in graph.initializer}  # a few numbers' values (a Clip's bounds)
        self.constants.update(t.name for t in graph.initializer if not t.dims)  # a scalar is no weight (bounds)
        self.shapes = {}
        for value in [*graph.input, *graph.value_info, *graph.output]:
            dims = value.type.tensor_type.shape.dim
            self.shapes[value.name] = tuple(d.dim_value for d in dims)
            if value.type.tensor_type.elem_type in _INTEGER:
                self.integers.add(value.name)
        self.made_by: dict[str, str] = {}  # tensor -> the op that makes it
        self._name = Names()

    def ops(self) -> list[Op]:
        ops = []
        inputs = [v for v in self.graph.input if v.name not in self.weights]
        if len(inputs) != 1:
            raise ModelImportError(f"the model has {len(inputs)} inputs; tikznn draws networks with one",
                                   hint="export the model with a single input tensor")
        shape = self.shapes[inputs[0].name][1:]
        if not shape or 0 in shape:
            raise ModelImportError(f"the input '{inputs[0].name}' has no fixed size",
                                   hint="export with a fixed input size (no dynamic axes other than the batch)")
        ops.append(Op(self._name("input"), "input", [], shape))
        self.made_by[inputs[0].name] = ops[0].name
        for node in self.graph.node:
            if node.op_type == "Constant" or all(t in self.integers for t in node.output if t):
                self.constants.update(node.output)  # a constant, or a shape computed from one: not drawn
                if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                    self.values[node.output[0]] = _small(node.attribute[0].t)
                continue
            if node.input and not any(t in self.made_by for t in node.input if t):
                # computed from weights and constants only (a class token expanded to the batch): a weight too,
                # counted by what reads it
                held = sum(prod(self.weights[t]) for t in node.input
                           if t in self.weights and t not in self.integers | self.constants)
                for tensor in node.output:
                    self.weights[tensor] = (held,) if held else ()
                    if not held:
                        self.constants.add(tensor)
                continue
            op = self._op(node)
            if op is None:  # passes its input through (Identity): a tensor, or a weight shared under a new name
                if node.input[0] in self.weights:
                    self.weights[node.output[0]] = self.weights[node.input[0]]
                elif node.input[0] in self.made_by:
                    self.made_by[node.output[0]] = self.made_by[node.input[0]]
                continue
            ops.append(op)
            for tensor in node.output:
                self.made_by[tensor] = op.name
        return ops

    def _op(self, node) -> Op | None:
        if node.op_type == "Identity":
            return None
        attrs = {a.name: _attribute(a) for a in node.attribute}
        attrs["inputs"] = tuple(self.values.get(t) for t in node.input)  # the values of those that are constants
        data = [t for t in node.input if t and t not in self.weights and t not in self.integers | self.constants]
        counted = [t for t in node.input if t in self.weights and t not in self.integers | self.constants]
        weights = [self.weights[t] for t in counted]
        shape = self.shapes.get(node.output[0], ())[1:]
        if not shape or 0 in shape:  # (onnx shape inference could not follow it: a size computed at run time)
            raise ModelImportError(f"the ONNX file does not say the size of what its {node.op_type} node "
                                   f"'{node.name or node.output[0]}' gives",
                                   hint="import the PyTorch model itself (tikznn import module:Model --input ...), or "
                                        "export it so that its sizes are constants")
        scope, leaf = _scope([p for p in node.name.split("/") if p][:-1])
        if leaf:
            wanted = leaf
        elif scope:
            wanted = f"{scope[-1][0]}.{node.op_type.lower()}"
        else:
            wanted = node.name or node.output[0]
        name = self._name(wanted)
        reads = [self.made_by[t] for t in data if t in self.made_by]
        kind, settings = self._meaning(node, attrs, data, weights, shape)
        params = None  # a word's: what the language counts from its settings (a BatchNormalization's running
        if kind == "op":  # statistics are weights of the file, not parameters); an op's: the weights it holds
            params = sum(prod(w) for w in weights)
            settings = {"title": node.op_type, "params": params,
                        "reshapes": not data or self.shapes.get(data[0], ())[1:] != shape}
        return Op(name, kind, reads, shape, settings, scope, params)

    def _meaning(self, node, attrs: dict, data: list[str], weights: list[tuple], shape: tuple):
        """What the node is in the language's words: the kind that declares its op type and takes its settings,
        or ('op', {}) when there is none."""
        kind = next((kind for kind in kinds.every() if node.op_type in kind.onnx_ops), None)
        settings = kind.from_onnx(node.op_type, attrs, data, weights, shape, self.shapes) if kind else None
        return (kind.keyword, settings) if settings is not None else ("op", {})


def _scope(parts: list[str]) -> tuple[tuple[tuple[str, str], ...], str]:
    """From a node name like /layer1/layer1.0/conv1/Conv (torch.onnx's): the sub-modules around the node (their
    paths; ONNX keeps no classes) and the path of the module that is the node itself (conv1 here), if any."""
    scope, path, previous = [], "", ""
    for part in parts:  # a part is a full path (layer1.0), relative to its parent (conv1), or to the part before
        if not path or part.startswith(path + "."):
            path = part
        elif previous and part.startswith(previous + "."):
            path = path[:len(path) - len(previous)] + part
        else:
            path = f"{path}.{part}"
        scope.append(path)
        previous = part
    leaf = ""
    if scope and (len(parts) == 1 or not parts[-1].startswith(parts[-2] + ".")):  # a module's own name
        leaf = scope.pop()
    return tuple((p, "") for p in scope), leaf


_INTEGER = (6, 7, 12, 13)  # onnx.TensorProto's INT32, INT64, UINT32, UINT64


def _small(tensor):
    """The value of a tensor of at most a few numbers (a scalar: the number), else None."""
    if prod(tensor.dims) > 16:
        return None
    from onnx import numpy_helper
    values = numpy_helper.to_array(tensor).ravel().tolist()
    return values[0] if len(values) == 1 and not tensor.dims else tuple(values)


def _attribute(a):
    from onnx import helper
    value = helper.get_attribute_value(a)
    return value.decode() if isinstance(value, bytes) else value
