"""Layout → TeX through the Jinja templates in templates/. All numbers and user text are formatted here."""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import compiled, kinds, theme
from .checks import SMALLEST_LABEL_PT
from .drawing import Block, Layout, Mark
from .errors import LatexError, LayoutError, Span
from .layer import Style
from .tex import PICTURE_MARK, escape, has_cjk, has_hangul, untypeset

# A standalone figure with more blocks than LARGE is drawn in pieces of PIECE items (see picture.tex.j2), each
# given MARGIN cm around the figure's estimated bounds, more than any estimate of text misses by.
LARGE, PIECE, MARGIN = 800, 400, 3.0
_SHADE = {"top": "!88!black", "side": "!75!black"}  # light from the front


def num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def point(p) -> str:
    return f"({num(p[0])},{num(p[1])})"


BP_PER_CM, BP_PER_PT = 72 / 2.54, 72 / 72.27


@dataclass(frozen=True)
class _Stroke:
    """How a line of an arrow or a frame is drawn: its width (pt), colour, opacity, dashes ('on off', pt) and the
    radius (pt) of its rounded corners. definitions.tex.j2 writes a macro of each, \\tikznn<name> (an arrow's role;
    a frame's role and 'frame'), beside the labels' \\tikznn<role>: the names must differ."""
    width: float
    colour: str
    opacity: float = 1.0
    dash: str = ""
    radius: float = 0.0

    def macro(self) -> dict:
        return {"width": num(self.width), "colour": self.colour, "opacity": num(self.opacity) if self.opacity < 1 else "",
                "dash": "".join(f"{{{n}pt}}" for n in self.dash.split())}


# An arrow of each role. Its head is PGF's stealth tip, drawn as a face (PGF's own takes 0.6 ms of pdflatex each):
# with a = 0.28 pt + 0.3 × the line's width, its point at the line's end, its back corners 8a behind the point and
# 4a aside, the notch between them 5a behind the point, where the line stops; in the line's colour, opaque.
ARROWS = {"flow": _Stroke(1.3, "tikznn-flow", 0.75), "branch": _Stroke(1.0, "tikznn-flow", 0.75, radius=3.0),
          "skip": _Stroke(1.0, "tikznn-skip", 0.8, radius=3.0), "link": _Stroke(1.0, "tikznn-link", 0.8, "3 3", 3.0)}
FRAMES = {"stage": _Stroke(0.4, "black!40", dash="3 2", radius=4.0), "repeat": _Stroke(0.5, "black!55", radius=3.0)}
KAPPA = 0.5522847  # a quarter circle as a Bézier curve: its control points this far from its ends to the corner
# A label of each role: its font and colour. definitions.tex.j2 writes \\tikznn<role> and the TikZ style tikznn/<role>
# from these, and a standalone figure loads each font before its picture (standalone.tex.j2).
LABELS = {"caption": (r"\small\bfseries\boldmath", ""), "dims": (r"\scriptsize", "black!80"),
          "note": (r"\footnotesize\itshape", ""), "stage": (r"\small\itshape", "black!75"), "symbol": (r"\small", "")}


def _moves(points: list) -> str:
    """Points (bp) as PDF path operators: 'x y m x y l ...'."""
    return " ".join(f"{num(x)} {num(y)} {'l' if i else 'm'}" for i, (x, y) in enumerate(points))


