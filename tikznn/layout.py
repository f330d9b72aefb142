"""Automatic layout: where each block, ball and arrow of a network goes.

The main path (the longest chain of layers from an input to the output) runs left to right on the axis y = 0.
Layers off it (a projection shortcut, FCN's score layers) sit on lanes above, centred over the stretch of the
main path they bridge; every other connection is routed over the blocks and comes down into its target.
Labels are then placed by labels.LabelPlacer.
"""
from __future__ import annotations

import math
from dataclasses import replace

from . import kinds
from .drawing import (BALL_RADIUS, BAND, CLEARANCE, DEPTH_X, DEPTH_Y, FLOW_GAP, PAD, SLAB, Arrow, Ball,
                      Block, Layout, Recent, SIZES, Point, Sizes, box_of, changed, head_past, moved, project)
from .errors import LayoutError
from .figure import Figure
from .finishing import BORDER_CM, dressed, fitted, source_lines
from .kinds.activation import SOFTMAX
from .labels import FRAME_MARGIN, LabelPlacer, stack_captions
from .layered import layered
from .metrics import line_height, text_box
from .model import Network
from .rows import wrap
from .shapes import Analysis, analyse
from .tex import length_cm
from .topology import drawn_inputs, hidden_copies, repeat_frames

class NoMainPath(LayoutError):
    """The graph has no main path that its other layers branch off and rejoin: a layered layout draws it."""


def layout(network: Network, analysis: dict[str, Analysis] | None = None, figure: Figure | None = None, *,
           measure: bool = False) -> Layout:
    """The blocks style: 3-D blocks on the main path, left to right unless the figure (by default the network's
    own) says otherwise. With `measure`, a figure wrapped onto rows is only measured (rows.wrap)."""
    figure = figure or network.figure
    figure = replace(figure, layout=figure.layout or "right")
    drawing = _planned(network, analysis, figure)
    if figure.wrap and figure.width is not None and length_cm(figure.width) is not None:
        if figure.layout != "right":
            raise LayoutError(f"wrap puts a left-to-right layout on rows; this one is '{figure.layout}'",
                              hint="remove 'wrap' (the figure is then scaled to the width) or use layout right")
        drawing = wrap(drawing, length_cm(figure.rows or figure.width) - BORDER_CM,
                       measure=measure and not figure.legend)  # (a legend goes where the bounds say)
    return dressed(fitted(drawing, figure), figure)


_PLANNED = Recent()  # the network, and its figure but its fitting -> its drawing


def _planned(network: Network, analysis: dict[str, Analysis] | None, figure: Figure) -> Layout:
    """The drawing before it is wrapped and fitted: the same for every width, height and row length a composition
    tries (compose.py), so made once for them. The very network object is the key (an equal one read from another
    text has other source lines); its shapes follow from it."""
    return _PLANNED.get(network, replace(figure, width=None, height=None, wrap=None, rows=None),
                        lambda: _Planner(network, analysis or analyse(network), figure).run())


