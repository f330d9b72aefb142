"""Label placement: each label goes on the first of its candidate spots that overlaps nothing drawn or placed."""
from __future__ import annotations

from itertools import chain

from . import kinds
from .drawing import DEPTH_X, PAD, Ball, Block, Frame, Label, box_of
from .errors import LayoutError
from .geometry import EPS, Index, Rect, bounds, overlap
from .metrics import line_height, text_box, wrap
from .layer import who
from .model import Network
from .shapes import Analysis, describe, stats_line
from .topology import last_copies, skip_owner

MAX_CAPTION_LINES = 60  # a caption taller than a page (xelatex's PDF writer also fails past about 100 lines)
ROW_TOLERANCE = 2.5  # neighbouring captions share a row when their blocks' bottoms differ by less than this

ARROW_HALF_WIDTH = 0.05
ROUTE_MARGIN = 0.15  # more room between a frame and a route that runs along its top
FRAME_MARGIN = 0.12
HEAD_ROOM = 0.25  # from a flow arrow's axis to a size label hanging under it: clear of its arrow head
SPREAD = 0.6  # captions of a stack may stand side by side this much wider than it, before they stack up
ENTRY = 1.5  # a route that leaves the flow this close before a stage's blocks starts inside its frame
# more room beside a block for bold captions, whose capitals and '&' run wider than the glyph estimate
BESIDE = {"caption": 0.12, "dims": 0.0, "note": 0.0}


def stack_captions(stacks, shapes, layers, size: float = 1.0) -> dict[str, tuple[float, str]]:
    """Each shown label with the x it is centred on. A stack of blocks whose captions cannot stand side by side
    under it gets one caption, its labels one per line in order (not a staircase of rows)."""
    captions = {}
    for stack in stacks:
        named = [n for n in stack if layers[n].label and layers[n].style.show_label]
        texts = [wrap(layers[n].label) for n in named]
        first, last = shapes[stack[0]], shapes[stack[-1]]
        room = last.visible_east - first.visible_west + 0.4
        widths = [text_box(t, "caption", size)[0] for t in texts]
        if len(named) > 1 and sum(w + 0.2 for w in widths) > room + SPREAD:
            x = (first.corner(0, 0, 0)[0] + last.corner(1, 0, 0)[0]) / 2
            joined = "\n".join(texts)
            if joined.count("\n") >= MAX_CAPTION_LINES:
                raise LayoutError(f"the labels of the {len(named)} blocks stuck together from "
                                  f"{who(layers[named[0]])} make a caption of {joined.count(chr(10)) + 1} lines "
                                  f"(at most {MAX_CAPTION_LINES}: taller than a page)", span=layers[named[0]].at,
                                  hint="shorten these labels, or label fewer of these layers")
            captions[named[0]] = (x, joined)
            continue
        if len(named) > 1 and sum(w + 0.2 for w in widths) > room:  # side by side in order, centred under it
            left = (first.visible_west + last.visible_east) / 2 - (sum(widths) + 0.2 * (len(widths) - 1)) / 2
            for name, text, width in zip(named, texts, widths):
                captions[name] = (left + width / 2, text)
                left += width + 0.2
            continue
        for name, text in zip(named, texts):
            shape = shapes[name]
            captions[name] = (shape.centre_x - DEPTH_X * shape.depth / 2, text)  # under the front face
    return captions


