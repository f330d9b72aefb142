"""What a figure is made of, in centimetres: cuboid blocks, balls, arrows and labels, and the oblique projection
that turns the 3-D scene into the page. The layout makes these; the renderer and the checks read them."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .geometry import Point, Rect, bounds, enclosing
from .layer import Style

# Depth (z) recedes up and to the right.
DEPTH_X, DEPTH_Y = 0.34, 0.24
FLOW_GAP = 0.6       # visible length of an arrow between two blocks
SLAB = 0.16          # thickness of pooling, batch-norm and activation slabs
BALL_RADIUS = 0.3
CLEARANCE = 0.35     # between a routed arrow and the blocks it passes over
HEAD_PAST = 0.3      # from a junction dot to the tip of the flow arrow's head after it (a head ends at a block)
PAD = 0.07           # around labels
BAND = 0.3           # share of a block drawn in its activation colour

def project(x: float, y: float, z: float) -> Point:
    return (x + DEPTH_X * z, y + DEPTH_Y * z)


def channel_width(channels: int) -> float:
    return min(1.4, max(0.22, 0.12 + 0.09 * math.log2(max(channels, 1))))


def spatial_extent(size: int) -> float:
    return min(4.6, 0.5 + 0.4 * math.log2(max(size, 1)))


def vector_extent(units: int) -> float:
    return min(4.6, 0.5 + 0.32 * math.log2(max(units, 1)))


def head_past(taps, start: float, head: float, y: float, face: float) -> float:
    """Where a flow arrow along y from x = start puts its head: past the junction dots (`taps`) on its way before
    the head, towards the block whose face is at x = face; a head ends at a block, never at a dot."""
    dots = [x for x, ty in taps if abs(ty - y) < 1e-6 and start < x < head + HEAD_PAST]
    return max(head, min(max(dots) + HEAD_PAST, face - 0.05)) if dots else head


SIZES = ("sqrt", "log", "linear")  # how a block's sides follow its tensor's sizes; the default first


@dataclass(frozen=True)
class Sizes:
    """A block's sides from its tensor's sizes, in cm. sqrt (the default) shows a 16× smaller map 4× smaller and 4×
    the channels 1.6× thicker (their cube root: a stack's counts still fit under its blocks); log (PlotNeuralNet's
    habit) flattens both a pyramid and a channel growth; linear is in proportion to the network's largest. Every
    mapping keeps 3 and 2048 channels, 1 and 224 positions drawable."""

    mapping: str = "sqrt"
    largest: tuple[int, int, int] = (1, 1, 1)  # the network's most channels, positions and units (for linear)
    factor: float = 1.0  # every side times this (a figure composed for a narrow page draws smaller blocks)

    def channels(self, count: int) -> float:
        return self._side(count, 0, channel_width, 0.12, 0.3, 1.4, root=3)

    def positions(self, count: int) -> float:
        return self._side(count, 1, spatial_extent, 0.307, 0.3, 4.6)

    @property
    def thin(self) -> float:
        """The side of a vector's bar, or of a map with one spatial axis, across the flow."""
        return 0.32 * self.factor

    def units(self, count: int) -> float:
        return self._side(count, 2, vector_extent, 0.072, 0.3, 4.6)

    def _side(self, count: int, axis: int, log, factor: float, least: float, most: float, root: int = 2) -> float:
        if self.mapping == "log":
            side = log(count)
        elif self.mapping == "linear":
            side = max(least, most * count / max(self.largest[axis], 1))
        else:
            side = min(most, max(least, factor * max(count, 1) ** (1 / root)))
        return side * self.factor


_KEPT = ("_outline", "_bounds", "_box")  # the names _kept keeps things under


def _kept(shape, name: str, make):
    """What `make` gives, worked out once per (frozen, never changed) shape: layout asks for outlines many times."""
    found = shape.__dict__.get(name)
    if found is None:
        found = make()
        object.__setattr__(shape, name, found)
    return found


