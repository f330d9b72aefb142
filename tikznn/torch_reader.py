"""PyTorch modules → operations (traced.Op), by tracing with torch.fx on the meta device: no weights are
allocated and nothing is computed, so the largest models import in seconds. Needs torch ('tikznn[torch]')."""
from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import operator
import re
import sys
from pathlib import Path

from . import kinds
from .errors import ModelImportError
from .traced import RESERVED, Names, Op


def _torch():
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise ModelImportError("importing PyTorch models needs torch",
                               hint="pip install 'tikznn[torch]' --extra-index-url "
                                    "https://download.pytorch.org/whl/cpu (the CPU build; without the index, pip "
                                    "may fetch gigabytes of CUDA)") from None
    return torch


def _arguments_of(spec: str) -> tuple[str, dict]:
    """'module:attr(a=1, b="x")' -> ('module:attr', {'a': 1, 'b': 'x'}): keyword arguments whose values are
    Python literals (numbers, strings, booleans, None, tuples, lists, dicts), read without running any code."""
    match = re.fullmatch(r"(?P<spec>[^()]+)\((?P<args>.*)\)\s*", spec, re.S)
    if not match and "(" not in spec:
        return spec, {}
    try:
        if not match:
            raise ValueError("its parentheses do not close")
        call = ast.parse(f"f({match['args']})", mode="eval").body
        if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
            raise ValueError("give keyword arguments only")
        return match["spec"].strip(), {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError) as err:
        raise ModelImportError(f"cannot read the arguments of {spec}: {err}",
                               hint="write keyword arguments with literal values: "
                                    "torchvision.models:googlenet(aux_logits=False, init_weights=False)") from None


def load(spec: str, *, meta: bool = True):
    """The module a spec names, made on the meta device (`meta`; else with its own weights, to be run):
    'package.module:attr' or 'path/to/file.py:attr', where
    attr is an nn.Module class or a function returning a module, called without arguments or with the literal
    keyword arguments the spec gives: 'torchvision.models:googlenet(aux_logits=False)'."""
    torch = _torch()
    spec, arguments = _arguments_of(spec)
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise ModelImportError(f"'{spec}' does not name a model",
                               hint="write module:Class or path/to/file.py:function, e.g. torchvision.models:resnet18")
    try:
        if where.endswith(".py") or "/" in where:
            path = Path(where).resolve()
            if not path.is_file():
                raise ModelImportError(f"no such file: {where}")
            root, name = path.parent, path.stem  # a file in a package imports as part of it (its relative imports)
            while (root / "__init__.py").is_file():
                name, root = f"{root.name}.{name}", root.parent
            sys.path.insert(0, str(root))
            stale = sys.modules.get(name)  # another file of that name, imported before in this process
            if stale is not None and Path(getattr(stale, "__file__", "") or "").resolve() != path:
                del sys.modules[name]
                importlib.invalidate_caches()
            module = importlib.import_module(name)
        else:
            sys.path.insert(0, os.getcwd())  # as `python -m` finds modules in the current folder
            module = importlib.import_module(where)
    except ModelImportError:
        raise
    except Exception as err:
        raise ModelImportError(f"cannot import {where}: {type(err).__name__}: {err}",
                               hint="is it installed, or is the path right?") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ModelImportError(f"{where} has no class or function '{attr}'")
    try:
        try:
            with torch.device("meta" if meta else "cpu"):
                model = factory(**arguments)
        except NotImplementedError:  # its constructor reads data (RegNet's initialisation): make it for real
            model = factory(**arguments).to("meta")
    except Exception as err:
        raise ModelImportError(f"{spec}() failed: {type(err).__name__}: {err}",
                               hint="give its keyword arguments in the spec: module:Class(depth=18, width=2.0)"
                               if not arguments else "check the keyword arguments it takes") from None
    if not isinstance(model, torch.nn.Module):
        raise ModelImportError(f"{spec}() gave a {type(model).__name__}, not a torch.nn.Module")
    return model


def read(model, input_shape: tuple[int, ...], *, tokens: bool = False) -> list[Op]:
    """The operations of a module run on one input of `input_shape` (no batch axis), in the order they run: in
    eval mode, or in training mode when only that runs all its parameters (GoogLeNet's and Inception's auxiliary
    classifiers, drawn as the branches they are)."""
    ops = _read(model.eval(), input_shape, tokens)
    if sum(op.params for op in ops) < sum(p.numel() for p in model.parameters()):
        model.train()
        for module in model.modules():  # (batch norm would refuse a batch of one 1×1 map)
            if "BatchNorm" in type(module).__name__:
                module.eval()
        try:
            training = _read(model, input_shape, tokens)
        except ModelImportError:
            training = []
        finally:
            model.eval()
        shapes = {op.name: op.shape for op in training}
        same = all(shapes[op.name] == op.shape for op in ops if op.name in shapes)  # (heads added only)
        if same and sum(op.params for op in training) > sum(op.params for op in ops):
            return training
    return ops


