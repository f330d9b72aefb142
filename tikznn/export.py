"""Export to PyTorch: the source of a `torch.nn.Module` that computes a network, written as a person would.

`__init__` makes one attribute per layer with weights or state, named after the layer; `forward` has one line per
layer, in the network's order. A layer's output stays in `x` while only the next line reads it, and gets a name of
its own when a later line does (a residual, a concat, a branch). The module has exactly the parameters that
`tikznn.shapes.analyse` counts. Generating the text needs no torch.
"""
from __future__ import annotations

import builtins
import keyword
import re

from . import kinds
from .errors import ModelError
from .kinds.sequence import HELPER, HELPER_SOURCE
from .layer import Analysis, Layer
from .model import Network
from .shapes import analyse

FORMATS = ("torch",)
_WIDTH = 88  # longer lines of __init__ are wrapped, as black would

# names the generated code uses itself, or that a layer's attribute or variable must not take
_MODULE_ATTRIBUTES = (
    "T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches "
    "eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict "
    "modules mtia named_buffers named_children named_modules named_parameters parameters register_backward_hook "
    "register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook "
    "register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook "
    "register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ "
    "set_extra_state set_submodule share_memory state_dict to to_empty train training type xpu zero_grad").split()
RESERVED = frozenset(keyword.kwlist + [n for n in dir(builtins) if not n.startswith("_")] + _MODULE_ATTRIBUTES +
                     ["self", "x", "torch", "nn", "F", HELPER])

def torch_source(network: Network, class_name: str = "Net", *, source: str | None = None) -> str:
    """The text of a Python module defining `class_name`, an nn.Module computing `network`; `source` is the file
    it was read from, named in the module's docstring. A layer PyTorch cannot express raises a ModelError, shapes
    that do not fit a ShapeError, and a class name Python or the code cannot take a ValueError."""
    if not class_name.isidentifier() or class_name in RESERVED:
        raise ValueError(f"'{class_name}' cannot name the module's class")
    analysis = analyse(network)
    names = identifiers(network.names())
    held = _variables(network, names)
    attributes, lines = [], []
    for layer in network.layers:
        source_of = analysis[layer.inputs[0]] if layer.inputs else None
        module, attribute = _module(layer, source_of), None
        if module is not None:
            attribute = f"self.{names[layer.name]}"
            attributes.append(_assignment(attribute, module))
        if not kinds.of(layer).is_input:
            args = [held[name] for name in layer.inputs]
            lines.append(_statement(layer, held[layer.name], args, attribute, source_of))
    inputs = [held[layer.name] for layer in network.layers if kinds.of(layer).is_input]
    lines.append(f"return {held[network.layers[-1].name]}")
    body = "\n".join([
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *attributes,
        "",
        f"    def forward(self, {', '.join(inputs)}):",
        *("        " + line for line in lines),
    ]) + "\n"
    helper = HELPER_SOURCE + "\n\n" if f"{HELPER}(" in body else ""
    imports = "\n".join(_imports(helper + body))
    return f"{_docstring(network, analysis, inputs, source)}\n\n{imports}\n\n\n{helper}{body}"


def identifiers(names: list[str]) -> dict[str, str]:
    """A distinct Python identifier for each layer name, for its attribute and variable: 'layer1.0.conv1' →
    'layer1_0_conv1', an unnamed 'conv#3' → 'conv3'. A name that is already a free identifier keeps it; the others
    give way with a suffix _2, _3, ..., a reserved word gets a trailing _ (class_), a leading _ becomes layer_."""
    def base(name: str) -> str:
        word = name.replace("#", "").replace(".", "_")
        word = "layer" + word if word.startswith("_") else word
        return word + "_" if word in RESERVED else word

    taken = {name: name for name in names if base(name) == name}
    used = set(taken)
    for name in names:
        if name not in taken:
            word, n = base(name), 2
            while word in used:
                word, n = f"{base(name)}_{n}", n + 1
            taken[name] = word
            used.add(word)
    return {name: taken[name] for name in names}


