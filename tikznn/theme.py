"""The look of each part of a figure, and the one lookup that settles a part's colour and opacity:
the layer's own style first, then the part's default in the figure's theme.

Themes: `classic` (PlotNeuralNet's colours), `print` (greys whose lightness tells the kinds apart on a black and
white page: light convolutions, darker bands and pools, mid-grey dense layers, dark merges), and `colorblind`
(Okabe and Ito's eight colours, told apart with every common colour-vision deficiency)."""
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
    "edge": (40, 40, 40),  # between neurons (the graph style)
}
OPACITY = {"input": 0.55, "conv": 0.7, "deconv": 0.7, "dense": 0.7, "pool": 0.75, "add": 0.85, "concat": 0.85,
           "embed": 0.7, "lstm": 0.7, "gru": 0.7, "attention": 0.7, "encoder": 0.7, "edge": 0.35}
DEFAULT_OPACITY = 0.8

_GREY = {"input": 250, "conv": 215, "conv-act": 160, "deconv": 200, "upsample": 120, "pool": 75, "bn": 190,
         "activation": 160, "dense": 185, "dense-act": 105, "softmax": 40, "embed": 215, "lstm": 175, "gru": 175,
         "attention": 165, "encoder": 195, "layernorm": 185, "op": 180, "loop": 40, "add": 130, "concat": 145,
         "flow": 70, "skip": 30, "link": 30, "edge": 40}
_OKABE_ITO = {"orange": (230, 159, 0), "sky": (86, 180, 233), "green": (0, 158, 115), "yellow": (240, 228, 66),
              "blue": (0, 114, 178), "vermillion": (213, 94, 0), "purple": (204, 121, 167), "grey": (153, 153, 153),
              "black": (0, 0, 0)}
_COLORBLIND = {"input": "grey", "conv": "yellow", "conv-act": "orange", "deconv": "sky", "upsample": "blue",
               "pool": "vermillion", "bn": "green", "activation": "orange", "dense": "sky", "dense-act": "blue",
               "softmax": "purple", "embed": "green", "lstm": "sky", "gru": "sky", "attention": "purple",
               "encoder": "yellow", "layernorm": "green", "op": "grey", "loop": "blue", "add": "green",
               "concat": "orange", "flow": "grey", "skip": "blue", "link": "blue", "edge": "black"}
THEMES = {
    "classic": (RGB, OPACITY),
    "print": ({part: (grey, grey, grey) for part, grey in _GREY.items()},
              {**OPACITY, **{part: 0.9 for part in OPACITY if part != "edge"}}),
    "colorblind": ({part: _OKABE_ITO[name] for part, name in _COLORBLIND.items()}, OPACITY),
}


def colour_name(part: str) -> str:
    return f"tikznn-{part}"


def palette(theme: str, colours: tuple = ()) -> dict[str, tuple[int, int, int]]:
    """RGB of every part in a theme, with a theme file's `colours` over it."""
    return {**THEMES[theme][0], **{part: rgb for part, rgb, _ in colours}}


def resolve(style: Style, part: str, theme: str = "classic", colours: tuple = ()) -> tuple[str, float]:
    """(colour, fill opacity) of a part of a layer's drawing: a colour is a TeX colour name or '#rrggbb'."""
    own = {key: value for key, value in (("colour", style.color), ("opacity", style.opacity)) if value is not None}
    opacities = {**THEMES[theme][1], **{p: opacity for p, _, opacity in colours if opacity is not None}}
    default = {"colour": colour_name(part), "opacity": opacities.get(part, DEFAULT_OPACITY)}
    look = ChainMap(own, default)
    return look["colour"], look["opacity"]