def _read(model, input_shape: tuple[int, ...], tokens: bool) -> list[Op]:
    torch = _torch()
    from torch.fx.passes.shape_prop import ShapeProp
    try:
        traced = torch.fx.symbolic_trace(model)
    except Exception as err:
        raise ModelImportError(f"tracing the model failed: {type(err).__name__}: {str(err).splitlines()[0]}",
                               hint="torch.fx cannot trace control flow that depends on the data; "
                                    "export the model to ONNX and import that instead") from None
    sample = (torch.zeros((1, *input_shape), dtype=torch.long, device="meta") if tokens else
              torch.empty((1, *input_shape), device="meta"))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            _shape_prop(ShapeProp, torch)(traced).propagate(sample)  # (which prints a traceback of its own on failure)
    except Exception as err:
        err = err.__cause__ or err  # ShapeProp wraps the model's own error
        raise ModelImportError(f"the model does not run on a {'x'.join(map(str, input_shape))} input: "
                               f"{type(err).__name__}: {str(err).splitlines()[0]}",
                               hint="check --input (channels x height x width, no batch axis)") from None
    return _Reader(traced, tokens).ops()


# Layers whose output is a map of their input's shape and type. On the meta device PyTorch works theirs out through
# decompositions written in Python (a batch norm: 0.6 ms, a ReLU 0.3 ms; a convolution 0.03 ms), which were half of
# an import: their outputs are made here instead. (Exactly these classes: a subclass may compute anything.)
_SAME_SHAPE = ("BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm ReLU ReLU6 LeakyReLU ELU GELU SiLU Mish Sigmoid Tanh "
               "Hardswish Hardsigmoid Hardtanh Dropout Identity").split()


def _shape_prop(ShapeProp, torch):
    keeps = tuple(getattr(torch.nn, name) for name in _SAME_SHAPE)

    class Shapes(ShapeProp):
        def call_module(self, target, args, kwargs):
            module = self.fetch_attr(target)
            x = args[0] if len(args) == 1 and not kwargs else None
            if type(module) in keeps and isinstance(x, torch.Tensor) and x.is_meta and x.is_floating_point() and \
                    _fits(module, x, torch):
                return _made_as_pytorch_makes(module, x, torch)
            return super().call_module(target, args, kwargs)
    return Shapes


def _made_as_pytorch_makes(module, x, torch):
    """The layer's output, in the memory layout PyTorch gives it (which decides whether a view of it works):
    activations and dropout keep their input's; a batch norm gives a channels-last map as one, anything else
    contiguous, as a layer norm does."""
    if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and x.dim() == 4 and \
            x.is_contiguous(memory_format=torch.channels_last):
        return torch.empty_like(x, memory_format=torch.channels_last)
    if isinstance(module, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.LayerNorm)):
        return torch.empty(x.shape, dtype=x.dtype, device=x.device)
    return torch.empty_like(x)


def _fits(module, x, torch) -> bool:
    """Would the layer take this input (else it runs, to fail as it would)?"""
    if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
        try:
            module._check_input_dim(x)  # (the number of axes each takes: BatchNorm2d, four)
        except ValueError:
            return False
        return x.shape[1] == module.num_features
    if isinstance(module, torch.nn.LayerNorm):
        shape = tuple(module.normalized_shape)
        return x.dim() >= len(shape) and tuple(x.shape[x.dim() - len(shape):]) == shape
    return True


