"""Automatic layout: where each block, ball, arrow and label of a network goes, in centimetres.

The main path (the longest chain of layers from an input to the output) runs left to right on the axis y = 0.
Layers off it (a projection shortcut, FCN's score layers) sit on lanes above, centred over the stretch of the
main path they bridge; every other connection is routed over the blocks and comes down into its target.
Blocks are cuboids centred on their axis, seen in the oblique projection `project`; labels are placed on the
first free spot of a short list of candidates, so none overlaps a block, an arrow or another label.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import model
from .errors import LayoutError
from .geometry import Index, Point, Rect, bounds, overlap
from .model import Network, Style
from .shapes import Analysis, analyse, describe

# Depth (z) recedes up and to the right.
DEPTH_X, DEPTH_Y = 0.34, 0.24
FLOW_GAP = 0.6       # visible length of an arrow between two blocks
SLAB = 0.16          # thickness of pooling, batch-norm and activation slabs
BALL_RADIUS = 0.3
CLEARANCE = 0.35     # between a routed arrow and the blocks it passes over
PAD = 0.07           # around labels
BAND = 0.3           # share of a block drawn in its activation colour
PASS_THROUGH = ("flatten", "dropout")  # reshaping layers that draw as part of the arrow

# Text metrics of the standalone figure's fonts, in cm: line height and an upper bound of the mean glyph width.
TEXT = {"caption": (0.34, 0.19), "dims": (0.25, 0.135), "note": (0.3, 0.16)}


def project(x: float, y: float, z: float) -> Point:
    return (x + DEPTH_X * z, y + DEPTH_Y * z)


def channel_width(channels: int) -> float:
    return min(1.4, max(0.22, 0.12 + 0.09 * math.log2(max(channels, 1))))


def spatial_extent(size: int) -> float:
    return min(4.6, 0.5 + 0.4 * math.log2(max(size, 1)))


def vector_extent(units: int) -> float:
    return min(4.6, 0.5 + 0.32 * math.log2(max(units, 1)))


@dataclass(frozen=True)
class Block:
    """A cuboid: x is its left face, y its axis; width runs along the flow."""

    layer: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    depth: float
    fill: str
    band: float = 0.0
    band_fill: str | None = None
    style: Style = Style()

    # Blocks and balls answer the same questions about where they are along the flow.
    @property
    def right(self) -> float:
        return self.x + self.width

    west = property(lambda self: self.x)
    east = right
    length = property(lambda self: self.width)
    centre_x = property(lambda self: self.x + self.width / 2)
    half = property(lambda self: self.height / 2)
    visible_west = property(lambda self: self.x - DEPTH_X * self.depth / 2)
    visible_east = property(lambda self: self.right + DEPTH_X * self.depth / 2)

    @property
    def top(self) -> float:
        """Highest point of the drawing."""
        return self.y + self.height / 2 + DEPTH_Y * self.depth / 2

    @property
    def bottom(self) -> float:
        return self.y - self.height / 2 - DEPTH_Y * self.depth / 2

    def corner(self, i: float, j: float, k: float) -> Point:
        """Projected corner: i, j, k in 0..1 along width, height and depth (k = 0 is the front)."""
        return project(self.x + i * self.width, self.y + (j - 0.5) * self.height, (k - 0.5) * self.depth)

    def outline(self) -> tuple[Point, ...]:
        c = self.corner
        return (c(0, 0, 0), c(1, 0, 0), c(1, 0, 1), c(1, 1, 1), c(0, 1, 1), c(0, 1, 0))

    def box3d(self):
        return ((self.x, self.right), (self.y - self.height / 2, self.y + self.height / 2),
                (-self.depth / 2, self.depth / 2))


@dataclass(frozen=True)
class Ball:
    layer: str
    kind: str  # add or concat
    x: float   # centre
    y: float
    radius: float = BALL_RADIUS
    style: Style = Style()

    depth = 0.0
    fill = property(lambda self: self.kind)
    west = visible_west = property(lambda self: self.x - self.radius)
    east = visible_east = property(lambda self: self.x + self.radius)
    length = property(lambda self: 2 * self.radius)
    centre_x = property(lambda self: self.x)
    half = property(lambda self: self.radius)

    @property
    def top(self) -> float:
        return self.y + self.radius

    @property
    def bottom(self) -> float:
        return self.y - self.radius

    def outline(self) -> tuple[Point, ...]:
        r, n = self.radius, 16
        return tuple((self.x + r * math.cos(2 * math.pi * i / n) / math.cos(math.pi / n),
                      self.y + r * math.sin(2 * math.pi * i / n) / math.cos(math.pi / n)) for i in range(n))

    def box3d(self):
        r = self.radius
        return ((self.x - r, self.x + r), (self.y - r, self.y + r), (-r, r))


@dataclass(frozen=True)
class Label:
    text: str
    role: str       # caption, dims or note
    x: float        # centre of its box
    y: float
    width: float    # of its box as drawn (rotation applied)
    height: float
    rotate: int = 0
    layer: str = ""

    def rect(self) -> Rect:
        return Rect.around(self.x, self.y, self.width, self.height)


@dataclass(frozen=True)
class Arrow:
    """A polyline in 3-D; `head` is the index of the point where the arrow head sits (flow arrows: mid-way)."""

    points: tuple[tuple[float, float, float], ...]
    role: str       # flow (along a path) or skip (routed over blocks)
    source: str
    target: str
    head: int = -1

    def projected(self) -> list[Point]:
        return [project(*p) for p in self.points]


@dataclass(frozen=True)
class Layout:
    name: str
    blocks: tuple[Block, ...]
    balls: tuple[Ball, ...]
    arrows: tuple[Arrow, ...]
    labels: tuple[Label, ...]
    taps: tuple[Point, ...] = ()  # dots where a routed arrow leaves a flow arrow
    source_lines: dict = field(default_factory=dict, compare=False)  # layer name -> .nn line

    def shapes(self):
        return list(self.blocks) + list(self.balls)

    def bounds(self) -> Rect:
        box = bounds([p for s in self.shapes() for p in s.outline()])
        for label in self.labels:
            box = box.union(label.rect())
        for arrow in self.arrows:
            box = box.union(bounds(arrow.projected()))
        return box


# -- text size estimates ---------------------------------------------------------------------------------------

def text_length(text: str) -> int:
    """Rough count of glyphs as typeset: math commands count as one glyph, braces and scripts as none."""
    def math_glyphs(m):
        body = re.sub(r"\\[A-Za-z]+", "x", m.group(1))
        return re.sub(r"[{}^_\s]", "", body)
    return len(re.sub(r"\$([^$]*)\$", math_glyphs, text))


def text_box(text: str, role: str) -> tuple[float, float]:
    line, glyph = TEXT[role]
    return (max(1, text_length(text)) * glyph + 0.08, line)


# -- the layout ------------------------------------------------------------------------------------------------

def layout(network: Network, analysis: dict[str, Analysis] | None = None) -> Layout:
    analysis = analysis or analyse(network)
    return _Planner(network, analysis).run()


class _Planner:
    def __init__(self, network: Network, analysis: dict[str, Analysis]):
        self.network = network
        self.analysis = analysis
        self.layers = {layer.name: layer for layer in network.layers}
        self.order = {layer.name: i for i, layer in enumerate(network.layers)}
        self.inputs = self._drawn_inputs()
        self.drawn = [layer.name for layer in network.layers if layer.kind not in PASS_THROUGH]
        self.consumers: dict[str, list[str]] = {name: [] for name in self.drawn}
        for name in self.drawn:
            for source in self.inputs[name]:
                self.consumers[source].append(name)
        self.skips = [(self._drawn_source(s.source), self._drawn_target(s.target), s) for s in network.skips]

    # graph ----------------------------------------------------------------------------------------------------
    def _drawn_inputs(self) -> dict[str, tuple[str, ...]]:
        resolved: dict[str, tuple[str, ...]] = {}
        for layer in self.network.layers:
            names: list[str] = []
            for name in layer.inputs:
                via = resolved[name] if self.layers[name].kind in PASS_THROUGH else (name,)
                names += [n for n in via if n not in names]
            resolved[layer.name] = tuple(names)
        return resolved

    def _drawn_source(self, name: str) -> str:
        while self.layers[name].kind in PASS_THROUGH:
            name = self.layers[name].inputs[0]
        return name

    def _drawn_target(self, name: str) -> str:
        while self.layers[name].kind in PASS_THROUGH:
            later = [layer.name for layer in self.network.layers if name in layer.inputs]
            if not later:
                raise LayoutError(f"the skip into '{name}' has nothing drawn to point at", span=self.layers[name].at)
            name = later[0]
        return name

    def main_path(self) -> list[str]:
        length: dict[str, int] = {}
        previous: dict[str, str | None] = {}
        for name in self.drawn:
            options = self.inputs[name]
            if not options:
                length[name], previous[name] = 1, None
                continue
            best = max(range(len(options)), key=lambda i: (length[options[i]], -i))
            length[name], previous[name] = length[options[best]] + 1, options[best]
        end = max(self.drawn, key=lambda n: (length[n], self.order[n]))
        path = [end]
        while previous[path[-1]] is not None:
            path.append(previous[path[-1]])
        return path[::-1]

    # sizes ----------------------------------------------------------------------------------------------------
    def block(self, name: str, x: float = 0.0, y: float = 0.0) -> Block | Ball:
        layer = self.layers[name]
        shape = self.analysis[name].shape
        style = layer.style
        if isinstance(layer, (model.Add, model.Concat)):
            return Ball(name, layer.kind, x + BALL_RADIUS, y, style=style)
        width, height, depth = _extent(shape)
        band, band_fill = 0.0, None
        act = getattr(layer, "act", None)
        kind = layer.kind
        if kind in ("pool", "bn", "activation", "upsample"):
            width = SLAB if kind in ("pool", "upsample") else SLAB * 0.75
        elif kind == "dense":
            width, height, depth = 0.32, vector_extent(shape[0]), 0.32
        if act:
            band = BAND
            band_fill = "softmax" if act in ("softmax", "logsoftmax") else f"{'dense' if kind == 'dense' else 'conv'}-act"
        return Block(name, kind, x, y, width, height, depth, fill=kind, band=band, band_fill=band_fill, style=style)

    def touches(self, a: str, b: str) -> bool:
        """Is b drawn stuck to a (no arrow between), as conv sub-blocks and pooling slabs are?"""
        la, lb = self.layers[a], self.layers[b]
        if self.inputs[b] != (a,) or self.consumers[a] != [b]:
            return False
        if any(a == source for source, _, _ in self.skips):  # its skip leaves from the gap after it
            return False
        kinds = ("conv", "deconv", "bn", "activation", "pool")
        if la.kind not in kinds or lb.kind not in kinds:
            return False
        if lb.kind in ("pool", "bn", "activation"):
            return True
        return la.kind != "pool" and self.analysis[a].shape[1:] == self.analysis[b].shape[1:]

    # placement ------------------------------------------------------------------------------------------------
    def run(self) -> Layout:
        main = self.main_path()
        groups: list[list[str]] = []
        for name in main:
            if groups and self.touches(groups[-1][-1], name):
                groups[-1].append(name)
            else:
                groups.append([name])
        main_set = set(main)
        self.joined = {(g[i], g[i + 1]) for g in groups for i in range(len(g) - 1)}
        branches = self._branches(main, main_set)

        extra: dict[str, float] = {}
        for _ in range(4 * len(branches) + 2):
            shapes = self._place_row(groups, extra, 0.0)
            deficit = None
            for branch, entry, exit_ in branches:
                if exit_ is None:
                    continue
                room = shapes[exit_].visible_west - self._tap(shapes, main, entry) - 2 * CLEARANCE
                need = self._row_width(branch)
                if need > room + 1e-9:
                    deficit = (exit_, need - room)
                    break
            if deficit is None:
                break
            first = next(g[0] for g in groups if deficit[0] in g)
            extra[first] = extra.get(first, 0.0) + deficit[1]
        else:
            raise LayoutError("could not make room for the branches of this network")

        arrows: list[Arrow] = []
        taps: list[Point] = []
        self._flow_arrows(groups, shapes, arrows)
        lane_tops: list[tuple[float, float, float]] = []  # x0, x1, top of branch labels
        for branch, entry, exit_ in sorted(branches, key=lambda b: self._span(shapes, main, b)):
            self._place_branch(branch, entry, exit_, shapes, main, arrows, taps, lane_tops)
        self._route_the_rest(main, branches, shapes, arrows, taps, lane_tops)
        arrows = self._spread_drops(arrows, shapes)
        labels = _LabelPlacer(self, shapes, arrows, main_set).place_all()
        return Layout(self.network.name, tuple(s for s in shapes.values() if isinstance(s, Block)),
                      tuple(s for s in shapes.values() if isinstance(s, Ball)), tuple(arrows), tuple(labels),
                      tuple(taps), {n: l.at.line for n, l in self.layers.items() if l.at})

    def _gap(self, a: Block | Ball, b: Block | Ball) -> float:
        return FLOW_GAP + DEPTH_X * (a.depth + b.depth) / 2

    def _place_row(self, groups, extra, y) -> dict[str, Block | Ball]:
        shapes: dict[str, Block | Ball] = {}
        cursor, last = 0.0, None
        for group in groups:
            for i, name in enumerate(group):
                shape = self.block(name)
                if last is not None and i == 0:
                    cursor += self._gap(last, shape) + extra.get(name, 0.0)
                shape = self.block(name, cursor, y)
                shapes[name] = shape
                cursor += shape.length
                last = shape
        return shapes

    def _row_width(self, names) -> float:
        shapes = [self.block(n) for n in names]
        width = sum(s.length for s in shapes) + sum(self._gap(a, b) for a, b in zip(shapes, shapes[1:]))
        return width + DEPTH_X * (shapes[0].depth + shapes[-1].depth) / 2

    def _tap(self, shapes, main, name) -> float:
        """x where routed arrows leave the flow arrow after `name`: a third into the gap."""
        shape = shapes[name]
        if name in main and main.index(name) + 1 < len(main):
            following = shapes[main[main.index(name) + 1]]
            start, end = shape.visible_east, following.visible_west
            if end - start > 0.2:
                return start + (end - start) / 3
        return shape.visible_east + 0.25

    def _flow_arrows(self, groups, shapes, arrows) -> None:
        for left, right in zip(groups, groups[1:]):
            a, b = shapes[left[-1]], shapes[right[0]]
            if left[-1] not in self.inputs[right[0]]:
                continue
            arrows.append(_flow(a, b))

    def _branches(self, main, main_set):
        """Chains of layers off the main path, each with the main-path layer it leaves and the one it joins."""
        chains: list[list[str]] = []
        for name in self.drawn:
            if name in main_set:
                continue
            feeds = self.inputs[name]
            chain = next((c for c in chains if feeds == (c[-1],) and self.consumers[c[-1]] == [name]), None)
            if chain:
                chain.append(name)
            else:
                chains.append([name])
        result = []
        for chain in chains:
            on_main = [n for n in self.inputs[chain[0]] if n in main_set]
            if isinstance(self.layers[chain[0]], model.Input):
                raise LayoutError(f"a second input ('{chain[0]}') cannot be drawn yet: the layout draws networks "
                                  "with one input", span=self.layers[chain[0]].at,
                                  hint="draw each input's network as its own figure for now")
            if not on_main or len(self.inputs[chain[0]]) != len(on_main):
                raise LayoutError(f"'{chain[0]}' starts a branch that does not leave the main path; "
                                  "this layout places branches that leave and rejoin it",
                                  span=self.layers[chain[0]].at)
            entry = max(on_main, key=main.index)
            joins = [n for n in self.consumers[chain[-1]] if n in main_set]
            exit_ = min(joins, key=main.index) if joins else None
            if exit_ is not None and main.index(exit_) <= main.index(entry):
                raise LayoutError(f"the branch '{chain[0]}' rejoins before it leaves", span=self.layers[chain[0]].at)
            result.append((chain, entry, exit_))
        return result

    def _span(self, shapes, main, branch) -> float:
        chain, entry, exit_ = branch
        end = shapes[exit_].x if exit_ else self._tap(shapes, main, entry) + self._row_width(chain)
        return end - self._tap(shapes, main, entry)

    def _highest(self, shapes, x0, x1, lane_tops, skip=()) -> float:
        top = 0.0
        for name, shape in shapes.items():
            if name in skip:
                continue
            points = shape.outline()
            if max(p[0] for p in points) > x0 and min(p[0] for p in points) < x1:
                top = max(top, shape.top)
        for a, b, label_top in lane_tops:
            if b > x0 and a < x1:
                top = max(top, label_top)
        return top

    def _place_branch(self, chain, entry, exit_, shapes, main, arrows, taps, lane_tops) -> None:
        tap = self._tap(shapes, main, entry)
        width = self._row_width(chain)
        if exit_ is not None:
            end = shapes[exit_].visible_west
            start = (tap + end) / 2 - width / 2
        else:
            start = tap + CLEARANCE
        probe = [self.block(n) for n in chain]
        first = probe[0]
        x = start + DEPTH_X * first.depth / 2
        highest = self._highest(shapes, tap - 0.1, start + width + 0.1, lane_tops)
        half = max(s.half + DEPTH_Y * s.depth / 2 for s in probe)
        y = highest + CLEARANCE + TEXT["dims"][0] + PAD + half
        placed = []
        for i, name in enumerate(chain):
            if i:
                x += self._gap(placed[-1], probe[i])
            shape = self.block(name, x, y)
            shapes[name] = shape
            placed.append(shape)
            x += shape.length
        # captions of branch layers go above them: reserve that room for lanes and routes over this one
        label_top = max(s.top for s in placed) + TEXT["caption"][0] + 2 * PAD + 0.1
        lane_tops.append((start, x, label_top))
        first_shape, last_shape = placed[0], placed[-1]
        taps.append(project(tap, 0.0, 0.0))
        arrows.append(Arrow(((tap, 0.0, 0.0), (tap, y, 0.0), (first_shape.west, y, 0.0)), "skip",
                            entry, chain[0]))
        arrows += [_flow(a, b) for a, b in zip(placed, placed[1:])]
        if exit_ is not None:
            target = shapes[exit_]
            cx = target.centre_x
            arrows.append(Arrow(((last_shape.east, y, 0.0), (cx, y, 0.0), (cx, target.y + target.half, 0.0)),
                                "skip", chain[-1], exit_))

    def _route_the_rest(self, main, branches, shapes, arrows, taps, lane_tops) -> None:
        drawn_edges = {(a.source, a.target) for a in arrows} | self.joined
        wanted = [(i, n, None) for n in self.drawn for i in self.inputs[n]]
        wanted += [(s, t, skip) for s, t, skip in self.skips]
        levels: list[tuple[float, float, float]] = []
        for source, target, skip in wanted:
            if skip is None and (source, target) in drawn_edges:
                continue
            a, b = shapes[source], shapes[target]
            if source in main:
                x0 = self._tap(shapes, main, source)
                start_y = a.y
            else:
                x0 = a.east
                start_y = a.y
            bx = b.centre_x
            if bx <= x0:
                raise LayoutError(f"cannot route the connection from '{source}' back to '{target}'",
                                  span=self.layers[target].at)
            top = self._highest(shapes, x0 - 0.05, bx + 0.05, lane_tops, skip=())
            level = max(top, start_y) + CLEARANCE + 0.05
            while any(lo < bx and hi > x0 and abs(level - lv) < 0.3 for lo, hi, lv in levels):
                level += 0.3
            levels.append((x0, bx, level))
            if source in main:
                taps.append(project(x0, a.y, 0.0))
                points = ((x0, a.y, 0.0), (x0, level, 0.0))
            else:
                points = ((x0, start_y, 0.0), (x0 + 0.2, start_y, 0.0), (x0 + 0.2, level, 0.0))
            points += ((bx, level, 0.0), (bx, b.y + b.half, 0.0))
            arrows.append(Arrow(points, "skip", source, target))
            if skip is not None and skip.label:
                lane_tops.append((x0, bx, level + TEXT["caption"][0] + 2 * PAD))
            else:
                lane_tops.append((x0, bx, level + 0.05))


    @staticmethod
    def _spread_drops(arrows, shapes) -> list[Arrow]:
        """Arrows coming down into the same target land side by side: the higher the route, the further right,
        so that no drop crosses another route."""
        by_target: dict[str, list[int]] = {}
        for i, arrow in enumerate(arrows):
            if arrow.role == "skip" and arrow.points[-1][0] == arrow.points[-2][0] and len(arrow.points) >= 3:
                by_target.setdefault(arrow.target, []).append(i)
        result = list(arrows)
        for target, indices in by_target.items():
            if len(indices) < 2:
                continue
            shape = shapes[target]
            room = shape.radius * 1.2 if isinstance(shape, Ball) else shape.width * 0.8
            step = min(0.22, room / (len(indices) - 1))
            indices.sort(key=lambda i: arrows[i].points[-2][1])
            for n, i in enumerate(indices):
                dx = (n - (len(indices) - 1) / 2) * step
                *head, (x2, y2, z2), (x3, y3, z3) = arrows[i].points
                if isinstance(shape, Ball):
                    y3 = shape.y + math.sqrt(max(shape.radius ** 2 - dx ** 2, 0.0))
                result[i] = Arrow(tuple(head) + ((x2 + dx, y2, z2), (x3 + dx, y3, z3)), "skip", arrows[i].source,
                                  target)
        return result


def _flow(a, b) -> Arrow:
    """The arrow from one shape's east face to the next one's west face, its head 70% along the visible gap."""
    head = a.visible_east + 0.7 * (b.visible_west - a.visible_east)
    return Arrow(((a.east, a.y, 0.0), (head, a.y, 0.0), (b.west, b.y, 0.0)), "flow", a.layer, b.layer, 1)


def _extent(shape: tuple[int, ...]) -> tuple[float, float, float]:
    """width (channels), height and depth of a tensor's block."""
    if len(shape) == 1:
        return 0.32, vector_extent(shape[0]), 0.32
    width = channel_width(shape[0])
    if len(shape) == 2:
        return width, spatial_extent(shape[1]), 0.32
    return width, spatial_extent(shape[1]), spatial_extent(shape[2])


