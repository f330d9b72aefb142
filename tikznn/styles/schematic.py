"""schematic: rounded boxes saying what each layer does on a flow down (or right), residual arrows around them, N×
beside a repeated block, merges as ⊕ and ‖ (the figures of the ResNet and Transformer papers).

Layers follow one another on the main lane; a branch (a projection shortcut, a tower) runs on a lane beside it,
level with the layers it runs alongside, and comes back into its merge from the side; an arrow from a layer further
back (a residual connection) runs on a track on the other side. Every layer gets a row of its own on its lane, so
nothing overlaps. The flow runs down unless the network says 'layout right'. Option `shapes`: each box also gives its
output shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .. import kinds, theme
from . import _sketch
from ._sketch import ACT_NAMES, label
from ..drawing import Frame, Line, Mark
from ..geometry import Rect
from ..layer import Layer
from ..metrics import text_box
from ..model import Network
from ..shapes import Analysis, describe
from ..topology import drawn_inputs, hidden_copies, last_copies, skip_owner

ROW_GAP = 0.6     # cm between rows along the flow
STAGE_GAP = 1.0   # ... where a stage's frame ends or starts: arrows that cross it pass well clear of its edges
LANE_GAP = 0.7    # cm between lanes
TRACK_GAP = 0.3   # cm between the tracks of residual arrows
RADIUS = 0.22     # of a merge
PAD = 0.15        # inside a box, around its words
MIN_WIDTH = 2.6   # of the boxes on the main lane (all as wide as the widest)
TINT = 35         # percent of a kind's colour in its box
FRAME = 0.2       # a stage's frame, around its rows
OPTIONS = {"shapes": "each box also gives its layer's output shape"}
TOO_LARGE = "collapse its repeated layers and blocks ('collapse'), or draw it as blocks wrapped onto rows"


@dataclass
class _Item:
    layer: Layer
    lines: tuple[tuple[str, str], ...]  # (text, role) of each line of words in a box; () for a merge
    width: float   # on the page
    height: float
    lane: int = 0
    row: int = 0
    a: float = 0.0  # centre along the flow
    c: float = 0.0  # centre across it

    @property
    def merge(self) -> bool:
        return kinds.of(self.layer).symbol is not None


def draw(network: Network, analysis: dict[str, Analysis], figure):
    down = figure.layout != "right"
    size = figure.text_size

    def along(w: float, h: float) -> float:
        return h if down else w

    def across(w: float, h: float) -> float:
        return w if down else h

    def page(a: float, c: float) -> tuple[float, float]:
        return (c, -a) if down else (a, -c)

    layers = {layer.name: layer for layer in network.layers}
    hidden = hidden_copies(network, figure.collapse)
    inputs = drawn_inputs(network, lambda n: _sketch.passes_through(layers[n]) or n in hidden)
    last = last_copies(network, figure.collapse)  # a collapsed repetition shows what its last copy gives
    items = {layer.name: _item(layer, analysis, "shapes" in figure.style_options, size, last.get(layer.name))
             for layer in network.layers if not _sketch.passes_through(layer) and layer.name not in hidden}
    _place(items, inputs)
    entry = _entries(items, inputs)
    # the main lane's boxes are all as wide (or, flowing right, as tall) as the largest
    main = [i for i in items.values() if i.lane == 0 and not i.merge]
    if down:
        uniform = max([MIN_WIDTH] + [i.width for i in main])
        for i in main:
            i.width = uniform
    else:
        uniform = max(i.height for i in main)
        for i in main:
            i.height = uniform
    # rows along the flow, lanes across it
    rows = max(i.row for i in items.values()) + 1
    in_row: list[list[_Item]] = [[] for _ in range(rows)]
    on_lane: dict[int, list[_Item]] = {}  # each lane's items, down the flow
    for i in items.values():
        in_row[i.row].append(i)
        on_lane.setdefault(i.lane, []).append(i)
    row_size = [max([along(i.width, i.height) for i in row] or [0.0]) for row in in_row]
    stages = [{i.layer.stage for i in row} for row in in_row]
    gap = [STAGE_GAP if r + 1 < rows and stages[r] != stages[r + 1] else ROW_GAP for r in range(rows)]
    # what layers drawn in the arrow do (flatten) is written beside the arrow, in a gap made long enough for it
    notes: dict[str, str] = {}
    for layer in network.layers:
        if _sketch.passes_through(layer) and layer.name not in hidden:
            source = _drawn(layer.inputs[0], layers, items)
            notes[source] = ", ".join(filter(None, [notes.get(source), _sketch.operation(layer, analysis)]))
    for source, text in notes.items():
        w, h = text_box(text, "note", size)
        r = items[source].row
        framed = r + 1 < rows and stages[r] != stages[r + 1]  # between two stages: clear of both frames
        gap[r] = max(gap[r], along(w, h) + 0.3 + (2 * FRAME if framed else 0.0))
    for i in items.values():  # a merge's words are written after it: arrows leaving in the gap pass beyond them
        if i.merge and _merge_words(i.layer):
            w, h = text_box(_merge_words(i.layer), "dims", size)
            gap[i.row] = max(gap[i.row], 2 * (_below(i, items, entry) + along(w, h) - i.width / 2) + 0.25)
    row_start = [sum(row_size[:r]) + sum(gap[:r]) for r in range(rows)]
    lanes = max(i.lane for i in items.values()) + 1
    lane_size = [max(across(i.width, i.height) for i in on_lane[n]) for n in range(lanes)]
    after = {a.layer.name: b for lane in on_lane.values() for a, b in zip(lane, lane[1:])}  # next on its lane
    # N× of a block drawn once: right of everything, or, when a branch runs beside the block, in a gutter between
    # the main lane and the branches (else the bracket would seem to hold the branch)
    brackets = _repeats(network, items, hidden, figure.collapse)
    beside = {id(first) for first, last, _ in brackets if first.lane == 0 and any(
        i.lane > 0 and first.row <= i.row <= last.row for i in items.values())}
    gutter = max([0.42 + across(*text_box(f"{times}×", "caption", size)) for first, _, times in brackets
                  if id(first) in beside], default=0.0)
    lane_centre = [0.0]
    for n in range(1, lanes):
        lane_centre.append(lane_centre[-1] + lane_size[n - 1] / 2 + LANE_GAP + lane_size[n] / 2 +
                           (gutter if n == 1 else 0.0))
    for i in items.values():
        i.a, i.c = row_start[i.row] + row_size[i.row] / 2, lane_centre[i.lane]

    def start(i: _Item) -> float:  # where the flow comes in, and goes out
        return i.a - along(i.width, i.height) / 2

    def end(i: _Item) -> float:
        return i.a + along(i.width, i.height) / 2

    def tap(i: _Item) -> float:  # the middle of the gap after an item's row
        return row_start[i.row] + row_size[i.row] + gap[i.row] / 2

    # arrows, in (along, across); residual ones on tracks beyond the main lane's near side
    flows, routes = [], []  # (points, source, target)
    taps = set()
    joins: dict[tuple, list] = {}  # lines that run together out of a layer: a dot where each leaves, but for the
    # farthest
    for target in items.values():
        for source_name in inputs[target.layer.name]:
            source = items[source_name]
            next_on_lane = after.get(source_name)
            flows_on = next_on_lane is not None and source_name in inputs[next_on_lane.layer.name]
            if source.lane == target.lane and next_on_lane is target:
                flows.append(([(end(source), source.c), (start(target), target.c)], source_name, target.layer.name))
            elif source.lane == target.lane == 0 or (source.lane == target.lane and target.merge):
                routes.append((source, target, flows_on, "skip"))
            elif target.lane == 0 or target.merge:  # back from a branch, into the merge's side at its own height
                d = entry[target.layer.name, source_name]
                half = across(target.width, target.height) / 2
                reach = (half * half - d * d) ** 0.5 if target.merge else half  # onto the circle
                side = target.c + (1 if source.c > target.c else -1) * reach
                flows.append(([(end(source), source.c), (target.a + d, source.c), (target.a + d, side)], source_name,
                              target.layer.name))
            else:  # out to a branch
                begin = [(tap(source), source.c)] if flows_on else [(end(source), source.c), (tap(source), source.c)]
                if flows_on:
                    taps.add((tap(source), source.c))
                flows.append((begin + [(tap(source), target.c), (start(target), target.c)], source_name,
                              target.layer.name))
                joins.setdefault((source_name, "out"), []).append((tap(source), target.c))
    link_labels = []  # a skip's label, beside its track, outside all tracks
    for skip in network.skips:  # 'skip A -> B': a dashed link on a track of its own
        source, target = items[_drawn(skip.source, layers, items)], items[_drawn(skip.target, layers, items)]
        following = after.get(source.layer.name)
        routes.append((source, target, following is not None and source.layer.name in inputs[following.layer.name],
                       "link"))
        if skip.label:
            link_labels.append((skip, (tap(source) + target.a) / 2))
    for (name, _), points in joins.items():
        taps.update(sorted(points, key=lambda p: abs(p[1] - items[name].c))[:-1])
    near = -lane_size[0] / 2
    tracks: list[list[tuple[float, float]]] = []
    lines = []
    for source, target, flows_on, role in sorted(routes, key=lambda r: (r[1].a - tap(r[0]), tap(r[0]))):
        span = (tap(source), target.a)
        k = next((k for k, used in enumerate(tracks) if all(span[0] >= b - 1e-6 or span[1] <= a + 1e-6
                                                               for a, b in used)), len(tracks))
        if k == len(tracks):
            tracks.append([])
        tracks[k].append(span)
        c = near - 0.35 - k * TRACK_GAP
        begin = [(tap(source), source.c)] if flows_on else [(end(source), source.c), (tap(source), source.c)]
        if flows_on:
            taps.add((tap(source), source.c))
        side = target.c - across(target.width, target.height) / 2
        points = begin + [(tap(source), c), (target.a, c), (target.a, side)]
        lines.append(Line(tuple(page(*p) for p in points), role, source.layer.name, target.layer.name))
    lines += [Line(tuple(page(*p) for p in points), "flow", s, t) for points, s, t in flows]

    marks, labels = [], []
    for i in items.values():
        x, y = page(i.a, i.c)
        name, kind = i.layer.name, i.layer.kind
        fill = kind if kind in theme.PARTS else "op"
        if i.merge:
            r = i.width / 2
            marks.append(Mark(name, x - r, y - r, x + r, y + r, fill=fill, style=i.layer.style,
                              tint=TINT + 15, circle=True, holds=True))
            labels.append(label(kinds.of(i.layer).symbol, "caption", x, y, size, name))
            words = _merge_words(i.layer)
            if words:  # in the corner the flow and branches leave free: after the merge, on the far side
                w, h = text_box(words, "dims", size)
                a = i.a + _below(i, items, entry) + along(w, h) / 2
                c = i.c + r + 0.08 + across(w, h) / 2
                labels.append(label(words, "dims", *page(a, c), size, name))
            continue
        marks.append(Mark(name, x - i.width / 2, y - i.height / 2, x + i.width / 2, y + i.height / 2, fill=fill,
                          style=i.layer.style, tint=TINT, round=0.12, holds=True))
        top = y + sum(text_box(t, r, size)[1] for t, r in i.lines) / 2
        for text, role in i.lines:
            h = text_box(text, role, size)[1]
            labels.append(label(text, role, x, top - h / 2, size, name))
            top -= h
    for source, text in notes.items():
        i = items[source]
        w, h = text_box(text, "note", size)
        labels.append(label(text, "note", *page(tap(i), i.c + 0.12 + across(w, h) / 2), size, source))
    far = max(lane_centre[n] + lane_size[n] / 2 for n in range(lanes))
    bracket_room = 0.0
    for first, last, times in brackets:
        a0, a1 = start(first), end(last)
        if first.row:  # from where the block's input is taken
            a0 = row_start[first.row] - gap[first.row - 1] / 2 - 0.05
        c = (lane_size[0] / 2 if id(first) in beside else far) + 0.3
        lines.append(Line(tuple(page(*p) for p in ((a0, c - 0.12), (a0, c), (a1, c), (a1, c - 0.12))), "bracket"))
        text = f"{times}×"
        w, h = text_box(text, "caption", size)
        labels.append(label(text, "caption", *page((a0 + a1) / 2, c + 0.12 + across(w, h) / 2), size,
                            first.layer.name))
        if id(first) not in beside:
            bracket_room = max(bracket_room, 0.42 + across(w, h))
    frames = []
    inner = near - 0.35 - max(len(tracks) - 1, 0) * TRACK_GAP if tracks else near
    placed: list[tuple[float, float, float]] = []  # (along from, along to, across near edge) of skip labels
    beyond = inner - (FRAME if any(layer.stage for layer in network.layers) else 0.0)  # stages' frames too
    for skip, a in link_labels:  # beyond the tracks; one beside another where they would stand on each other
        w, h = text_box(skip.label, "note", size)
        a0, a1 = a - along(w, h) / 2, a + along(w, h) / 2
        edge = min([c for b0, b1, c in placed if b0 < a1 and a0 < b1] + [beyond]) - 0.15
        placed.append((a0, a1, edge - across(w, h)))
        labels.append(label(skip.label, "note", *page(a, edge - across(w, h) / 2), size, skip_owner(skip)))
    for stage in dict.fromkeys(layer.stage for layer in network.layers if layer.stage):
        members = [i for i in items.values() if i.layer.stage == stage]
        if not members:
            continue
        a0 = min(row_start[i.row] for i in members) - FRAME
        a1 = max(row_start[i.row] + row_size[i.row] for i in members) + FRAME
        c0, c1 = inner - FRAME, far + bracket_room + FRAME
        (x0, y0), (x1, y1) = page(a0, c0), page(a1, c1)
        rect = Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        frames.append(Frame(stage, rect, frozenset(i.layer.name for i in members)))
        w, h = text_box(stage, "stage", size)
        labels.append(label(stage, "stage", *page(a0 + along(w, h) / 2, c1 + 0.15 + across(w, h) / 2), size))
    drawing = _sketch.finished(network, analysis, figure, marks=marks, lines=lines, labels=labels, frames=frames,
                               layouts=("down", "right"), collapses=True)
    return replace(drawing, taps=tuple(page(*t) for t in sorted(taps)))


def _entries(items: dict[str, "_Item"], inputs) -> dict[tuple[str, str], float]:
    """Where each arrow from another lane comes into a merge's side, along the flow from its centre: one arrow at
    the centre; several from one side each at its own height, the nearest lane highest, so that no two share a line
    and none crosses another."""
    sides: dict[tuple[str, int], list[_Item]] = {}
    for name, target in items.items():
        for source in (items[n] for n in inputs[name]):
            if source.lane != target.lane and (target.lane == 0 or target.merge):
                sides.setdefault((name, 1 if source.lane > target.lane else -1), []).append(source)
    offsets = {}
    for (name, _), sources in sides.items():
        sources.sort(key=lambda s: abs(s.lane - items[name].lane))
        step = min(0.13, 1.2 * items[name].width / 2 / max(len(sources) - 1, 1))
        for k, source in enumerate(sources):
            offsets[name, source.layer.name] = (k - (len(sources) - 1) / 2) * step
    return offsets


def _below(merge: "_Item", items, entry) -> float:
    """How far after a merge's centre its words may start: past the lowest arrow that comes in from the far side."""
    lowest = [d for (name, source), d in entry.items() if name == merge.layer.name and items[source].lane > merge.lane]
    return 0.12 + max([0.0] + lowest)


