"""From an image to a sequence and back to a vector, as Vision Transformers do: patch embedding, a class token,
a learned position embedding, and the read-out of the class token."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import Colours, Kind, call, token_sizes
from ..layer import Analysis, Layer, describe, shape_error, who
from .sequence import _sequence_only


def _chain(ops, count: int) -> bool:
    """Are the last `count` operations one chain, each reading only the one before?"""
    tail = ops[-count:]
    return len(ops) >= count and all(op.inputs == [before.name] for before, op in zip(tail, tail[1:]))


@dataclass(frozen=True, kw_only=True)
class Patches(Layer):
    """An image cut into `patch`×`patch` patches, each one a vector of `dim` features: a sequence of
    (H/patch)·(W/patch) positions (a convolution with kernel and stride `patch`, flattened)."""

    dim: int
    patch: int
    kind: ClassVar[str] = "patches"


class PatchesKind(Kind):
    example, example_input = "patches 64 k8", "input 3x32x32"
    keyword, layer, legend, family = "patches", Patches, "patch embedding", "embed"
    colours = Colours((150, 200, 185), 207, "green", 0.7)
    doc = "an image as a sequence of patches, each a vector: patches 768 k16 (ViT's 16×16 patches)"
    counted = True

    def read(self, items, span):
        return {"dim": int(items[0]), "patch": token_sizes(items[1])[0]}, []

    def build(self, dim: int, patch: int, **common):
        return Patches(dim=dim, patch=patch, **common)

    def check(self, layer):
        return "a patch is at least 1×1" if layer.patch < 1 else None

    def words(self, layer, refs):
        return ["patches", str(layer.dim), f"k{layer.patch}"]

    def infer(self, layer, inputs):
        source, shape = inputs[0]
        if len(shape) != 3 or shape[1] < layer.patch or shape[2] < layer.patch:
            raise shape_error(layer, f"patches cuts a C×H×W image of at least {layer.patch}×{layer.patch}, not the "
                                     f"{describe(shape)} of {who(source)}",
                              hint="feed it an image: input 3x224x224")
        length = (shape[1] // layer.patch) * (shape[2] // layer.patch)
        weights = shape[0] * layer.patch ** 2 * layer.dim
        return Analysis((length, layer.dim), weights + layer.dim, length * weights, True)

    def infer_sequence(self, layer, inputs):
        return self.infer(layer, inputs)  # (which says it takes an image)

    def describe(self, layer, result, counts):
        return f"{layer.patch}×{layer.patch} patches, {layer.dim}" if counts else "patches"

    def torch_module(self, layer, source):
        return call("nn.Conv2d", str(source.shape[0]), str(layer.dim), str(layer.patch), f"stride={layer.patch}")

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = {attribute}({args[0]}).flatten(2).transpose(1, 2)"

    def from_ops(self, ops, shapes):
        """A convolution with stride = kernel, its C×H×W flattened to C×L and turned to L×C (ViT's conv_proj,
        reshape, permute)."""
        if not _chain(ops, 3):
            return None
        conv, flat, turn = ops[-3:]
        settings = conv.settings
        if conv.kind != "conv" or settings.get("kernel") != settings.get("stride") or \
                settings.get("kernel", (0, 0))[0] != settings["kernel"][1] or any(settings.get("padding", (0, 0))) or \
                settings.get("groups", 1) != 1 or settings.get("dilation", (1, 1)) != (1, 1) or \
                settings.get("bias") is False or settings.get("bn") or settings.get("act"):
            return None
        channels, height, width = conv.shape
        if flat.shape != (channels, height * width) or turn.shape != (height * width, channels):
            return None
        return 3, {"dim": channels, "patch": settings["kernel"][0]}


@dataclass(frozen=True, kw_only=True)
class ClassToken(Layer):
    """A learned vector put before a sequence's first position (ViT's class token): L×D → (L+1)×D."""

    kind: ClassVar[str] = "classtoken"


class ClassTokenKind(Kind):
    example, example_input = "classtoken", "input 16x64 seq"
    keyword, layer, legend, family = "classtoken", ClassToken, "class token", "embed"
    colours = Colours((120, 175, 215), 0, "blue", 0.8)
    doc = "a learned vector put before the sequence (ViT's class token), one more position"
    on_sequences = "classtoken"
    slab = 0.75

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        length, dim = inputs[0][1]
        return Analysis((length + 1, dim), dim, 0, True)

    def describe(self, layer, result, counts):
        return "class token"

    def torch_module(self, layer, source):
        return f"nn.Parameter(torch.zeros(1, 1, {source.shape[-1]}))"

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = torch.cat([{attribute}.expand({args[0]}.shape[0], -1, -1), {args[0]}], dim=1)"

    def from_ops(self, ops, shapes):
        """A concatenation, before a sequence, of a vector the model holds (its class token, read by the
        concatenation or an expand of it)."""
        last = ops[-1]
        if last.kind not in ("op", "concat") or len(last.inputs) != 1 or len(last.shape) != 2:
            return None
        count = 1
        if len(ops) > 1 and ops[-2].kind == "op" and not ops[-2].inputs and ops[-2].params == last.shape[1]:
            count = 2  # (an expand of the token: it reads no sequence)
        before = shapes.get(last.inputs[0])
        if before is None or before != (last.shape[0] - 1, last.shape[1]) or \
                sum(op.params for op in ops[-count:]) != last.shape[1]:
            return None
        return count, {}


@dataclass(frozen=True, kw_only=True)
class Position(Layer):
    """A learned vector added at each position of a sequence (a position embedding of L×D)."""

    kind: ClassVar[str] = "position"


class PositionKind(Kind):
    example, example_input = "position", "input 16x64 seq"
    keyword, layer, legend, family = "position", Position, "position embedding", "embed"
    colours = Colours((170, 150, 210), 207, "purple", 0.8)
    doc = "a learned position embedding added to the sequence (L×D weights)"
    on_sequences = "position"
    slab = 0.75

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        shape = inputs[0][1]
        return Analysis(shape, shape[0] * shape[1], 0, True)

    def describe(self, layer, result, counts):
        return "position embedding"

    def torch_module(self, layer, source):
        return f"nn.Parameter(torch.zeros(1, {source.shape[0]}, {source.shape[1]}))"

    def forward(self, layer, target, args, attribute, source):
        return f"{target} = {args[0]} + {attribute}"

    def from_ops(self, ops, shapes):
        """A sum of a sequence and an L×D tensor the model holds."""
        last = ops[-1]
        if last.kind not in ("op", "add") or len(last.inputs) != 1 or len(last.shape) != 2 or \
                shapes.get(last.inputs[0]) != last.shape or last.params != last.shape[0] * last.shape[1]:
            return None
        return 1, {}


@dataclass(frozen=True, kw_only=True)
class Readout(Layer):
    """The features of a sequence's first position (its class token): L×D → D."""

    kind: ClassVar[str] = "readout"


class ReadoutKind(Kind):
    example, example_input = "readout", "input 16x64 seq"
    keyword, layer, legend, family = "readout", Readout, "class token read-out", "embed"
    colours = Colours((120, 175, 215), 0, "blue", 0.8)
    doc = "the first position's features (the class token's) as a vector: L×D → D"
    on_sequences = "readout"
    slab = 0.75

    infer = staticmethod(lambda layer, inputs: _sequence_only(layer, inputs))

    def infer_sequence(self, layer, inputs):
        return Analysis((inputs[0][1][1],), 0, 0)

    def describe(self, layer, result, counts):
        return "read-out"

    def function(self, layer, x, source):
        return f"{x}[:, 0]"

    def from_ops(self, ops, shapes):
        """x[:, 0] of a sequence."""
        last = ops[-1]
        if last.kind != "op" or last.settings.get("index") != "[:, 0]" or len(last.inputs) != 1 or \
                len(shapes.get(last.inputs[0], ())) != 2 or last.params:
            return None
        return 1, {}


KINDS = (PatchesKind(), ClassTokenKind(), PositionKind(), ReadoutKind())
