"""Text metrics of a figure's fonts: how wide and tall a label is as typeset, and where a long one wraps."""
from __future__ import annotations

import re
from functools import lru_cache

from .tex import cjk_count, split_math

# Text metrics of the standalone figure's fonts, in cm: line height and an upper bound of the mean glyph width.
TEXT = {"caption": (0.34, 0.19), "dims": (0.25, 0.135), "note": (0.3, 0.16), "stage": (0.34, 0.18)}


@lru_cache(maxsize=4096)  # (a composition measures the same labels in every drawing it tries)
def text_length(text: str) -> int:
    """Rough count of glyphs as typeset: math commands count as one glyph, braces and scripts as none, a Chinese
    or Japanese character (a full em wide) as two."""
    return sum(len(re.sub(r"[{}^_\s]", "", re.sub(r"\\[A-Za-z]+", "x", piece))) if is_math
               else len(piece.replace("\\$", "$")) + cjk_count(piece) for is_math, piece in split_math(text))


def text_box(text: str, role: str, size: float = 1.0) -> tuple[float, float]:
    """Width and height of a label as typeset, its text `size` times the usual; a newline is a line break."""
    line, glyph = TEXT[role]
    lines = text.split("\n")
    return (max(max(1, text_length(part)) for part in lines) * glyph * size + 0.08, line * size * len(lines))


def line_height(role: str, size: float = 1.0) -> float:
    return TEXT[role][0] * size


def wrap(text: str, width: int = 14) -> str:
    """Break a long label into lines of about `width` glyphs at spaces outside math (a newline per break)."""
    words: list[str] = []
    for is_math, piece in split_math(text):  # math stays in one piece
        parts = [f"${piece}$"] if is_math else piece.split(" ")
        if words and parts and not (not is_math and piece.startswith(" ")):
            words[-1] += parts.pop(0)
        words += parts
    lines, current = [], ""
    for word in filter(None, words):
        if current and text_length(current + " " + word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return "\n".join(lines + [current])
