"""The look of each part of a figure, and the one lookup that settles a part's colour and opacity:
the layer's own style first, then the part's default in the figure's theme.

A layer kind declares its colours (tikznn/kinds); one that declares none takes its family's. The lines between
layers are this module's own parts. Themes: `classic` (PlotNeuralNet's colours), `print` (greys whose lightness
tells the kinds apart on a black and white page), and `colorblind` (Okabe and Ito's eight colours, told apart with
every common colour-vision deficiency; the main path in black, 10:1 against white as drawn, and other operations
in a colour no input has).

`print` fills every kind at one opacity, PRINT_OPACITY (so a band, drawn at its block's opacity, looks like its
legend swatch), in seven greys: 255 207 161 117 75 36 0, over white at 0.9 each 15 ΔE (CIELAB L*) from the next,
as many as fit between white and black. There are more kinds than that; kinds share a grey where they are seldom
drawn together, or are told apart by their shape:
    255  input                         alone
    207  convolution, embedding,       never in one network: a convolution reads maps, an embedding makes a sequence;
         patch embedding, position     a ViT's patches are a box, its position embedding a slab beside them
         embedding
    161  fully connected, transposed   decoders, which upsample, have no fully connected layers; and a bar is
         convolution, upsampling,      neither a box nor a slab
         pixel shuffle, channel shuffle
    117  activation (a band, a slab,   one thing wherever it is drawn; sums and concatenations are balls, told
         on a fully connected layer),  apart by their shape and their symbol (+, ||)
         sum, concatenation
     75  batch norm, other operation,  a batch norm line of its own (conv lines take theirs) and an op line are
         LSTM, GRU, attention,         rare and seldom together; the boxes are sequence networks', which seldom mix
         encoder layer                 recurrence and attention, and an encoder layer holds its attention
     36  pooling, layer norm           a Transformer pools at most once, at its end (Swin's last layer norm and
                                       pool sit side by side there: told apart by their place)
      0  softmax, class token and its  the band that ends a network; thin slabs of Transformers, which end in no
         read-out, pixel unshuffle     softmax band
In every example the kinds of block read apart (tests/test_themes.py)."""
from __future__ import annotations

import re
from collections import ChainMap

from . import kinds
from .errors import suggest
from .kinds import Colours
from .layer import Style

# the parts drawn between layers, after the kinds' parts; TeX names are 'tikznn-<part>'
LINES = {
    "loop": Colours((30, 50, 110), 0, "blue"),  # round a recurrent layer (in print: on a grey 75 box)
    "flow": Colours((70, 110, 110), 70, "black"),  # drawn at 0.75 opacity (templates/definitions.tex.j2)
    "skip": Colours((30, 50, 110), 30, "blue"),
    "link": Colours((30, 50, 110), 30, "blue"),
    "edge": Colours((40, 40, 40), 40, "black", 0.35),  # between neurons (the graph style)
}
DEFAULT_OPACITY = 0.8
PRINT_OPACITY = 0.9  # every fill of the print theme
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
              {**OPACITY, **{part: PRINT_OPACITY for part in _PARTS if part not in LINES}}),
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
