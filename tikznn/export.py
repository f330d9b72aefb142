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

from . import model
from .errors import ModelError
from .model import Layer, Network
from .shapes import Analysis, analyse

FORMATS = ("torch",)
_WIDTH = 88  # longer lines of __init__ are wrapped, as black would

# names the generated code uses itself, or that a layer's attribute or variable must not take
_HELPER = "last_hidden"
_MODULE_ATTRIBUTES = (
    "T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches "
    "eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict "
    "modules mtia named_buffers named_children named_modules named_parameters parameters register_backward_hook "
    "register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook "
    "register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook "
    "register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ "
    "set_extra_state set_submodule share_memory state_dict to to_empty train training type xpu zero_grad").split()
RESERVED = frozenset(keyword.kwlist + [n for n in dir(builtins) if not n.startswith("_")] + _MODULE_ATTRIBUTES +
                     ["self", "x", "torch", "nn", "F", _HELPER])

# activations as a module (in nn.Sequential) and as a function of an expression; dim 1 is channels or features
_ACTIVATION_MODULES = {"prelu": "nn.PReLU()", "relu": "nn.ReLU(inplace=True)", "leakyrelu": "nn.LeakyReLU()",
                       "elu": "nn.ELU()", "gelu": "nn.GELU()", "silu": "nn.SiLU()", "sigmoid": "nn.Sigmoid()",
                       "tanh": "nn.Tanh()",
                       "softmax": "nn.Softmax(dim={dim})", "logsoftmax": "nn.LogSoftmax(dim={dim})"}
_ACTIVATION_CALLS = {"relu": "F.relu({x})", "leakyrelu": "F.leaky_relu({x})", "elu": "F.elu({x})",
                     "gelu": "F.gelu({x})", "silu": "F.silu({x})", "sigmoid": "torch.sigmoid({x})",
                     "tanh": "torch.tanh({x})", "softmax": "F.softmax({x}, dim={dim})",
                     "logsoftmax": "F.log_softmax({x}, dim={dim})"}

_HELPER_SOURCE = f'''def {_HELPER}(rnn, x):
    """Final hidden state of an LSTM's or GRU's last layer; directions side by side."""
    _, state = rnn(x)
    hidden = state[0] if isinstance(state, tuple) else state  # LSTM: (hidden, cell)
    directions = 2 if rnn.bidirectional else 1
    return torch.cat(list(hidden[-directions:]), dim=1)
'''


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
        if not isinstance(layer, model.Input):
            args = [held[name] for name in layer.inputs]
            lines.append(_statement(layer, held[layer.name], args, attribute, source_of))
    inputs = [held[layer.name] for layer in network.layers if isinstance(layer, model.Input)]
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
    helper = _HELPER_SOURCE + "\n\n" if f"{_HELPER}(" in body else ""
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
    sole_input = sum(isinstance(layer, model.Input) for layer in layers) == 1
    held, in_x = {}, None  # in_x: the layer whose output x holds
    for i, layer in enumerate(layers):
        short = all(use == i + 1 for use in uses[layer.name])
        free = in_x is None or last_use[in_x] <= i
        if short and free and (sole_input or not isinstance(layer, model.Input)):
            held[layer.name], in_x = "x", layer.name
        else:
            held[layer.name] = names[layer.name]
    return held


def _size(values: tuple[int, ...]) -> str:
    """A kernel, stride or padding as PyTorch takes it: 3 for (3, 3), (3, 1) otherwise."""
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def _options(pairs) -> list[str]:
    """Keyword arguments, leaving out those at PyTorch's default."""
    return [f"{key}={value}" for key, value, default in pairs if value != default]


def _call(callee: str, *args: str) -> str:
    return f"{callee}({', '.join(args)})"


