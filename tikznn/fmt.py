"""`tikznn fmt`: one canonical layout of a .nn file, as gofmt has for Go.

Every line stays on its line (so an error's line number and a co-author's diff still point at the same place);
within it: the statements of a block or stage indented four spaces a level, words one space apart, `=` and `->`
with a space either side, a block's arguments as `(64, s=2)` and a style as `{color=red, nolabel}`, comments
kept, trailing comments of neighbouring lines aligned two spaces after the longest, no trailing spaces, tabs or
trailing blank lines. The result is checked to draw the very same figure as the text it came from (`same`).
"""
from __future__ import annotations

import re

INDENT = "    "
OPENS = ("block", "stage")  # statements whose lines go on to an 'end'
BLANK = " \t\f"  # white space as the grammar has it (a no-break space is not: it stays where it is)
_SPACED = re.compile(r"[ \t\f]*(->|=)[ \t\f]*")


def format_text(text: str) -> str:
    """The canonical layout of a .nn text (which should parse: a line the scanner cannot split is kept as it is)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip(BLANK):
        lines.pop()
    depth, out = 0, []
    for line in lines:
        code, comment = _split(line)
        words = _words(code)
        first = words[0] if words else ""
        if first == "end":
            depth = max(depth - 1, 0)
        code = INDENT * depth + " ".join(words) if words else ""
        if first in OPENS:
            depth += 1
        if not words and comment:  # a comment on a line of its own: at the depth of the code around it
            code = INDENT * depth
        out.append([code, comment])
    return "\n".join(_aligned(out)) + "\n" if out else ""


def bare(text: str) -> str:
    """What a layout must leave as it is: each line's code without its white space outside strings, and its
    comment word for word."""
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        code, comment = _split(line)
        quoted, i = False, 0
        while i < len(code):
            char = code[i]
            if quoted and char == "\\":
                out.append(code[i:i + 2])
                i += 2
                continue
            if char == '"':
                quoted = not quoted
            if quoted or char not in BLANK:
                out.append(char)
            i += 1
        out.append(comment + "\n")
    return "".join(out).rstrip("\n")


def _split(line: str) -> tuple[str, str]:
    """The line's code and its comment ('' if none): '#' starts a comment outside strings and outside a style's
    braces or a block's arguments, where '#ff8800' is a colour."""
    quoted, braces, i = False, 0, 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == "\\":
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "{(":
            braces += 1
        elif char in "})":
            braces = max(braces - 1, 0)
        elif char == "#" and not braces:
                return line[:i].rstrip(BLANK), line[i:].rstrip(BLANK)
        i += 1
    return line.rstrip(BLANK), ""


def _words(code: str) -> list[str]:
    """The code's words: strings kept whole, `=` and `->` words of their own, a block's arguments and a style each
    one word in their canonical spelling."""
    words, i = [], 0
    code = code.strip(BLANK)
    while i < len(code):
        char = code[i]
        if char in BLANK:
            i += 1
            continue
        if char == '"':
            end = _string_end(code, i)
        elif char in "({":
            close = code.find(")" if char == "(" else "}", i)
            end = len(code) if close < 0 else close + 1
            inner = code[i + 1:end - 1] if close >= 0 else code[i + 1:]
            word = _items(inner, char, ")" if char == "(" else "}" if close >= 0 else "")
            if char == "(" and words and words[-1] not in ("=", "->"):
                words[-1] += word  # (a block's name and its arguments are one word: basic(64, s=2))
            else:
                words.append(word)
            i = end
            continue
        else:
            end = i
            while end < len(code) and code[end] not in BLANK and code[end] not in '"({':
                end += 1
        piece = code[i:end]
        if char != '"':
            words += [w for w in _SPACED.split(piece) if w]
        else:
            words.append(piece)
        i = end
    return words


def _string_end(code: str, start: int) -> int:
    i = start + 1
    while i < len(code):
        if code[i] == "\\":
            i += 2
            continue
        if code[i] == '"':
            return i + 1
        i += 1
    return len(code)


def _items(inner: str, opening: str, closing: str) -> str:
    """A block's arguments or a style, spelled one way: no spaces around an '=', a comma followed by one space, and
    items a style separates by spaces alone one space apart (no separator is added or taken away)."""
    if '"' in inner:  # (strings in arguments: kept as written)
        return opening + inner.strip(BLANK) + closing
    inner = re.sub(r"[ \t\f]*=[ \t\f]*", "=", inner).strip(BLANK)
    pieces = re.split(r"([ \t\f]*,[ \t\f]*|[ \t\f]+)", inner)
    return opening + "".join(", " if "," in piece else " " if i % 2 else piece
                             for i, piece in enumerate(pieces)) + closing


def _aligned(lines: list[list[str]]) -> list[str]:
    """The lines with their trailing comments aligned in runs of neighbouring lines that have one."""
    out, run = [], []

    def flush() -> None:
        column = max(len(code) for code, _ in run) + 2
        out.extend(code.ljust(column) + comment for code, comment in run)
        run.clear()
    for code, comment in lines:
        if comment and code.strip():
            run.append((code, comment))
            continue
        if run:
            flush()
        out.append((code + comment) if comment else code.rstrip())
    if run:
        flush()
    return out
