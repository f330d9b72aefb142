"""Composing a figure for the page it goes into. Given a width (and a page's height), the layout settings its author
left open (the flow's direction, drawing repeats once, wrapping onto rows) are chosen so that its smallest text
prints at 6 pt or more: each way the style can draw it is laid out and scored by the size its text prints at."""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import Callable

from .checks import SMALLEST_LABEL_PT
from .drawing import Layout
from .errors import LayoutError
from .figure import Figure
from .model import Network
from .tex import length_cm

SMALLEST_PT = 6.0  # the smallest text most venues accept in a figure, at the size it prints
ROWS = (1.0, 1.5, 2.2, 3.2)  # rows as wide as the figure, or wider (then shrunk): a figure on few long rows
FONTSIZES = (1.3, 1.6)  # larger text against the same drawing, when the usual size prints too small
CM_PER_IN = 2.54


@dataclass(frozen=True)
class Composition:
    figure: Figure       # the figure with the settings chosen
    drawing: Layout      # ... drawn
    smallest_pt: float   # its smallest text as it prints
    chosen: str          # what was chosen, in the language's words ('' when nothing was open)

    def said(self) -> str:
        """What `tikznn build -v` says of it."""
        box = self.drawing.bounds()
        scale = self.drawing.scale()
        size = f"{(box.x1 - box.x0) * scale / CM_PER_IN:.1f} × {(box.y1 - box.y0) * scale / CM_PER_IN:.1f} in"
        return (f"composed for {self.figure.width}: {self.chosen or 'as written'}; {size}, "
                f"smallest text {self.smallest_pt:.1f} pt")


def smallest_pt(drawing: Layout) -> float:
    """The size the smallest text of a drawing prints at, shrunk to its width and height."""
    return SMALLEST_LABEL_PT * drawing.scale() * drawing.fontsize


def choices(figure: Figure, repeated: bool, wraps: bool) -> list[Figure]:
    """The figures to try, in the order they are preferred when they read as well: as written first, then drawing
    repeats once, wrapping onto rows, and the flow down the page; then each of these with larger text. What the
    figure states is kept. (`sizes sqrt` would print larger still, but thin blocks push their sizes and captions
    off their rows: it is the author's choice.)"""
    layouts = [figure.layout] if figure.layout is not None or figure.wrap else [None, "down"]  # rows flow right
    collapses = [figure.collapse] if figure.collapse is not None else [None, True] if repeated else [None]
    found = []
    for layout, collapse in product(layouts, collapses):
        wrapped = [figure.wrap] if figure.wrap is not None or not wraps or layout not in (None, "right") \
            else [None, True]
        for wrap in wrapped:
            found += [replace(figure, layout=layout, collapse=collapse, wrap=wrap, rows=rows)
                      for rows in (_rows(figure.width) if wrap and wraps else [None])]
    if figure.fontsize is None:
        found += [replace(choice, fontsize=size) for size in FONTSIZES for choice in found]
    return found


def _rows(width: str) -> list[str | None]:
    """The widths rows may wrap at: the figure's, then wider (the whole is then shrunk to fit the page)."""
    cm = length_cm(width)
    return [None] + [f"{cm * factor:.2f}cm" for factor in ROWS[1:]]


def compose(network: Network, figure: Figure, draw: Callable[[Figure], Layout], *,
            wraps: bool = False) -> Composition:
    """The figure to draw: as written when it has no width to fit or its text prints at 6 pt or more; else the first
    of its `choices` that does, or the one whose text prints largest. `draw` draws a figure of the network."""
    first = draw(figure)
    written = Composition(figure, first, smallest_pt(first), "")
    if figure.width is None or length_cm(figure.width) is None or written.smallest_pt >= SMALLEST_PT:
        return written
    repeated = any(layer.times > 1 or layer.block_times > 1 for layer in network.layers)
    best = written
    for choice in choices(figure, repeated, wraps)[1:]:
        try:
            drawing = draw(choice)
        except LayoutError:  # a way the style cannot draw this network
            continue
        found = Composition(choice, drawing, smallest_pt(drawing), _difference(figure, choice))
        if found.smallest_pt >= SMALLEST_PT:
            return found
        if found.smallest_pt > best.smallest_pt + 0.05:
            best = found
    return best


def _difference(written: Figure, chosen: Figure) -> str:
    """What was chosen, as the lines that would say it ('layout down', 'collapse', 'wrap')."""
    words = []
    if chosen.layout != written.layout:
        words.append(f"layout {chosen.layout}")
    if chosen.collapse and not written.collapse:
        words.append("collapse")
    if chosen.wrap and not written.wrap or chosen.rows:
        words.append("wrap" + (f" on rows {chosen.rows} wide" if chosen.rows else ""))
    if chosen.fontsize != written.fontsize:
        words.append(f"fontsize {chosen.fontsize:g}")
    return ", ".join(words)
