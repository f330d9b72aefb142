"""Geometric checks of a finished layout: what overlaps what. Tests run them on every example."""
from __future__ import annotations

import math

from .drawing import Ball, Block, Layout
from .geometry import bounds, overlap

SMALLEST_TEXT_PT = 4.5  # a figure shrunk to fit its width must keep its smallest labels (7 pt) above this
SMALLEST_LABEL_PT = 7.0


def problems(drawing: Layout) -> list[str]:
    """Everything that overlaps in a layout (labels with anything, arrows through blocks, blocks in blocks),
    arrows that do not start and end at their blocks, and a figure shrunk to illegible text to fit its width."""
    found = []
    box = drawing.bounds()
    by_width = min(1.0, drawing.width / (box.x1 - box.x0)) if drawing.width is not None else 1.0
    smallest = SMALLEST_LABEL_PT * drawing.fontsize * by_width  # its text as large as the figure says
    if by_width < 1.0 and smallest < SMALLEST_TEXT_PT:  # (a figure too tall for a page is the composer's concern)
        found.append(f"the figure is {box.x1 - box.x0:.1f} cm wide: shrunk to {drawing.width:.1f} cm, its smallest "
                     f"labels would be {smallest:.1f} pt")
    shapes, labels = drawing.shapes(), drawing.labels
    # every outline once, with its box: most pairs are told apart by their boxes alone
    label_at = [_boxed(label.rect().polygon()) for label in labels]
    shape_at = [_boxed(shape.outline()) for shape in shapes]
    solids = [shape.box3d() for shape in shapes]
    segments = [[_boxed(piece) for piece in zip(pts, pts[1:])] for pts in (a.projected() for a in drawing.arrows)]
    for i, (label, at) in enumerate(zip(labels, label_at)):
        for other, other_at in zip(labels[i + 1:], label_at[i + 1:]):
            if _meet(at, other_at):
                found.append(f"label '{label.text}' overlaps label '{other.text}'")
        for shape, shape_place in zip(shapes, shape_at):
            if _meet(at, shape_place):
                found.append(f"label '{label.text}' overlaps block '{shape.layer}'")
        for arrow, pieces in zip(drawing.arrows, segments):
            if any(_meet(at, piece) for piece in pieces):
                found.append(f"label '{label.text}' overlaps the arrow {arrow.source} -> {arrow.target}")
    by_layer = {shape.layer: shape for shape in shapes}
    flows = [a for a in drawing.arrows if a.role == "flow"]
    for arrow in drawing.arrows:
        source, target = by_layer.get(arrow.source), by_layer.get(arrow.target)
        if target is None or not _on_surface(arrow.points[-1], target):
            found.append(f"arrow {arrow.source} -> {arrow.target} does not end on a face of '{arrow.target}'")
        start = arrow.points[0]
        tapped = any(_on_polyline(start, flow.points) for flow in flows if flow.source == arrow.source)
        if source is None or not (_on_surface(start, source) or tapped):
            found.append(f"arrow {arrow.source} -> {arrow.target} does not start at '{arrow.source}' "
                         "or on an arrow leaving it")
    for arrow, pieces in zip(drawing.arrows, segments):
        for p, q in zip(arrow.points, arrow.points[1:]):
            for shape, solid in zip(shapes, solids):
                inside = (_segment_hits_ball(p, q, shape) if isinstance(shape, Ball) else _segment_enters(p, q, solid))
                if inside:
                    found.append(f"arrow {arrow.source} -> {arrow.target} passes through '{shape.layer}'")
        ends = _stuck_to([s for s in shapes if s.layer in (arrow.source, arrow.target)], shapes)
        for shape, shape_place in zip(shapes, shape_at):
            if shape not in ends and any(_meet(piece, shape_place) for piece in pieces):
                found.append(f"arrow {arrow.source} -> {arrow.target} crosses '{shape.layer}' in the drawing")
    for i, frame in enumerate(drawing.frames):
        at = _boxed(frame.rect.polygon())
        for shape, shape_place in zip(shapes, shape_at):
            if shape.layer not in frame.layers and _meet(at, shape_place):
                found.append(f"the frame of stage '{frame.stage}' takes in '{shape.layer}'")
        for label, label_place in zip(labels, label_at):
            if label.layer not in frame.layers and label.role != "stage" and _meet(at, label_place):
                found.append(f"the frame of stage '{frame.stage}' takes in the label '{label.text}'")
        for other in drawing.frames[i + 1:]:
            nested = frame.rect.contains(other.rect) or other.rect.contains(frame.rect)
            if overlap(at[0], other.rect.polygon()) and not nested:
                found.append(f"the frames of stages '{frame.stage}' and '{other.stage}' overlap")
    for i, (a, box_a) in enumerate(zip(shapes, solids)):
        for b, box_b in zip(shapes[i + 1:], solids[i + 1:]):
            if all(min(ra[1], rb[1]) - max(ra[0], rb[0]) > 1e-6 for ra, rb in zip(box_a, box_b)):
                found.append(f"'{a.layer}' and '{b.layer}' intersect")
    return found + _flat_problems(drawing)