class _Reader:
    def __init__(self, traced, tokens: bool):
        self.traced, self.tokens = traced, tokens
        self.modules = dict(traced.named_modules())
        self.made_by: dict[str, str] = {}
        self._name = Names()
        self.parameters = dict(traced.named_parameters())
        self.counted: set[str] = set()  # parameters read by a function already (layer scale, a class token)
        self.holds: dict[str, list[str]] = {}  # a node computed from held tensors only -> the parameters it reads
        self.last: set[str] = set()  # nodes whose map is channels-last (H×W×C)
        self.owned: set[int] = set()  # the parameters (by identity) a layer holds
        self.shapes: dict[str, tuple] = {}  # each operation's output, by its name

    def ops(self) -> list[Op]:
        ops = []
        for node in self.traced.graph.nodes:
            if node.op == "output":
                continue
            if node.op == "call_function" and node.target is operator.getitem and ops and \
                    self.made_by.get(node.args[0].name) == ops[-1].name and kinds.named(ops[-1].kind).torch_tuple \
                    and (node.args[0].op == "call_module" or _keeps_last(ops[-1].kind)):
                self._recurrent_output(node, ops[-1])
                continue
            if node.op == "get_attr" or node.op in ("call_function", "call_method") and self._held_only(node):
                continue  # a tensor the model holds (a class token): part of what reads it
            if node.op in ("call_function", "call_method") and _is_tensor(node) and \
                    not any(n in _tensors(node) and n.name in self.made_by or n.name in self.holds or
                            n.op == "get_attr" for n in node.all_input_nodes):
                continue  # made from no input (torch.arange): what reads it reads no data through it
            if node.op != "call_module" and not _is_tensor(node):
                # a shape (x.size(), x.shape[0]), a number computed from one, a tuple of outputs: no operation
                tensors = _tensors(node)
                if tensors and tensors[0].name in self.made_by:
                    self.made_by[node.name] = self.made_by[tensors[0].name]
                continue
            if self._turned(node):
                continue
            op = self._spatial_mean(node) or self._op(node)
            if op is None:  # passes its input through (nn.Identity; a layer inactive in eval mode is still drawn)
                self.made_by[node.name] = self.made_by[_tensors(node)[0].name]
                continue
            for one in op if isinstance(op, list) else [op]:
                self.made_by[node.name] = one.name
                self.shapes[one.name] = one.shape
                ops.append(one)
        return ops

    def _turned(self, node) -> bool:
        """A permute of a C×H×W map to H×W×C (ConvNeXt's and Swin's channels-last layout) or back: the same map.
        Operations on a channels-last map keep it so (`last`); their shapes are read as C×H×W, a linear layer
        over its channels is the 1×1 convolution it computes, a layer norm normalises each position's channels."""
        if getattr(node.target, "__name__", node.target) != "permute" or len(_tensors(node)) != 1:
            return False
        source = _tensors(node)[0]
        dims = [a for a in node.args[1:] if not isinstance(a, (list, tuple))] or \
            next((list(a) for a in node.args[1:] if isinstance(a, (list, tuple))), node.kwargs.get("dims"))
        dims = [d % 4 for d in dims] if dims and len(dims) == 4 else None
        last = source.name in self.last
        if dims == [0, 2, 3, 1] and not last or dims == [0, 3, 1, 2] and last:
            if not last:
                self.last.add(node.name)
            self.made_by[node.name] = self.made_by[source.name]
            return True
        return False

    def _spatial_mean(self, node) -> list[Op] | None:
        """x.mean([2, 3]) of a C×H×W map (MNASNet's and ShuffleNet's head): global average pooling, then the
        C values as a vector — the two lines `pool global` and `flatten`."""
        if node.op not in ("call_method", "call_function") or getattr(node.target, "__name__", node.target) != "mean":
            return None
        tensors = _tensors(node)
        source = _shape_or_none(tensors[0]) if len(tensors) == 1 else None
        args = list(node.args[1:]) + [node.kwargs.get("dim")]
        dims = next((a for a in args if a is not None), None)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        if source is None or len(source) != 3 or node.kwargs.get("keepdim") or len(node.args) > 2 or \
                sorted(d % 4 for d in dims if isinstance(d, int)) != [2, 3]:
            return None
        stack = list((node.meta.get("nn_module_stack") or {}).values())
        scope = tuple((path, cls.__name__ if isinstance(cls, type) else str(cls)) for path, cls in stack)
        reads = [self.made_by[tensors[0].name]]
        pool = Op(self._name(f"{scope[-1][0]}.mean" if scope else "mean"), "pool", reads, (source[0], 1, 1),
                  {"mode": "global"}, scope, 0)
        return [pool, Op(self._name(pool.name + "_flat"), "flatten", [pool.name], (source[0],), {}, scope, 0)]

    def _recurrent_output(self, node, recurrent: Op) -> None:
        """output, state = rnn(x): the output is the sequence; output[:, -1] (a vector) is its final state.
        (A module may give other outputs besides, unused here: its weights.)"""
        self.made_by[node.name] = recurrent.name
        if not node.users:  # the state, unused
            return
        shape = _shape(node)
        if len(shape) == 1 and _keeps_last(recurrent.kind):
            recurrent.settings["last"] = True
            recurrent.shape = shape
        elif node.args[1] != 0 and recurrent.shape != shape:
            raise ModelImportError(f"'{node.name}' takes part of {recurrent.name}'s output that tikznn cannot draw",
                                   hint="use the output sequence, or its last position: output[:, -1]")

    def _op(self, node) -> Op | None:
        shape = _shape(node)
        if len(shape) == 3 and any(t.name in self.last for t in _tensors(node)):
            self.last.add(node.name)
            shape = (shape[2], shape[0], shape[1])
        stack = list((node.meta.get("nn_module_stack") or {}).values())
        if node.op == "call_module":
            stack = stack[:-1]  # the module itself
        scope = tuple((path, cls.__name__ if isinstance(cls, type) else str(cls)) for path, cls in stack)
        reads = [self.made_by[t.name] for t in _tensors(node) if t.name in self.made_by]
        if node.op == "placeholder":
            data = "tokens" if self.tokens else "tensor"
            return Op(self._name("input"), "input", [], shape, {"data": data}, params=0)
        if node.op == "call_module":
            module = self.modules[node.target]
            self._own(node, module)
            kind, settings = _module(module, shape)
            if type(module).__name__ == "Linear" and node.name in self.last:  # over each position's channels: 1×1 conv
                kind, settings = "conv", {"channels": module.out_features, "kernel": (1, 1), "stride": (1, 1),
                                          "dilation": (1, 1), "padding": (0, 0), "bias": module.bias is not None}
            if kind == "identity" or kind != "op" and kinds.named(kind).passes(settings):
                return None
            held = sum(p.numel() for p in module.parameters())
            if kind != "op" and not kinds.named(kind).names_inputs and len(set(reads)) > 1:
                kind = "op"  # (attention with queries from elsewhere: cross-attention, no word of the language)
            if kind == "op":
                settings = {"title": type(module).__name__, "params": held,
                            "reshapes": not reads or self.shapes[reads[0]] != shape}
            return Op(self._name(node.target), kind, list(dict.fromkeys(reads)), shape, settings, scope, held)
        kind, settings = _function(node, shape, [self._shape_or_none(t) for t in _tensors(node)])
        if (kind == "identity" or kind != "op" and kinds.named(kind).passes(settings)) and reads:
            return None
        if kind != "op" and kinds.named(kind).merges and len(set(reads)) < 2:
            kind = "op"  # (a sum with a tensor the model holds or makes: a position embedding, or an op)
        base = getattr(node.target, "__name__", str(node.target)).strip("_")
        held = self._held(node)
        if kind == "op":
            settings = {"title": base, "params": held,  # (written with its shape when it differs from its input's)
                        "reshapes": not reads or self.shapes[reads[0]] != shape}
            if base == "getitem":  # x[:, 0]: which part it takes
                settings["index"] = _index(node.args[1])
        wanted = f"{scope[-1][0]}.{base}" if scope else node.name if node.name not in RESERVED else node.name + "_0"
        return Op(self._name(wanted), kind, reads, shape, settings, scope, held)

    def _own(self, node, module) -> None:
        """A module's layer holds its parameters: refused when another layer used them first (tied weights, a
        module run twice), which a .nn file, where each layer has its own, cannot count; and it must read data,
        not a tensor the model holds or makes from no input (learned queries, positions)."""
        tied = [name for name, p in module.named_parameters() if id(p) in self.owned]
        if tied:
            raise ModelImportError(f"'{node.target}' uses parameters another layer used before it ({tied[0]}): "
                                   "tied weights, or a module run twice",
                                   hint="a .nn layer holds its own weights, so tikznn cannot draw this model with "
                                        "its parameter count; untie them in a copy of the model to draw it")
        self.owned.update(id(p) for p in module.parameters())
        for tensor in _tensors(node):
            if tensor.name not in self.made_by:
                raise ModelImportError(f"'{node.target}' reads '{tensor.name}', a tensor the model holds or makes "
                                       "from no input, not one computed from the data",
                                       hint="tikznn draws layers on the data: learned queries or positions fed to "
                                            "a layer have no .nn line yet")

    def _shape_or_none(self, node) -> tuple | None:
        """A node's shape without the batch axis; a channels-last map's as C×H×W."""
        shape = _shape_or_none(node)
        return (shape[2], shape[0], shape[1]) if shape and node.name in self.last else shape

    def _held_only(self, node) -> bool:
        """Does a function read only tensors the model holds (class_token.expand(n, -1, -1))? It is then held too."""
        inputs = [t for t in node.all_input_nodes if _is_tensor(t) or t.op == "get_attr"]
        if inputs and all(t.op == "get_attr" or t.name in self.holds for t in inputs):
            self.holds[node.name] = [name for t in inputs for name in self._parameters_of(t)]
            return True
        return False

    def _parameters_of(self, node) -> list[str]:
        if node.op == "get_attr":
            return [node.target] if node.target in self.parameters else []
        return self.holds.get(node.name, [])

    def _held(self, node) -> int:
        """The parameters a function call reads from the model (a class token, a layer scale), each counted once:
        with the first call that reads it; one a layer holds already is refused (tied weights)."""
        names = [name for t in node.all_input_nodes for name in self._parameters_of(t)]
        fresh = [name for name in dict.fromkeys(names) if name not in self.counted]
        tied = [name for name in fresh if id(self.parameters[name]) in self.owned]
        if tied:
            raise ModelImportError(f"'{node.name}' reads {tied[0]}, which a layer holds already (tied weights)",
                                   hint="a .nn layer holds its own weights, so tikznn cannot draw this model with "
                                        "its parameter count; untie them in a copy of the model to draw it")
        self.counted.update(fresh)
        self.owned.update(id(self.parameters[name]) for name in fresh)
        return sum(self.parameters[name].numel() for name in fresh)


