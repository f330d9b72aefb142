"""SVG people can use, made of Poppler's: its text searchable and selectable, and a few times the PDF's size.

Poppler draws text as glyph outlines (exactly the PDF's look, but no text to find) and a shaded ball as a radial
gradient of a thousand stops filling an outline of ten thousand points. Here the outlines stay as they are, and an
invisible layer of the words (from `pdftotext -bbox-layout`, set on each word's box) lies over them, as a scanned
PDF's text layer does; long outlines lose the points that do not change them by more than TOLERANCE, and gradients
keep MAX_STOPS of their stops. Pure: bytes in, bytes out (latex.convert runs Poppler).
"""
from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG, XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
TOLERANCE = 0.01  # pt an outline may move when simplified: 0.0035 mm, far below what prints or shows
MAX_STOPS = 32    # a smooth gradient needs no more
LONG_PATH = 4000  # characters of outline worth simplifying


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # its box on the page, in pt from the top left, as pdftotext gives it
    y0: float
    x1: float
    y1: float


_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>')


def words(bbox_layout: str) -> list[Word]:
    """The words of `pdftotext -bbox-layout` output."""
    return [Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in _WORD.findall(bbox_layout)]


def tidied(svg: bytes, found: list[Word]) -> bytes:
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    root = ET.fromstring(svg)
    for path in root.iter(f"{{{SVG}}}path"):
        d = path.get("d", "")
        if len(d) > LONG_PATH:
            style = path.get("style", "").replace(" ", "")
            filled = "stroke:none" in style and "fill-rule:nonzero" in style and "fill:none" not in style
            path.set("d", simplified(d, filled_only=filled))
    for tag in ("radialGradient", "linearGradient"):
        for gradient in root.iter(f"{{{SVG}}}{tag}"):
            stops = gradient.findall(f"{{{SVG}}}stop")
            if len(stops) > MAX_STOPS:
                kept = {round(i * (len(stops) - 1) / (MAX_STOPS - 1)) for i in range(MAX_STOPS)}
                for i, stop in enumerate(stops):
                    if i not in kept:
                        gradient.remove(stop)
    root.append(_text_layer(found))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text_layer(found: list[Word]) -> ET.Element:
    """The words, invisible, each stretched over its box; a word in a box taller than wide turned a quarter."""
    layer = ET.Element(f"{{{SVG}}}g", {"id": "tikznn-text", "fill-opacity": "0", "font-family": "sans-serif"})
    for word in found:
        width, height = word.x1 - word.x0, word.y1 - word.y0
        turned = len(word.text) > 1 and height > 1.5 * width
        size, length = (width, height) if turned else (height, width)
        attributes = {"x": _num(word.x0), "y": _num(word.y1 - 0.22 * size), "font-size": _num(size),
                      "textLength": _num(length), "lengthAdjust": "spacingAndGlyphs"}
        if turned:  # (reading upwards, as TikZ's rotate=90 sets it)
            attributes.update(x=_num(word.x1 - 0.22 * size), y=_num(word.y1),
                              transform=f"rotate(-90 {_num(word.x1 - 0.22 * size)} {_num(word.y1)})")
        ET.SubElement(layer, f"{{{SVG}}}text", attributes).text = "".join(
            char for char in word.text if char.isprintable())  # (XML has no control characters)
    return layer


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


_COMMAND = re.compile(r"([MLZ])([^MLZ]*)")