class _Planner:
    def __init__(self, network: Network, analysis: dict[str, Analysis], figure: Figure):
        self.network, self.figure = network, figure
        self.size = figure.text_size
        self.sizes = sizes_of(analysis, figure.sizes or SIZES[0], figure.block_size)
        self.analysis = analysis
        self.layers = {layer.name: layer for layer in network.layers}
        self.order = {layer.name: i for i, layer in enumerate(network.layers)}
        self.hidden = hidden_copies(network, figure.collapse)
        self.framed = repeat_frames(network) if figure.collapse else {}  # layer -> the repeat frame it is drawn in
        self.level_y: dict[str, float] = {}  # main-path layers' heights in the U layout
        self.along = DEPTH_X  # how far a block's depth reaches along the flow, as drawn (a folded U's flow is down)
        self.inputs = drawn_inputs(network, self._passes)
        self.drawn = [layer.name for layer in network.layers if not self._passes(layer.name)]
        self.consumers: dict[str, list[str]] = {name: [] for name in self.drawn}
        for name in self.drawn:
            for source in self.inputs[name]:
                self.consumers[source].append(name)
        self.skips = [(self._drawn_source(s.source), self._drawn_target(s.target), s) for s in network.skips]
        self._made: dict[str, Block | Ball] = {}  # each layer's block at the origin, made once

    # graph ----------------------------------------------------------------------------------------------------
    def _passes(self, name: str) -> bool:
        """Is this layer drawn as part of an arrow (flatten) or of another block (a collapsed copy)?"""
        return kinds.of(self.layers[name]).in_arrow or name in self.hidden

    def _drawn_source(self, name: str) -> str:
        while self._passes(name):
            name = self.layers[name].inputs[0]
        return name

    def _drawn_target(self, name: str) -> str:
        while self._passes(name):
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
        """The layer's block (or ball) with its west face (or west point) at x, its axis at y."""
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._block(name)
        return moved(made, x, y) if x or y else made

    def _block(self, name: str) -> Block | Ball:
        layer = self.layers[name]
        shape = self.analysis[name].shape
        style = layer.style
        kind = kinds.of(layer)
        if kind.symbol:
            return Ball(name, layer.kind, BALL_RADIUS, 0.0, style=style)
        width, height, depth = _extent(shape, self.analysis[name].sequence, self.sizes)
        band, band_fill = 0.0, None
        act = None if kind.act_inside else getattr(layer, "act", None)  # an encoder's is inside it
        flat = len(shape) == 1 and not self.analysis[name].sequence
        if kind.bar and flat:
            width, height, depth = self.sizes.thin, self.sizes.units(shape[0]), self.sizes.thin
        elif kind.slab:
            width = SLAB * kind.slab
        if act:
            band = BAND
            band_fill = "softmax" if act in SOFTMAX else kind.band
        fill = "softmax" if getattr(layer, "fn", None) in SOFTMAX else layer.kind
        return Block(name, layer.kind, 0.0, 0.0, width, height, depth, fill=fill, band=band, band_fill=band_fill,
                     style=style, loop=kind.loop)

    def touches(self, a: str, b: str) -> bool:
        """Is b drawn stuck to a (no arrow between), as conv sub-blocks and pooling slabs are?"""
        la, lb = self.layers[a], self.layers[b]
        if self.level_y.get(a, 0.0) != self.level_y.get(b, 0.0):  # on different levels of a U
            return False
        if self.inputs[b] != (a,) or self.consumers[a] != [b]:
            return False
        if any(a == source for source, _, _ in self.skips):  # its skip leaves from the gap after it
            return False
        ka, kb = kinds.of(la), kinds.of(lb)
        if not ka.sticks or not kb.sticks:
            return False
        if kb.ends_stack and not self.consumers.get(b):  # the output stands apart
            return False
        if kb.slab:  # a slab, unless it would sit inside a much bigger face
            before, after = self.block(a), self.block(b)
            return after.height >= 0.6 * before.height and after.depth >= 0.6 * before.depth
        return ka.joins_next and self.analysis[a].shape[1:] == self.analysis[b].shape[1:]

    def _levels(self, main) -> dict[str, int]:
        """For the U layout: how many times each main-path layer's resolution has halved (vectors and other
        layers without a size stay on the level of the layer before them)."""
        sizes = {}
        for name in main:
            shape, sequence = self.analysis[name].shape, self.analysis[name].sequence
            if len(shape) >= 2 and not sequence:
                sizes[name] = shape[1]
        if not sizes:
            return {}
        top, level, levels = max(sizes.values()), 0, {}
        for name in main:
            if name in sizes:
                level = max(0, round(math.log2(top / sizes[name])))
            levels[name] = level
        return levels

    def _level_heights(self, main) -> dict[str, float]:
        """y of each main-path layer in the U layout: each level's blocks start a little below the axis of the
        level above, so that the encoder goes down, the decoder comes up and copies run straight across."""
        levels = self._levels(main)
        if not levels:
            return {}
        reach = {}  # how far blocks of each level rise above their axis
        for name, level in levels.items():
            shape = self.block(name)
            reach[level] = max(reach.get(level, 0.0), shape.half + DEPTH_Y * shape.depth / 2)
        heights, y = {0: 0.0}, 0.0
        for level in range(1, max(levels.values()) + 1):
            y -= reach.get(level, 0.0) + LEVEL_GAP
            heights[level] = y
        return {name: heights[level] for name, level in levels.items()}

    # placement ------------------------------------------------------------------------------------------------
    def run(self) -> Layout:
        """The main path with branches around it; a layered layout when the graph has no such shape."""
        if self.figure.layout == "layered":
            return self.run_layered()
        if self.figure.layout == "fold":
            return self.run_folded()
        if self.figure.layout == "down":
            try:
                return self.run_down()
            except NoMainPath:
                return self.run_layered(vertical=True)
        try:
            return self.run_main_path()
        except NoMainPath:
            if self.figure.layout != "right":
                raise
            return self.run_layered()

    def run_layered(self, vertical: bool = False) -> Layout:
        shapes, arrows = layered(self)
        if vertical:
            shapes, arrows = _turned_all(shapes, arrows)
        return self._labelled(shapes, arrows, [], set(shapes), vertical=vertical)

    def run_main_path(self) -> Layout:
        shapes, arrows, taps, main_set = self._arrange()
        return self._labelled(shapes, arrows, taps, main_set)

    def run_down(self) -> Layout:
        """The main path top to bottom: arranged as left to right, then turned a quarter clockwise (x → −y,
        y → x, depth kept, so blocks are still seen from the front right); labels are placed afterwards."""
        shapes, arrows, taps, main_set = self._arrange(vertical=True)
        shapes, arrows = _turned_all(shapes, arrows)
        return self._labelled(shapes, arrows, [(y, -x) for x, y in taps], main_set, vertical=True)

    def run_folded(self) -> Layout:
        """A U folded for a narrow page: the encoder down the left, the decoder up the right, each copy straight
        across. Arranged left to right (the encoder on one row, the decoder back along a row above it), then
        turned a quarter clockwise like `run_down`."""
        main = self.main_path()
        levels = self._levels(main)
        turn = next((i for i in range(1, len(main)) if levels.get(main[i], 0) < levels.get(main[i - 1], 0)), None)
        if turn is None or len(self.drawn) != len(main):
            raise LayoutError("layout fold folds a U: a main path whose resolution goes down and up again, with "
                              "no branches", hint="use layout u, or down")
        self.along = DEPTH_Y
        encoder, decoder = self._chain_groups(main[:turn]), self._chain_groups(main[turn:])
        main_set = set(main)
        self.joined = {(g[i], g[i + 1]) for g in encoder + decoder for i in range(len(g) - 1)}
        copies = [(source, target) for target in main[turn:] for source in self.inputs[target]
                  if source in main[:turn] and (source, target) not in self.joined
                  and main.index(source) != main.index(target) - 1]
        # each copy straight across: the innermost first, as later room (further out) moves both of its ends alike
        before: dict[str, float] = {}  # extra room before an encoder group, or after a decoder group (its last)
        for source, target in sorted(copies, key=lambda c: -main.index(c[0])) + [(None, None)]:
            shapes = self._place_row(encoder, before, 0.0)
            shapes.update(self._place_back(decoder, before, shapes[main[turn - 1]], shapes))
            if source is None:
                break
            shift = shapes[target].centre_x - _fold_tap(shapes[source])
            if shift < 0:  # the decoder's part is longer: more room on the encoder after the copy leaves
                after = next(g[0] for g in encoder if main.index(g[0]) > main.index(source))
                before[after] = before.get(after, 0.0) - shift
            elif shift > 0:  # more room on the decoder before the copy joins
                group = next(g for g in decoder if target in g)
                previous = decoder[decoder.index(group) - 1][-1]
                before[previous] = before.get(previous, 0.0) + shift
        arrows: list[Arrow] = []
        for left, right in zip(encoder, encoder[1:]):
            arrows.append(_flow(shapes[left[-1]], shapes[right[0]]))
        for left, right in zip(decoder, decoder[1:]):
            arrows.append(_flow_back(shapes[left[-1]], shapes[right[0]]))
        arrows.append(_fold(shapes[main[turn - 1]], shapes[main[turn]]))
        taps = []
        for source, target in copies:
            x, a, b = _fold_tap(shapes[source]), shapes[source], shapes[target]
            taps.append(project(x, a.y, 0.0))
            arrows.append(Arrow(((x, a.y, 0.0), (x, b.y - b.half, 0.0)), "skip", source, target))
        shapes, arrows = _turned_all(shapes, arrows)
        return self._labelled(shapes, arrows, [(y, -x) for x, y in taps], main_set, vertical=True)

    def _place_back(self, groups, extra, last, placed) -> dict[str, Block | Ball]:
        """The decoder's groups right to left on a row above the encoder, from over the end of the encoder's
        `last` shape (a stack's blocks too: the flow meets its first); `extra` room after a group's first."""
        shapes: dict[str, Block | Ball] = {}
        top = max(s.top for s in placed.values())
        drawn = {name: self.block(name) for group in groups for name in group}
        y = top + FOLD_GAP + max(s.half + DEPTH_Y * s.depth / 2 for s in drawn.values())
        cursor, previous = last.visible_east, None
        for group in groups:
            row = self._place_row([group[::-1]], {}, y)
            length = max(s.visible_east for s in row.values()) - min(s.visible_west for s in row.values())
            if previous is not None:
                cursor -= self._gap(drawn[group[0]], previous) + extra.get(previous.layer, 0.0)
            first = min(s.visible_west for s in row.values())
            shift = cursor - length - first
            shapes.update({name: changed(shape, x=shape.x + shift) for name, shape in row.items()})
            cursor -= length
            previous = shapes[group[-1]]
        return shapes

    def _labelled(self, shapes, arrows, taps, main_set, vertical: bool = False) -> Layout:
        placer = LabelPlacer(self.network, self.figure, self.analysis, shapes, arrows, main_set, vertical=vertical)
        labels = placer.place_all()
        return Layout(self.network.name, tuple(s for s in shapes.values() if isinstance(s, Block)),
                      tuple(s for s in shapes.values() if isinstance(s, Ball)), tuple(arrows), tuple(labels),
                      tuple(taps), source_lines(self.network), tuple(placer.frames), order=dict(self.order))

    def _arrange(self, vertical: bool = False):
        """Blocks, balls, arrows and taps of the main path and its branches, left to right."""
        main = self.main_path()
        self.level_y = self._level_heights(main) if self.figure.layout == "u" else {}
        groups = self._chain_groups(main)
        main_set = set(main)
        self.joined = {(g[i], g[i + 1]) for g in groups for i in range(len(g) - 1)}
        branches = self._branches(main, main_set)

        extra = {} if vertical else self._caption_room(groups)  # captions stand beside a vertical flow
        for _ in range(4 * len(branches) + 2):
            shapes = self._place_row(groups, extra, 0.0)
            deficit = None
            for branch, entry, exit_ in branches:
                if exit_ is None or entry is None:
                    continue
                # room for the branch and for its arrows to show their heads on either side
                room = shapes[exit_].visible_west - self._tap(shapes, main, entry) - 2 * (CLEARANCE + 0.45)
                need = self._row_width(branch)
                if need > room + 1e-9:
                    deficit = (exit_, need - room)
                    break
            if deficit is None:
                break
            first = next(g[0] for g in groups if deficit[0] in g)
            extra[first] = extra.get(first, 0.0) + deficit[1]
        else:
            raise NoMainPath("could not make room for the branches of this network")

        arrows: list[Arrow] = []
        taps: list[Point] = []
        self._flow_arrows(groups, shapes, arrows)
        lane_tops: list[tuple[float, float, float]] = []  # x0, x1, top of branch labels
        lane_bottoms: list[tuple[float, float, float]] = []  # x0, x1 and the bottom of each lane below
        sides: dict[str, list[tuple[float, float]]] = {"above": [], "below": []}
        for branch, entry, exit_ in sorted(branches, key=lambda b: self._span(shapes, main, b)):
            if entry is None:
                self._place_input_chain(branch, exit_, shapes, arrows, lane_bottoms)
                continue
            # branches that bridge the same stretch of the main path alternate above and below it
            span = (self._tap(shapes, main, entry), shapes[exit_].centre_x if exit_ else math.inf)
            crowd = {side: sum(1 for a, b in spans if a < span[1] and span[0] < b) for side, spans in sides.items()}
            side = "below" if exit_ is not None and crowd["above"] > crowd["below"] and not vertical else "above"
            sides[side].append(span)
            if side == "above":
                self._place_branch(branch, entry, exit_, shapes, main, arrows, taps, lane_tops)
            else:
                self._place_branch_below(branch, entry, exit_, shapes, main, arrows, taps, lane_bottoms)
        self._route_the_rest(main, branches, shapes, arrows, taps, lane_tops)
        arrows = [_past_taps(a, taps, shapes[a.target]) if a.role == "flow" else a for a in arrows]
        arrows = self._spread_drops(arrows, shapes)
        return shapes, arrows, taps, main_set

    def _caption_room(self, groups) -> dict[str, float]:
        """Extra space before groups so that neighbouring captions fit side by side on one row, and none reaches into
        the frame of a stage it is not in."""
        extra: dict[str, float] = {}
        shapes = self._place_row(groups, extra, 0.0)
        captions = stack_captions(groups, shapes, self.layers, self.size)
        previous = None  # (right end of the last caption, its group index)
        for index, group in enumerate(groups):
            stage, before = self.layers[group[0]].stage, self.layers[groups[index - 1][-1]].stage if index else ""
            for name in group:
                if name not in captions:
                    continue
                x, text = captions[name]
                width = text_box(text, "caption", self.size)[0]
                shift = sum(extra.values())
                least = previous[0] + CAPTION_GAP if previous is not None and previous[1] != index else -math.inf
                if stage != before and before:  # right of the frame the group before ends
                    least = max(least, shapes[groups[index - 1][-1]].visible_east + shift + FRAME_MARGIN + 0.15)
                if stage != before and stage and previous is not None:  # the caption before, left of this frame
                    least = max(least, x - width / 2 + shift + previous[0] -
                                (shapes[group[0]].visible_west + shift - FRAME_MARGIN - 0.15))
                left = x - width / 2 + shift
                if left < least:
                    extra[group[0]] = extra.get(group[0], 0.0) + least - left
                    left = least
                previous = (left + width, index)
        return extra

    def _gap(self, a: Block | Ball, b: Block | Ball) -> float:
        return FLOW_GAP + self.along * (a.depth + b.depth) / 2

    def _place_row(self, groups, extra, y) -> dict[str, Block | Ball]:
        shapes: dict[str, Block | Ball] = {}
        cursor, last = 0.0, None
        for group in groups:
            for i, name in enumerate(group):
                shape = self.block(name)
                if last is not None and i == 0:
                    cursor += self._gap(last, shape) + extra.get(name, 0.0)
                    if self.layers[name].stage != self.layers[last.layer].stage:  # room between stage frames
                        cursor += STAGE_GAP
                    elif self.framed.get(name) != self.framed.get(last.layer):  # ... and repeat frames
                        cursor += REPEAT_GAP
                shape = self.block(name, cursor, self.level_y.get(name, y) if y == 0.0 else y)
                if i and shape.height >= last.height - 1e-9 and shape.depth >= last.depth - 1e-9 and shape.y == last.y:
                    shapes[group[i - 1]] = changed(last, covered=True)  # its side face is inside this block
                shapes[name] = shape
                cursor += shape.length
                last = shape
        return shapes

    def _chain_groups(self, names) -> list[list[str]]:
        """A chain of layers in drawing groups: blocks stuck together (conv sub-blocks, pooling slabs)."""
        groups: list[list[str]] = []
        for name in names:
            if groups and self.touches(groups[-1][-1], name):
                groups[-1].append(name)
            else:
                groups.append([name])
        return groups

    def _row_width(self, names) -> float:
        shapes = self._place_row(self._chain_groups(names), {}, 0.0)
        first, last = shapes[names[0]], shapes[names[-1]]
        return last.visible_east - first.visible_west

    def _tap(self, shapes, main, name) -> float:
        """x where routed arrows leave the flow arrow after `name`: a third into the gap (room to wrap the row before it),
        before its arrow head."""
        shape = shapes[name]
        if name in main and main.index(name) + 1 < len(main):
            after = main[main.index(name) + 1]
            following = shapes[after]
            start, end = shape.visible_east, following.visible_west
            if end - start > 0.2:
                # into the next stage: leave after its frame's edge, so that the gap between frames stays clear
                share = 0.7 if self.layers[after].stage != self.layers[name].stage else 0.35
                if following.y != shape.y:  # the flow turns down or up mid-gap (a U): leave before it does
                    share = 0.15
                return start + share * (end - start)
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
            joins = [n for n in self.consumers[chain[-1]] if n in main_set]
            if kinds.of(self.layers[chain[0]]).is_input:  # another input: its chain runs below the main one
                if not joins:
                    raise LayoutError(f"the input '{chain[0]}' leads nowhere the rest of the network goes",
                                      span=self.layers[chain[0]].at,
                                      hint="join its layers to the others with add or concat")
                result.append((chain, None, min(joins, key=main.index)))
                continue
            if not on_main or len(self.inputs[chain[0]]) != len(on_main):
                raise NoMainPath(f"'{chain[0]}' starts a branch that does not leave the main path; "
                                  "this layout places branches that leave and rejoin it",
                                  span=self.layers[chain[0]].at)
            entry = max(on_main, key=main.index)
            exit_ = min(joins, key=main.index) if joins else None
            if exit_ is not None and main.index(exit_) <= main.index(entry):
                raise NoMainPath(f"the branch '{chain[0]}' rejoins before it leaves", span=self.layers[chain[0]].at)
            result.append((chain, entry, exit_))
        return result

    def _span(self, shapes, main, branch) -> float:
        chain, entry, exit_ = branch
        if entry is None:
            return self._row_width(chain)
        if exit_ is None:  # an auxiliary head: outermost, over the lanes its rise would cross
            return math.inf
        return shapes[exit_].x - self._tap(shapes, main, entry)

    def _highest(self, shapes, x0, x1, lane_tops, floor: float = 0.0) -> float:
        """The top of everything drawn between x0 and x1 (blocks, and lanes with their labels), at least floor."""
        top = floor
        for shape in shapes.values():
            box = box_of(shape)
            if box.x1 > x0 and box.x0 < x1 and shape.top > top:
                top = shape.top
        for a, b, label_top in lane_tops:
            if b > x0 and a < x1:
                top = max(top, label_top)
        return top

    def _lay_chain(self, chain, start, y, shapes, arrows) -> list[Block | Ball]:
        """Place a chain off the main path from x = start (its visible left end) at height y, with its arrows."""
        groups = self._chain_groups(chain)
        row = self._place_row(groups, {}, y)
        shift = start - row[chain[0]].visible_west
        placed = [changed(row[name], x=row[name].x + shift) for name in chain]
        shapes.update(zip(chain, placed))
        self.joined |= {(g[i], g[i + 1]) for g in groups for i in range(len(g) - 1)}
        arrows += [_flow(shapes[a[-1]], shapes[b[0]]) for a, b in zip(groups, groups[1:])]
        return placed

    def _place_input_chain(self, chain, exit_, shapes, arrows, lane_bottoms) -> None:
        """Another input and the layers it feeds, on a lane below the main path, ending before they join it."""
        target = shapes[exit_]
        width = self._row_width(chain)
        end = target.visible_west - FLOW_GAP
        reach = (end - width - 0.05, target.centre_x + 0.05)
        y = self._lane_below(chain, shapes, lane_bottoms, reach)
        placed = self._lay_chain(chain, end - width, y, shapes, arrows)
        lane_bottoms.append((*reach, min(s.bottom for s in placed) - lane_room(self.size)))
        arrows.append(_join(placed[-1], target))

    def _lane_below(self, chain, shapes, lane_bottoms, reach) -> float:
        """Height of a lane below the main path: under its blocks, the rows of labels under them, and the lanes
        below that share part of its stretch (`reach`: from where its arrows leave to where they join)."""
        # under the whole main path, whose captions share one row
        others = [bottom for x0, x1, bottom in lane_bottoms if x0 < reach[1] and reach[0] < x1]
        lowest = min([s.bottom for s in shapes.values() if s.y == 0] + others + [0.0])
        probe = self._place_row(self._chain_groups(chain), {}, 0.0)
        main = {n: s for n, s in shapes.items() if s.y == 0 and reach[0] < s.visible_east and s.visible_west < reach[1]}
        captions = stack_captions(self._chain_groups([n for n in self.drawn if n in main]), shapes, self.layers,
                                  self.size)
        lines = max([text.count("\n") + 1 for _, text in captions.values()] + [1])  # a stack's captions, one a line
        room = lane_room(self.size) + (lines - 1) * line_height("caption", self.size)
        return lowest - room - max(s.half + DEPTH_Y * s.depth / 2 for s in probe.values())

    def _place_branch_below(self, chain, entry, exit_, shapes, main, arrows, taps, lane_bottoms) -> None:
        tap, target = self._tap(shapes, main, entry), shapes[exit_]
        width = self._row_width(chain)
        start = (tap + target.visible_west) / 2 - width / 2
        reach = (min(tap, start) - 0.05, max(target.centre_x, start + width) + 0.05)
        y = self._lane_below(chain, shapes, lane_bottoms, reach)
        placed = self._lay_chain(chain, start, y, shapes, arrows)
        lane_bottoms.append((*reach, min(s.bottom for s in placed) - lane_room(self.size)))
        taps.append(project(tap, shapes[entry].y, 0.0))
        arrows += [_leave(tap, shapes[entry], placed[0]), _join(placed[-1], target)]

    def _place_branch(self, chain, entry, exit_, shapes, main, arrows, taps, lane_tops) -> None:
        tap = self._tap(shapes, main, entry)
        width = self._row_width(chain)
        if exit_ is not None:
            end = shapes[exit_].visible_west
            start = (tap + end) / 2 - width / 2
        else:
            start = tap + FLOW_GAP + CLEARANCE  # an auxiliary head: room for its arrow to show
        probe = self._place_row(self._chain_groups(chain), {}, 0.0)
        highest = self._highest(shapes, tap - 0.1, start + width + 0.1, lane_tops)
        half = max(s.half + DEPTH_Y * s.depth / 2 for s in probe.values())
        y = highest + CLEARANCE + line_height("dims", self.size) + PAD + half
        placed = self._lay_chain(chain, start, y, shapes, arrows)
        # captions of branch layers go above them: reserve that room for lanes and routes over this one
        label_top = max(s.top for s in placed) + line_height("caption", self.size) + 2 * PAD + 0.1
        # (from its rise at the tap to its drop into the exit: a lane placed later goes over these lines too)
        lane_tops.append((min(tap, start), max(placed[-1].visible_east, shapes[exit_].centre_x if exit_ else 0.0),
                          label_top))
        taps.append(project(tap, shapes[entry].y, 0.0))
        arrows.append(_leave(tap, shapes[entry], placed[0]))
        if exit_ is not None:
            arrows.append(_join(placed[-1], shapes[exit_]))

    def _route_the_rest(self, main, branches, shapes, arrows, taps, lane_tops) -> None:
        """Connections not drawn yet go over the blocks: the shortest lowest, so that routes nest, not cross."""
        drawn_edges = {(a.source, a.target) for a in arrows} | self.joined
        wanted = [(i, n, None) for n in self.drawn for i in self.inputs[n] if (i, n) not in drawn_edges]
        wanted += [(s, t, skip) for s, t, skip in self.skips]
        routes = []
        for source, target, skip in wanted:
            a, b = shapes[source], shapes[target]
            x0 = self._tap(shapes, main, source) if source in main else a.east
            if b.centre_x <= x0:
                raise NoMainPath(f"cannot route the connection from '{source}' back to '{target}'",
                                  span=self.layers[target].at)
            routes.append((b.centre_x - x0, x0, source, target, skip))
        for _, x0, source, target, skip in sorted(routes, key=lambda r: r[:2]):
            a, b = shapes[source], shapes[target]
            bx = b.centre_x
            level = self._highest(shapes, x0 - 0.05, bx + 0.05, lane_tops, floor=a.y) + CLEARANCE + 0.05
            if source in main:
                taps.append(project(x0, a.y, 0.0))
                points = ((x0, a.y, 0.0), (x0, level, 0.0))
            else:
                points = ((x0, a.y, 0.0), (x0 + 0.2, a.y, 0.0), (x0 + 0.2, level, 0.0))
            points += ((bx, level, 0.0), (bx, b.y + b.half, 0.0))
            arrows.append(Arrow(points, "skip" if skip is None else "link", source, target))
            room = line_height("note", self.size) + 2 * PAD if skip is not None and skip.label else 0.05
            lane_tops.append((x0, bx, level + room))

    @staticmethod
    def _spread_drops(arrows, shapes) -> list[Arrow]:
        """Arrows coming down into the same target land side by side: the higher the route, the further right,
        so that no drop crosses another route."""
        by_target: dict[str, list[int]] = {}
        for i, arrow in enumerate(arrows):
            (x2, y2, _), (x3, y3, _) = arrow.points[-2:]
            from_above = len(arrow.points) >= 3 and x2 == x3 and y2 > y3
            if arrow.role in ("branch", "skip", "link") and from_above:
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
                result[i] = Arrow(tuple(head) + ((x2 + dx, y2, z2), (x3 + dx, y3, z3)), arrows[i].role,
                                  arrows[i].source, target)
        return result


