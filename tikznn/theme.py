"""The look of each part of a figure, and the one lookup that settles a part's colour and opacity:
the layer's own style first, then the part's default in the theme."""
from __future__ import annotations

from collections import ChainMap

from .model import Style

# The classic look (after PlotNeuralNet's figures): RGB of each part. TeX names are 'tikznn-<part>'.
RGB = {
    "input": (176, 190, 197),
    "conv": (255, 226, 180),
    "conv-act": (236, 142, 60),
    "deconv": (120, 160, 200),
    "upsample": (70, 110, 160),
    "pool": (178, 60, 50),
    "bn": (196, 214, 140),
    "activation": (236, 142, 60),
    "dense": (196, 182, 232),
    "dense-act": (130, 105, 200),
    "softmax": (128, 30, 100),
    "embed": (150, 200, 185),
    "lstm": (150, 190, 230),
    "gru": (150, 190, 230),
    "attention": (240, 165, 165),
    "encoder": (235, 205, 120),
    "layernorm": (215, 215, 140),
    "op": (170, 170, 185),
    "loop": (30, 50, 110),
    "add": (70, 170, 100),
    "concat": (232, 172, 70),
    "flow": (70, 110, 110),
    "skip": (30, 50, 110),
    "link": (30, 50, 110),
}
OPACITY = {"input": 0.55, "conv": 0.7, "deconv": 0.7, "dense": 0.7, "pool": 0.75, "add": 0.85, "concat": 0.85,
           "embed": 0.7, "lstm": 0.7, "gru": 0.7, "attention": 0.7, "encoder": 0.7}
DEFAULT_OPACITY = 0.8


def colour_name(part: str) -> str:
    return f"tikznn-{part}"


def resolve(style: Style, part: str) -> tuple[str, float]:
    """(colour, fill opacity) of a part of a layer's drawing: a colour is a TeX colour name or '#rrggbb'."""
    own = {key: value for key, value in (("colour", style.color), ("opacity", style.opacity)) if value is not None}
    default = {"colour": colour_name(part), "opacity": OPACITY.get(part, DEFAULT_OPACITY)}
    look = ChainMap(own, default)
    return look["colour"], look["opacity"]
