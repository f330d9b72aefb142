"""Resampling without weights: upsample (nearest or bilinear) and pixel shuffle (channels into space)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, call, torch_options
from .convolution import spatial_input
from ..errors import suggest
from ..layer import Analysis, Layer, describe, shape_error, who

MODES = ("nearest", "bilinear")


@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    scale: int = 2
    mode: str = "nearest"
    kind: ClassVar[str] = "upsample"


class UpsampleKind(Kind):
    example = "upsample 2 bilinear"
    keyword, layer, legend, family = "upsample", Upsample, "upsampling", "upsample"
    colours = Colours((70, 110, 160), 161, "blue")
    doc = "upsampling by a whole factor: upsample 2, upsample 2 bilinear"
    slab = 1.0
    terminals = {"UPSAMPLE_MODE": ("nearest or bilinear", MODES)}
    torch_modules, torch_functions = ("Upsample",), ("interpolate",)

    def read(self, items, span):
        scale, mode = items
        return {"scale": int(scale), "mode": str(mode or "nearest")}, []

    def build(self, scale: int = 2, mode: str = "nearest", **common):
        return Upsample(scale=scale, mode=mode, **common)

    def check(self, layer):
        if layer.mode not in MODES:
            return f"unknown mode '{layer.mode}'", suggest(layer.mode, MODES) or "choose from: " + ", ".join(MODES)
        return None

    def words(self, layer, refs):
        return ["upsample", str(layer.scale)] + (["bilinear"] if layer.mode == "bilinear" else [])

    def infer(self, layer, inputs):
        _, shape = spatial_input(layer, inputs)
        return Analysis((shape[0], *(n * layer.scale for n in shape[1:])), 0, 0)

    def describe(self, layer, result, counts):
        return f"upsample ×{layer.scale}"

    def function(self, layer, x, source):
        mode = "linear" if layer.mode == "bilinear" and len(source.shape) == 2 else layer.mode  # a 1-D map
        return call("F.interpolate", x, f"scale_factor={layer.scale}",
                    *torch_options([("mode", f'"{mode}"', '"nearest"')]))

    def from_torch(self, module, shape):
        scale = module.scale_factor
        if scale and float(scale) == int(scale) and module.mode in MODES:
            return {"scale": int(scale), "mode": module.mode}
        return None

    def from_torch_function(self, name, given, node, shape, tensors):
        scale = given.get("scale_factor")
        if given.get("mode", "nearest") in MODES and not given.get("align_corners") and scale and \
                float(scale).is_integer():
            return {"scale": int(scale), "mode": given.get("mode", "nearest")}
        return None


@dataclass(frozen=True, kw_only=True)
class PixelShuffle(Layer):
    """Channels into space (nn.PixelShuffle): C·r²×H×W → C×rH×rW, as ESPCN's sub-pixel convolution ends."""

    factor: int
    kind: ClassVar[str] = "pixelshuffle"


class PixelShuffleKind(Kind):
    example = "pixelshuffle 2"
    keyword, layer, legend, family = "pixelshuffle", PixelShuffle, "pixel shuffle", "upsample"
    doc = "pixel shuffle by r (nn.PixelShuffle): C·r²×H×W → C×rH×rW, no weights"
    slab = 1.0
    torch_modules, torch_functions, onnx_ops = ("PixelShuffle",), ("pixel_shuffle",), ("DepthToSpace",)

    def read(self, items, span):
        return {"factor": int(items[0])}, []

    def build(self, factor: int, **common):
        return PixelShuffle(factor=factor, **common)

    def check(self, layer):
        if not isinstance(layer.factor, int) or layer.factor < 1:
            return f"factor must be a whole number of at least 1, not {layer.factor}"
        return None

    def words(self, layer, refs):
        return ["pixelshuffle", str(layer.factor)]

    def infer(self, layer, inputs):
        source, shape = spatial_input(layer, inputs)
        if len(shape) != 3:
            raise shape_error(layer, f"pixel shuffle rearranges a C×H×W map, but {who(source)} gives "
                                     f"{describe(shape)}", hint="use upsample for a 1-D map")
        r2 = layer.factor ** 2
        if shape[0] % r2:
            raise shape_error(layer, f"pixel shuffle by {layer.factor} needs channels divisible by {r2}, but "
                                     f"{who(source)} gives {shape[0]}",
                              hint=f"give the conv before it a multiple of {r2} channels (C·r²)")
        return Analysis((shape[0] // r2, shape[1] * layer.factor, shape[2] * layer.factor), 0, 0)

    def describe(self, layer, result, counts):
        return f"pixel shuffle ×{layer.factor}"

    def function(self, layer, x, source):
        return call("F.pixel_shuffle", x, str(layer.factor))

    def from_torch(self, module, shape):
        return {"factor": module.upscale_factor} if len(shape) == 3 else None

    def from_torch_function(self, name, given, node, shape, tensors):
        factor = given.get("upscale_factor")
        return {"factor": int(factor)} if isinstance(factor, int) and len(shape) == 3 else None

    def from_onnx(self, op_type, attrs, data, weights, shape, shapes):
        # DepthToSpace in CRD order is PixelShuffle (as torch.onnx writes it); DCR orders the channels otherwise
        return {"factor": attrs["blocksize"]} if attrs.get("mode", "DCR") == "CRD" and len(shape) == 3 else None


KINDS = (UpsampleKind(), PixelShuffleKind())