CAPTION_GAP = 0.25  # between two captions side by side on a row (about two spaces of their text)
STAGE_GAP = 0.9  # more room where one stage ends and the next begins
REPEAT_GAP = 0.15  # ... and where a repeated block drawn once starts or ends: a row may end between two frames
FOLD_GAP = 2.2  # in a folded U, between the encoder's tops and the decoder: its copies and captions run there
LEVEL_GAP = CLEARANCE + 0.45  # in the U layout, from a level's axis to the tops on the level below: room for a route
# between a lane below the main path and what is above it: two rows of sizes, a row of captions, clearance


def lane_room(size: float) -> float:
    """Room under a lane's blocks for their sizes and captions."""
    return 2 * (line_height("dims", size) + PAD) + line_height("caption", size) + 2 * PAD + CLEARANCE


def _leave(tap: float, entry, first) -> Arrow:
    """From the main path at x = tap (on the flow after `entry`) to the first block of a lane, its head just before
    the block."""
    head = max(tap, first.visible_west - 0.45)
    return Arrow(((tap, entry.y, 0.0), (tap, first.y, 0.0), (head, first.y, 0.0), (first.west, first.y, 0.0)),
                 "branch", entry.layer, first.layer, 2)


def _join(last, target) -> Arrow:
    """From the last block of a lane along it, then into the target's top (lane above) or bottom (lane below)."""
    edge = target.y + (target.half if last.y > target.y else -target.half)
    return Arrow(((last.east, last.y, 0.0), (target.centre_x, last.y, 0.0), (target.centre_x, edge, 0.0)),
                 "branch", last.layer, target.layer)


