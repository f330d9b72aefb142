"""Convolutions: conv and its transpose, deconv; and the window arithmetic pooling shares."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from . import Colours, Kind, call, pair, sized, times, token_sizes, torch_options, torch_size, window_words
from .activation import module as act_module, problem as act_problem
from ..errors import ParseError
from ..layer import Analysis, Layer, Pair, describe, shape_error, who


def window_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil: bool = False) -> int:
    """Output length of a convolution or pooling window along one axis (PyTorch's formula)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil:
        return span // stride + 1
    out = -(-span // stride) + 1
    # PyTorch's ceil mode: the last window must start inside the input or its left padding
    return out - 1 if (out - 1) * stride >= size + padding else out


def transposed_out(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0,
                   dilation: int = 1) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def check_window(layer, source, shape, spatial) -> None:
    if any(n <= 0 for n in spatial):
        window = describe(getattr(layer, "kernel", None) or (2, 2))
        raise shape_error(layer, f"its output would be {describe(spatial)}: the {window} window does "
                                 f"not fit the {describe(shape[1:])} output of {who(source)}",
                          hint="use a smaller kernel or stride, or change the padding")


def spatial_input(layer: Layer, inputs):
    """The input, which must be a feature map."""
    source, shape = inputs[0]
    if len(shape) < 2:
        raise shape_error(layer, f"{layer.kind} needs a feature map (C×H×W) but {who(source)} gives a flat "
                                 f"vector of {shape[0]}",
                          hint="put spatial layers before 'flatten'/'dense', or give the input a shape like 3x32x32")
    return source, shape


def _pair_token(token) -> Pair:
    sizes = token_sizes(token)
    return (sizes[0], sizes[-1])


def _padding(token):
    word = token[1:]
    return ("padding", word if word in ("same", "valid") else _pair_token(token))


SETTING_WORDS = {"act": "activation", "bn": "batch-norm", "depthwise": "dw"}
# option token → (setting, value)
OPTIONS = {
    "KERNEL": lambda t: ("kernel", _pair_token(t)),
    "STRIDE": lambda t: ("stride", _pair_token(t)),
    "PADDING": _padding,
    "DILATION": lambda t: ("dilation", _pair_token(t)),
    "GROUPS": lambda t: ("groups", int(t[1:])),
    "OUTPUT_PADDING": lambda t: ("output_padding", _pair_token(t)),
    "DW": lambda t: ("depthwise", True),
    "BIAS": lambda t: ("bias", True),
    "NOBIAS": lambda t: ("bias", False),
    "BN": lambda t: ("bn", True),
    "ACT": lambda t: ("act", str(t)),
    "CEIL": lambda t: ("ceil", True),
}


@dataclass(frozen=True, kw_only=True)
class Conv(Layer):
    channels: int
    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair | str = (0, 0)  # or "same" / "valid", as in PyTorch
    dilation: Pair = (1, 1)
    groups: int = 1
    depthwise: bool = False  # groups = input channels
    bias: bool | None = None  # None: a bias unless batch-norm follows (torchvision's habit)
    bn: bool = False
    act: str | None = None
    kind: ClassVar[str] = "conv"


@dataclass(frozen=True, kw_only=True)
class Deconv(Conv):
    """A transposed convolution; by default 2×2 with stride 2, doubling the size (U-Net's up-convolution)."""

    kernel: Pair = (2, 2)
    stride: Pair = (2, 2)
    output_padding: Pair = (0, 0)
    kind: ClassVar[str] = "deconv"


class ConvKind(Kind):
    example = "conv 32 k3 s2 p1 bn relu"
    keyword, layer, legend, family = "conv", Conv, "convolution", "conv"
    colours = Colours((255, 226, 180), 207, "yellow", 0.7)
    parts = (("conv-act", "activation", Colours((236, 142, 60), 117, "orange")),)
    doc = "a convolution: channels, kernel k3, stride s2, padding p1, dilation d2, groups g4 or dw, bn, activation"
    sticks = ends_stack = counted = window = True
    fuses = ("bn", "activation")
    torch_modules, onnx_ops = ("Conv2d",), ("Conv",)
    transposed = False

    def read(self, items, span):
        settings = {"channels": int(items[0])}
        for token in items[1:]:
            key, value = OPTIONS[token.type](token)
            if key == "output_padding" and not self.transposed:
                raise ParseError("output padding (op) belongs to deconv", span=span(token),
                                 hint="a conv's output size is set by its kernel, stride and padding")
            if key in settings:
                raise ParseError(f"{SETTING_WORDS.get(key, key.replace('_', ' '))} given twice", span=span(token),
                                 hint="keep one of them")
            settings[key] = value
        return settings, []

    def build(self, channels: int, k=3, s=1, p=0, *, d=1, groups: int = 1, depthwise: bool = False,
              bias: bool | None = None, bn: bool = False, act: str | None = None, **common):
        return Conv(channels=channels, kernel=pair(k), stride=pair(s), padding=p if isinstance(p, str) else pair(p),
                    dilation=pair(d), groups=groups, depthwise=depthwise, bias=bias, bn=bn, act=act, **common)

    def check(self, layer):
        if layer.depthwise and layer.groups != 1:
            return "dw (depthwise) sets the groups already; remove the g option"
        return act_problem(layer.act)

    def words(self, layer, refs):
        words = [self.keyword, str(layer.channels)]
        words += sized("k", layer.kernel) + sized("s", layer.stride, (1, 1))
        words += ([f"p{layer.padding}"] if layer.padding in ("same", "valid") else sized("p", layer.padding, (0, 0)))
        words += sized("d", layer.dilation, (1, 1))
        if self.transposed:
            words += sized("op", layer.output_padding, (0, 0))
        words += ["dw"] if layer.depthwise else [f"g{layer.groups}"] if layer.groups != 1 else []
        words += {True: ["bias"], False: ["nobias"], None: []}[layer.bias]
        return words + (["bn"] if layer.bn else []) + ([layer.act] if layer.act else [])

    def infer(self, layer, inputs):
        source, shape = spatial_input(layer, inputs)
        return _convolution(layer, source, shape, self.transposed)

    def describe(self, layer, result, counts):
        words = [f"{window_words(layer.kernel, len(result.shape) - 1)} {'dw ' if layer.depthwise else ''}conv"]
        words += [str(layer.channels)] if counts else []
        return ", ".join(words + ([f"/{times(layer.stride)}"] if layer.stride != (1, 1) else []))

    def torch_module(self, layer, source):
        channels, axes = source.shape[0], len(source.shape) - 1
        if isinstance(layer.padding, str):  # "valid" is no padding; a deconv cannot be "same" (analyse refuses it)
            padding = f'"{layer.padding}"' if layer.padding == "same" else "0"
        else:
            padding = torch_size(layer.padding[:axes])
        bias = layer.bias if layer.bias is not None else not layer.bn
        options = [("stride", torch_size(layer.stride[:axes]), "1"), ("padding", padding, "0")]
        if self.transposed:
            options.append(("output_padding", torch_size(layer.output_padding[:axes]), "0"))
        options += [("dilation", torch_size(layer.dilation[:axes]), "1"),
                    ("groups", str(channels if layer.depthwise else layer.groups), "1"), ("bias", str(bias), "True")]
        name = "ConvTranspose" if self.transposed else "Conv"
        parts = [call(f"nn.{name}{axes}d", str(channels), str(layer.channels), torch_size(layer.kernel[:axes]),
                      *torch_options(options))]
        if layer.bn:
            parts.append(f"nn.BatchNorm{axes}d({layer.channels})")
        if layer.act:
            parts.append(act_module(layer.act, source))
        return parts if len(parts) > 1 else parts[0]

    def from_torch(self, module, shape):
        if len(shape) != 3:
            return None
        settings = {"channels": module.out_channels, "kernel": tuple(module.kernel_size),
                    "stride": tuple(module.stride), "dilation": tuple(module.dilation),
                    "padding": module.padding if isinstance(module.padding, str) else tuple(module.padding),
                    "bias": module.bias is not None}
        if module.groups > 1:
            settings["groups"] = module.groups
            settings["depthwise"] = module.groups == module.in_channels == module.out_channels
        if self.transposed:
            settings["output_padding"] = tuple(module.output_padding)
        return settings

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        pads, auto = attrs.get("pads"), attrs.get("auto_pad", "NOTSET")
        if len(shape) != 3 or not weights or len(data) != 1 or not symmetric(pads) or \
                auto not in ("NOTSET", "SAME_UPPER", "VALID"):
            return None
        w, groups = weights[0], attrs.get("group", 1)
        channels = w[1] * groups if self.transposed else w[0]
        settings = {"channels": channels, "kernel": tuple(attrs.get("kernel_shape", w[2:])),
                    "stride": tuple(attrs.get("strides", (1, 1))), "dilation": tuple(attrs.get("dilations", (1, 1))),
                    "padding": "same" if auto == "SAME_UPPER" else half(pads), "bias": len(weights) > 1}
        if groups > 1:
            settings["groups"] = groups
            settings["depthwise"] = groups == shapes.get(data[0], ())[1:][0] == channels
        if self.transposed:
            settings["output_padding"] = tuple(attrs.get("output_padding", (0, 0)))
        return settings

    def from_settings(self, settings: dict, shape: tuple) -> Layer:
        """An imported conv: a bias is said only when it is not the default (a bias unless batch-norm follows)."""
        settings = dict(settings)
        if "bias" in settings and settings["bias"] != bool(settings.get("bn")):
            settings["bias"] = None
        return self.layer(**settings)


class DeconvKind(ConvKind):
    example = "deconv 8 k4 s2 p1 op1 relu"
    keyword, layer, legend, family = "deconv", Deconv, "transposed convolution", "deconv"
    colours = Colours((120, 160, 200), 161, "sky", 0.7)
    parts = ()
    doc = "a transposed convolution (up-convolution): by default k2 s2, doubling the size; op1: output padding"
    window = True
    torch_modules, onnx_ops = ("ConvTranspose2d",), ("ConvTranspose",)
    transposed = True

    def build(self, channels: int, k=2, s=2, p=0, *, op=0, d=1, groups: int = 1, bias: bool | None = None,
              bn: bool = False, act: str | None = None, **common):
        return Deconv(channels=channels, kernel=pair(k), stride=pair(s), padding=p if isinstance(p, str) else pair(p),
                      output_padding=pair(op), dilation=pair(d), groups=groups, bias=bias, bn=bn, act=act, **common)

    def describe(self, layer, result, counts):
        words = f"{window_words(layer.kernel, len(result.shape) - 1)} up-conv"
        return words + (f", {layer.channels}" if counts else "")


def symmetric(pads) -> bool:
    return not pads or list(pads[:len(pads) // 2]) == list(pads[len(pads) // 2:])


def half(pads) -> tuple:
    return tuple(pads[:len(pads) // 2]) if pads else (0, 0)


def _convolution(layer: Conv, source: Layer, shape, transposed: bool) -> Analysis:
    """Output, parameters and MACs of a conv or deconv: padding same/valid, dilation, groups, bias."""
    channels_in = shape[0]
    groups = channels_in if layer.depthwise else layer.groups
    for count, what in ((channels_in, f"input channels ({who(source)} gives {channels_in})"),
                        (layer.channels, f"output channels ({layer.channels})")):
        if count % groups:
            raise shape_error(layer, f"{groups} groups do not divide the {what}",
                              hint="groups must divide both channel counts")
    axes = len(shape) - 1
    kernel, stride, dilation = layer.kernel[:axes], layer.stride[:axes], layer.dilation[:axes]
    if layer.padding == "same":
        if transposed or any(s != 1 for s in stride):
            raise shape_error(layer, "padding 'same' needs stride 1 (as in PyTorch)",
                              hint="give the padding as a number, e.g. p1 for a 3×3 kernel")
        spatial = shape[1:]
    else:
        padding = (0,) * axes if layer.padding == "valid" else layer.padding[:axes]
        if transposed:
            if any(o >= max(s, d) for o, s, d in zip(layer.output_padding, stride, dilation)):
                raise shape_error(layer, f"output padding {describe(layer.output_padding)} must be smaller than the "
                                         f"stride or the dilation (as in PyTorch)")
            spatial = tuple(transposed_out(n, k, s, p, o, d) for n, k, s, p, o, d in
                            zip(shape[1:], kernel, stride, padding, layer.output_padding, dilation))
        else:
            spatial = tuple(window_out(n, k, s, p, d) for n, k, s, p, d in
                            zip(shape[1:], kernel, stride, padding, dilation))
        check_window(layer, source, shape, spatial)
    weights = channels_in // groups * layer.channels * prod(kernel)
    bias = layer.channels if (layer.bias if layer.bias is not None else not layer.bn) else 0
    norm = 2 * layer.channels if layer.bn else 0
    # each weight is used once per output position (conv) or once per input position (deconv)
    positions = prod(shape[1:]) if transposed else prod(spatial)
    return Analysis((layer.channels, *spatial), weights + bias + norm, weights * positions)


KINDS = (ConvKind(), DeconvKind())
