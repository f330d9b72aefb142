"""Turning user text into TeX: the one escaping function every label goes through."""
from __future__ import annotations

import re

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "×": r"\ensuremath{\times}", "·": r"\ensuremath{\cdot}", "−": r"\ensuremath{-}",
    "→": r"\ensuremath{\rightarrow}", "…": r"\ldots{}", "\n": " ", "\r": " ", "\t": " ",
}
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")


def split_math(text: str) -> list[tuple[bool, str]]:
    """A label in pieces: (True, math without its $ signs) or (False, plain text)."""
    pieces, pos = [], 0
    for match in _MATH.finditer(text):
        if match.start() > pos:
            pieces.append((False, text[pos:match.start()]))
        pieces.append((True, match.group(1)))
        pos = match.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


def escape(text: str) -> str:
    """TeX for a label: special characters escaped, `$...$` kept as math, `\\$` a literal dollar.

    Math is passed on as written, except the characters that would end the node or the line in TeX
    (% # &), and line breaks.
    """
    return "".join("$" + _escape_math(piece) + "$" if math else _escape_plain(piece)
                   for math, piece in split_math(text))


def _escape_math(text: str) -> str:
    return re.sub(r"(?<!\\)([%#&])", r"\\\1", text).replace("\n", " ").replace("\r", " ")


def _escape_plain(text: str) -> str:
    text = text.replace("\\$", "\0")  # a literal dollar written as \$
    return "".join(_SPECIAL.get(ch, ch) for ch in text).replace("\0", r"\$")