class Recent:
    """What was worked out last from a few objects (a network, a drawing), by the object and a key: a composition
    asks the same of one drawing at several widths. The object is kept with it, so that its id stays its own; builds
    in threads share one (an entry another thread pushed out is simply worked out again)."""

    def __init__(self, size: int = 8):
        self.size, self.found = size, {}

    def get(self, owner, key, make):
        found = self.found.get((id(owner), key))
        if found is None or found[0] is not owner:
            found = (owner, make())
            try:
                while len(self.found) >= self.size:
                    del self.found[next(iter(self.found))]
            except (KeyError, RuntimeError, StopIteration):  # (another thread changed it meanwhile)
                pass
            self.found[id(owner), key] = found
        return found[1]

    def clear(self) -> None:
        self.found.clear()


def box_of(shape) -> Rect:
    """The box round a block's or ball's outline as drawn (worked out once)."""
    return shape.__dict__.get("_box") or _kept(shape, "_box", lambda: bounds(shape.outline()))


def changed(thing, **changes):
    """What dataclasses.replace(thing, **changes) gives for a block, ball, label, arrow or frame (whose __init__ checks
    nothing), without running __init__ again: wrapping moves every thing of a drawing onto its row, and replace was
    a third of it. What _kept worked out for the thing as it was is left behind."""
    unknown = changes.keys() - type(thing).__dataclass_fields__.keys()
    if unknown:  # (as replace refuses a misspelt field)
        raise TypeError(f"{type(thing).__name__} has no field {', '.join(sorted(unknown))}")
    new = object.__new__(type(thing))
    state = new.__dict__
    state.update(thing.__dict__)
    for kept in _KEPT:
        state.pop(kept, None)
    state.update(changes)
    return new


def moved(thing, dx: float, dy: float):
    """A block, ball or label moved by (dx, dy)."""
    return changed(thing, x=thing.x + dx, y=thing.y + dy)


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
    covered: bool = False  # its east face is hidden inside the next block of its stack
    loop: bool = False  # a recurrent layer: a loop arrow on its front face
    vertical: bool = False  # the flow runs down through it: its activation band is at its bottom

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
        return self.__dict__.get("_outline") or _kept(self, "_outline", self._points)  # (kept: no method bound)

    def _points(self) -> tuple[Point, ...]:
        c = self.corner
        return c(0, 0, 0), c(1, 0, 0), c(1, 0, 1), c(1, 1, 1), c(0, 1, 1), c(0, 1, 0)

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
        return self.__dict__.get("_outline") or _kept(self, "_outline", self._points)  # (kept: no method bound)

    def _points(self) -> tuple[Point, ...]:
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
    role: str       # flow (along the path), branch (data into and out of a branch's layers, as the flow),
    #                 skip (a connection with no layers, routed over blocks), link (a `skip` statement)
    source: str
    target: str
    head: int = -1

    def projected(self) -> list[Point]:
        return [project(*p) for p in self.points]

    def box(self) -> Rect:
        """The box round it as drawn (worked out once)."""
        return self.__dict__.get("_box") or _kept(self, "_box", lambda: bounds(self.projected()))


@dataclass(frozen=True)
class Mark:
    """A flat shape of the 2-D styles: a rectangle from (x0, y0) to (x1, y1), its corners rounded by `round` cm,
    or the circle inside it. A `solid` mark keeps clear of other layers' marks, of labels (but for its own labels,
    when it `holds` them inside) and of arrows; a map stacked behind another, a kernel drawn on a map, are not."""

    layer: str
    x0: float
    y0: float
    x1: float
    y1: float
    fill: str | None = None   # a theme part; None: no fill
    style: Style = Style()
    tint: int = 100           # percent of the fill's colour, the rest white (opaque light fills)
    round: float = 0.0
    circle: bool = False
    stroke: str = "solid"     # its outline: solid, dashed or none
    solid: bool = True
    holds: bool = False
    face: int | None = None  # of a layer's stack of maps, 0 the front one, 1 the one behind...: where images go

    def rect(self) -> Rect:
        return Rect(self.x0, self.y0, self.x1, self.y1)

    def polygon(self) -> tuple[Point, ...]:
        if not self.circle:
            return self.rect().polygon()
        r, n = (self.x1 - self.x0) / 2, 16
        cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
        return tuple((cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n))
                     for i in range(n))