def _flow(a, b) -> Arrow:
    """The arrow from one shape's east face to the next one's west face, its head 80% along the visible gap;
    between levels of a U, down or up in the middle of the gap first."""
    head = max(a.visible_east + 0.8 * (b.visible_west - a.visible_east), b.visible_west - 0.4)  # near its block
    if a.y == b.y:
        return Arrow(((a.east, a.y, 0.0), (head, a.y, 0.0), (b.west, b.y, 0.0)), "flow", a.layer, b.layer, 1)
    middle = a.visible_east + 0.45 * (b.visible_west - a.visible_east)
    return Arrow(((a.east, a.y, 0.0), (middle, a.y, 0.0), (middle, b.y, 0.0), (head, b.y, 0.0), (b.west, b.y, 0.0)),
                 "flow", a.layer, b.layer, 3)


def _past_taps(arrow: Arrow, taps, target) -> Arrow:
    """A flow arrow whose head would point at a junction dot (where a branch or skip leaves it) with its head moved
    past the dot, towards its block: a head ends at a block, never at a dot."""
    if arrow.head != 1 or len(arrow.points) != 3:
        return arrow
    (x0, y, z), (head, _, _), end = arrow.points
    return replace(arrow, points=((x0, y, z), (head_past(taps, x0, head, y, target.visible_west), y, 0.0), end))