def _tensors(node) -> list:
    """The nodes whose tensors `node` reads, in order (not the shapes or numbers it reads; a tuple of tensors, as
    x.chunk(2) gives, is read through)."""
    import torch.fx
    found = []
    for arg in node.args:
        items = arg if isinstance(arg, (list, tuple)) else [arg]
        found += [a for a in items if isinstance(a, torch.fx.Node) and
                  (_is_tensor(a) or a.op == "call_module" or isinstance(a.meta.get("tensor_meta"), (tuple, list)))]
    return found


def _keeps_last(kind: str) -> bool:
    """Can a layer of this kind give only its final state (a recurrent layer's `last`)?"""
    return "last" in getattr(kinds.named(kind).layer, "__dataclass_fields__", {})


def _index(index) -> str:
    """An index as Python writes it: [:, 0]."""
    items = index if isinstance(index, tuple) else (index,)
    words = [":" if isinstance(i, slice) and i == slice(None) else "..." if i is Ellipsis else repr(i)
             for i in items]
    return "[" + ", ".join(words) + "]"


def _is_tensor(node) -> bool:
    return hasattr(node.meta.get("tensor_meta"), "shape")


def _shape(node) -> tuple[int, ...]:
    meta = node.meta.get("tensor_meta")
    if isinstance(meta, (tuple, list)) and meta and hasattr(meta[0], "shape"):  # a recurrent layer's (output, state)
        meta = meta[0]
    if meta is None or not hasattr(meta, "shape"):
        raise ModelImportError(f"'{node.name}' gives no single tensor (a tuple?)",
                               hint="tikznn follows one tensor per operation; pick the output with [0] in forward")
    return tuple(meta.shape)[1:]