class LabelPlacer:
    """Puts each label on the first of its candidate spots that overlaps nothing already there."""

    def __init__(self, network: Network, figure, analysis: dict[str, Analysis], shapes, arrows, main_set,
                 vertical: bool = False):
        self.network, self.figure = network, figure  # figure.Figure: what the labels say (dims, stats, collapse)
        self.size = figure.text_size
        self.last = last_copies(network, figure.collapse)
        self.vertical = vertical  # the flow runs top to bottom: labels stand beside the blocks
        self.analysis = analysis
        self.layers = {layer.name: layer for layer in network.layers}
        self.shapes = shapes
        self.main_set = main_set
        self.obstacles = [s.outline() for s in shapes.values()]
        self.index = Index()
        for obstacle in self.obstacles:
            self.index.add(obstacle)
        self.routes = [(a, a.projected()) for a in arrows]
        # arrows as strips as wide as their heads, since a label must not touch a line or a head either
        for _, points in self.routes:
            for p, q in zip(points, points[1:]):
                strip = bounds((p, q)).grown(ARROW_HALF_WIDTH)
                self.obstacles.append(strip.polygon())
                self.index.add_box(strip)
        self.arrows = arrows
        self.placed: list[Label] = []

    def free(self, rect: Rect) -> bool:
        return not self.index.hits_box(rect.grown(PAD))

    def put(self, text, role, spots, owner="") -> None:
        """Place `text` at the first free spot; a spot is (x, y) or (x, y, rotation)."""
        width, height = text_box(text, role, self.size)
        spots = iter(spots)  # (a list, or spots made as they are tried)
        first = next(spots, None)
        for spot in chain((first,), spots, self._around(first)) if first is not None else ():
            cx, cy, rotate = spot if len(spot) == 3 else (*spot, 0)
            w, h = (height, width) if rotate else (width, height)
            rect = Rect.around(cx, cy, w, h)
            if self.free(rect):
                self.placed.append(Label(text, role, cx, cy, w, h, rotate, owner))
                self.index.add_box(rect)
                return
        raise LayoutError(f"no free place for the label '{text}'{f' of {owner}' if owner else ''}",
                          span=self.layers[owner].at if owner in self.layers else None)

    @staticmethod
    def _around(spot, step: float = 0.1, rings: int = 20):
        """Spots round the first one, nearest first, made as they are tried: where a label goes when every spot
        its layer offers is taken (a count between the branch lines of a crowded lane)."""
        x, y = spot[0], spot[1]
        for r in range(1, rings + 1):
            for i in range(-r, r + 1):  # (the ring's columns in order, as a square of side 2r+1 lists them)
                for j in (range(-r, r + 1) if abs(i) == r else (-r, r)):
                    yield x + i * step, y + j * step

    @staticmethod
    def rows(x, y, step, count=30, shifts=(0.0,)):
        """Candidate spots in rows from (x, y) on, each row tried at a few sideways shifts."""
        return list(LabelPlacer.rows_made(x, y, step, count, shifts))

    @staticmethod
    def rows_made(x, y, step, count=30, shifts=(0.0,)):
        """`rows`, made as they are tried (most labels take the first)."""
        return ((x + shift, y + i * step) for i in range(count) for shift in shifts)

    def place_all(self) -> list[Label]:
        if self.vertical:
            self._beside()
        else:
            self._under()
        self._skip_labels()
        self._frame_stages()
        caption = "\n".join(([self.network.caption] if self.network.caption else []) +
                             ([stats_line(self.analysis)] if self.figure.stats else []))
        if caption:  # under everything, frames included
            box = bounds([p for o in self.obstacles for p in o] +
                         [p for label in self.placed for p in label.rect().polygon()] +
                         [p for frame in self.frames for p in frame.rect.polygon()])
            height = text_box(caption, "note", self.size)[1]
            self.put(caption, "note", self.rows((box.x0 + box.x1) / 2, box.y0 - 0.15 - height / 2, -0.2))
        return self.placed

    def _beside(self) -> None:
        """Labels of a flow from top to bottom: sizes just left of each block, the caption left of them, ×N
        right of the block; the farther out, the later a spot is tried."""
        def leftwards(x_edge, y, text, role):  # (made as they are tried: the first is taken most often)
            width, gap = text_box(text, role, self.size)[0], PAD + BESIDE[role]
            return ((x_edge - gap - width / 2 - 0.12 * k, y + dy) for k in range(40) for dy in (0.0, -0.2, 0.2))

        def rightwards(x_edge, y, text, role):
            width, gap = text_box(text, role, self.size)[0], PAD + BESIDE[role]
            return ((x_edge + gap + width / 2 + 0.12 * k, y + dy) for k in range(40) for dy in (0.0, -0.2, 0.2))

        for name, shape in self.shapes.items():
            layer = self.layers[name]
            if not isinstance(shape, Block) or not layer.style.show_label:
                continue
            (x0, y0), (_, top) = shape.corner(0, 0, 0), shape.corner(0, 1, 0)
            dims_h = line_height("dims", self.size)
            if top - y0 < 2 * dims_h + PAD:  # a thin block: its count and H×W one over the other at its middle
                y0, top = (y0 + top) / 2 - dims_h - PAD / 2, (y0 + top) / 2 + dims_h + PAD / 2
            for text, y in self._size_texts(name)[::-1]:
                spot_y = y0 + dims_h / 2 if y == "bottom" else top - dims_h / 2
                right_edge = max(p[0] for p in shape.outline())
                left, right = leftwards(x0, spot_y, text, "dims"), rightwards(right_edge, spot_y, text, "dims")
                self.put(text, "dims", chain(left, right) if name in self.main_set else chain(right, left), name)
        for name, shape in self.shapes.items():  # outside the sizes: left of the main path, right of a lane
            layer = self.layers[name]
            if not (layer.label and layer.style.show_label):
                continue
            text = wrap(layer.label)
            own = [label.rect() for label in self.placed if label.layer == name]
            x0 = min([p[0] for p in shape.outline()] + [r.x0 for r in own])
            x1 = max([p[0] for p in shape.outline()] + [r.x1 for r in own])
            left, right = leftwards(x0, shape.y, text, "caption"), rightwards(x1, shape.y, text, "caption")
            self.put(text, "caption", chain(left, right) if name in self.main_set else chain(right, left), name)
        if self.figure.collapse:
            for name, shape in self.shapes.items():
                if self.layers[name].times > 1:
                    text = f"×{self.layers[name].times}"
                    self.put(text, "note", rightwards(max(p[0] for p in shape.outline()), shape.y, text, "note"),
                             name)

    def _size_texts(self, name: str) -> list[tuple[str, str]]:
        """The size labels a block gets, each with where it goes ('bottom', or 'top' for H×W): by default the
        channel count and, where the size changes, H×W; or the whole shape; or the channels only; or nothing."""
        layer = self.layers[self.last.get(name, name)]  # a collapsed repetition: what its last copy gives
        mode = layer.style.dims or self.figure.dims
        out = self.analysis[layer.name].shape
        if mode == "none":
            return []
        if mode == "shape":
            return [(describe(out), "bottom")]
        sequence = self.analysis[layer.name].sequence
        features = (out[-1] if len(out) == 2 else None) if sequence else out[0]
        texts = [(str(features), "bottom")] if kinds.of(layer).counted and features is not None else []
        if mode == "channels":
            return texts
        spatial = out[:1] if sequence else out[1:]
        before = None
        if layer.inputs:
            source = self.analysis[layer.inputs[0]]
            before = source.shape[:1] if source.sequence else source.shape[1:]
        if spatial and spatial != before:
            texts.append((describe(spatial) if len(spatial) > 1 else f"L={spatial[0]}", "top"))
        return texts

    def _under(self) -> None:
        """Labels of a flow from left to right: sizes under and beside each block, captions on rows under them
        (branch captions above their blocks), ×N above a repeated layer."""
        for name, shape in self.shapes.items():  # sizes first: they belong right at their block's edges
            if isinstance(shape, Block) and self.layers[name].style.show_label:
                self._sizes(name, shape)
            elif isinstance(shape, Ball) and kinds.of(self.layers[name]).counted and \
                    (self.layers[name].style.dims or self.figure.dims) in ("auto",
                                                                                                  "channels"):
                shown = self.analysis[self.last.get(name, name)]  # what a concatenation adds up to
                text = str(shown.shape[-1] if shown.sequence else shown.shape[0])
                dims_h = line_height("dims", self.size)
                half = text_box(text, "dims", self.size)[0] / 2
                beside = [(shape.x + side * (shape.radius + PAD + half + 0.05 * k), shape.y + dy)
                          for k in range(6) for side in (1, -1) for dy in (-0.75 * shape.radius, 0.75 * shape.radius)]
                spots = (self.rows(shape.x, shape.bottom - PAD - dims_h / 2, -(dims_h + PAD), 2, (0.0, 0.3, -0.3)) +
                         beside + self.rows(shape.x, shape.top + PAD + dims_h / 2, dims_h + PAD, 3) +
                         self.rows(shape.x, shape.bottom - PAD - dims_h / 2, -(dims_h + PAD), 30, (0.0, 0.5, -0.5)))
                self.put(text, "dims", spots, name)
        caption_h = line_height("caption", self.size)
        stacks = self._stacks()
        captions = stack_captions(stacks, self.shapes, self.layers, self.size)
        main_rows = self._caption_rows(stacks, captions)
        lane_rows = {}
        for lane_y in {s.y for n, s in self.shapes.items() if n not in self.main_set and s.y < 0}:
            lane = {n for n, s in self.shapes.items() if s.y == lane_y}
            lowest = min([self.shapes[n].bottom for n in lane] +
                         [label.rect().y0 for label in self.placed if label.layer in lane])
            lane_rows[lane_y] = lowest - PAD - caption_h / 2
        for name, (x, text) in captions.items():
            shape = self.shapes[name]
            width, height = text_box(text, "caption", self.size)
            shifts = (0.0, 0.3 * width, -0.3 * width, 0.6 * width)
            below = self.rows(x, shape.bottom - PAD - height / 2, -(caption_h / 2 + PAD), shifts=shifts)
            above = self.rows(x, shape.top + PAD + height / 2, caption_h / 2 + PAD, 3, shifts[:3])
            if name not in self.main_set and shape.y < 0:  # a lane below the main path: its own caption row
                spots = self.rows(x, lane_rows[shape.y] + (caption_h - height) / 2, -(caption_h + PAD),
                                  shifts=shifts)
            elif name not in self.main_set:
                spots = self.rows(x, shape.top + PAD + height / 2, caption_h / 2 + PAD, 8, shifts) + below
            elif isinstance(shape, Ball):  # right under it, else over it
                spots = below[:2 * len(shifts)] + above + below[2 * len(shifts):]
            else:
                spots = self.rows(x, main_rows[name] + (caption_h - height) / 2, -(caption_h + PAD),
                                  shifts=shifts)
            self.put(text, "caption", spots, name)
        if self.figure.collapse:  # a repeated layer drawn once says how many times
            for name, shape in self.shapes.items():
                times = self.layers[name].times
                if times > 1:
                    x = shape.centre_x + DEPTH_X * shape.depth / 2
                    self.put(f"×{times}", "note",
                             self.rows(x, shape.top + PAD + line_height("note", self.size) / 2, 0.15), name)

    def _skip_labels(self) -> None:
        """A skip's label by the stretch of its route farthest out (above a flow to the right, right of a flow
        down)."""
        labelled = {(s.source, s.target): s for s in self.network.skips if s.label}
        for arrow in self.arrows:
            skip = labelled.get((arrow.source, arrow.target)) if arrow.role == "link" else None
            if not skip:
                continue
            text = skip.label
            points = arrow.projected()
            width, height = text_box(text, "note", self.size)
            if self.vertical:
                level = max(p[0] for p in points)
                (_, y0), (_, y1) = [p for p in points if p[0] == level][:2]
                spots = [(level + PAD + width / 2 + 0.1 * k, (y0 + y1) / 2 + dy) for k in range(20)
                         for dy in (0.0, 0.25 * (y1 - y0), -0.25 * (y1 - y0))]
            else:
                level = max(p[1] for p in points)
                (x0, _), (x1, _) = [p for p in points if p[1] == level][:2]
                shifts = (0.0, -0.25 * (x1 - x0 - width), 0.25 * (x1 - x0 - width))
                spots = self.rows((x0 + x1) / 2, level + PAD + height / 2, 0.15, shifts=shifts)
            self.put(text, "note", spots, skip_owner(skip))

    def _frame_repeats(self) -> None:
        """A repeated block drawn once gets a frame around its blocks and labels, marked ×N at its top right."""
        names = [layer.name for layer in self.network.layers]
        for i, layer in enumerate(self.network.layers):
            members = {n for n in names[i:i + layer.block_length] if n in self.shapes}
            if layer.block_times < 2 or not self.figure.collapse or not members:
                continue
            rect = self._frame_box(members, incoming=True)
            self.frames.append(Frame(f"×{layer.block_times}", rect, frozenset(members), "repeat"))
            self._add_edges(rect)
            text = f"×{layer.block_times}"
            width, height = text_box(text, "note", self.size)
            if self.vertical:  # beside its top right corner
                spots = [(rect.x1 + PAD + width / 2 + 0.1 * k, rect.y1 - height / 2 - 0.15 * j)
                         for j in range(10) for k in range(10)]
            else:  # over its top right corner
                spots = self.rows(rect.x1 - width / 2, rect.y1 + PAD + height / 2, height / 2,
                                  shifts=(0.0, -width, -2 * width))
            self.put(text, "note", spots, min(members, key=names.index))

    def _frame_box(self, members: set[str], incoming: bool) -> Rect:
        """Around the members' blocks, their labels, the frames inside and the routes between them (which would
        cross its edge); with `incoming`, the routes into them from outside too (a repeated block's own skips,
        which start at a tap right by the block before); never around anything else."""
        points = [p for n in members for p in self.shapes[n].outline()]
        inside = bounds(points)
        points += [p for label in self.placed if label.layer in members for p in label.rect().polygon()]
        points += [p for frame in self.frames if frame.layers <= members for p in frame.rect.polygon()]
        routes = [p for a, projected in self.routes if a.target in members and a.role != "flow"
                  and (incoming or a.source in members or self._enters(projected[0], inside)) for p in projected]
        rect = bounds(points + routes).grown(FRAME_MARGIN)
        if routes:  # a route along the frame's edge would read as a double line: keep a clear gap
            top = max(p[1] for p in routes)
            if top + FRAME_MARGIN >= rect.y1 - 1e-9:
                rect = Rect(rect.x0, rect.y0, rect.x1, top + FRAME_MARGIN + ROUTE_MARGIN)
        others = [(box_of(s), s.outline()) for n, s in self.shapes.items() if n not in members]
        others += [(label.rect(), None) for label in self.placed if label.layer not in members]
        for box, outline in others:
            if (rect.x1 <= box.x0 + EPS or box.x1 <= rect.x0 + EPS or rect.y1 <= box.y0 + EPS or box.y1 <= rect.y0 + EPS
                    or not overlap(rect.polygon(), outline or box.polygon())):  # (apart as overlap sees it: cheaply)
                continue
            if self.vertical and box.y0 >= inside.y1 - 0.3:  # before it, above
                rect = Rect(rect.x0, rect.y0, rect.x1, box.y0 - PAD)
            elif self.vertical and box.y1 <= inside.y0 + 0.3:
                rect = Rect(rect.x0, box.y1 + PAD, rect.x1, rect.y1)
            elif not self.vertical and box.x1 <= inside.x0 + 0.3:  # before it, on the left
                rect = Rect(box.x1 + PAD, rect.y0, rect.x1, rect.y1)
            elif not self.vertical and box.x0 >= inside.x1 - 0.3:
                rect = Rect(rect.x0, rect.y0, box.x0 - PAD, rect.y1)
        return rect

    def _enters(self, start, inside: Rect) -> bool:
        """Does a route starting at `start` leave the flow right before these blocks (a branch into a stage's first
        module), so that the frame around them should take its junction and rise in, not run beside them?"""
        return not self.vertical and inside.x0 - ENTRY <= start[0] < inside.x0

    def _add_edges(self, rect: Rect) -> None:
        for edge in zip(rect.polygon(), rect.polygon()[1:] + rect.polygon()[:1]):
            self.index.add(edge)

    def _frame_stages(self) -> None:
        """A dashed frame around each stage's blocks and labels, its name above it."""
        self.frames: list[Frame] = []
        self._frame_repeats()
        stages: dict[str, set[str]] = {}
        for name in self.shapes:
            if self.layers[name].stage:
                stages.setdefault(self.layers[name].stage, set()).add(name)
        boxes = {}
        for stage, members in stages.items():
            boxes[stage] = self._frame_box(members, incoming=False)
        # frames line up across the flow: at the bottom (flow to the right) or at both sides (flow down)
        bottom = min((box.y0 for box in boxes.values()), default=0.0)
        left = min((box.x0 for box in boxes.values()), default=0.0)
        right = max((box.x1 for box in boxes.values()), default=0.0)
        for stage, members in stages.items():
            box = boxes[stage]
            rect = Rect(left, box.y0, right, box.y1) if self.vertical else Rect(box.x0, bottom, box.x1, box.y1)
            self.frames.append(Frame(stage, rect, frozenset(members)))
            self._add_edges(rect)
            width, height = text_box(stage, "stage", self.size)
            if self.vertical:  # beside its top right corner
                spots = [(rect.x1 + PAD + width / 2 + 0.1 * k, rect.y1 - height / 2 - 0.1 * j)
                         for j in range(10) for k in range(10)]
            else:
                spots = self.rows((rect.x0 + rect.x1) / 2, rect.y1 + PAD + height / 2, height / 2)
            self.put(stage, "stage", spots, next(iter(sorted(members))))

    def _stacks(self) -> list[list[str]]:
        """Blocks stuck together, found from their places (every other shape is a stack of its own)."""
        stacks: list[list[str]] = []
        for name, shape in self.shapes.items():
            previous = self.shapes[stacks[-1][-1]] if stacks else None
            stuck = (isinstance(shape, Block) and isinstance(previous, Block) and previous.y == shape.y
                     and abs(shape.x - previous.right) < 1e-9)
            if stuck:
                stacks[-1].append(name)
            else:
                stacks.append([name])
        return stacks

    def _caption_rows(self, stacks, captions) -> dict[str, float]:
        """The row each main-path block caption goes on: neighbours whose bottoms (sizes included) are within
        ROW_TOLERANCE share one row, under the lowest of them, so that captions line up without hanging far below
        small blocks next to big ones; a stage's captions have a row of their own, in its frame; the last caption
        of a level is not lifted above the row before it (LeNet's 'Output', the MLP's 'Classes')."""
        bottoms = {}
        for stack in stacks:
            owners = [n for n in stack if n in captions and n in self.main_set and isinstance(self.shapes[n], Block)]
            members = set(stack)
            for owner in owners:
                bottoms[owner] = min([self.shapes[n].bottom for n in stack] +
                                     [label.rect().y0 for label in self.placed if label.layer in members])
        clusters: list[list[str]] = []
        for name in sorted(bottoms, key=lambda n: (self.shapes[n].y, captions[n][0])):
            cluster = clusters[-1] if clusters else []
            if not cluster or self.shapes[cluster[0]].y != self.shapes[name].y or \
                    self.layers[cluster[0]].stage != self.layers[name].stage or \
                    abs(bottoms[name] - min(bottoms[n] for n in cluster)) > ROW_TOLERANCE or \
                    abs(bottoms[name] - max(bottoms[n] for n in cluster)) > ROW_TOLERANCE:
                clusters.append([])
            clusters[-1].append(name)
        # the last caption of a level, alone on a row higher than the one before it, joins that row
        level = [self.shapes[cluster[0]].y for cluster in clusters]
        for i in range(1, len(clusters)):
            before, last = clusters[i - 1], clusters[i]
            ends_level = i + 1 == len(clusters) or level[i + 1] != level[i]
            if len(last) == 1 and ends_level and level[i - 1] == level[i] and \
                    self.layers[last[0]].stage == self.layers[before[0]].stage and \
                    bottoms[last[0]] > min(bottoms[n] for n in before):
                clusters[i - 1], clusters[i] = before + last, []
        rows: dict[str, float] = {}
        for cluster in filter(None, clusters):
            lowest = min(bottoms[n] for n in cluster)
            rows.update({n: lowest - PAD - line_height("caption", self.size) / 2 for n in cluster})
        return rows

    def _sizes(self, name: str, shape: Block) -> None:
        """What the dims setting asks for (see _size_texts), for a flow to the right: counts and whole shapes
        under the block, H×W up its left edge."""
        dims_h = line_height("dims", self.size)
        (x0, y0), (x1, _), (_, top) = shape.corner(0, 0, 0), shape.corner(1, 0, 0), shape.corner(0, 1, 0)
        # under it, a little aside before a row lower (a stack of thin blocks keeps its counts on one row)
        def under():
            return self.rows_made((x0 + x1) / 2, y0 - PAD - dims_h / 2, -(dims_h + PAD), 30, (0.0, 0.08, 0.16))
        for text, where in self._size_texts(name):
            if where == "bottom":
                self.put(text, "dims", under(), name)
                continue
            length = text_box(text, "dims", self.size)[0]
            beside = x0 - PAD - dims_h / 2
            spots = [(beside, y0 + length / 2, 90), (beside, top - length / 2, 90)]
            # a short block's: from under its arrow down, clear of the counts under it
            spots += [(beside - 0.1 * k, shape.y - HEAD_ROOM - length / 2, 90) for k in range(3)]
            if shape.width < 0.3:  # a slab: try its right side as well
                spots.append((x1 + PAD + dims_h / 2, y0 + length / 2, 90))
            self.put(text, "dims", chain(spots, under()), name)
