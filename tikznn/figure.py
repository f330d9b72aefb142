"""How a network is drawn: the settings of its figure (style, layout, width, theme, legend, ...), apart from the
network itself. A .nn file's setting lines give its figure; the command line and the builder change it; the pipeline
passes it to the style that draws and to render."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import theme
from .errors import ModelError
from .drawing import SIZES
from .layer import DIMS_MODES
from .tex import length_cm

# the main path left to right, or top to bottom; down and up again by resolution (encoder-decoders), or that U
# folded (the encoder down the left, the decoder up the right); columns of a layered layout
LAYOUTS = ("right", "down", "u", "fold", "layered")
THEMES = tuple(theme.THEMES)  # classic, print, colorblind
ENGINES = ("pdflatex", "xelatex", "lualatex")
DETAILS = ("layers", "blocks")  # what a box stands for: a layer, or a use of a block (its layers drawn as one box)


@dataclass(frozen=True)
class Figure:
    dims: str = "auto"     # what blocks are labelled with: one of DIMS_MODES
    stats: bool = False    # a caption line with the parameter and MAC totals
    collapse: bool | None = None  # draw a repeated layer once, marked ×N; None: tikznn's choice for a width
    layout: str | None = None  # one of LAYOUTS; None: the style's own (blocks: right; schematic: down)
    style: str = "blocks"   # how the figure is drawn: a module of tikznn/styles (blocks, flat, graph, schematic)
    style_options: tuple[str, ...] = ()  # words the style takes ('style graph bias'): its module's OPTIONS
    width: str | None = None  # a TeX length (or column, page) the figure must fit: scaled down to it
    height: str | None = None  # the height it must fit; with a width, by default a page's text height (9 in)
    wrap: bool | None = None  # with a width: first wrap the main path onto rows that fit it; None: tikznn's choice
    rows: str | None = None  # how wide the rows are when it wraps (compose.py's choice); None: its width
    theme: str = "classic"  # one of THEMES: the colours
    colours: tuple = ()     # a theme file's (part, (r, g, b), opacity or None), over the theme
    names: tuple = ()       # a theme file's (part, words): what the legend calls a part (in the figure's language)
    engine: str | None = None  # one of ENGINES; None: pdflatex, or xelatex/lualatex when labels need it
    fontsize: float | None = None  # all text, times its usual size; None: 1, or larger when composed for a width
    legend: bool = False    # a legend of the kinds of layer drawn
    sizes: str | None = None  # how a block's sides follow its tensor's sizes: one of SIZES; None: sqrt
    blocks: float | None = None  # block sides times their usual size ('sizes 0.7'); None: 1, or smaller when
    #                              composed for a width
    detail: str | None = None  # one of DETAILS; None: layers, or blocks when composed for a width none else fits

    @property
    def text_size(self) -> float:
        """All text, times its usual size."""
        return self.fontsize or 1.0

    @property
    def block_size(self) -> float:
        """Block sides, times their usual size."""
        return self.blocks or 1.0

    def but(self, *, dims: str | None = None, stats: bool | None = None, collapse: bool | None = None,
            layout: str | None = None, width: str | None = None, height: str | None = None, wrap: bool | None = None,
            theme: str | None = None,
            legend: bool | None = None, engine: str | None = None, fontsize: float | None = None,
            style: str | None = None, colours: tuple | None = None, sizes: str | None = None,
            blocks: float | None = None, detail: str | None = None) -> "Figure":
        """This figure with the settings given (None keeps one): what blocks are labelled with (DIMS_MODES), a
        caption line of totals, whether repeated layers are drawn once, marked ×N, the layout (LAYOUTS), a width to
        fit (a TeX length such as '17cm'), wrapping onto rows first with `wrap`, the colours (THEMES), a legend, the
        TeX engine, the font size, the style with its options ('graph bias'), how blocks follow sizes ('sqrt',
        'log 0.7', '0.7': SIZES and a factor of the blocks' sides), that factor alone (`blocks`) and what a box stands
        for (DETAILS). A style's name
        and options are checked where it is drawn (styles.draw)."""
        if fontsize is not None and not 0.5 <= fontsize <= 1.6:
            raise ModelError(f"a font size of {fontsize} times the usual", hint="give a factor from 0.5 to 1.6")
        if sizes is not None:
            sizes, factor = sizes_words(sizes)
            blocks = factor if blocks is None else blocks
        if blocks is not None and not BLOCKS[0] <= blocks <= BLOCKS[1]:
            raise ModelError(f"blocks {blocks:g} times their usual size",
                             hint=f"give a factor from {BLOCKS[0]:g} to {BLOCKS[1]:g}, e.g. sizes 0.7")
        for value, allowed, what in ((engine, ENGINES, "engine"), (theme, THEMES, "theme"),
                                     (dims, DIMS_MODES, "dims"), (layout, LAYOUTS, "layout"), (sizes, SIZES, "sizes"),
                                     (detail, DETAILS, "detail")):
            if value is not None and value not in allowed:
                raise ModelError(f"unknown {what} '{value}'", hint="choose from: " + ", ".join(allowed))
        for length in (width, height):
            if length is not None:
                check_length(length)
        given = dict(dims=dims, stats=stats, collapse=collapse, layout=layout, width=width, height=height, wrap=wrap,
                     theme=theme,
                     legend=legend, engine=engine, fontsize=fontsize, colours=colours, sizes=sizes, blocks=blocks,
                     detail=detail)
        if style is not None:
            given["style"], given["style_options"] = style_words(style)
        return replace(self, **{key: value for key, value in given.items() if value is not None})


BLOCKS = (0.4, 1.5)  # the factors block sides may be drawn at


def sizes_words(text: str) -> tuple[str | None, float | None]:
    """How blocks follow sizes, as written ('sqrt', 'log 0.7', '0.7'): the mapping (one of SIZES) and the factor of
    the blocks' sides, either None when not given."""
    words = text.split()
    factor = None
    if words and re.fullmatch(r"\d+(\.\d*)?|\.\d+", words[-1]):
        factor = float(words.pop())
    if len(words) > 1 or (words and words[0] not in SIZES) or (not words and factor is None):
        raise ModelError(f"cannot read the sizes '{text}'",
                         hint="write one of " + ", ".join(SIZES) + ", then a factor of the blocks' sides if any: "
                              "log 0.7")
    return (words[0] if words else None), factor


SMALLEST_CM = 1.0  # a width or height a figure can be drawn in: more than the standalone document's borders


def check_length(length: str) -> None:
    """Refuse a width or height that is no TeX length, or too small to draw a figure in."""
    cm = length_cm(length)
    if cm is not None and cm < SMALLEST_CM:
        raise ModelError(f"a figure cannot be drawn {length} wide or tall",
                         hint=f"give at least {SMALLEST_CM:g}cm (a column is 252pt, about 8.9cm)")


def style_words(text: str) -> tuple[str, tuple[str, ...]]:
    """A style as written on the command line or to the builder: its name, then its options ('graph bias',
    'graph,bias')."""
    words = [word for word in re.split(r"[\s,]+", text) if word]
    return (words[0] if words else ""), tuple(words[1:])
