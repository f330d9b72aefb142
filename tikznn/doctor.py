"""`tikznn doctor`: what this machine has of what tikznn uses, and what each missing piece costs.

One row per piece: how to look for it, what it is for, how to get it (the install hints are latex.py's, which also
does the looking: it is the one module that runs programs)."""
from __future__ import annotations

import importlib.util
import platform
from dataclasses import dataclass

from . import __version__
from .latex import FONTS, INSTALL, PROVIDERS, font_families, installed, tex_files, tex_version


@dataclass(frozen=True)
class Piece:
    group: str
    name: str
    kind: str  # program, tex (a file kpsewhich finds), font (a family fc-list knows), python (a module)
    for_what: str
    needed: bool = False  # without it tikznn cannot build a figure at all

    def install(self) -> str:
        if self.kind == "font":
            return FONTS.get("{" + self.name + "}", "")
        if self.kind == "python":
            cpu = " --extra-index-url https://download.pytorch.org/whl/cpu (the CPU build)"
            return f"pip install 'tikznn[{self.name}]'" + (cpu if self.name == "torch" else "")
        return INSTALL.get(self.name) or PROVIDERS.get(self.name, "")


PIECES = (
    Piece("TeX", "pdflatex", "program", "every figure (`tikznn tex` writes the .tex without it)", needed=True),
    Piece("TeX", "xelatex", "program", "labels in scripts pdflatex cannot set (Cyrillic, Greek text, Korean, ...)"),
    Piece("TeX", "lualatex", "program", "the same, when xelatex is missing"),
    Piece("TeX", "latexmk", "program", "the thesis example's make"),
    Piece("Poppler", "pdftoppm", "program", "PNG output (-f png)", needed=True),
    Piece("Poppler", "pdftocairo", "program", "SVG output (-f svg), transparent PNG", needed=True),
    Piece("Poppler", "pdftotext", "program", "the SVG's searchable text", needed=True),
    Piece("TeX files", "lmodern.sty", "tex", "the figures' fonts", needed=True),
    Piece("TeX files", "standalone.cls", "tex", "standalone figures", needed=True),
    Piece("TeX files", "tikz.sty", "tex", "drawing", needed=True),
    Piece("TeX files", "xcolor.sty", "tex", "colours", needed=True),
    Piece("TeX files", "CJKutf8.sty", "tex", "Chinese and Japanese labels under pdflatex"),
    Piece("TeX files", "c70gbsn.fd", "tex", "the Chinese font under pdflatex"),
    Piece("Fonts", "AR PL SungtiL GB", "font", "Chinese labels under xelatex and lualatex"),
    Piece("Fonts", "DejaVu Serif", "font", "other scripts under xelatex and lualatex"),
    Piece("Fonts", "NanumMyeongjo", "font", "Korean labels under xelatex and lualatex"),
    Piece("Python", "torch", "python", "`tikznn import module:Class` and `export torch` checks"),
    Piece("Python", "onnx", "python", "`tikznn import model.onnx`"),
)


def _found(piece: Piece, tex: set[str], fonts: str) -> str | None:
    """Where it was found, or None."""
    if piece.kind == "program":
        return installed(piece.name)
    if piece.kind == "tex":
        return piece.name if piece.name in tex else None
    if piece.kind == "font":
        return piece.name if piece.name in fonts else None
    spec = importlib.util.find_spec(piece.name)
    return spec.origin if spec else None


def report() -> tuple[str, bool]:
    """The report's text, and whether figures can be built here."""
    tex, fonts = tex_files([p.name for p in PIECES if p.kind == "tex"]), font_families()
    lines = [f"tikznn {__version__} (Python {platform.python_version()})", tex_version()]
    ready, group = True, None
    for piece in PIECES:
        if piece.group != group:
            group = piece.group
            lines.append(f"{group}:")
        if _found(piece, tex, fonts):
            lines.append(f"  ok       {piece.name}: {piece.for_what}")
        else:
            ready = ready and not piece.needed
            lines.append(f"  {'MISSING' if piece.needed else 'missing'}  {piece.name}: no {piece.for_what}")
            if piece.install():
                lines.append(f"           install: {piece.install()}")
    lines.append("figures can be built here" if ready else "figures cannot be built here yet: install what is MISSING")
    return "\n".join(lines), ready