def _fold_tap(shape) -> float:
    """Where a copy leaves the encoder's flow in a folded U: just after the shape it copies."""
    return shape.visible_east + 0.3


def _flow_back(a, b) -> Arrow:
    """The flow from one shape to the next one on its left (the way back of a folded U)."""
    head = min(a.visible_west - 0.8 * (a.visible_west - b.visible_east), b.visible_east + 0.4)
    return Arrow(((a.west, a.y, 0.0), (head, a.y, 0.0), (b.east, b.y, 0.0)), "flow", a.layer, b.layer, 1)


def _fold(a, b) -> Arrow:
    """The flow from the encoder's last shape round the fold into the decoder's first, above it."""
    out = max(a.visible_east, b.visible_east) + 0.45
    return Arrow(((a.east, a.y, 0.0), (out, a.y, 0.0), (out, b.y, 0.0), (b.east + 0.25, b.y, 0.0),
                  (b.east, b.y, 0.0)), "flow", a.layer, b.layer, 3)


def _turned_all(shapes, arrows):
    """Shapes and arrows of a left-to-right arrangement turned a quarter clockwise: x → −y, y → x."""
    turned = {name: _turned(shape) for name, shape in shapes.items()}
    # lower blocks first, so that a block's top face goes under the block stacked on it
    turned = dict(sorted(turned.items(), key=lambda item: item[1].y))
    return turned, [replace(a, points=tuple((y, -x, z) for x, y, z in a.points)) for a in arrows]