_ARROWS = ("flow", "skip", "link")


def _boxed(polygon) -> tuple:
    """A polygon with its bounding box."""
    return tuple(polygon), bounds(polygon)


def _meet(a, b) -> bool:
    """Do two boxed polygons overlap (overlap() itself only when their boxes do)?"""
    (pa, ra), (pb, rb) = a, b
    return ra.x0 < rb.x1 and rb.x0 < ra.x1 and ra.y0 < rb.y1 and rb.y0 < ra.y1 and overlap(pa, pb)


def _flat_problems(drawing: Layout) -> list[str]:
    """The same for the 2-D styles' marks and lines: labels clear of marks (but inside the one that holds them) and
    of lines, marks of different layers apart, arrows past every mark but their ends, and ending on their target."""
    found = []
    marks = [m for m in drawing.marks if m.solid]
    for label in drawing.labels:
        box = label.rect()
        for mark in marks:
            r = mark.rect()
            if mark.holds and mark.layer == label.layer and r.x0 < label.x < r.x1 and r.y0 < label.y < r.y1:
                centre, radius = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2), (r.x1 - r.x0) / 2
                inside = (all(math.dist(corner, centre) <= radius + 1e-6 for corner in box.polygon())
                          if mark.circle else r.grown(1e-6).contains(box))
                if not inside:
                    found.append(f"label '{label.text}' sticks out of its box '{mark.layer}'")
            elif overlap(box.polygon(), mark.polygon()):
                found.append(f"label '{label.text}' overlaps '{mark.layer}'")
        for line in drawing.lines:
            if any(overlap(box.polygon(), segment) for segment in zip(line.points, line.points[1:])):
                found.append(f"label '{label.text}' overlaps the {line.role} line {line.source} -> {line.target}")
    for i, a in enumerate(marks):
        for b in marks[i + 1:]:
            if a.layer != b.layer and overlap(a.polygon(), b.polygon()):
                found.append(f"'{a.layer}' and '{b.layer}' overlap")
    for line in drawing.lines:
        if line.role not in _ARROWS:
            continue
        for mark in marks:
            if mark.layer not in (line.source, line.target) and any(
                    overlap(segment, mark.polygon()) for segment in zip(line.points, line.points[1:])):
                found.append(f"the arrow {line.source} -> {line.target} crosses '{mark.layer}'")
        ends = [m for m in marks if m.layer == line.target]
        if ends and not any(_on_edge(line.points[-1], m) for m in ends):
            found.append(f"the arrow {line.source} -> {line.target} does not end on '{line.target}'")
    for frame in drawing.frames:
        for mark in marks:
            if mark.layer not in frame.layers and overlap(frame.rect.polygon(), mark.polygon()):
                found.append(f"the frame of stage '{frame.stage}' takes in '{mark.layer}'")
    return found


def _on_edge(point, mark) -> bool:
    """Is the point on the mark's outline (a rectangle's side, a circle)?"""
    x, y = point
    if mark.circle:
        r = (mark.x1 - mark.x0) / 2
        return abs(math.dist(point, ((mark.x0 + mark.x1) / 2, (mark.y0 + mark.y1) / 2)) - r) < 1e-6
    inside = mark.x0 - 1e-6 <= x <= mark.x1 + 1e-6 and mark.y0 - 1e-6 <= y <= mark.y1 + 1e-6
    return inside and min(abs(x - mark.x0), abs(x - mark.x1), abs(y - mark.y0), abs(y - mark.y1)) < 1e-6


def _on_surface(point, shape) -> bool:
    """Is the 3-D point on the shape's surface (a block's face, a ball's sphere), not inside or away from it?"""
    if isinstance(shape, Ball):
        return abs(math.dist(point, (shape.x, shape.y, 0.0)) - shape.radius) < 1e-6
    box = shape.box3d()
    inside = all(lo - 1e-6 <= c <= hi + 1e-6 for c, (lo, hi) in zip(point, box))
    on_face = any(abs(c - lo) < 1e-6 or abs(c - hi) < 1e-6 for c, (lo, hi) in zip(point, box))
    return inside and on_face


def _on_polyline(point, points) -> bool:
    for p, q in zip(points, points[1:]):
        if all(min(a, b) - 1e-6 <= c <= max(a, b) + 1e-6 for a, b, c in zip(p, q, point)):
            if math.dist(p, point) + math.dist(point, q) - math.dist(p, q) < 1e-6:
                return True
    return False


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
