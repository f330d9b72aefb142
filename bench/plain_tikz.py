"""The same figure in straightforward TikZ, for the benchmark's per-block comparison: every macro of tikznn's
basic-layer drawing (see templates/definitions.tex.j2) written out as the \\fill, \\draw and \\node a person would
type, with the same colours, widths and dashes.

    python bench/plain_tikz.py figure.tex > plain.tex
"""
from __future__ import annotations

import re
import sys

from tikznn.render import ARROWS, FRAMES, KAPPA, LABELS


def _style(stroke) -> str:
    """A line style (render._Stroke) as TikZ options."""
    dash = stroke.dash.split()
    return ", ".join([f"draw={stroke.colour}", f"line width={stroke.width}pt"] +
                     ([f"draw opacity={stroke.opacity}"] if stroke.opacity < 1 else []) +
                     ([f"rounded corners={stroke.radius}pt"] if stroke.radius else []) +
                     ([f"dash pattern=on {dash[0]}pt off {dash[1]}pt"] if dash else []))


_STROKE = {"edges": "draw=tikznn-outline, line width=0.4pt, line join=round",
           "hidden": "draw=tikznn-hidden, line width=0.3pt, densely dashed",
           **{role: _style(stroke) for role, stroke in ARROWS.items()},
           **{f"{role}frame": _style(stroke) for role, stroke in FRAMES.items()}}
_FONT = {role: font + (f"\\color{{{colour}}}" if colour else "") for role, (font, colour) in LABELS.items()}


def _bp(path: str) -> list[list[str]]:
    """A PDF path's lines ('x y m x y l ... S x y m ...', in bp) as lists of TikZ points; a rounded corner
    ('x y l' to where it is cut, then 'x y x y x y c') as the corner itself, as a person would type it."""
    lines: list[list[tuple[float, float]]] = []
    for match in re.finditer(r"((?:-?[\d.]+ )+)([mlc])", path):
        numbers, verb = [float(n) for n in match.group(1).split()], match.group(2)
        if verb == "m":
            lines.append([])
        if verb == "c":  # (the corner, from the cut before it and the first control point)
            (ax, ay), (cx, cy) = lines[-1].pop(), numbers[:2]
            lines[-1].append((ax + (cx - ax) / KAPPA, ay + (cy - ay) / KAPPA))
        else:
            lines[-1].append((numbers[-2], numbers[-1]))
    return [[f"({x:.3f}bp,{y:.3f}bp)" for x, y in line] for line in lines]


def plain(tex: str) -> str:
    out, opacity = [], "1"
    for line in tex.splitlines():
        if m := re.fullmatch(r"\\begin\{pgfscope\}\\pgfsetfillopacity\{([\d.]+)\}", line):
            opacity = m.group(1)
        elif line == r"\end{pgfscope}":
            opacity = "1"
        elif m := re.fullmatch(r"\\tikznnface\{([^}]*)\}\{(.*)\}", line):
            out.append(f"\\fill[fill={m.group(1)}, fill opacity={opacity}] {' -- '.join(_bp(m.group(2))[0])} -- cycle;")
        elif m := re.fullmatch(r"\\tikznn(edges|hidden)(?:\([^()]*\)\([^()]*\))?\{(.*)\}", line):
            out += [f"\\draw[{_STROKE[m.group(1)]}] {' -- '.join(points)};" for points in _bp(m.group(2))]
        elif m := re.fullmatch(r"\\tikznnarrow\{(\w+)\}\([^()]*\)\([^()]*\)\{(.*)\}", line):
            out.append(f"\\draw[{_STROKE[m.group(1)]}] {' -- '.join(_bp(m.group(2))[0])};")
        elif m := re.fullmatch(r"\\tikznnhead\{[^}]*\}\([^()]*\)\([^()]*\)\{(.*)\}", line):
            tip = _bp(m.group(1))[0][0]  # (the arrow's line, drawn to its end with a stealth tip)
            out[-1] = re.sub(r" -- \([^()]*\);$", f" -- {tip};", out[-1]).replace("] ", ", -stealth] ", 1)
        elif m := re.fullmatch(r"\\tikznnframe\{(\w+)\}\([^()]*\)\([^()]*\)\{(.*)\}", line):
            xs, ys = zip(*(map(float, p.strip("()").replace("bp", "").split(",")) for p in _bp(m.group(2))[0]))
            out.append(f"\\draw[{_STROKE[m.group(1)]}] ({min(xs):.3f}bp,{min(ys):.3f}bp) rectangle "
                       f"({max(xs):.3f}bp,{max(ys):.3f}bp);")
        elif m := re.fullmatch(r"\\tikznnlabel\{(\w+)\}\{([-\d.]+)\}(\([^()]*\))\{(.*)\}", line):
            out.append(f"\\node[font={_FONT[m.group(1)]}, inner sep=0pt, rotate={m.group(2)}] at {m.group(3)} "
                       f"{{{m.group(4)}}};")
        elif m := re.fullmatch(r"\\tikznntap(\([^()]*\))", line):
            out.append(f"\\fill[tikznn-skip] {m.group(1)} circle (1.3pt);")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(plain(open(sys.argv[1], encoding="utf-8").read()))