# -- labels ------------------------------------------------------------------------------------------------------

class _LabelPlacer:
    """Puts each label on the first of its candidate spots that overlaps nothing already there."""

    def __init__(self, planner: _Planner, shapes, arrows, main_set):
        self.planner = planner
        self.shapes = shapes
        self.main_set = main_set
        self.obstacles = [s.outline() for s in shapes.values()]
        self.obstacles += [(p, q) for a in arrows for p, q in zip(a.projected(), a.projected()[1:])]
        self.index = Index()
        for obstacle in self.obstacles:
            self.index.add(obstacle)
        self.arrows = arrows
        self.placed: list[Label] = []

    def free(self, rect: Rect) -> bool:
        return not self.index.hits(rect.grown(PAD).polygon())

    def put(self, text, role, spots, layer="", rotate=0) -> None:
        width, height = text_box(text, role)
        if rotate:
            width, height = height, width
        for cx, cy in spots:
            label = Label(text, role, cx, cy, width, height, rotate, layer)
            if self.free(label.rect()):
                self.placed.append(label)
                self.index.add(label.rect().polygon())
                return
        raise LayoutError(f"no free place for the label '{text}' of '{layer}'",
                          span=self.planner.layers[layer].at if layer in self.planner.layers else None,
                          hint="shorten the label or hide it with {nolabel}")

    @staticmethod
    def rows(x, y, step, count=12):
        return [(x, y + i * step) for i in range(count)]

    def place_all(self) -> list[Label]:
        layers, analysis = self.planner.layers, self.planner.analysis
        dims_h = TEXT["dims"][0]
        # dimension labels first: they belong right at their block's edges
        previous_spatial = None
        for name, shape in self.shapes.items():
            layer = layers[name]
            if not isinstance(shape, Block) or not layer.style.show_label:
                previous_spatial = None
                continue
            out = analysis[name].shape
            if layer.kind in ("conv", "deconv", "input", "dense"):
                text = str(out[0])
                x = (shape.corner(0, 0, 0)[0] + shape.corner(1, 0, 0)[0]) / 2
                y = shape.corner(0, 0, 0)[1] - PAD - dims_h / 2
                self.put(text, "dims", self.rows(x, y, -(dims_h + PAD), 4), name)
            spatial = out[1:]
            if spatial and spatial != previous_spatial and layer.kind not in ("pool", "bn", "activation"):
                text = describe(spatial)
                length = text_box(text, "dims")[0]
                x0, y0 = shape.corner(0, 0, 0)
                spots = [(x0 - PAD - dims_h / 2, y0 + length / 2)]
                spots += self.rows(x0 - length / 2, y0 - PAD - dims_h / 2, -(dims_h + PAD), 4)
                self.put(text, "dims", spots[:1], name, rotate=90) if self.free(
                    Rect.around(*spots[0], dims_h, length)) else self.put(text, "dims", spots[1:], name)
            previous_spatial = spatial if layer.kind not in ("pool", "bn", "activation") else previous_spatial
        caption_h = TEXT["caption"][0]
        # captions of the main path share one row under everything drawn so far; branch captions go above
        main_bottom = min([s.bottom for n, s in self.shapes.items() if n in self.main_set] +
                          [l.rect().y0 for l in self.placed if l.layer in self.main_set])
        row = main_bottom - PAD - caption_h / 2
        for name, shape in self.shapes.items():
            layer = layers[name]
            if not layer.label or not layer.style.show_label:
                continue
            x = shape.centre_x - DEPTH_X * shape.depth / 2  # under the front face
            up = self.rows(x, shape.top + PAD + caption_h / 2, caption_h / 2 + PAD, 8)
            if name in self.main_set:
                spots = self.rows(x, row, -(caption_h + PAD), 8)
            else:
                spots = up + self.rows(x, shape.bottom - PAD - caption_h / 2, -(caption_h / 2 + PAD), 8)
            self.put(layer.label, "caption", spots, name)
        for arrow in self.arrows:
            skip = next((s for s in self.planner.network.skips if (s.source, s.target) == (arrow.source, arrow.target)
                         and s.label), None) if arrow.role == "skip" else None
            if skip:
                (x0, y0), (x1, _) = arrow.projected()[1], arrow.projected()[2]
                self.put(skip.label, "note", self.rows((x0 + x1) / 2, y0 + PAD + TEXT["note"][0] / 2, 0.15, 6))
        if self.planner.network.caption:
            box = bounds([p for o in self.obstacles for p in o] + [p for l in self.placed for p in l.rect().polygon()])
            self.put(self.planner.network.caption, "note",
                     self.rows((box.x0 + box.x1) / 2, box.y0 - 0.3, -0.2, 4))
        return self.placed


