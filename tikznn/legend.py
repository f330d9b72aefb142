"""A legend of the kinds of layer a figure draws: a swatch in each kind's colour and its name, on a grid under
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


def with_legend(drawing: Layout, names: dict[str, str] | None = None) -> Layout:
    """The drawing with its legend under it: one entry per kind of part drawn, in order of first appearance,
    on a grid as wide as the figure (at least 8 cm): as many columns as fit, at least two, each as wide as its
    widest entry, GAP apart. `names` replaces what the legend calls a part (a theme file's 'name' lines)."""
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
    cells = []  # (fill, ball, name, its text's width, height)
    for (_, ball), fills in entries.items():
        name = _name(fills, {**NAMES, **(names or {})})
        cells.append((fills[0], ball, name, *text_box(name, "note", drawing.fontsize)))
    box = drawing.bounds()
    columns = _columns([SWATCH + SPACE + cell[3] for cell in cells], max(box.x1 - box.x0, 8.0))
    lefts = [box.x0 + sum(columns[:j]) + GAP * j for j in range(len(columns))]
    swatches, labels = [], []
    y = box.y0 - GAP - SWATCH / 2
    for start in range(0, len(cells), len(columns)):
        row = cells[start:start + len(columns)]
        if start:
            y -= max(SWATCH, *(cell[4] for cell in row)) + 0.15
        for x, (fill, ball, name, text_width, text_height) in zip(lefts, row):
            swatches.append(Swatch(fill, ball, x + SWATCH / 2, y, tint=tints.get(fill, 100)))
            labels.append(Label(name, "note", x + SWATCH + SPACE + text_width / 2, y, text_width, text_height))
    return replace(drawing, legend=tuple(swatches), labels=drawing.labels + tuple(labels))


def _name(fills: list[str], called: dict[str, str]) -> str:
    """An entry's name: its kinds' legend names, a qualified one ("activation (fully connected)") left out when the
    plain one ("activation") is there."""
    names = list(dict.fromkeys(called[fill] for fill in fills))
    return ", ".join(n for n in names if not any(n.startswith(m + " (") for m in names))


def _columns(widths: list[float], room: float) -> list[float]:
    """The widths of the grid's columns, entries filled in row by row: as many as fit in `room`, and two when fewer
    do (a legend a little wider than a narrow figure rather than a tall list)."""
    for count in range(len(widths), 0, -1):
        columns = [max(widths[j::count]) for j in range(count)]
        if sum(columns) + GAP * (count - 1) <= room or count <= 2:
            return columns
    return []