def _merge_words(layer: Layer) -> str:
    """What is written beside a merge: its label, and the activation that follows it."""
    act = getattr(layer, "act", None)
    return "\n".join(filter(None, [_sketch.shown_label(layer), ACT_NAMES[act] if act else None]))


def _drawn(name: str, layers: dict[str, Layer], items: dict[str, _Item]) -> str:
    """The drawn layer a name stands for: a layer drawn in the arrow (flatten) is part of the arrow out of its input."""
    while name not in items:
        name = layers[name].inputs[0]
    return name


def _item(layer: Layer, analysis, shapes: bool, size: float, shown: str | None = None) -> _Item:
    symbol = kinds.of(layer).symbol
    if symbol:  # a circle round its symbol, larger with larger text
        diameter = max(2 * RADIUS, math.hypot(*text_box(symbol, "caption", size)) + 0.02)
        return _Item(layer, (), diameter, diameter)
    what = settings(layer, analysis)
    name = _sketch.shown_label(layer)
    named = name and not what.startswith(name)  # 'fc 1000' says no more than 'fc 1000, softmax'
    lines = [(name, "caption"), (what, "dims")] if named else [(what, "caption")]
    if shapes:
        lines.append((describe(analysis[shown or layer.name].shape), "dims"))
    boxes = [text_box(t, r, size) for t, r in lines]
    return _Item(layer, tuple(lines), max(w for w, _ in boxes) + 2 * PAD, sum(h for _, h in boxes) + 2 * PAD)


