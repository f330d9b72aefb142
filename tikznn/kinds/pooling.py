"""Pooling: max and average over a window, global average pooling over the whole map (or sequence), or adaptive
average pooling to a given size (nn.AdaptiveAvgPool2d(7))."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, call, pair, sized, times, torch_options, torch_size, window_words
from .convolution import OPTIONS, check_window, half, spatial_input, symmetric, window_out
from ..errors import ParseError, suggest
from ..layer import Analysis, Layer, Pair, describe, shape_error

MODES = ("max", "avg", "global", "adaptive")


@dataclass(frozen=True, kw_only=True)
class Pool(Layer):
    mode: str = "max"  # one of MODES; 'global' is global average pooling
    kernel: Pair | None = None  # None: 2×2 (max and avg), the whole map (global)
    stride: Pair | None = None  # None: equal to the kernel, as in PyTorch
    padding: Pair = (0, 0)
    ceil: bool = False  # ceil_mode: round the output size up
    output: Pair | None = None  # adaptive: the size of the map it gives
    kind: ClassVar[str] = "pool"


class PoolKind(Kind):
    on_sequences = "pool global"
    example = "pool max k3 s2 p1"
    keyword, layer, legend, family = "pool", Pool, "pooling", "pool"
    colours = Colours((178, 60, 50), 36, "vermillion", 0.75)
    doc = "pooling: pool max 2, pool avg k3 s2 p1 (ceil), pool global, pool adaptive 7 (to 7×7)"
    slab, sticks, joins_next, window = 1.0, True, False, True
    terminals = {"POOL_MODE": ("max, avg, global or adaptive", MODES)}
    torch_modules = ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d")
    torch_functions = ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d")
    onnx_ops = ("MaxPool", "AveragePool", "GlobalAveragePool")

    def read(self, items, span):
        mode, size, *options = items
        settings = {"mode": str(mode)}
        if size is not None:
            settings["output" if mode == "adaptive" else "kernel"] = (int(size), int(size))
        for token in options:
            key, value = OPTIONS[token.type](token)
            if key in settings:
                raise ParseError(f"{key} given twice", span=span(token), hint="keep one of them")
            if key == "padding" and isinstance(value, str):
                raise ParseError(f"pooling takes a numeric padding, not '{token}'", span=span(token))
            settings[key] = value
        return settings, []

    def build(self, mode: str = "max", k=None, s=None, p=0, *, ceil: bool = False, **common):
        if mode == "adaptive":  # pool("adaptive", 7): the size it gives
            return Pool(mode=mode, output=None if k is None else pair(k), **common)
        return Pool(mode=mode, kernel=None if k is None else pair(k), stride=None if s is None else pair(s),
                    padding=pair(p), ceil=ceil, **common)

    def check(self, layer):
        if layer.mode not in MODES:
            return f"unknown mode '{layer.mode}'", suggest(layer.mode, MODES) or "choose from: " + ", ".join(MODES)
        if layer.mode == "global" and (layer.kernel, layer.stride, layer.padding, layer.ceil) != (None, None, (0, 0),
                                                                                                  False):
            return "global pooling covers the whole map; it takes no size, stride, padding or ceil"
        if layer.mode == "adaptive" and (layer.output is None or (layer.kernel, layer.stride, layer.padding,
                                                                  layer.ceil) != (None, None, (0, 0), False)):
            return ("adaptive pooling takes the size of the map it gives, and nothing else",
                    "write pool adaptive 7 (a 7×7 map, as nn.AdaptiveAvgPool2d(7))")
        return None

    def words(self, layer, refs):
        if layer.mode == "global":
            return ["pool", "global"]
        if layer.mode == "adaptive":
            return ["pool", "adaptive", str(layer.output[0])]
        kernel = layer.kernel or (2, 2)
        stride = layer.stride or kernel
        if isinstance(kernel, tuple) and kernel[0] == kernel[1] and stride == kernel and layer.padding == (0, 0):
            words = ["pool", layer.mode, str(kernel[0])]
        else:
            words = ["pool", layer.mode] + sized("k", kernel) + sized("s", stride, kernel) + \
                sized("p", layer.padding, (0, 0))
        return words + (["ceil"] if layer.ceil else [])

    def infer(self, layer, inputs):
        source, shape = spatial_input(layer, inputs)
        if layer.mode == "global":
            return Analysis((shape[0],) + (1,) * (len(shape) - 1), 0, 0)
        if layer.mode == "adaptive":
            return Analysis((shape[0],) + layer.output[:len(shape) - 1], 0, 0)
        kernel = layer.kernel or (2, 2)
        stride = layer.stride or kernel
        if any(2 * p > k for p, k in zip(layer.padding, kernel)):
            raise shape_error(layer, f"padding {describe(layer.padding)} is more than half the "
                                     f"{describe(kernel)} window", hint="PyTorch allows at most half the kernel")
        spatial = tuple(window_out(n, k, s, p, ceil=layer.ceil) for n, k, s, p in
                        zip(shape[1:], kernel, stride, layer.padding))
        check_window(layer, source, shape, spatial)
        return Analysis((shape[0], *spatial), 0, 0)

    def infer_sequence(self, layer, inputs):
        if layer.mode != "global":
            return super().infer_sequence(layer, inputs)
        return Analysis((inputs[0][1][1],), 0, 0)  # the mean over positions

    def describe(self, layer, result, counts):
        if layer.mode == "global":
            return "global avg-pool"
        if layer.mode == "adaptive":
            return f"adaptive avg-pool to {times(layer.output[:len(result.shape) - 1])}"
        kernel = layer.kernel or (2, 2)
        stride = layer.stride or kernel
        moved = "" if stride == kernel else ", stride 1" if stride == (1, 1) else f", /{times(stride)}"
        # the stride, if it is not the window
        return f"{window_words(kernel, len(result.shape) - 1)} {layer.mode}-pool{moved}"

    def function(self, layer, x, source):
        axes = len(source.shape) - 1
        if layer.mode == "global":
            return f"{x}.mean(dim=1)" if source.sequence else f"F.adaptive_avg_pool{axes}d({x}, 1)"
        if layer.mode == "adaptive":
            return f"F.adaptive_avg_pool{axes}d({x}, {torch_size(layer.output[:axes])})"
        kernel = layer.kernel or (2, 2)
        options = torch_options([("stride", torch_size(layer.stride[:axes]) if layer.stride else None, None),
                                 ("padding", torch_size(layer.padding[:axes]), "0"), ("ceil_mode", layer.ceil, False)])
        return call(f"F.{layer.mode}_pool{axes}d", x, torch_size(kernel[:axes]), *options)

    def from_torch(self, module, shape):
        if type(module).__name__ == "AdaptiveAvgPool2d":
            return _adaptive(module.output_size)
        if getattr(module, "dilation", 1) not in (1, (1, 1)):
            return None
        return {"mode": "max" if type(module).__name__ == "MaxPool2d" else "avg", "kernel": _pair(module.kernel_size),
                "stride": _pair(module.stride or module.kernel_size), "padding": _pair(module.padding),
                "ceil": bool(module.ceil_mode)}

    def from_torch_function(self, name, given, node, shape, tensors):
        if name == "adaptive_avg_pool2d":
            return _adaptive(given.get("output_size", 0))
        if len(shape) != 3 or given.get("dilation", 1) not in (1, (1, 1)):
            return None
        kernel = _pair(given["kernel_size"])
        return {"mode": name[:3], "kernel": kernel, "stride": _pair(given.get("stride") or kernel),
                "padding": _pair(given.get("padding", 0)), "ceil": bool(given.get("ceil_mode", False))}

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        if len(shape) != 3:
            return None
        if op_type == "GlobalAveragePool":
            return {"mode": "global"}
        if not symmetric(attrs.get("pads")):
            return None
        kernel = tuple(attrs["kernel_shape"])
        return {"mode": "max" if op_type == "MaxPool" else "avg", "kernel": kernel,
                "stride": tuple(attrs.get("strides", kernel)), "padding": half(attrs.get("pads")),
                "ceil": bool(attrs.get("ceil_mode", 0))}


def _adaptive(size) -> dict | None:
    """nn.AdaptiveAvgPool2d(size) in the language's words: global to 1×1, adaptive to a square (None: an op)."""
    size = _pair(size)
    if size == (1, 1):
        return {"mode": "global"}
    return {"mode": "adaptive", "output": size} if size[0] == size[1] and isinstance(size[0], int) else None


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


KINDS = (PoolKind(),)
