"""Wrapping a finished left-to-right layout onto rows that fit a width, like lines of text.

A row ends at a cut: a vertical line between two blocks of the main path that only their flow arrow crosses
(no block, label, frame or other arrow), so that each row keeps its skips, lanes and labels whole. The rows are
stacked top to bottom, and the flow arrow at each cut becomes an arrow that goes down the cut line, back left
under the row and into the first block of the next. The cuts are chosen as a paragraph's line breaks are (Knuth and
Plass): as few rows as filling each in turn needs, of lengths as even as the cuts allow, so no row is left nearly empty.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from math import inf, nan

from dataclasses import replace

from .drawing import PAD, Arrow, Frame, Layout, Recent, box_of, boxes_of, changed, head_past, moved
from .geometry import Index, Rect, enclosing
from .labels import FRAME_MARGIN

ROW_GAP = 0.9  # between the lowest thing in a row and the highest in the next: the returning arrow runs there
EDGE = 0.25    # the returning arrow's rise, left of the next row
MIN_CUT = 0.06  # the narrowest free stretch of a gap a row may end in
SPLIT = 0.36  # ... inside a stage's frame, which ends on one side of the cut and goes on in the next row
FRAME_EDGE = 0.1  # from such a cut to the frame's ends on either side of it
INDENT = EDGE + 0.1  # how far right of the first row the others start: the returning arrow rises there
SHORTEST = 0.5  # no row but the last is shorter


def wrap(drawing: Layout, width: float, *, measure: bool = False) -> Layout:
    """The layout on rows at most `width` cm wide where the cuts allow; when a stretch between two cuts is wider, the
    drawing is that wide whatever the other rows are, and they may be as long. With `measure`, only where the rows
    go is worked out: a Layout that holds nothing but their bounds (composing weighs every candidate by them and
    draws the one it keeps; moving every thing onto its row was a third of wrapping)."""
    box = drawing.bounds()
    if box.x1 - box.x0 <= width:
        return drawing
    cuts = _rows(_cuts_of(drawing), box.x0, box.x1, width)
    if not cuts:
        return drawing
    # (another width may choose the same cuts: the same rows)
    measure = measure and not (drawing.marks or drawing.lines or drawing.legend)  # (their bounds: Layout.bounds)
    return _WRAPPED.get(drawing, (tuple(c[0] for c in cuts), measure), lambda: _on_rows(drawing, cuts, box, measure))


def _on_rows(drawing: Layout, cuts, box, measure: bool) -> Layout:
    """The drawing cut at `cuts`, its rows stacked (`measure`: see wrap)."""
    edges = [box.x0] + [c[0] for c in cuts] + [box.x1]
    rows = [_Row(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    starts = _STARTS.get(drawing, None, lambda: _starts(drawing))  # (splitting frames keeps blocks and arrows)
    drawing = _split(drawing, cuts)
    crossing = {id(c[1]) for c in cuts}
    captions = [label for label in drawing.labels if not label.layer]
    _Row.deal(rows, drawing, crossing, starts)
    for row in rows:
        row.labels = [label for label in row.labels if label.layer]
        row.lift_captions()
        row.clear_names()
    # stack the rows: each starts at the left edge of the first, below the one before
    y, moved = 0.0, []
    for i, row in enumerate(rows):
        extent = row.extent()
        dx = box.x0 + (INDENT if i else 0.0) - row.x0
        dy = 0.0 if i == 0 else y - ROW_GAP - extent.y1
        moved.append(row.moved(dx, dy, extent, things=not measure))
        y = extent.y0 + dy
    returns = [_return(arrow, moved[i], moved[i + 1], cut + moved[i].dx, box.x0 + 0.1)
               for i, (cut, arrow, _) in enumerate(cuts)]
    width = max(r.extent().x1 for r in moved) - box.x0
    placed = []
    for caption in captions:  # centred under the last row
        placed.append(replace(caption, x=box.x0 + width / 2, y=y - 0.15 - caption.height / 2))
        y -= caption.height + 0.15
    if measure:
        measured = replace(drawing, blocks=(), balls=(), arrows=(), labels=(), taps=(), frames=())
        _know_bounds(measured, moved, returns, placed)
        return measured
    wrapped = replace(drawing, blocks=tuple(b for r in moved for b in r.blocks),
                      balls=tuple(b for r in moved for b in r.balls),
                      arrows=tuple(a for r in moved for a in r.arrows) + tuple(returns),
                      labels=tuple(label for r in moved for label in r.labels) + tuple(placed),
                      taps=tuple(t for r in moved for t in r.taps), frames=tuple(f for r in moved for f in r.frames))
    if not (drawing.marks or drawing.lines or drawing.legend):  # (else Layout.bounds works them out)
        _know_bounds(wrapped, moved, returns, placed)
    return wrapped


def _know_bounds(wrapped: Layout, rows: list["_Row"], returns: list[Arrow], captions: list) -> None:
    """Tell the wrapped drawing its bounds, which its rows' extents (known already) and what lies between and under
    them make: composing asks each candidate's, and working them out from its every block again took a tenth of a
    5,000-layer build."""
    extents = [row.extent() for row in rows] + [arrow.box() for arrow in returns] + [c.rect() for c in captions]
    object.__setattr__(wrapped, "_bounds", enclosing(extents))


_CUTS, _WRAPPED = Recent(), Recent()  # a drawing -> its cuts; a drawing and where it is cut -> it on rows
_STARTS = Recent()  # a drawing -> where its blocks and arrows start


def _starts(drawing: Layout) -> dict[int, float]:
    return {id(b): b.outline()[0][0] for b in drawing.blocks} | {id(a): a.projected()[0][0] for a in drawing.arrows}


def _cuts_of(drawing: Layout) -> list[tuple[float, Arrow, float]]:
    return _CUTS.get(drawing, None, lambda: _cuts(drawing))


def _cuts(drawing: Layout) -> list[tuple[float, Arrow, float]]:
    """Vertical lines that only one flow arrow crosses (the middle of the widest stretch of its gap that nothing
    else spans: the blocks, labels, frames, other arrows and taps; a stage's frame only at its ends), left to right, with
    that stretch's width."""
    # the figure's caption moves under the rows; a stage's name goes with its frame, split or not
    labels = [label for label in drawing.labels if label.layer and label.role != "stage"]
    spans = [(min(p[0] for p in o), max(p[0] for p in o)) for o in
             [s.outline() for s in drawing.shapes()] + [label.rect().polygon() for label in labels] +
             [f.rect.polygon() for f in drawing.frames if f.role != "stage"]]
    stages = [f.rect for f in drawing.frames if f.role == "stage"]
    spans += [(x - 0.03, x + 0.03) for rect in stages for x in (rect.x0, rect.x1)]  # a stage is split, not its edge
    spans += [(t[0] - 0.03, t[0] + 0.03) for t in drawing.taps]
    paths = {id(arrow): arrow.projected() for arrow in drawing.arrows}
    segments = [(min(p[0], q[0]) - 0.02, max(p[0], q[0]) + 0.02, id(arrow)) for arrow in drawing.arrows
                for p, q in zip(paths[id(arrow)], paths[id(arrow)][1:])]
    spanning = _Spans([(a, b, None) for a, b in spans] + segments)
    result = []
    for arrow in drawing.arrows:
        ends = paths[id(arrow)]
        if arrow.role != "flow" or ends[0][1] != ends[-1][1]:
            continue
        free = [(ends[0][0], ends[-1][0])]
        for a, b, owner in spanning.over(*free[0]):
            if owner == id(arrow):
                continue
            free = [piece for x0, x1 in free for piece in ((x0, min(x1, a)), (max(x0, b), x1)) if piece[1] > piece[0]]
        # the widest stretch, out of stages' frames if one is wide enough (a frame is split only where it must be)
        outside = [p for p in free if p[1] - p[0] >= MIN_CUT and not any(r.x0 < p[0] < r.x1 for r in stages)]
        widest = max(outside or free, key=lambda piece: piece[1] - piece[0], default=None)
        if not widest:
            continue
        if widest[1] - widest[0] >= MIN_CUT:
            result.append(((widest[0] + widest[1]) / 2, arrow, widest[1] - widest[0]))
    return sorted(result, key=lambda c: c[0])


def _split(drawing: Layout, cuts) -> Layout:
    """The drawing with each stage's frame that a cut crosses split there: ending just before the cut and going on
    just after it when the cut's gap is wide, else overlapping it (the pieces go to different rows). A stage's name
    that a cut crosses is centred again over each piece of its frame."""
    frames, labels = [], [label for label in drawing.labels if label.role != "stage"]
    names = [label for label in drawing.labels if label.role == "stage"]
    centres, drawn = None, None  # (worked out at the first frame a cut crosses: most drawings have none)
    for frame in drawing.frames:
        inside = [c for c in cuts if frame.role == "stage" and frame.rect.x0 < c[0] < frame.rect.x1]
        name = next((label for label in names if label.text == frame.stage
                     and frame.rect.x0 - label.width <= label.x <= frame.rect.x1 + label.width), None)
        crossed = name is not None and any(name.rect().x0 < c[0] < name.rect().x1 for c in cuts)
        if name is not None:
            names.remove(name)
        if not inside:
            frames.append(frame)
            if name is not None:
                labels.append(replace(name, x=(frame.rect.x0 + frame.rect.x1) / 2) if crossed else name)
            continue
        if centres is None:
            centres, drawn = _centres(drawing), sorted(_drawn_points(drawing))
            across = [x for x, _ in drawn]
        ends = [frame.rect.x0]
        for cut, _, free in inside:
            edge = FRAME_EDGE if free >= SPLIT else -FRAME_EDGE
            ends += [cut - edge, cut + edge]
        ends.append(frame.rect.x1)
        for k in range(0, len(ends), 2):
            x0, x1 = ends[k], ends[k + 1]
            members = frozenset(n for n in frame.layers if x0 <= centres.get(n, nan) <= x1)
            if not members:
                continue
            top = min(frame.rect.y1, _top(drawing, drawn, across, x0, x1, frame) + FRAME_MARGIN)  # no empty band over it
            frames.append(Frame(frame.stage, Rect(x0, frame.rect.y0, x1, top), members, frame.role))
            if name is not None:
                labels.append(replace(name, x=(x0 + x1) / 2, y=name.y - (frame.rect.y1 - top)))
    return replace(drawing, frames=tuple(frames), labels=tuple(labels + names))


def _drawn_points(drawing: Layout) -> list:
    """The points of what is drawn but stages' frames and names: its shapes, other labels and arrows."""
    points = [p for s in drawing.shapes() for p in s.outline()]
    points += [p for label in drawing.labels if label.role != "stage" for p in label.rect().polygon()]
    return points + [p for a in drawing.arrows for p in a.projected()]


def _top(drawing: Layout, drawn: list, across: list, x0: float, x1: float, frame: Frame) -> float:
    """The top of what is drawn between x0 and x1 (`drawn`: _drawn_points sorted, `across` their x), but the frame
    and its stage's name."""
    ys = [y for _, y in drawn[bisect_left(across, x0):bisect_right(across, x1)]]
    ys += [y for f in drawing.frames if f is not frame for x, y in f.rect.polygon() if x0 <= x <= x1]
    return max(ys, default=frame.rect.y1)


def _centres(drawing: Layout) -> dict[str, float]:
    """The middle of each layer's shapes, across."""
    extents: dict[str, tuple[float, float]] = {}
    for shape in drawing.shapes():
        box = box_of(shape)
        low, high = extents.get(shape.layer, (inf, -inf))
        extents[shape.layer] = (min(low, box.x0), max(high, box.x1))
    return {layer: (low + high) / 2 for layer, (low, high) in extents.items()}


class _Spans:
    """Intervals on the x axis, sorted by start, for the question 'which of them overlap (x0, x1)?' in time that
    grows with the answer (and the few long intervals), not with all of them."""

    def __init__(self, intervals):
        self.intervals = sorted(intervals, key=lambda i: i[0])
        self.starts = [i[0] for i in self.intervals]
        self.reach = list(accumulate((i[1] for i in self.intervals), max))  # the furthest end so far

    def over(self, x0: float, x1: float) -> list:
        found, i = [], bisect_left(self.starts, x1)
        while i > 0 and self.reach[i - 1] > x0:
            i -= 1
            if self.intervals[i][1] > x0:
                found.append(self.intervals[i])
        return found[::-1]


def _rows(cuts, start: float, end: float, width: float):
    """The cuts to make: at most as many rows as filling each in turn needs (`_filled`), none wider than `width` or
    the widest stretch between two cuts (rows after the first count their indent), and of those the fewest rows,
    then the least sum of squared row lengths: the most even rows. Dynamic programming over the cuts, each row
    ending at one and starting at one not too far before (not beyond the longest row filling makes)."""
    filled = _filled(cuts, start, end, width)
    at = [start] + [c[0] for c in cuts] + [end]
    last = len(at) - 1

    def length(i: int, j: int) -> float:
        return at[j] - at[i] + (INDENT if i else 0.0)

    edges = [start] + [c[0] for c in filled] + [end]
    widest = max([width] + [length(i, i + 1) for i in range(last)])
    reach = max([widest] + [edges[r + 1] - edges[r] + (INDENT if r else 0.0) for r in range(len(edges) - 1)])
    most = len(filled) + 1
    # best[j][k]: the least (sum of squared overflows past `widest`, sum of squared lengths) of k rows from the start
    # to at[j], compared in that order; came[j][k]: where the last of them starts. Only the k a whole solution of at
    # most `most` rows can have at j are kept (a few: between the fewest rows that reach j and the most that still
    # leave room for the rest), which keeps this linear in the cuts.
    fewest_to, fewest_from = _hops(at, reach), _hops([-x for x in reversed(at)], reach)[::-1]
    best: list[dict[int, tuple[float, float]]] = [{} for _ in at]
    came: list[dict[int, int]] = [{} for _ in at]
    best[0][0] = (0.0, 0.0)
    for j in range(1, last + 1):
        if inf in (fewest_to[j], fewest_from[j]):
            continue
        rows = range(max(1, int(fewest_to[j])), most - int(fewest_from[j]) + 1)
        here, best_j, came_j, i = at[j], best[j], came[j], j - 1
        while rows and i >= 0 and here - at[i] <= reach + 1e-9:  # (the inner loop of it all: kept lean)
            best_i = best[i]
            if best_i and (j == last or here - at[i] > SHORTEST):
                row = here - at[i] + (INDENT if i else 0.0)
                over, square = (row - widest) ** 2 if row > widest else 0.0, row * row
                for k in rows:
                    before = best_i.get(k - 1)
                    if before is not None:
                        cost = (before[0] + over, before[1] + square)
                        if k not in best_j or cost < best_j[k]:
                            best_j[k], came_j[k] = cost, i
            i -= 1
    if not best[last]:  # cannot happen: the rows filling makes are among those tried
        return filled
    count = min(best[last], key=lambda k: (best[last][k][0], k, best[last][k][1]))
    starts, j = [], last
    for k in range(count, 0, -1):
        j = came[j][k]
        starts.append(j)
    return [cuts[j - 1] for j in reversed(starts) if j]


def _hops(at: list[float], reach: float) -> list[float]:
    """For each point of an increasing list, the fewest rows at most `reach` long from the first point to it."""
    fewest: list[float] = [0]
    first = 0
    for j in range(1, len(at)):
        while at[j] - at[first] > reach + 1e-9:
            first += 1
        fewest.append(fewest[first] + 1 if first < j else inf)
    return fewest


def _filled(cuts, start: float, end: float, width: float):
    """The cuts filling each row in turn makes: each row ends at the last cut within `width` of its start (or the
    first beyond)."""
    chosen = []
    while end - start > width:
        within = [c for c in cuts if start + SHORTEST < c[0] <= start + width]
        beyond = [c for c in cuts if c[0] > start + width]
        cut = within[-1] if within else (beyond[0] if beyond else None)
        if cut is None:
            break
        chosen.append(cut)
        start = cut[0]
    return chosen


class _Row:
    """What lies between two cuts."""

    def __init__(self, x0: float, x1: float):
        self.x0, self.x1 = x0, x1
        self.blocks, self.balls, self.arrows, self.labels, self.taps, self.frames = [], [], [], [], [], []
        self.dx = self.dy = 0.0
        self._extent: Rect | None = None  # known once the row is moved into place (nothing changes after)
        self._shapes: Index | None = None  # its blocks, balls and arrows, indexed (labels move; they do not)

    def _inside(self, x: float) -> bool:
        return self.x0 - 1e-9 <= x <= self.x1 + 1e-9

    @staticmethod
    def deal(rows: list["_Row"], drawing: Layout, crossing: set[int], starts: dict[int, float]) -> None:
        """Give each row everything that starts within it (`starts`: where each block and arrow starts, worked out
        once), in the drawing's order; a thing at a cut itself goes to both rows."""
        lefts = [row.x0 for row in rows]

        def into(things, x_of, role: str) -> None:
            for thing in things:
                x = x_of(thing)
                k = bisect_right(lefts, x + 1e-9) - 1  # the last row starting at or before x
                for row in rows[max(k - 1, 0):k + 1]:
                    if row._inside(x):
                        getattr(row, role).append(thing)
        into(drawing.blocks, lambda b: starts[id(b)], "blocks")
        into(drawing.balls, lambda b: b.x, "balls")
        into([a for a in drawing.arrows if id(a) not in crossing], lambda a: starts[id(a)], "arrows")
        into(drawing.labels, lambda label: label.x, "labels")
        into(drawing.taps, lambda t: t[0], "taps")
        into(drawing.frames, lambda f: (f.rect.x0 + f.rect.x1) / 2, "frames")

    def lift_captions(self) -> None:
        """The main path's captions on the row's own baseline: just under its lowest block and sizes (they were
        placed on one baseline for the whole path, which a row of small blocks would hang far above); the frames
        around them close up under what they hold. A caption that would meet anything stays where it is."""
        main = {s.layer for s in self.blocks + self.balls if abs(s.y) < 1e-9}
        captions = [label for label in self.labels if label.role == "caption" and label.layer in main]
        if not captions:
            return
        self._lift_sizes(main)
        ground = [p[1] for s in self.blocks + self.balls if s.layer in main for p in s.outline()]
        ground += [label.rect().y0 for label in self.labels if label.role == "dims" and label.layer in main]
        top = min(ground) - PAD
        others = self._index([label for label in self.labels if label.role != "caption"])
        lifted = {}
        for label in captions:
            moved = changed(label, y=top - label.height / 2)
            if moved.y <= label.y:
                continue
            space = Rect(moved.rect().x0, moved.rect().y0, moved.rect().x1, label.rect().y1)  # all it passes
            if not others.hits_box(space, PAD):
                lifted[id(label)] = moved
        self.labels = [lifted.get(id(label), label) for label in self.labels]
        frames = []
        for frame in self.frames:
            held = [p[1] for s in self.blocks + self.balls if s.layer in frame.layers for p in s.outline()]
            held += [label.rect().y0 for label in self.labels if label.layer in frame.layers]
            held += [f.rect.y0 for f in self.frames if f is not frame and f.layers <= frame.layers]
            bottom = min(held, default=frame.rect.y0) - FRAME_MARGIN
            frames.append((frame, max(frame.rect.y0, bottom)))
        stages = min((b for f, b in frames if f.role == "stage"), default=0.0)  # stage frames share their bottom
        self.frames = [Frame(f.stage, Rect(f.rect.x0, stages if f.role == "stage" else b, f.rect.x1, f.rect.y1),
                             f.layers, f.role) for f, b in frames]

    def _lift_sizes(self, main: set[str]) -> None:
        """Sizes of the main path's blocks that were pushed down the whole path's caption rows, moved up to the
        first free line under their block."""
        bottoms = {s.layer: min(p[1] for p in s.outline()) for s in self.blocks if s.layer in main}
        lower = [i for i, label in enumerate(self.labels) if label.role == "dims" and not label.rotate and
                 label.layer in bottoms and label.y < bottoms[label.layer] - 2 * (label.height + PAD)]
        if not lower:
            return
        for i in lower:
            label = self.labels[i]
            others = self._index([other for j, other in enumerate(self.labels) if j != i])
            y = bottoms[label.layer] - PAD - label.height / 2
            while y > label.y + 1e-9:
                moved = changed(label, y=y)
                if not others.hits_box(moved.rect(), PAD):
                    self.labels[i] = moved
                    break
                y -= label.height + PAD

    def clear_names(self) -> None:
        """Stage names that a split frame's re-centring put onto another label (a narrow piece's name over its
        neighbour's, or over a ×N note), moved up a line at a time until clear."""
        names = sorted((i for i, label in enumerate(self.labels) if label.role == "stage"),
                       key=lambda i: self.labels[i].x)
        if not names:
            return
        settled = self._index([label for label in self.labels if label.role != "stage"])
        for i in names:
            label = self.labels[i]
            for _ in range(6):
                if not settled.hits_box(label.rect(), PAD):
                    break
                label = changed(label, y=label.y + label.height + PAD)
            self.labels[i] = label
            settled.add_box(label.rect())

    def _index(self, labels) -> Index:
        """What a label moved within the row must keep clear of: its blocks, balls and arrows, and `labels`."""
        if self._shapes is None:
            self._shapes = Index()
            for shape in self.blocks + self.balls:
                self._shapes.add(shape.outline())
            for arrow in self.arrows:
                points = arrow.projected()
                for segment in zip(points, points[1:]):
                    self._shapes.add(segment)
        index = self._shapes.copy()
        for label in labels:
            index.add_box(label.rect())
        return index

    def extent(self) -> Rect:
        if self._extent is not None:
            return self._extent
        return enclosing(boxes_of(self.blocks + self.balls, self.labels, self.frames, self.arrows))

    def moved(self, dx: float, dy: float, extent: Rect, things: bool = True) -> "_Row":
        """The row moved by (dx, dy); its `extent` (worked out already) and taps move with it, and, with `things`,
        what it holds."""
        row = _Row(self.x0 + dx, self.x1 + dx)
        row.dx, row.dy = dx, dy
        row._extent = Rect(extent.x0 + dx, extent.y0 + dy, extent.x1 + dx, extent.y1 + dy)
        row.taps = [(x + dx, y + dy) for x, y in self.taps]
        if not things:
            return row
        row.blocks = [moved(b, dx, dy) for b in self.blocks]
        row.balls = [moved(b, dx, dy) for b in self.balls]
        row.arrows = [changed(a, points=tuple((x + dx, y + dy, z) for x, y, z in a.points)) for a in self.arrows]
        row.labels = [moved(label, dx, dy) for label in self.labels]
        row.frames = [changed(f, rect=Rect(f.rect.x0 + dx, f.rect.y0 + dy, f.rect.x1 + dx, f.rect.y1 + dy))
                      for f in self.frames]
        return row


def _return(arrow: Arrow, above: _Row, below: _Row, cut: float, rise: float) -> Arrow:
    """The flow arrow at a cut, re-drawn: down the cut line, left under the row, down at x = rise and into the
    first block of the next row."""
    (sx, sy, sz), (tx, ty, tz) = arrow.points[0], arrow.points[-1]
    sx, sy = sx + above.dx, sy + above.dy
    tx, ty = tx + below.dx, ty + below.dy
    corridor = above.extent().y0 - ROW_GAP / 2
    head = tx - 0.45 if tx - 0.45 > rise else (rise + tx) / 2
    head = head_past(below.taps, rise, head, ty, tx)  # past the junction dots on the way in
    points = ((sx, sy, sz), (cut, sy, 0.0), (cut, corridor, 0.0), (rise, corridor, 0.0), (rise, ty, 0.0),
              (head, ty, 0.0), (tx, ty, tz))
    return Arrow(points, "flow", arrow.source, arrow.target, 5)