def _turned(shape):
    """A block or ball of a left-to-right arrangement, turned to flow top to bottom."""
    if isinstance(shape, Ball):
        return replace(shape, x=shape.y, y=-shape.x)
    return replace(shape, x=shape.y - shape.height / 2, y=-(shape.x + shape.width / 2), width=shape.height,
                   height=shape.width, covered=False, vertical=True)


def _extent(shape: tuple[int, ...], sequence: bool, sizes: Sizes) -> tuple[float, float, float]:
    """width (channels, or a sequence's features), height (positions) and depth of a tensor's block."""
    if sequence:  # (L,) token ids or (L, D)
        return (sizes.channels(shape[1]) if len(shape) == 2 else 0.22), sizes.positions(shape[0]), sizes.thin
    if len(shape) == 1:
        return sizes.thin, sizes.units(shape[0]), sizes.thin
    width = sizes.channels(shape[0])
    if len(shape) == 2:
        return width, sizes.positions(shape[1]), sizes.thin
    return width, sizes.positions(shape[1]), sizes.positions(shape[2])


def sizes_of(analysis: dict[str, Analysis], mapping: str, factor: float = 1.0) -> Sizes:
    """The figure's mapping from sizes to sides, knowing the network's largest sizes (for linear), times `factor`."""
    maps = [a.shape for a in analysis.values() if len(a.shape) >= 2 and not a.sequence]
    vectors = [a.shape[0] for a in analysis.values() if len(a.shape) == 1 and not a.sequence]
    return Sizes(mapping, (max([s[0] for s in maps] or [1]), max([n for s in maps for n in s[1:]] or [1]),
                           max(vectors or [1])), factor)