# -- checks --------------------------------------------------------------------------------------------------------

def problems(drawing: Layout) -> list[str]:
    """Everything that overlaps in a layout: labels with anything, arrows through blocks, blocks in blocks."""
    found = []
    shapes = drawing.shapes()
    labels = drawing.labels
    for i, label in enumerate(labels):
        box = label.rect().polygon()
        for other in labels[i + 1:]:
            if overlap(box, other.rect().polygon()):
                found.append(f"label '{label.text}' overlaps label '{other.text}'")
        for shape in shapes:
            if overlap(box, shape.outline()):
                found.append(f"label '{label.text}' overlaps block '{shape.layer}'")
        for arrow in drawing.arrows:
            pts = arrow.projected()
            if any(overlap(box, (p, q)) for p, q in zip(pts, pts[1:])):
                found.append(f"label '{label.text}' overlaps the arrow {arrow.source} -> {arrow.target}")
    for arrow in drawing.arrows:
        for p, q in zip(arrow.points, arrow.points[1:]):
            for shape in shapes:
                inside = (_segment_hits_ball(p, q, shape) if isinstance(shape, Ball)
                          else _segment_enters(p, q, shape.box3d()))
                if inside:
                    found.append(f"arrow {arrow.source} -> {arrow.target} passes through '{shape.layer}'")
        pts = arrow.projected()
        ends = _stuck_to([s for s in shapes if s.layer in (arrow.source, arrow.target)], shapes)
        for shape in shapes:
            if shape in ends:
                continue
            if any(overlap((p, q), shape.outline()) for p, q in zip(pts, pts[1:])):
                found.append(f"arrow {arrow.source} -> {arrow.target} crosses '{shape.layer}' in the drawing")
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            if all(min(ra[1], rb[1]) - max(ra[0], rb[0]) > 1e-6 for ra, rb in zip(a.box3d(), b.box3d())):
                found.append(f"'{a.layer}' and '{b.layer}' intersect")
    return found


