"""PyTorch modules → operations (traced.Op), by tracing with torch.fx on the meta device: no weights are
allocated and nothing is computed, so the largest models import in seconds. Needs torch ('tikznn[torch]')."""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import operator
import sys
from math import prod
from pathlib import Path

from .errors import ModelImportError
from .traced import RESERVED, Names, Op


def _torch():
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise ModelImportError("importing PyTorch models needs torch", hint="pip install 'tikznn[torch]'") from None
    return torch


def load(spec: str):
    """The module a spec names, made on the meta device: 'package.module:attr' or 'path/to/file.py:attr', where
    attr is an nn.Module class or a function returning a module, called without arguments."""
    torch = _torch()
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
        with torch.device("meta"):
            model = factory()
    except Exception as err:
        raise ModelImportError(f"{spec}() failed: {type(err).__name__}: {err}",
                               hint="the class or function must work without arguments") from None
    if not isinstance(model, torch.nn.Module):
        raise ModelImportError(f"{spec}() gave a {type(model).__name__}, not a torch.nn.Module")
    return model


def read(model, input_shape: tuple[int, ...], *, tokens: bool = False) -> list[Op]:
    """The operations of a module run on one input of `input_shape` (no batch axis), in the order they run."""
    torch = _torch()
    from torch.fx.passes.shape_prop import ShapeProp
    model = model.eval()
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
            ShapeProp(traced).propagate(sample)  # (which prints a traceback of its own on failure)
    except Exception as err:
        err = err.__cause__ or err  # ShapeProp wraps the model's own error
        raise ModelImportError(f"the model does not run on a {'x'.join(map(str, input_shape))} input: "
                               f"{type(err).__name__}: {str(err).splitlines()[0]}",
                               hint="check --input (channels x height x width, no batch axis)") from None
    return _Reader(traced, tokens).ops()


class _Reader:
    def __init__(self, traced, tokens: bool):
        self.traced, self.tokens = traced, tokens
        self.modules = dict(traced.named_modules())
        self.made_by: dict[str, str] = {}
        self._name = Names()

    def ops(self) -> list[Op]:
        ops = []
        for node in self.traced.graph.nodes:
            if node.op == "output":
                continue
            if node.op == "call_function" and node.target is operator.getitem and ops and \
                    self.made_by.get(node.args[0].name) == ops[-1].name and \
                    ops[-1].kind in ("lstm", "gru", "attention"):
                self._recurrent_output(node, ops[-1])
                continue
            op = self._op(node)
            if op is None:  # passes its input through (dropout in eval mode is still drawn; identity is not)
                self.made_by[node.name] = self.made_by[_tensors(node)[0].name]
                continue
            self.made_by[node.name] = op.name
            ops.append(op)
        return ops

    def _recurrent_output(self, node, recurrent: Op) -> None:
        """output, state = lstm(x): the output is the sequence; output[:, -1] (a vector) is its final state.
        (Attention, too, gives its output and, unused here, its weights.)"""
        self.made_by[node.name] = recurrent.name
        if not node.users:  # the state, unused
            return
        shape = _shape(node)
        if len(shape) == 1:
            recurrent.settings["last"] = True
            recurrent.shape = shape
        elif node.args[1] != 0 and recurrent.shape != shape:
            raise ModelImportError(f"'{node.name}' takes part of {recurrent.name}'s output that tikznn cannot draw",
                                   hint="use the output sequence, or its last position: output[:, -1]")

    def _op(self, node) -> Op | None:
        shape = _shape(node)
        stack = list((node.meta.get("nn_module_stack") or {}).values())
        if node.op == "call_module":
            stack = stack[:-1]  # the module itself
        scope = tuple((path, cls.__name__ if isinstance(cls, type) else str(cls)) for path, cls in stack)
        reads = [self.made_by[t.name] for t in _tensors(node) if t.name in self.made_by]
        if node.op == "placeholder":
            data = "tokens" if self.tokens else "tensor"
            return Op(self._name("input"), "input", [], shape, {"data": data})
        if node.op == "call_module":
            module = self.modules[node.target]
            kind, settings = _module(module, shape)
            if kind == "identity":
                return None
            if kind == "op":
                settings = {"title": type(module).__name__, "params": sum(p.numel() for p in module.parameters()),
                            "reshapes": _shape(_tensors(node)[0]) != shape}
            return Op(self._name(node.target), kind, list(dict.fromkeys(reads)), shape, settings, scope)
        kind, settings = _function(node, shape)
        if kind == "identity" and reads:
            return None
        base = getattr(node.target, "__name__", str(node.target)).strip("_")
        if kind == "op":
            settings = {"title": base, "params": 0, "reshapes": not reads or _shape(_tensors(node)[0]) != shape}
        wanted = f"{scope[-1][0]}.{base}" if scope else node.name if node.name not in RESERVED else node.name + "_0"
        return Op(self._name(wanted), kind, reads, shape, settings, scope)


def _tensors(node) -> list:
    import torch.fx
    found = []
    for arg in node.args:
        items = arg if isinstance(arg, (list, tuple)) else [arg]
        found += [a for a in items if isinstance(a, torch.fx.Node)]
    return found


def _shape(node) -> tuple[int, ...]:
    meta = node.meta.get("tensor_meta")
    if isinstance(meta, (tuple, list)) and meta and hasattr(meta[0], "shape"):  # an LSTM's (output, state)
        meta = meta[0]
    if meta is None or not hasattr(meta, "shape"):
        raise ModelImportError(f"'{node.name}' gives no single tensor (a tuple?)",
                               hint="tikznn follows one tensor per operation; pick the output with [0] in forward")
    return tuple(meta.shape)[1:]


_ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "leakyrelu", "ELU": "elu", "GELU": "gelu", "SiLU": "silu",
                "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "logsoftmax"}
