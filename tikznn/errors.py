"""The one exception tree of tikznn, and how an error points at its source.

Every error a user can cause is a TikznnError; the CLI prints `str(error)` and exits with `error.exit_code`.
"""
from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from typing import Sequence


@dataclass(frozen=True)
class Span:
    """A place in a .nn source: 1-based line and column; `origin` is (path, text) of the file it is in when that
    is not the file being read (a block defined in an imported file)."""

    line: int
    column: int
    end_column: int | None = None
    origin: tuple[str | None, str] | None = field(default=None, compare=False, repr=False)


class TikznnError(Exception):
    """Base of every error tikznn reports to a user."""

    exit_code = 1
    kind = "error"

    def __init__(self, message: str, *, span: Span | None = None, hint: str | None = None,
                 path: str | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        if span is not None and span.origin is not None and path is None:
            path, source = span.origin
        self.path = path
        self.source = source

    def located(self, path: str | None, source: str | None) -> "TikznnError":
        """Attach the file and text this error's span refers to (keeps any already set)."""
        self.path = self.path or path
        self.source = self.source if self.source is not None else source
        return self

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.span:
            where += f":{self.span.line}:{self.span.column}"
        lines = [f"{where}: {self.kind}: {self.message}"]
        if self.span and self.source is not None:
            lines += _excerpt(self.source, self.span)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


def _excerpt(source: str, span: Span, width: int = 100) -> list[str]:
    """The source line and a caret under the column, cut to `width` around it for huge lines."""
    text_lines = source.split("\n")  # lines as the parser counts them (not at form feeds or lone CRs)
    if not 1 <= span.line <= len(text_lines):
        return []
    text = text_lines[span.line - 1].rstrip("\r").expandtabs(1)
    col = span.column - 1
    start = max(0, min(col - width // 2, len(text) - width))
    shown = text[start:start + width]
    shown = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in shown)
    marks = max(1, (span.end_column or span.column + 1) - span.column)
    marks = min(marks, len(shown) - (col - start)) if len(shown) > col - start else 1
    return [f"  {span.line:>4} | {shown}", "       | " + " " * (col - start) + "^" * max(1, marks)]


class ParseError(TikznnError):
    """The text is not valid tikznn: syntax, unknown words, bad references."""

    exit_code = 3
    kind = "syntax error"


class ModelError(TikznnError):
    """The text parses but describes no valid network (duplicate names, cycles, undefined references)."""

    exit_code = 3
    kind = "error"


class ShapeError(TikznnError):
    """Tensor shapes do not fit together."""

    exit_code = 4
    kind = "shape error"


class LayoutError(TikznnError):
    """The network cannot be laid out."""

    exit_code = 5
    kind = "layout error"


class LatexError(TikznnError):
    """The generated TeX cannot be typeset: pdflatex failed on it, or would (a label's character it cannot set,
    found before it runs)."""

    exit_code = 6
    kind = "LaTeX error"


class LatexNotFound(TikznnError):
    """A TeX or Poppler program is missing."""

    exit_code = 7
    kind = "missing tool"


class OutputError(TikznnError):
    """An input file cannot be read or an output cannot be written."""

    exit_code = 8
    kind = "file error"


class ModelImportError(TikznnError):
    """A model file or module that cannot be read or traced, or an importer whose extra is not installed."""

    exit_code = 9
    kind = "import error"


class NotFormatted(TikznnError):
    """`tikznn fmt --check`: a file is not in the canonical layout."""

    exit_code = 10
    kind = "not formatted"


class TikznnWarning(UserWarning):
    """Something a figure will show that its author may not want (text shrunk too small to read)."""


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """'did you mean' text for a misspelt word, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def exit_status(stop: SystemExit) -> int:
    """The status a SystemExit ends a process with, as the interpreter gives it (a code that is not a number is
    printed, and is status 1): for a build that ends its process itself (console.py, warm.py)."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1