def _module(module, shape: tuple) -> tuple[str, dict]:
    """(kind, settings) of a module: the kind that declares its class (or a base class) and takes its settings."""
    found = _declared("torch_modules")
    for cls in type(module).__mro__:
        if cls.__name__ == "Identity" and cls.__module__.startswith("torch"):
            return "identity", {}
        kind = found.get(cls.__name__)
        if kind is not None:
            settings = kind.from_torch(module, shape)
            return (kind.keyword, settings) if settings is not None else ("op", {})
    return "op", {}


def _function(node, shape: tuple, tensors: list) -> tuple[str, dict]:
    name = getattr(node.target, "__name__", str(node.target))
    if name in ("contiguous", "clone", "cat") and len(tensors) == 1 or name in _PASSED:
        return "identity", {}
    kind = _declared("torch_functions").get(name)
    settings = kind.from_torch_function(name, _arguments(node), node, shape, tensors) if kind else None
    return (kind.keyword, settings) if settings is not None else ("op", {})


# what passes its input through in eval mode and figures leave out: stochastic depth (drop path), permutes'
# copies (DenseNet's cat of one tensor is its input)
_PASSED = ("stochastic_depth",)


def _declared(facet: str) -> dict:
    """What each kind is imported from: a module's class or a function's name -> the kind."""
    return {name: kind for kind in kinds.every() for name in getattr(kind, facet)}


def _shape_or_none(node) -> tuple | None:
    try:
        return _shape(node)
    except ModelImportError:
        return None


def _arguments(node) -> dict:
    """A function call's arguments by name (torch.fx knows the signatures of torch's functions)."""
    try:
        found = node.normalized_arguments(node.graph.owning_module, normalize_to_only_use_kwargs=True)
    except Exception:  # a function torch.fx has no signature for
        found = None
    return dict(found.kwargs) if found else dict(node.kwargs)