def settings(layer: Layer, analysis) -> str:
    """A layer's kind and key settings, as the papers write them: '3×3 conv, 64, /2', 'fc 1000', '8 heads'."""
    return _sketch.operation(layer, analysis, counts=True, act=True)


def _place(items: dict[str, _Item], inputs) -> None:
    """Lanes and rows. The main lane (0) takes each layer fed by the last one on it, one row after another; any
    other layer starts or continues a branch on a lane beside it, level with the main lane's layers, on the first
    lane that is empty from its source's row down; the branch stays open until the main lane takes it back. An
    arrow that comes into a merge from the side crosses the lanes between on the merge's row: nothing stands there."""
    last_main = None
    open_lanes: dict[int, str] = {}  # lane -> its last layer
    last_row: dict[int, int] = {}    # lane -> the row of its last layer (or a row kept free on it)
    taken: set[tuple[int, int]] = set()  # (lane, row) of every layer placed
    for name, item in items.items():
        feeds = [i for i in inputs[name] if i in items]
        row = max([items[i].row + 1 for i in feeds], default=0)
        if last_main is None or last_main in feeds:
            item.lane, last_main = 0, name
            open_lanes = {n: last for n, last in open_lanes.items() if last not in feeds}
        else:
            lane = next((n for n, last in open_lanes.items() if feeds and last == feeds[0]), None)
            if lane is None:  # a new branch: beside the main lane's last layer (a second input: at the top)
                since = min(row - 1, last_row.get(0, -1))  # the row its arrow leaves from
                lane = next(n for n in range(1, len(items) + 1)
                            if n not in open_lanes and last_row.get(n, -1) <= since)
                if feeds:
                    row = max(row, last_row.get(0, -1))
            item.lane, open_lanes[lane] = lane, name
        row = max(row, last_row.get(item.lane, -1) + 1)
        sides = [items[f].lane for f in feeds if items[f].lane != item.lane]
        between = set()
        if sides and (item.lane == 0 or item.merge):
            between = {n for n in range(min(sides + [item.lane]) + 1, max(sides + [item.lane]))} - {item.lane}
            while any((n, row) in taken for n in between):
                row += 1
        item.row = last_row[item.lane] = row
        taken.add((item.lane, row))
        for n in between:
            last_row[n] = max(last_row.get(n, -1), row)


def _repeats(network: Network, items: dict[str, _Item], hidden: set[str],
             collapse: bool) -> list[tuple[_Item, _Item, int]]:
    """With collapse: (first, last, N) of each repeated layer or block drawn once, for its N× bracket."""
    if not collapse:
        return []
    names = network.names()
    found = []
    for i, layer in enumerate(network.layers):
        members = []
        if layer.block_times > 1:
            members = [items[n] for n in names[i:i + layer.block_length] if n in items]
            times = layer.block_times
        elif layer.times > 1 and layer.name in items:
            members, times = [items[layer.name]], layer.times
        if members:
            found.append((min(members, key=lambda m: m.row), max(members, key=lambda m: m.row), times))
    return found