_FUNCTIONS = {"relu": "relu", "gelu": "gelu", "silu": "silu", "sigmoid": "sigmoid", "tanh": "tanh",
              "softmax": "softmax", "log_softmax": "logsoftmax", "leaky_relu": "leakyrelu", "elu": "elu"}


def _module(module, shape: tuple) -> tuple[str, dict]:
    import torch.nn as nn
    name = type(module).__name__
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)) and len(shape) == 3:
        settings = {"channels": module.out_channels, "kernel": tuple(module.kernel_size),
                    "stride": tuple(module.stride), "dilation": tuple(module.dilation),
                    "padding": module.padding if isinstance(module.padding, str) else tuple(module.padding),
                    "bias": module.bias is not None}
        if module.groups > 1:
            settings["groups"] = module.groups
            settings["depthwise"] = module.groups == module.in_channels == module.out_channels
        if isinstance(module, nn.ConvTranspose2d):
            settings["output_padding"] = tuple(module.output_padding)
            return "deconv", settings
        return "conv", settings
    if isinstance(module, nn.BatchNorm2d) and module.affine:
        return "bn", {}
    if name in _ACTIVATIONS:
        return "act", {"fn": _ACTIVATIONS[name]}
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)) and getattr(module, "dilation", 1) in (1, (1, 1)):
        kernel = _pair(module.kernel_size)
        return "pool", {"mode": "max" if isinstance(module, nn.MaxPool2d) else "avg", "kernel": kernel,
                        "stride": _pair(module.stride or module.kernel_size), "padding": _pair(module.padding),
                        "ceil": bool(module.ceil_mode)}
    if isinstance(module, nn.AdaptiveAvgPool2d) and _pair(module.output_size) == (1, 1):
        return "pool", {"mode": "global"}
    if isinstance(module, nn.Upsample) and module.scale_factor and float(module.scale_factor) == \
            int(module.scale_factor) and module.mode in ("nearest", "bilinear"):
        return "upsample", {"scale": int(module.scale_factor), "mode": module.mode}
    if isinstance(module, nn.Linear) and module.bias is not None:
        return "dense", {"units": module.out_features}
    if isinstance(module, nn.Flatten) and len(shape) == 1:
        return "flatten", {}
    if isinstance(module, nn.Dropout):
        return "dropout", {"p": module.p}
    if isinstance(module, nn.Identity):
        return "identity", {}
    if isinstance(module, nn.Embedding):
        return "embed", {"vocab": module.num_embeddings, "dim": module.embedding_dim}
    if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
        return "layernorm", {}
    if isinstance(module, nn.MultiheadAttention) and module.batch_first and module._qkv_same_embed_dim:
        return "attention", {"heads": module.num_heads}
    if isinstance(module, nn.TransformerEncoderLayer) and module.self_attn.batch_first and not module.norm_first:
        act = "gelu" if getattr(module, "activation_relu_or_gelu", 1) == 2 else "relu"
        return "encoder", {"heads": module.self_attn.num_heads, "ff": module.linear1.out_features, "act": act}
    if isinstance(module, (nn.LSTM, nn.GRU)) and module.batch_first and module.bias and \
            not getattr(module, "proj_size", 0):
        return name.lower(), {"hidden": module.hidden_size, "layers": module.num_layers,
                              "bidirectional": module.bidirectional}
    return "op", {}


def _function(node, shape: tuple) -> tuple[str, dict]:
    import torch
    target = node.target
    name = getattr(target, "__name__", str(target))
    tensors = _tensors(node)
    if target in (operator.add, operator.iadd, torch.add) and len(tensors) == 2 and \
            _shape(tensors[0]) == _shape(tensors[1]) == shape:
        return "add", {}
    if target is torch.cat and len(tensors) >= 2 and node.kwargs.get("dim", node.args[1] if len(node.args) > 1
                                                                      else 0) == 1:
        return "concat", {}
    if target is torch.flatten or name in ("flatten", "view", "reshape") and node.op == "call_method":
        if len(shape) == 1 and tensors and len(_shape(tensors[0])) > 1 and prod(_shape(tensors[0])) == shape[0]:
            return "flatten", {}
    if name in _FUNCTIONS and len(tensors) == 1:
        return "act", {"fn": _FUNCTIONS[name]}
    given = _arguments(node)
    if name in ("max_pool2d", "avg_pool2d") and len(shape) == 3 and given.get("dilation", 1) in (1, (1, 1)):
        kernel = _pair(given["kernel_size"])
        return "pool", {"mode": name[:3], "kernel": kernel, "stride": _pair(given.get("stride") or kernel),
                        "padding": _pair(given.get("padding", 0)), "ceil": bool(given.get("ceil_mode", False))}
    if name == "adaptive_avg_pool2d" and _pair(given.get("output_size", 0)) == (1, 1):
        return "pool", {"mode": "global"}
    if name == "dropout":
        return "dropout", {"p": given.get("p", 0.5)}
    if name == "interpolate" and given.get("mode", "nearest") in ("nearest", "bilinear") and \
            not given.get("align_corners") and float(given.get("scale_factor") or 0).is_integer() and \
            given.get("scale_factor"):
        return "upsample", {"scale": int(given["scale_factor"]), "mode": given.get("mode", "nearest")}
    if name in ("contiguous", "clone") and len(tensors) == 1:
        return "identity", {}
    return "op", {}


def _arguments(node) -> dict:
    """A function call's arguments by name (torch.fx knows the signatures of torch's functions)."""
    try:
        found = node.normalized_arguments(node.graph.owning_module, normalize_to_only_use_kwargs=True)
    except Exception:  # a function torch.fx has no signature for
        found = None
    return dict(found.kwargs) if found else dict(node.kwargs)


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)
