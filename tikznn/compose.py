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
ROWS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.4, 2.8, 3.2)  # rows as wide as the figure, or wider (then shrunk)
FONTSIZES = (1.3, 1.6)  # larger text against the same drawing, when the usual size prints too small
BLOCKS = (0.7,)  # ... or smaller blocks
PROMISING = 4  # the layouts tried at a larger strength: those whose text printed largest at the one before
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


def structures(figure: Figure, repeated: bool, wraps: bool) -> list[Figure]:
    """The ways to lay the figure out: as written first, then drawing repeats once, wrapping onto rows (of several
    widths), and the flow down the page. What the figure states is kept."""
    layouts = [figure.layout] if figure.layout is not None or figure.wrap else [None, "down"]  # rows flow right
    if figure.layout == "u":  # a U may be folded
        layouts.append("fold")
    collapses = [figure.collapse] if figure.collapse is not None else [None, True] if repeated else [None]
    found = []
    for layout, collapse in product(layouts, collapses):
        wrapped = [figure.wrap] if figure.wrap is not None or not wraps or layout not in (None, "right") \
            else [None, True]
        for wrap in wrapped:
            found += [replace(figure, layout=layout, collapse=collapse, wrap=wrap, rows=rows)
                      for rows in (_rows(figure.width) if wrap and wraps else [None])]
    return found


def strengths(figure: Figure) -> list[dict]:
    """How much larger its text may be against its drawing, least first: as written, larger text, smaller blocks,
    both (what the figure states is kept)."""
    fontsizes = [figure.fontsize] + ([] if figure.fontsize else list(FONTSIZES))
    blocks = [figure.blocks] + ([] if figure.blocks else list(BLOCKS))
    found = [dict(fontsize=f, blocks=b) for b in blocks for f in fontsizes]
    return sorted(found, key=lambda s: (s["fontsize"] or 1.0) / (s["blocks"] or 1.0))


def _rows(width: str) -> list[str | None]:
    """The widths rows may wrap at: the figure's, then wider (the whole is then shrunk to fit the page)."""
    cm = length_cm(width)
    return [None] + [f"{cm * factor:.2f}cm" for factor in ROWS[1:]]


def compose(network: Network, figure: Figure, draw: Callable[[Figure], Layout], *, wraps: bool = False,
            measure: Callable[[Figure], Layout] | None = None) -> Composition:
    """The figure to draw: as written when it has no width to fit or its text prints at 6 pt or more. Else each of
    its `structures` is drawn as written, then the most promising of them (whose text printed largest) at each
    larger `strength` in turn, until some print at 6 pt or more: of those, the one that reads best (`cost`). Text
    grows at most as fast as its font (larger text can only widen a drawing), so a strength is skipped when its
    font size could not lift the most promising drawing of its block size to 6 pt. When none prints at 6 pt, all
    that again with each use of a block drawn as one box ('detail blocks'); when still none does, the one whose
    text prints largest (the strongest setting is drawn for the most promising if it was skipped, as far as their
    text could still print larger). `draw` draws a figure of the network; `measure` (by default `draw`) gives what
    a candidate is weighed by, its bounds and font size (styles.draw), and only the one kept is then drawn."""
    first = draw(figure)
    written = Composition(figure, first, smallest_pt(first), "")
    if figure.width is None or length_cm(figure.width) is None or written.smallest_pt >= SMALLEST_PT:
        return written
    repeated = any(layer.times > 1 or layer.block_times > 1 for layer in network.layers)
    best, tried = written, {figure: written}
    measured = measure is not None  # (else each candidate is drawn, and the one kept need not be drawn again)
    measure = measure or draw

    def drawn(choice: Figure) -> Composition | None:
        """The choice measured (once), or None when the style cannot draw it; the unreadable one printing largest
        is kept as `best`."""
        nonlocal best
        if choice not in tried:
            try:
                drawing = measure(choice)
            except LayoutError:  # a way the style cannot draw this network
                tried[choice] = None
                return None
            tried[choice] = Composition(choice, drawing, smallest_pt(drawing), _difference(figure, choice))
        found = tried[choice]
        if found is not None and best.smallest_pt + 0.05 < found.smallest_pt < SMALLEST_PT:
            best = found
        return found

    details = [figure]  # drawing each use of a block as one box, when nothing else prints at 6 pt
    if figure.detail is None and any(layer.use[1] for layer in network.layers):
        details.append(replace(figure, detail="blocks"))
    shapes: list[Figure] = []
    for detail in details:
        shapes = structures(detail, repeated, wraps)
        pending = strengths(figure)
        while pending:
            strength = pending.pop(0)
            found = [c for c in (drawn(replace(shape, **strength)) for shape in shapes) if c is not None]
            readable = [c for c in found if c.smallest_pt >= SMALLEST_PT]
            if readable:
                return _drawn(min(readable, key=cost), draw, written, measured)
            found.sort(key=lambda c: -c.smallest_pt)
            shapes = [c.figure for c in found[:PROMISING]]  # (each drawn next at the next strength)
            largest = found[0].smallest_pt if found else 0.0
            pending = [s for s in pending if s["blocks"] != strength["blocks"] or
                       largest * _font(s) / _font(strength) >= SMALLEST_PT]
    # none reads: the largest text is wanted, which the strongest setting gives (drawn now if it was skipped), for
    # each shape whose text could print larger than the largest so far (most promising first)
    strongest = strengths(figure)[-1]
    for shape in shapes:
        if shape.blocks != strongest["blocks"] or \
                tried[shape].smallest_pt * _font(strongest) / (shape.fontsize or 1.0) > best.smallest_pt + 0.05:
            drawn(replace(shape, **strongest))
    return _drawn(best, draw, written, measured)


def _drawn(kept: Composition, draw: Callable[[Figure], Layout], written: Composition, measured: bool) -> Composition:
    """The composition kept, drawn if it was measured."""
    return replace(kept, drawing=draw(kept.figure)) if measured and kept is not written else kept


def _font(strength: dict) -> float:
    return strength["fontsize"] or 1.0


def cost(composition: Composition) -> float:
    """How much of the page a readable composition takes for the size its text prints at: its area (in²) over the
    text's size against 6 pt, larger when it is taller than twice its width (a column is narrow; a figure longer
    than that reads as a strip). The first choice wins a tie."""
    drawing = composition.drawing
    box, scale = drawing.bounds(), drawing.scale()
    width, height = (box.x1 - box.x0) * scale / CM_PER_IN, (box.y1 - box.y0) * scale / CM_PER_IN
    tall = max(1.0, height / (2 * width))
    return width * height * tall * SMALLEST_PT / composition.smallest_pt


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
    if chosen.blocks != written.blocks:
        words.append(f"sizes {chosen.sizes + ' ' if chosen.sizes else ''}{chosen.blocks:g}")
    if chosen.detail != written.detail:
        words.append(f"detail {chosen.detail}")
    return ", ".join(words)
