"""The look of each part of a figure, and the one lookup that settles a part's colour and opacity:
the layer's own style first, then the part's default in the figure's theme.

A layer kind declares its colours (tikznn/kinds); one that declares none takes its family's. The lines between
layers are this module's own parts. Themes: `classic` (PlotNeuralNet's colours), `print` (greys whose lightness
tells the kinds apart on a black and white page: light convolutions, darker bands and pools, mid-grey dense layers,
dark merges), and `colorblind` (Okabe and Ito's eight colours, told apart with every common colour-vision
deficiency)."""
from __future__ import annotations

import re
from collections import ChainMap

from . import kinds
from .errors import suggest
from .kinds import Colours
from .layer import Style

# the parts drawn between layers, after the kinds' parts; TeX names are 'tikznn-<part>'
LINES = {
    "loop": Colours((30, 50, 110), 40, "blue"),  # round a recurrent layer
    "flow": Colours((70, 110, 110), 70, "grey"),
    "skip": Colours((30, 50, 110), 30, "blue"),
    "link": Colours((30, 50, 110), 30, "blue"),
    "edge": Colours((40, 40, 40), 40, "black", 0.35),  # between neurons (the graph style)
}
DEFAULT_OPACITY = 0.8
_OKABE_ITO = {"orange": (230, 159, 0), "sky": (86, 180, 233), "green": (0, 158, 115), "yellow": (240, 228, 66),
              "blue": (0, 114, 178), "vermillion": (213, 94, 0), "purple": (204, 121, 167), "grey": (153, 153, 153),
              "black": (0, 0, 0)}


def _parts() -> dict[str, Colours]:
    """Every part's colours: the kinds' parts in their order, a kind without colours of its own in its family's."""
    declared = {part: colours for kind in kinds.every() for part, _, colours in kind.theme_parts()}
    parts = {}
    for kind in kinds.every():
        for part, _, colours in kind.theme_parts():
            parts[part] = colours or declared[kind.family]
    return {**parts, **LINES}


_PARTS = _parts()
PARTS = tuple(_PARTS)  # what a theme file can colour
NAMES = {part: name for kind in kinds.every() for part, name, _ in kind.theme_parts()}  # a part -> its legend entry
OPACITY = {part: c.opacity for part, c in _PARTS.items() if c.opacity is not None}
THEMES = {
    "classic": ({part: c.classic for part, c in _PARTS.items()}, OPACITY),
    "print": ({part: (c.grey,) * 3 for part, c in _PARTS.items()},
              {**OPACITY, **{part: 0.9 for part in OPACITY if part != "edge"}}),
    "colorblind": ({part: _OKABE_ITO[c.colorblind] for part, c in _PARTS.items()}, OPACITY),
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


# xcolor's base colours, which every LaTeX install has; other colours are written #rrggbb
COLOR_NAMES = ("red", "green", "blue", "cyan", "magenta", "yellow", "black", "gray", "white", "darkgray",
               "lightgray", "brown", "lime", "olive", "orange", "pink", "purple", "teal", "violet")


def colour_problem(value: str) -> tuple[str, str] | None:
    """(message, hint) when `value` is not a colour tikznn can pass to TeX."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value) or value in COLOR_NAMES:
        return None
    if value.startswith("#"):
        return f"colour '{value}' is not #rrggbb", "write six hexadecimal digits, e.g. #1f77b4"
    return (f"unknown colour '{value}'",
            suggest(value, COLOR_NAMES) or "use #rrggbb or one of: " + ", ".join(COLOR_NAMES))