def _box(points: list, margin: float) -> str:
    """The box `margin` beyond points (bp), as (x0,y0)(x1,y1): what the drawing macros tell PGF of the picture's size
    (it does not see what a PDF literal draws)."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return f"({num(min(xs) - margin)},{num(min(ys) - margin)})({num(max(xs) + margin)},{num(max(ys) + margin)})"


class _Literal:
    """Outlines as PDF path operators ('x y m x y l ...', in bp from the picture's origin) for the macros that fill
    and stroke faces, edges, arrows and frames without PGF's path machinery (definitions.tex.j2): `unit` is the
    picture's cm."""

    def __init__(self, unit: float):
        self.bp = unit * BP_PER_CM

    def __call__(self, *polylines) -> str:
        """The lines as one path; the stroking macros paint each line by itself ('S' between them)."""
        bp = self.bp
        return " S ".join(_moves([(x * bp, y * bp) for x, y in line]) for line in polylines)

    def rounded(self, line: list, radius_pt: float, width_pt: float) -> tuple[str, str]:
        """A polyline with its corners rounded as PGF's arced corners are (each cut `radius_pt` before and after,
        at most half a segment between two corners, and the cuts joined by a curve whose control points lie KAPPA
        of the way to the corner), as path operators; and its box (bp) as PGF counts a line `width_pt` wide."""
        points = [(x * self.bp, y * self.bp) for x, y in line]
        radius = radius_pt * BP_PER_PT
        drawn, words = [points[0]], [f"{num(points[0][0])} {num(points[0][1])} m"]
        for i in range(1, len(points) - 1) if radius > 0 else ():
            corner = points[i]
            cuts = []
            for j, shared in ((i - 1, i > 1), (i + 1, i < len(points) - 2)):
                other = points[j]
                length = ((other[0] - corner[0]) ** 2 + (other[1] - corner[1]) ** 2) ** 0.5
                part = min(radius, length / 2 if shared else length) / length if length > 1e-9 else 0.0
                cuts.append((corner[0] + (other[0] - corner[0]) * part, corner[1] + (other[1] - corner[1]) * part))
            (ax, ay), (bx, by) = cuts
            controls = [(ax + (corner[0] - ax) * KAPPA, ay + (corner[1] - ay) * KAPPA),
                        (bx + (corner[0] - bx) * KAPPA, by + (corner[1] - by) * KAPPA)]
            drawn += [(ax, ay), *controls, (bx, by)]
            words.append(f"{num(ax)} {num(ay)} l " + " ".join(f"{num(x)} {num(y)}" for x, y in controls) +
                         f" {num(bx)} {num(by)} c")
        for x, y in points[1:] if radius <= 0 else points[-1:]:
            drawn.append((x, y))
            words.append(f"{num(x)} {num(y)} l")
        return " ".join(words), _box(drawn, width_pt / 2 * BP_PER_PT)

    def bounds(self, *polylines) -> str:
        """The box around stroked outlines (bp) as PGF counts a stroked path: half the edges' line width (0.4 pt)
        beyond their points."""
        return _box([(x * self.bp, y * self.bp) for line in polylines for x, y in line], 0.2 * BP_PER_PT)


def _head(line: list, role: str, path: _Literal, colours: "_Colours") -> tuple[list, dict | None]:
    """An arrow's line up to its head (where the line stops) and the head's face (definitions.tex.j2's
    \\tikznnhead: its colour, box and outline in bp), pointing along the line's last segment of any length."""
    stroke = ARROWS[role]
    a = (0.28 + 0.3 * stroke.width) * BP_PER_PT
    ends = [(x * path.bp, y * path.bp) for x, y in line]
    (ex, ey), length, last = ends[-1], 0.0, 0  # (last: the point the last segment starts at; repeats skipped)
    for last in range(len(ends) - 2, -1, -1):
        px, py = ends[last]
        length = ((ex - px) ** 2 + (ey - py) ** 2) ** 0.5
        if length > 1e-9:
            break
    if length <= 1e-9:
        return line, None
    ux, uy = (ex - px) / length, (ey - py) / length
    back = min(5 * a, length)  # (a line shorter than its head: the head is drawn all the same)
    notch = (ex - 5 * a * ux, ey - 5 * a * uy)
    corners = [(ex - 8 * a * ux + s * 4 * a * uy, ey - 8 * a * uy - s * 4 * a * ux) for s in (1, -1)]
    outline = [(ex, ey), corners[0], notch, corners[1]]
    face = {"colour": colours.filled(stroke.colour), "bounds": _box(outline, 0.0),
            "path": _moves(outline)}
    stop = ((ex - back * ux) / path.bp, (ey - back * uy) / path.bp)
    return line[:last + 1] + [stop], face


class _Colours:
    """Colour names for the template: the theme's, or the user's (a '#rrggbb' one gets a name of its own)."""

    def __init__(self, theme_name: str = "classic", overrides: tuple = ()):
        self.theme, self.overrides = theme_name, overrides
        self.custom: dict[str, str] = {}
        self.shades: dict[str, str] = {}  # name -> xcolor mix, defined once per figure
        self.fills: dict[str, None] = {}  # the colours faces are filled with, in the order first used

    def filled(self, colour: str) -> str:
        """A colour a face is filled with: its PDF operator is worked out once per picture (definitions.tex.j2)."""
        self.fills.setdefault(colour)
        return colour

    def shade(self, colour: str, face: str) -> str:
        """The colour of a face lit from the front: the front in the colour itself, the top and side darker."""
        if face not in _SHADE:
            return colour
        plain = re.sub(r"[^A-Za-z0-9-]", "-", colour)  # a user's colour may be a mix like red!50
        name = f"{plain if plain.startswith('tikznn-') else 'tikznn-' + plain}-{face}"
        self.shades.setdefault(name, colour + _SHADE[face])
        return name

    def of(self, style, part: str) -> tuple[str, float]:
        colour, opacity = theme.resolve(style, part, self.theme, self.overrides)
        if colour.startswith("#"):
            colour = self.custom.setdefault(colour, f"tikznn-user{len(self.custom) + 1}")
        return colour, opacity


def _block_faces(block: Block, colours: _Colours, path: _Literal):
    c = block.corner
    fill, opacity = colours.of(block.style, block.fill)
    band = colours.of(block.style, block.band_fill)[0] if block.band_fill else fill
    split = 1 - block.band
    if block.vertical:
        return _vertical_faces(block, fill, band, opacity, colours, path)
    faces = [("front", fill, (c(0, 0, 0), c(split, 0, 0), c(split, 1, 0), c(0, 1, 0))),
             ("top", fill, (c(0, 1, 0), c(split, 1, 0), c(split, 1, 1), c(0, 1, 1)))]
    if block.band:
        faces += [("front", band, (c(split, 0, 0), c(1, 0, 0), c(1, 1, 0), c(split, 1, 0))),
                  ("top", band, (c(split, 1, 0), c(1, 1, 0), c(1, 1, 1), c(split, 1, 1)))]
    if not block.covered:
        faces.append(("side", band, (c(1, 0, 0), c(1, 0, 1), c(1, 1, 1), c(1, 1, 0))))
    edges = [block.outline() + (c(0, 0, 0),), (c(0, 1, 0), c(1, 1, 0), c(1, 0, 0)), (c(1, 1, 0), c(1, 1, 1))]
    if block.band:
        edges.append((c(split, 0, 0), c(split, 1, 0), c(split, 1, 1)))
    return _faces(block, faces, edges, c((1 - block.band) / 2, 0.5, 0), opacity, colours, path)


def _picture_on(block: Block, shown: dict, scale: float) -> dict | None:
    """Where a block's image goes: on its face across the flow (height by depth, the face an input's height and
    width show on), fitted inside it whole, centred, never stretched."""
    if not block.style.image or block.style.image not in shown:
        return None
    index, picture = shown[block.style.image]
    c = block.corner
    if block.vertical:  # (the flow runs down through it: the face across it is its top, width by depth)
        origin, back, up, sides = c(0, 1, 0), c(1, 1, 0), c(0, 1, 1), (block.width, block.depth)
    else:  # (its east face, depth by height: the picture's width runs into the page)
        origin, back, up, sides = c(1, 0, 0), c(1, 0, 1), c(1, 1, 0), (block.depth, block.height)
    return _fitted(index, picture, origin, back, up, sides, scale)


def _picture_in(mark: Mark, shown: tuple, scale: float) -> dict:
    """Where an image goes on a flat map: fitted inside its square, centred, never stretched."""
    index, picture = shown
    return _fitted(index, picture, (mark.x0, mark.y0), (mark.x1, mark.y0), (mark.x0, mark.y1),
                   (mark.x1 - mark.x0, mark.y1 - mark.y0), scale)


def _fitted(index: int, picture, origin, back, up, sides: tuple[float, float], scale: float) -> dict:
    """A picture fitted whole and centred in the parallelogram from `origin` along `back` and `up` (sides that long
    before projection): the transformation taking a 1 cm square onto it (`cm`: its two sides' vectors, times the
    figure's shrink, and its corner)."""
    fit = min(sides[0] / picture.width, sides[1] / picture.height)
    across, tall = picture.width * fit / sides[0], picture.height * fit / sides[1]  # of the face's sides
    start = ((1 - across) / 2, (1 - tall) / 2)
    u = ((back[0] - origin[0]) * across, (back[1] - origin[1]) * across)
    v = ((up[0] - origin[0]) * tall, (up[1] - origin[1]) * tall)
    corner = (origin[0] + (back[0] - origin[0]) * start[0] + (up[0] - origin[0]) * start[1],
              origin[1] + (back[1] - origin[1]) * start[0] + (up[1] - origin[1]) * start[1])
    return {"index": index, "corner": f"{{{num(corner[0])}}}{{{num(corner[1])}}}",
            "cm": "".join(f"{{{num(value * scale)}}}" for value in (*u, *v))}


def _vertical_faces(block: Block, fill: str, band: str, opacity: float, colours: _Colours, path: _Literal):
    """A block the flow runs down through: its band is its bottom part; its top and right side show."""
    c, b = block.corner, block.band
    faces = [("front", fill, (c(0, b, 0), c(1, b, 0), c(1, 1, 0), c(0, 1, 0))),
             ("top", fill, (c(0, 1, 0), c(1, 1, 0), c(1, 1, 1), c(0, 1, 1))),
             ("side", fill, (c(1, b, 0), c(1, b, 1), c(1, 1, 1), c(1, 1, 0)))]
    if b:
        faces += [("front", band, (c(0, 0, 0), c(1, 0, 0), c(1, b, 0), c(0, b, 0))),
                  ("side", band, (c(1, 0, 0), c(1, 0, 1), c(1, b, 1), c(1, b, 0)))]
    edges = [block.outline() + (c(0, 0, 0),), (c(0, 1, 0), c(1, 1, 0), c(1, 0, 0)), (c(1, 1, 0), c(1, 1, 1))]
    if b:
        edges.append((c(0, b, 0), c(1, b, 0), c(1, b, 1)))
    return _faces(block, faces, edges, c(0.5, b + (1 - b) / 2, 0), opacity, colours, path)


def _faces(block: Block, faces, edges, centre, opacity: float, colours: _Colours, path: _Literal):
    c = block.corner
    hidden = [(c(0, 0, 1), c(1, 0, 1)), (c(0, 0, 1), c(0, 1, 1)), (c(0, 0, 1), c(0, 0, 0))]
    loop = ""
    if block.loop:  # a circular arrow in the middle of the front face's body
        body = (1 - block.band) if not block.vertical else 1.0
        radius = min(0.2, block.width * body * 0.3, block.height * 0.15)
        loop = f"{point((centre[0] + radius, centre[1]))} arc[start angle=0, end angle=290, radius={num(radius)}]"
    return {
        "loop": loop,
        "faces": [{"colour": colours.filled(colours.shade(colour, face)), "path": path(pts)}
                  for face, colour, pts in faces],
        "opacity": num(opacity),
        "edges": path(*edges),
        "bounds": path.bounds(*edges),
        "hidden": path(*hidden),
    }


def _check_typeset(text: str, line: int) -> None:
    """No label loses a character: one pdflatex cannot typeset stops the build here, naming it (the LaTeX error
    pdflatex would give, said before it runs)."""
    ch = untypeset(text)
    if ch is None:
        return
    import unicodedata
    what = unicodedata.name(ch, "an unnamed character").lower()
    hangul = "hangul" in what
    raise LatexError(f"the label \"{text}\" has '{ch}' (U+{ord(ch):04X}, {what}), which pdflatex cannot typeset "
                     f"here", span=Span(line, 1) if line else None,
                     hint="build with --engine xelatex or lualatex (Debian: texlive-xetex, texlive-luatex), which "
                          "set it in a font that has it" +
                          ("" if not hangul else " (Korean: with NanumMyeongjo, Debian: fonts-nanum)") +
                          "; or leave it out, or write a symbol as TeX math ($...$)")


def slides(drawing: Layout) -> dict[str, int]:
    """For a beamer overlay: the slide each drawn layer appears on, one after another in the network's order."""
    drawn = sorted(dict.fromkeys([s.layer for s in drawing.shapes()] + [m.layer for m in drawing.marks if m.solid]),
                   key=lambda name: drawing.order.get(name, 0))
    return {name: i + 1 for i, name in enumerate(drawn)}


def context(drawing: Layout, *, fragment: bool, overlay: bool = False) -> dict:
    colours = _Colours(drawing.theme, drawing.colours)
    lines = drawing.source_lines
    slide = slides(drawing) if overlay else {}
    last = max(slide.values(), default=1)

    def on(name: str) -> int:  # a label of something that is not a layer (a skip, the caption) comes last
        return slide.get(name, last if name else 1)

    scale = drawing.scale()
    shown = {picture.name: (i, picture) for i, picture in enumerate(drawing.pictures, 1)}
    path = _Literal(float(num(min(scale, 1.0))))  # (the picture's unit as its options write it)
    blocks = [{"name": b.layer, "line": lines.get(b.layer, 0), "slide": on(b.layer), **_block_faces(b, colours, path),
               "image": _picture_on(b, shown, min(scale, 1.0))} for b in drawing.blocks]
    balls = []
    for b in drawing.balls:
        colour, opacity = colours.of(b.style, b.fill)
        balls.append({"name": b.layer, "line": lines.get(b.layer, 0), "centre": point((b.x, b.y)),
                      "radius": num(b.radius), "colour": colour, "symbol": kinds.named(b.kind).symbol,
                      "opacity": num(opacity), "slide": on(b.layer)})
    arrows, starts = [], []  # (where each arrow starts, and its slide: a tap shows with the first that leaves it)
    for arrow in drawing.arrows:
        pts = arrow.projected()
        head = arrow.head % len(pts)  # the arrow head sits at this point; the rest is a plain line
        line, face = _head(pts[:head + 1], arrow.role, path, colours)
        stroke = ARROWS[arrow.role]
        drawn = [path.rounded(line, stroke.radius, stroke.width)] + (
            [path.rounded(pts[head:], stroke.radius, stroke.width)] if head < len(pts) - 1 else [])
        arrows.append({"role": arrow.role, "lines": [{"path": p, "bounds": b} for p, b in drawn], "head": face,
                       "slide": on(arrow.target)})
        starts.append((pts[0], arrows[-1]["slide"]))
    if drawing.engine == "pdflatex":
        for label in drawing.labels:
            _check_typeset(label.text, lines.get(label.layer, 0))
    labels = [{"role": label.role, "at": point((label.x, label.y)), "rotate": label.rotate,
               "text": r"\\".join(escape(part) for part in label.text.split("\n")),
               "lines": label.text.count("\n") + 1, "line": lines.get(label.layer, 0), "slide": on(label.layer)}
              for label in drawing.labels]
    taps = [{"at": point(t), "slide": min([shown for (x, y), shown in starts if abs(x - t[0]) + abs(y - t[1]) < 1e-6]
                                          or [on("")]) if slide else on("")} for t in drawing.taps]
    palette = [{"name": theme.colour_name(part), "rgb": ",".join(map(str, rgb))}
               for part, rgb in theme.palette(drawing.theme, drawing.colours).items()]
    legend = []
    for swatch in drawing.legend:
        colour, opacity = colours.of(Style(), swatch.fill)
        if swatch.tint < 100:
            colour, opacity = f"{colour}!{swatch.tint}", 1.0
        half = swatch.size / 2
        square = [(swatch.x - half, swatch.y - half), (swatch.x + half, swatch.y - half),
                  (swatch.x + half, swatch.y + half), (swatch.x - half, swatch.y + half), (swatch.x - half, swatch.y - half)]
        legend.append({"colour": colour if swatch.round else colours.filled(colour), "opacity": num(opacity),
                       "round": swatch.round, "centre": point((swatch.x, swatch.y)), "radius": num(half),
                       "path": path(square), "bounds": path.bounds(square)})
    marks = []
    for m in drawing.marks:
        colour, opacity = colours.of(m.style, m.fill) if m.fill else ("", 1.0)
        if m.tint < 100 and colour:
            colour, opacity = f"{colour}!{m.tint}", 1.0 if m.style.opacity is None else opacity
        picture = None
        if m.face is not None and m.style.image:  # (the front map shows the image; those behind, more maps)
            picture = shown.get(m.style.image if m.face == 0 else f"{m.style.image}#{m.face}")
        marks.append({"image": _picture_in(m, picture, min(scale, 1.0)) if picture else None,
                      "colour": colour, "opacity": num(opacity), "stroke": m.stroke, "circle": m.circle,
                      "round": num(m.round) if m.round else "", "from": point((m.x0, m.y0)), "to": point((m.x1, m.y1)),
                      "centre": point(((m.x0 + m.x1) / 2, (m.y0 + m.y1) / 2)), "radius": num((m.x1 - m.x0) / 2),
                      "slide": on(m.layer)})
    lines = []
    for line in drawing.lines:
        colour, opacity = colours.of(line.style, "edge") if line.role == "edge" else ("", 1.0)
        lines.append({"role": line.role, "path": " -- ".join(point(p) for p in line.points), "under": line.under,
                      "colour": colour, "opacity": num(opacity), "slide": on(line.target or line.source)})
    custom = [{"name": name, "rgb": ",".join(str(int(hex_[i:i + 2], 16)) for i in (1, 3, 5))}
              for hex_, name in colours.custom.items()]
    frames = []
    for f in drawing.frames:
        (x0, y0), (x1, y1) = (f.rect.x0, f.rect.y0), (f.rect.x1, f.rect.y1)
        stroke = FRAMES[f.role]
        start = (x0, y0 + min(stroke.radius * BP_PER_PT / path.bp, (y1 - y0) / 2))  # (where PGF starts: its dashes)
        outline, bounds = path.rounded([start, (x0, y1), (x1, y1), (x1, y0), (x0, y0), start], stroke.radius,
                                       stroke.width)
        frames.append({"stroke": f"{f.role}frame", "path": outline, "bounds": bounds,
                       "slide": min([on(n) for n in f.layers] or [1])})
    box = drawing.bounds()
    piece = PIECE if not fragment and len(drawing.blocks) > LARGE and drawing.engine == "pdflatex" else 0
    text_scale = (scale if scale < 1 else 1.0) * drawing.fontsize  # labels: the figure's shrink and the font size
    return {"piece": piece, "text_scale": num(text_scale) if text_scale != 1 else "",
            "piece_box": {"x0": num(box.x0 - MARGIN), "y0": num(box.y0 - MARGIN), "x1": num(box.x1 + MARGIN),
                          "y1": num(box.y1 + MARGIN)},
            "title": escape(drawing.name), "scale": num(scale) if scale < 1 else "", "frames": frames,
            "arrows_first": any(b.vertical for b in drawing.blocks), "fit": drawing.fit or "\\linewidth",
            "palette": palette, "custom": custom,
            "shades": [{"name": name, "mix": mix} for name, mix in sorted(colours.shades.items())],
            "fills": list(colours.fills), "strokes": {**{role: s.macro() for role, s in ARROWS.items()},
                                                        **{f"{role}frame": s.macro() for role, s in FRAMES.items()}},
            "blocks": blocks, "balls": balls, "arrows": arrows, "labels": labels, "taps": taps, "legend": legend,
            "marks": marks, "lines": lines,
            "pictures": [{"file": ("\\tikznnhere " if fragment else "") + p.file} for p in drawing.pictures],
            "fragment": fragment, "overlay": overlay, "built_for": escape(drawing.fit or ""),
            "smallest": num(SMALLEST_LABEL_PT * text_scale),
            "cjk": any(has_cjk(label.text) for label in drawing.labels),
            "wide": any(untypeset(label.text.replace("\n", " ")) for label in drawing.labels),
            "korean": any(has_hangul(label.text) for label in drawing.labels), "engine": drawing.engine,
            "picture_mark": PICTURE_MARK.rstrip("\n"),
            "label_styles": [{"role": role, "font": font, "colour": colour} for role, (font, colour) in LABELS.items()]}


def to_tex(drawing: Layout, *, fragment: bool = False, overlay: bool = False, source: str | None = None) -> str:
    """A standalone LaTeX document, or with `fragment` a tikzpicture to \\input into a paper; `source` names the
    .nn file in the command a fragment suggests when it is shrunk too far."""
    if not fragment and drawing.fit and drawing.width is None:
        raise LayoutError(f"a width of {drawing.fit} is known only inside a document",
                          hint="use it with 'tikznn tex --fragment'; for a PDF give a length like 17cm")
    template = compiled.templates().get_template("fragment.tex.j2" if fragment else "standalone.tex.j2")
    named = source if source and re.fullmatch(r"[A-Za-z0-9._-]+", source) else "NET.nn"  # plain in a TeX message
    return template.render(**context(drawing, fragment=fragment, overlay=overlay), source=named)
