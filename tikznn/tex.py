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


def escape(text: str) -> str:
    """TeX for a label: special characters escaped, `$...$` kept as math, `\\$` a literal dollar."""
    out, pos = [], 0
    for match in _MATH.finditer(text):
        out.append(_escape_plain(text[pos:match.start()]))
        out.append("$" + match.group(1).replace("\n", " ") + "$")
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    text = text.replace("\\$", "\0")  # a literal dollar written as \$
    return "".join(_SPECIAL.get(ch, ch) for ch in text).replace("\0", r"\$")