def _module(layer: Layer, source: Analysis | None) -> str | list[str] | None:
    """The constructor of a layer with weights or state: an expression, or the parts of an nn.Sequential (a conv
    with batch-norm and activation); None for a layer computed by a function in forward."""
    if source is None:
        return None
    features = source.shape[-1] if source.sequence else source.shape[0]
    if isinstance(layer, model.Conv):
        return _convolution(layer, source)
    if isinstance(layer, model.Dense):
        linear = _call("nn.Linear", str(features), str(layer.units))
        return [linear, _activation_module(layer, layer.act, source)] if layer.act else linear
    if isinstance(layer, model.BatchNorm):
        return _call("nn.BatchNorm2d" if len(source.shape) == 3 else "nn.BatchNorm1d", str(features))
    if isinstance(layer, model.LayerNorm):
        return _call("nn.LayerNorm", str(features))
    if isinstance(layer, model.Activation) and layer.fn == "prelu":
        return "nn.PReLU()"
    if isinstance(layer, model.Embedding):
        return _call("nn.Embedding", str(layer.vocab), str(layer.dim))
    if isinstance(layer, model.Recurrent):
        return _call("nn.LSTM" if isinstance(layer, model.LSTM) else "nn.GRU", str(features), str(layer.hidden),
                     *_options([("num_layers", layer.layers, 1), ("bidirectional", layer.bidirectional, False)]),
                     "batch_first=True")
    if isinstance(layer, model.Attention):
        return _call("nn.MultiheadAttention", str(features), str(layer.heads), "batch_first=True")
    if isinstance(layer, model.Encoder):
        return _call("nn.TransformerEncoderLayer", str(features), str(layer.heads), f"dim_feedforward={layer.ff}",
                     *_options([("activation", f'"{layer.act}"', '"relu"')]), "batch_first=True")
    return None


def _convolution(layer: model.Conv, source: Analysis) -> str | list[str]:
    """nn.Conv2d/1d or nn.ConvTranspose2d/1d, then batch-norm and the activation when fused in the layer."""
    channels, axes = source.shape[0], len(source.shape) - 1
    transposed = isinstance(layer, model.Deconv)
    if isinstance(layer.padding, str):  # "valid" is no padding; a deconv cannot be "same" (analyse refuses it)
        padding = f'"{layer.padding}"' if layer.padding == "same" else "0"
    else:
        padding = _size(layer.padding[:axes])
    bias = layer.bias if layer.bias is not None else not layer.bn
    options = [("stride", _size(layer.stride[:axes]), "1"), ("padding", padding, "0")]
    if transposed:
        options.append(("output_padding", _size(layer.output_padding[:axes]), "0"))
    options += [("dilation", _size(layer.dilation[:axes]), "1"),
                ("groups", str(channels if layer.depthwise else layer.groups), "1"), ("bias", str(bias), "True")]
    kind = "ConvTranspose" if transposed else "Conv"
    parts = [_call(f"nn.{kind}{axes}d", str(channels), str(layer.channels), _size(layer.kernel[:axes]),
                   *_options(options))]
    if layer.bn:
        parts.append(f"nn.BatchNorm{axes}d({layer.channels})")
    if layer.act:
        parts.append(_activation_module(layer, layer.act, source))
    return parts if len(parts) > 1 else parts[0]


def _unexportable(layer: Layer, why: str, hint: str) -> ModelError:
    """The error for a layer PyTorch code cannot compute as tikznn counts it; without a place in a source (a
    network built in Python), the message names the layer."""
    named = "" if layer.at else f"'{layer.name}': "
    return ModelError(f"{named}{why}", span=layer.at, hint=hint)


def _activation_module(layer: Layer, fn: str, source: Analysis) -> str:
    return _ACTIVATION_MODULES[fn].format(dim=_feature_axis(source))


def _activation_call(layer: Layer, fn: str, x: str, source: Analysis) -> str:
    if fn not in _ACTIVATION_CALLS:  # prelu: its slope is a module's parameter
        raise _unexportable(layer, f"{fn} after an add cannot be exported to PyTorch: nn.PReLU learns a slope, "
                                   "which needs a module of its own",
                            hint="write the prelu on a line of its own after the add")
    return _ACTIVATION_CALLS[fn].format(x=x, dim=_feature_axis(source))


def _feature_axis(source: Analysis) -> int:
    """Softmax and concat work along channels (axis 1), or for a sequence its features (the last axis)."""
    return -1 if source.sequence else 1


