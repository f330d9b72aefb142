"""Plane geometry for layout checks: convex polygons (boxes, labels, arrow segments) and their overlap."""
from __future__ import annotations

from typing import NamedTuple

Point = tuple[float, float]
EPS = 1e-6


class Rect(NamedTuple):  # (a tuple: layout makes hundreds of thousands; a frozen dataclass takes twice as long)
    x0: float
    y0: float
    x1: float
    y1: float

    @staticmethod
    def around(cx: float, cy: float, width: float, height: float) -> "Rect":
        return Rect(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)

    def polygon(self) -> tuple[Point, ...]:
        return ((self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1))

    def grown(self, margin: float) -> "Rect":
        return Rect(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    def contains(self, other: "Rect") -> bool:
        return self.x0 <= other.x0 and self.y0 <= other.y0 and other.x1 <= self.x1 and other.y1 <= self.y1

    def union(self, other: "Rect") -> "Rect":
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


def bounds(points) -> Rect:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Rect(min(xs), min(ys), max(xs), max(ys))


def enclosing(boxes) -> Rect:
    """The box around boxes."""
    boxes = list(boxes)
    return Rect(min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes), max(b.y1 for b in boxes))


def _axes(polygon):
    n = len(polygon)
    for i in range(n if n > 2 else 1):
        (x0, y0), (x1, y1) = polygon[i], polygon[(i + 1) % n]
        if abs(x1 - x0) > EPS or abs(y1 - y0) > EPS:
            yield (y0 - y1, x1 - x0)


def overlap(a, b, margin: float = 0.0) -> bool:
    """Do two convex polygons (a segment is a 2-point polygon) share interior, with `margin` of clearance?

    Separating-axis test; shapes that only touch do not overlap when margin is 0.
    """
    if not margin:  # shapes whose boxes are apart are apart (with a margin, only the axes of their edges count)
        if (max(p[0] for p in a) <= min(p[0] for p in b) + EPS or max(p[0] for p in b) <= min(p[0] for p in a) + EPS
                or max(p[1] for p in a) <= min(p[1] for p in b) + EPS
                or max(p[1] for p in b) <= min(p[1] for p in a) + EPS):
            return False
    for ax, ay in list(_axes(a)) + list(_axes(b)):
        length = (ax * ax + ay * ay) ** 0.5
        pa = [(x * ax + y * ay) / length for x, y in a]
        pb = [(x * ax + y * ay) / length for x, y in b]
        if min(pa) >= max(pb) + margin - EPS or min(pb) >= max(pa) + margin - EPS:
            return False
    return True


class Index:
    """Polygons bucketed by columns of the x axis, so that finding what a small box may touch stays cheap. A box (a
    rectangle or line along the axes) is kept as its Rect: two boxes overlap by their sides alone, as `overlap` has it."""

    def __init__(self, column: float = 2.0):
        self.column = column
        self.buckets: dict[int, list[tuple[Rect, tuple | None]]] = {}  # (its box, the polygon: None for a box)

    def copy(self) -> "Index":
        """Another index holding the same polygons (adding to one leaves the other as it is)."""
        other = Index(self.column)
        other.buckets = {key: list(found) for key, found in self.buckets.items()}
        return other

    def add(self, polygon) -> None:
        box = bounds(polygon)
        line = len(polygon) == 2 and (polygon[0][0] == polygon[1][0] or polygon[0][1] == polygon[1][1])
        self._put(box, None if line else tuple(polygon))

    def add_box(self, box: Rect) -> None:
        self._put(box, None)

    def _put(self, box: Rect, polygon: tuple | None) -> None:
        for key in range(int(box.x0 // self.column), int(box.x1 // self.column) + 1):
            found = self.buckets.get(key)
            if found is None:
                self.buckets[key] = [(box, polygon)]
            else:
                found.append((box, polygon))

    def hits(self, polygon, margin: float = 0.0) -> bool:
        """Does the polygon come within `margin` of one held (overlap it, when 0)?"""
        return self._hits(bounds(polygon), tuple(polygon), margin)

    def hits_box(self, box: Rect, margin: float = 0.0) -> bool:
        return self._hits(box, None, margin)

    def _hits(self, box: Rect, polygon: tuple | None, margin: float) -> bool:
        x0, y0, x1, y1 = box
        near = margin - EPS  # boxes closer than this overlap
        for key in range(int((x0 - margin) // self.column), int((x1 + margin) // self.column) + 1):
            for other, shape in self.buckets.get(key, ()):
                ox0, oy0, ox1, oy1 = other
                if ox0 - x1 >= margin or x0 - ox1 >= margin or oy0 - y1 >= margin or y0 - oy1 >= margin:
                    continue
                if shape is None and polygon is None:
                    if ox0 - x1 < near and x0 - ox1 < near and oy0 - y1 < near and y0 - oy1 < near:
                        return True
                elif overlap(polygon or box.polygon(), shape or other.polygon(), margin):
                    return True
        return False
