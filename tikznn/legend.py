"""A legend of the kinds of layer a figure draws: a swatch in each kind's colour and its name, in rows under
everything else, so that it cannot overlap the drawing."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .drawing import Ball, Label, Layout
from .metrics import text_box
from .theme import NAMES, palette

SWATCH = 0.28   # cm, a swatch's side (or a ball's diameter)
GAP = 0.5       # cm, under the figure, and between entries
SPACE = 0.12    # cm, between a swatch and its name


@dataclass(frozen=True)
class Swatch:
    fill: str       # a theme part, as a block's or ball's fill
    round: bool     # a ball (add, concat) rather than a face
    x: float        # centre
    y: float
    size: float = SWATCH
    tint: int = 100  # as the marks it stands for (drawing.Mark.tint)


def with_legend(drawing: Layout) -> Layout:
    """The drawing with its legend under it: one entry per kind of part drawn, in order of first appearance,
    filling rows as wide as the figure (at least 8 cm)."""
    kinds: dict[str, bool] = {}
    tints: dict[str, int] = {}
    for shape in [*drawing.blocks, *drawing.balls]:
        for fill in (shape.fill, getattr(shape, "band_fill", None)):
            if fill in NAMES and fill not in kinds:
                kinds[fill] = isinstance(shape, Ball)
    for mark in drawing.marks:
        if mark.fill in NAMES and mark.fill not in kinds and mark.solid:
            kinds[mark.fill], tints[mark.fill] = mark.circle, mark.tint
    if not kinds:
        return drawing
    # kinds the theme gives one colour share an entry ("upsampling, pixel shuffle"): two equal swatches would mislead
    colours = palette(drawing.theme, drawing.colours)
    entries: dict[tuple, list[str]] = {}
    for fill, ball in kinds.items():
        entries.setdefault((colours.get(fill), ball), []).append(fill)
    box = drawing.bounds()
    width = max(box.x1 - box.x0, 8.0)
    x, y = box.x0, box.y0 - GAP - SWATCH / 2
    swatches, labels = [], []
    for (_, ball), fills in entries.items():
        fill, name = fills[0], ", ".join(dict.fromkeys(NAMES[f] for f in fills))
        text_width, text_height = text_box(name, "note", drawing.fontsize)
        entry = SWATCH + SPACE + text_width
        if x > box.x0 and x + entry > box.x0 + width:  # a new row
            x, y = box.x0, y - max(SWATCH, text_height) - 0.15
        swatches.append(Swatch(fill, ball, x + SWATCH / 2, y, tint=tints.get(fill, 100)))
        labels.append(Label(name, "note", x + SWATCH + SPACE + text_width / 2, y, text_width, text_height))
        x += entry + GAP
    return replace(drawing, legend=tuple(swatches), labels=drawing.labels + tuple(labels))