def _statement(layer: Layer, target: str, args: list[str], attribute: str | None, source: Analysis) -> str:
    """The line of forward that computes a layer into `target` from its inputs' variables; `attribute` is its
    module's, if it has one."""
    x = args[0]
    if isinstance(layer, model.Add):
        total = " + ".join(args)
        return f"{target} = {_activation_call(layer, layer.act, total, source) if layer.act else total}"
    if isinstance(layer, model.Concat):
        return f"{target} = torch.cat([{', '.join(args)}], dim={_feature_axis(source)})"
    if isinstance(layer, model.Recurrent):
        return f"{target} = {_HELPER}({attribute}, {x})" if layer.last else f"{target}, _ = {attribute}({x})"
    if isinstance(layer, model.Attention):
        return f"{target}, _ = {attribute}({x}, {x}, {x})"
    if isinstance(layer, model.BatchNorm) and source.sequence:  # BatchNorm1d takes features before positions
        return f"{target} = {attribute}({x}.transpose(1, 2)).transpose(1, 2)"
    expression = _function(layer, x, source)
    if expression is None and attribute is None:
        what = f"{layer.kind} '{layer.label}'" if layer.label else layer.kind
        raise _unexportable(layer, f"{what} cannot be exported to PyTorch: tikznn knows its shape, not what it "
                                   "computes", hint="describe it with layers tikznn knows, or write it into the "
                                                    "exported module by hand")
    return f"{target} = {expression or f'{attribute}({x})'}"


def _function(layer: Layer, x: str, source: Analysis) -> str | None:
    """The expression of a layer without weights, or None for one called through its attribute."""
    axes = len(source.shape) - 1
    if isinstance(layer, model.Pool):
        if layer.mode == "global":
            return f"{x}.mean(dim=1)" if source.sequence else f"F.adaptive_avg_pool{axes}d({x}, 1)"
        kernel = layer.kernel or (2, 2)
        options = _options([("stride", _size(layer.stride[:axes]) if layer.stride else None, None),
                            ("padding", _size(layer.padding[:axes]), "0"), ("ceil_mode", layer.ceil, False)])
        return _call(f"F.{layer.mode}_pool{axes}d", x, _size(kernel[:axes]), *options)
    if isinstance(layer, model.Upsample):
        mode = "linear" if layer.mode == "bilinear" and axes == 1 else layer.mode  # bilinear of a 1-D map
        return _call("F.interpolate", x, f"scale_factor={layer.scale}",
                     *_options([("mode", f'"{mode}"', '"nearest"')]))
    if isinstance(layer, model.Flatten):
        return f"torch.flatten({x}, 1)"
    if isinstance(layer, model.Dropout):
        return f"F.dropout({x}, p={layer.p}, training=self.training)"
    if isinstance(layer, model.Activation) and layer.fn != "prelu":
        return _activation_call(layer, layer.fn, x, source)
    return None


def _assignment(target: str, module: str | list[str]) -> str:
    """`target = module` in __init__, on one line when it fits, else wrapped: an nn.Sequential one part a line."""
    parts = module if isinstance(module, list) else None
    flat = _call("nn.Sequential", *parts) if parts else module
    line = f"        {target} = {flat}"
    if len(line) <= _WIDTH:
        return line
    if parts:
        return "\n".join([f"        {target} = nn.Sequential(", *(f"            {p}," for p in parts), "        )"])
    callee, args = flat.split("(", 1)
    return f"        {target} = {callee}(\n            {args[:-1]}\n        )"


def _imports(code: str) -> list[str]:
    """The import lines the code needs: nn always, torch and torch.nn.functional when used."""
    lines = ["import torch"] if re.search(r"\btorch\.", code) else []
    if re.search(r"\bF\.", code):
        lines.append("import torch.nn.functional as F")
    return lines + ["from torch import nn"]


def _docstring(network: Network, analysis: dict[str, Analysis], inputs: list[str], source: str | None) -> str:
    def shape(name: str) -> str:
        return "(" + ", ".join(["N", *map(str, analysis[name].shape)]) + ")"

    def quoted(text: str) -> str:  # safe inside a docstring
        return text.replace("\\", "\\\\").replace('"', '\\"')

    given = [layer for layer in network.layers if isinstance(layer, model.Input)]
    takes = ", ".join(f"{arg} {shape(layer.name)}" + (" token ids" if layer.data == "tokens" else "")
                      for arg, layer in zip(inputs, given))
    origin = f" from {quoted(source)}" if source else ""
    params = sum(a.params for a in analysis.values())
    return (f'"""{quoted(network.name)} in PyTorch, generated by tikznn{origin}.\n\n'
            f'{params:,} parameters; forward takes {takes} and returns {shape(network.layers[-1].name)}.\n"""')