def _variables(network: Network, names: dict[str, str]) -> dict[str, str]:
    """The variable each layer's output is kept in by forward: `x` when only the next line reads it (and no later
    line still needs what x holds), otherwise the layer's own identifier. A sole input is x too when short-lived;
    several inputs are arguments, each under its own name."""
    layers = network.layers
    uses: dict[str, list[int]] = {layer.name: [] for layer in layers}
    for i, layer in enumerate(layers):
        for name in layer.inputs:
            uses[name].append(i)
    last_use = {name: max(found, default=-1) for name, found in uses.items()}
    sole_input = sum(kinds.of(layer).is_input for layer in layers) == 1
    held, in_x = {}, None  # in_x: the layer whose output x holds
    for i, layer in enumerate(layers):
        short = all(use == i + 1 for use in uses[layer.name])
        free = in_x is None or last_use[in_x] <= i
        if short and free and (sole_input or not kinds.of(layer).is_input):
            held[layer.name], in_x = "x", layer.name
        else:
            held[layer.name] = names[layer.name]
    return held


def _module(layer: Layer, source: Analysis | None) -> str | list[str] | None:
    """The constructor of a layer with weights or state: an expression, or the parts of an nn.Sequential (a conv
    with batch-norm and activation); None for a layer computed by a function in forward."""
    return None if source is None else kinds.of(layer).torch_module(layer, source)


def _statement(layer: Layer, target: str, args: list[str], attribute: str | None, source: Analysis) -> str:
    """The line of forward that computes a layer into `target` from its inputs' variables; `attribute` is its
    module's, if it has one."""
    kind = kinds.of(layer)
    line = kind.forward(layer, target, args, attribute, source)
    if line is not None:
        return line
    expression = kind.function(layer, args[0], source)
    if expression is None and attribute is None:
        what = f"{layer.kind} '{layer.label}'" if layer.label else layer.kind
        named = "" if layer.at else f"'{layer.name}': "  # a network built in Python has no line to point at
        raise ModelError(f"{named}{what} cannot be exported to PyTorch: tikznn knows its shape, not what it "
                         "computes", span=layer.at, hint="describe it with layers tikznn knows, or write it into "
                                                         "the exported module by hand")
    return f"{target} = {expression or f'{attribute}({args[0]})'}"


def _assignment(target: str, module: str | list[str]) -> str:
    """`target = module` in __init__, on one line when it fits, else wrapped: an nn.Sequential one part a line."""
    parts = module if isinstance(module, list) else None
    flat = kinds.call("nn.Sequential", *parts) if parts else module
    line = f"        {target} = {flat}"
    if len(line) <= _WIDTH:
        return line
    if parts:
        return "\n".join([f"        {target} = nn.Sequential(", *(f"            {p}," for p in parts), "        )"])
    callee, args = flat.split("(", 1)
    return f"        {target} = {callee}(\n            {args[:-1]}\n        )"


def _imports(code: str) -> list[str]:
    """The import lines the code needs: nn always, torch, torchvision and torch.nn.functional when used."""
    lines = ["import torch"] if re.search(r"\btorch\.", code) else []
    if re.search(r"\btorchvision\.", code):  # (Swin's window attention)
        lines.append("import torchvision")
    if re.search(r"\bF\.", code):
        lines.append("import torch.nn.functional as F")
    return lines + ["from torch import nn"]


def _docstring(network: Network, analysis: dict[str, Analysis], inputs: list[str], source: str | None) -> str:
    def shape(name: str) -> str:
        return "(" + ", ".join(["N", *map(str, analysis[name].shape)]) + ")"

    def quoted(text: str) -> str:  # safe inside a docstring
        return text.replace("\\", "\\\\").replace('"', '\\"')

    given = [layer for layer in network.layers if kinds.of(layer).is_input]
    takes = ", ".join(f"{arg} {shape(layer.name)}" + (" token ids" if layer.data == "tokens" else "")
                      for arg, layer in zip(inputs, given))
    origin = f" from {quoted(source)}" if source else ""
    params = sum(a.params for a in analysis.values())
    return (f'"""{quoted(network.name)} in PyTorch, generated by tikznn{origin}.\n\n'
            f'{params:,} parameters; forward takes {takes} and returns {shape(network.layers[-1].name)}.\n"""')
