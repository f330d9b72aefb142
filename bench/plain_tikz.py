"""The same figure in straightforward TikZ, for the benchmark's per-block comparison: every macro of tikznn's
basic-layer drawing (see templates/definitions.tex.j2) written out as the \\fill, \\draw and \\node a person would
type, with the same colours, widths and dashes.

    python bench/plain_tikz.py figure.tex > plain.tex
"""
from __future__ import annotations

import re
import sys

_POINTS = re.compile(r"\([^()]*\)")
_STROKE = {"edges": "draw=tikznn-outline, line width=0.4pt, line join=round",
           "hidden": "draw=tikznn-hidden, line width=0.3pt, densely dashed",
           "flow": "draw=tikznn-flow, draw opacity=0.75, line width=1.3pt",
           "skip": "draw=tikznn-skip, draw opacity=0.8, line width=1pt, rounded corners=3pt",
           "link": "draw=tikznn-link, draw opacity=0.8, line width=1pt, rounded corners=3pt, dashed",
           "branch": "draw=tikznn-flow, draw opacity=0.75, line width=1pt, rounded corners=3pt"}
_FONT = {"caption": r"\small\bfseries\boldmath", "dims": r"\scriptsize\color{black!80}",
         "note": r"\footnotesize\itshape", "stage": r"\small\itshape\color{black!75}", "symbol": r"\small"}


def _lines(points: str, style: str, tip: str = "") -> list[str]:
    return [f"\\draw[{style}{tip}] {' -- '.join(_POINTS.findall(piece))};" for piece in points.split("/")]


def _bp(path: str) -> list[list[str]]:
    """A PDF path's lines ('x y m x y l ... S x y m ...', in bp) as lists of TikZ points."""
    lines = []
    for x, y, verb in re.findall(r"(-?[\d.]+) (-?[\d.]+) ([ml])", path):
        if verb == "m":
            lines.append([])
        lines[-1].append(f"({x}bp,{y}bp)")
    return lines


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
        elif m := re.fullmatch(r"\\tikznnarrow\{(\w+)\}([>-])\{(.*)\}", line):
            out += _lines(m.group(3), _STROKE[m.group(1)], ", -stealth" if m.group(2) == ">" else "")
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