def simplified(d: str, filled_only: bool = False) -> str:
    """An outline of straight lines, lighter: when its pieces are closed rings that one convex ring holds, turning
    the same way (a filled disc drawn as hundreds of concentric circles), that ring alone, which fills the same;
    then the points that change a piece by less than TOLERANCE left out (Ramer, Douglas and Peucker). One with
    curves or other commands is kept as it is. `filled_only`: the outline is filled, not stroked."""
    if re.search(r"[^MLZ\d\s.eE+-]", d):
        return d
    pieces: list[tuple[list, bool]] = []  # (points, closed)
    for command, numbers in _COMMAND.findall(d):
        try:
            values = [float(v) for v in numbers.split()]
        except ValueError:  # (numbers run together, '1.5.5': not as Poppler writes them)
            return d
        if command == "L" and pieces and pieces[-1][1]:  # (a line after Z goes on from where that piece began)
            pieces.append(([pieces[-1][0][0]], False))
        if command == "M" or not pieces:
            pieces.append(([], False))
        if command in "ML":
            pieces[-1][0].extend(zip(values[::2], values[1::2]))
        else:
            pieces[-1] = (pieces[-1][0], True)
    if filled_only:  # (a lone point fills nothing)
        pieces = [(points, closed) for points, closed in pieces if len(points) > 1]
    holder = _holding(pieces) if filled_only else None
    if holder is not None:
        pieces = [holder]
    return " ".join("M " + " L ".join(f"{_num3(x)} {_num3(y)}" for x, y in _kept(points)) + (" Z" if closed else "")
                    for points, closed in pieces if points)


def _holding(pieces: list[tuple[list, bool]]):
    """The convex closed ring that holds every other piece when, filled nonzero, they fill all of it (a disc drawn
    as hundreds of bands: checked along ROWS lines across it); None otherwise."""
    if len(pieces) < 2 or not all(closed and len(points) >= 3 for points, closed in pieces):
        return None
    outer = max(pieces, key=lambda piece: abs(_area(piece[0])))
    ring = outer[0]
    if not _convex(ring):
        return None
    turn = _area(ring) > 0
    edges = list(zip(ring, ring[1:] + ring[:1]))
    # a disc round the ring's mean point (inside: the ring is convex) that every edge leaves clear holds points
    # inside without checking each edge (most of a disc's bands lie in it)
    cx, cy = sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    clear = min((abs((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)) / math.hypot(bx - ax, by - ay)
                 for (ax, ay), (bx, by) in edges if (ax, ay) != (bx, by)), default=0.0)
    near = (0.999 * clear) ** 2
    for points, _ in pieces:  # every piece inside the ring
        for px, py in points:
            if (px - cx) ** 2 + (py - cy) ** 2 < near:
                continue
            for (ax, ay), (bx, by) in edges:
                cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
                if (cross < -1e-6) if turn else (cross > 1e-6):
                    return None
    return outer if _filled([points for points, _ in pieces], ring) else None


ROWS = 64  # lines across a ring along which its pieces' winding is checked


def _filled(rings: list[list], outer: list) -> bool:
    """Whether the rings' nonzero winding is nonzero all along ROWS lines across the outer ring, from where each
    line enters it to where it leaves."""
    ys = [y for _, y in outer]
    low, high = min(ys), max(ys)
    step = (high - low) / (ROWS + 1)
    if step <= 0:
        return False
    rows: list[list] = [[] for _ in range(ROWS)]
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
            if ay == by:
                continue
            lowest, highest = (ay, by) if ay < by else (by, ay)
            for k in range(max(0, int((lowest - low) / step) - 1), min(ROWS, int((highest - low) / step) + 1)):
                y = low + (k + 1) * step
                if (ay <= y < by) or (by <= y < ay):
                    rows[k].append((ax + (y - ay) * (bx - ax) / (by - ay), 1 if by > ay else -1))
    for crossings in rows:
        crossings.sort()
        winding = 0
        for (x, turn), (next_x, _) in zip(crossings, crossings[1:]):
            winding += turn
            if winding == 0 and next_x - x > 1e-6:
                return False
    return True


def _area(points) -> float:
    return sum(ax * by - bx * ay for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1])) / 2


def _convex(points) -> bool:
    turns = set()
    for (ax, ay), (bx, by), (cx, cy) in zip(points, points[1:] + points[:1], points[2:] + points[:2]):
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        if abs(cross) > 1e-9:
            turns.add(cross > 0)
    return len(turns) <= 1


def _num3(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _kept(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        far, where = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if distance > far:
                far, where = distance, i
        if where is not None and far > TOLERANCE:
            keep[where] = True
            stack += [(first, where), (where, last)]
    return [p for p, k in zip(points, keep) if k]
