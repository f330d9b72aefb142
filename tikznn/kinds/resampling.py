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
        scale = _one_scale(module.scale_factor)
        if scale and module.mode in MODES:
            return {"scale": scale, "mode": module.mode}
        return None

    def from_torch_function(self, name, given, node, shape, tensors):
        scale = _one_scale(given.get("scale_factor"))
        if given.get("mode", "nearest") in MODES and not given.get("align_corners") and scale:
            return {"scale": scale, "mode": given.get("mode", "nearest")}
        return None


def _one_scale(scale) -> int | None:
    """A whole scale factor, the same along every axis ((2, 2) is 2), else None."""
    values = set(scale) if isinstance(scale, (tuple, list)) else {scale}
    if len(values) != 1 or not isinstance(next(iter(values)), (int, float)):
        return None
    value = next(iter(values))
    return int(value) if value and float(value).is_integer() else None


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


@dataclass(frozen=True, kw_only=True)
class PixelUnshuffle(Layer):
    """Space into channels (nn.PixelUnshuffle): C×H×W → C·r²×H/r×W/r; Swin's patch merging gathers each 2×2
    patch's four C-channel vectors this way before its layer norm and linear layer."""

    factor: int
    kind: ClassVar[str] = "pixelunshuffle"


class PixelUnshuffleKind(PixelShuffleKind):
    example = "pixelunshuffle 2"
    keyword, layer, legend = "pixelunshuffle", PixelUnshuffle, "pixel unshuffle"
    colours = Colours((95, 150, 170), 0, "blue", 0.8)
    doc = "pixel unshuffle by r (nn.PixelUnshuffle; Swin's patch merging): C×H×W → C·r²×H/r×W/r, no weights"
    # (not ONNX's SpaceToDepth: it orders the channels otherwise than PyTorch's pixel_unshuffle)
    torch_modules, torch_functions, onnx_ops = ("PixelUnshuffle",), ("pixel_unshuffle", "_patch_merging_pad"), ()

    def build(self, factor: int, **common):
        return PixelUnshuffle(factor=factor, **common)

    def words(self, layer, refs):
        return ["pixelunshuffle", str(layer.factor)]

    def infer(self, layer, inputs):
        source, shape = spatial_input(layer, inputs)
        if len(shape) != 3 or shape[1] % layer.factor or shape[2] % layer.factor:
            raise shape_error(layer, f"pixel unshuffle by {layer.factor} takes a C×H×W map whose height and width "
                                     f"it divides, not the {describe(shape)} of {who(source)}",
                              hint="pad or pool the map to a multiple of the factor")
        return Analysis((shape[0] * layer.factor ** 2, shape[1] // layer.factor, shape[2] // layer.factor), 0, 0)

    def describe(self, layer, result, counts):
        return f"pixel unshuffle /{layer.factor}"

    def function(self, layer, x, source):
        return call("F.pixel_unshuffle", x, str(layer.factor))

    def from_torch(self, module, shape):
        return {"factor": module.downscale_factor} if len(shape) == 3 else None

    def from_torch_function(self, name, given, node, shape, tensors):
        if name == "_patch_merging_pad":  # torchvision's Swin: each 2×2 patch's channels side by side
            source = tensors[0] if tensors else None
            fits = source and len(source) == 3 and shape == (4 * source[0], source[1] // 2, source[2] // 2) and \
                not source[1] % 2 and not source[2] % 2  # (an odd size is padded first: not a pixel unshuffle)
            return {"factor": 2} if fits else None
        factor = given.get("downscale_factor")
        return {"factor": int(factor)} if isinstance(factor, int) and len(shape) == 3 else None


@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(Layer):
    """Channels interleaved across `groups` groups (ShuffleNet's channel shuffle, nn.ChannelShuffle): the map's
    shape is kept, no weights."""

    groups: int
    kind: ClassVar[str] = "shuffle"


class ChannelShuffleKind(Kind):
    example = "shuffle g2"
    keyword, layer, legend, family = "shuffle", ChannelShuffle, "channel shuffle", "upsample"
    colours = Colours((190, 205, 150), 161, "yellow", 0.8)
    doc = "channel shuffle across groups (ShuffleNet; nn.ChannelShuffle): shuffle g2, no weights"
    slab = 0.75
    torch_modules, torch_functions, onnx_ops = ("ChannelShuffle",), ("channel_shuffle",), ()

    def read(self, items, span):
        return {"groups": int(items[0][1:])}, []

    def build(self, groups: int, **common):
        return ChannelShuffle(groups=groups, **common)

    def check(self, layer):
        return None if isinstance(layer.groups, int) and layer.groups >= 1 else \
            f"groups must be a whole number of at least 1, not {layer.groups}"

    def words(self, layer, refs):
        return ["shuffle", f"g{layer.groups}"]

    def infer(self, layer, inputs):
        source, shape = spatial_input(layer, inputs)
        if len(shape) != 3 or shape[0] % layer.groups:
            raise shape_error(layer, f"channel shuffle in {layer.groups} groups takes a C×H×W map whose channels "
                                     f"they divide, not the {describe(shape)} of {who(source)}")
        return Analysis(shape, 0, 0)

    def describe(self, layer, result, counts):
        return f"channel shuffle, {layer.groups} groups" if counts else "channel shuffle"

    def torch_module(self, layer, source):
        return call("nn.ChannelShuffle", str(layer.groups))

    def from_torch(self, module, shape):
        return {"groups": module.groups} if len(shape) == 3 else None

    def from_torch_function(self, name, given, node, shape, tensors):
        groups = given.get("groups", node.args[1] if len(node.args) > 1 else None)
        return {"groups": groups} if isinstance(groups, int) and len(shape) == 3 else None

    def from_ops(self, ops, shapes):
        """x.view(N, g, C/g, H, W), .transpose(1, 2), .view(N, C, H, W): torchvision's channel_shuffle."""
        if len(ops) < 3 or any(o.kind != "op" for o in ops[-3:]) or ops[-2].inputs != [ops[-3].name] or \
                ops[-1].inputs != [ops[-2].name]:
            return None
        split, turned, joined = ops[-3:]
        source = shapes.get(split.inputs[0]) if len(split.inputs) == 1 else None
        if not source or len(source) != 3 or joined.shape != source or len(split.shape) != 4:
            return None
        groups, per = split.shape[:2]
        fits = groups * per == source[0] and split.shape[2:] == source[1:] and \
            turned.shape == (per, groups, *source[1:])
        return (3, {"groups": groups}) if fits and groups > 1 else None


KINDS = (UpsampleKind(), PixelShuffleKind(), PixelUnshuffleKind(), ChannelShuffleKind())