@dataclass(frozen=True)
class Line:
    """A polyline of the 2-D styles. Roles: flow and skip end in an arrow head; edge (between neurons, drawn under
    everything), guide (a kernel's projection onto the next map) and bracket do not."""

    points: tuple[Point, ...]
    role: str
    source: str = ""
    target: str = ""
    style: Style = Style()  # an edge's colour and opacity: its target layer's, over the theme's 'edge'

    @property
    def under(self) -> bool:
        return self.role == "edge"


@dataclass(frozen=True)
class Frame:
    """A stage's dashed frame around its blocks and their labels, its name a label above it; or (role 'repeat')
    the frame of a repeated block drawn once, marked ×N."""

    stage: str
    rect: Rect
    layers: frozenset
    role: str = "stage"


_DRAWN = {"blocks", "balls", "arrows", "labels", "frames", "marks", "lines", "legend"}  # what a Layout's bounds hold


@dataclass(frozen=True)
class Layout:
    name: str
    blocks: tuple[Block, ...]
    balls: tuple[Ball, ...]
    arrows: tuple[Arrow, ...]
    labels: tuple[Label, ...]
    taps: tuple[Point, ...] = ()  # dots where a routed arrow leaves a flow arrow
    source_lines: dict = field(default_factory=dict, compare=False)  # layer name -> .nn line
    frames: tuple[Frame, ...] = ()
    width: float | None = None  # cm the figure must fit: drawn smaller if it is wider
    height: float | None = None  # ... and the height (cm): drawn smaller if it is taller
    fit: str | None = None  # the width as written (a TeX length): a fragment shrinks to it in the document
    order: dict = field(default_factory=dict, compare=False)  # layer name -> its place in the network
    theme: str = "classic"  # the colours (theme.THEMES)
    colours: tuple = ()     # a theme file's (part, (r, g, b), opacity or None), over the theme
    engine: str = "pdflatex"  # what compiles it (model.ENGINES)
    fontsize: float = 1.0     # its text, times the usual size
    legend: tuple = ()      # legend.Swatch: a kind's colour, next to its name (a label)
    marks: tuple[Mark, ...] = ()  # the 2-D styles draw these and lines instead of blocks, balls and arrows
    lines: tuple[Line, ...] = ()
    notes: tuple[str, ...] = ()  # what the style drew differently from what was asked, said when it is built
    pictures: tuple = ()  # images.Picture: what the blocks' images are, set by the pipeline (which read them)

    def shapes(self):
        return list(self.blocks) + list(self.balls)

    def scale(self) -> float:
        """How much the figure is shrunk to fit its width and height (1: not at all)."""
        if self.width is None and self.height is None:
            return 1.0
        box = self.bounds()
        return min(1.0, *([self.width / (box.x1 - box.x0)] if self.width is not None else []),
                   *([self.height / (box.y1 - box.y0)] if self.height is not None else []))

    def bounds(self) -> Rect:
        return _kept(self, "_bounds", self._bounds)

    def but(self, **changes) -> "Layout":
        """dataclasses.replace(self, **changes), its bounds kept when none of the things drawn change (a width to
        fit, a theme: composing asks each candidate's bounds before and after)."""
        new = replace(self, **changes)
        known = self.__dict__.get("_bounds")
        if known is not None and not changes.keys() & _DRAWN:
            object.__setattr__(new, "_bounds", known)
        return new

    def _bounds(self) -> Rect:
        boxes = boxes_of(self.shapes()) + [m.rect() for m in self.marks] or [Rect(0.0, 0.0, 0.0, 0.0)]
        boxes += boxes_of(labels=self.labels, frames=self.frames, arrows=self.arrows)
        boxes += [bounds(line.points) for line in self.lines if line.points]
        boxes += [Rect.around(s.x, s.y, s.size, s.size) for s in self.legend]
        return enclosing(boxes)


def boxes_of(shapes=(), labels=(), frames=(), arrows=()) -> list[Rect]:
    """The boxes round blocks and balls, labels, frames and arrows as drawn, of which a drawing's bounds are made
    (each shape's and arrow's worked out once)."""
    return ([box_of(s) for s in shapes] + [label.rect() for label in labels] + [f.rect for f in frames] +
            [a.box() for a in arrows])