def _stuck_to(start, shapes) -> list:
    """`start` and every block stuck to them, directly or through others (a conv group with its pooling slab)."""
    group = list(start)
    for shape in group:
        group += [s for s in shapes if s not in group and isinstance(s, Block) and isinstance(shape, Block)
                  and _touching(s.box3d(), shape.box3d())]
    return group


def _segment_hits_ball(p, q, ball) -> bool:
    """Does the segment come closer to the ball's centre than its radius (more than grazing it)?"""
    centre = (ball.x, ball.y, 0.0)
    d = [b - a for a, b in zip(p, q)]
    length2 = sum(c * c for c in d) or 1e-12
    t = max(0.0, min(1.0, sum((c - a) * e for a, c, e in zip(p, centre, d)) / length2))
    closest = [a + t * e for a, e in zip(p, d)]
    return math.dist(closest, centre) < ball.radius - 1e-6


def _touching(a, b) -> bool:
    """Do two boxes share part of a face (a block stuck to its neighbour)?"""
    gaps = [max(ra[0], rb[0]) - min(ra[1], rb[1]) for ra, rb in zip(a, b)]
    return all(g <= 1e-6 for g in gaps) and any(abs(g) <= 1e-6 for g in gaps)


def _segment_enters(p, q, box) -> bool:
    """Does the axis-parallel segment p-q pass through the open interior of the box?"""
    for axis in range(3):
        lo, hi = sorted((p[axis], q[axis]))
        blo, bhi = box[axis]
        if lo == hi:
            if not blo + 1e-6 < lo < bhi - 1e-6:
                return False
        elif min(hi, bhi) - max(lo, blo) <= 1e-6:
            return False
    return True
