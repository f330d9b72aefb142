"""Block definitions of the .nn language: 'block NAME(params)' ... 'end', taken out of a file's text before it is
parsed, and written out with a use's arguments ($name → value) each time the block is used."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ParseError, Span
from .model import suggest

_HEADER = re.compile(r"[ \t]*block\b(?P<rest>.*)")
_SIGNATURE = re.compile(r"\s+(?P<name>[A-Za-z_]\w*)\s*(\((?P<params>[^()]*)\))?\s*(#.*)?")
_END = re.compile(r"[ \t]*end[ \t]*(#.*)?\r?")
_PARAM = re.compile(r"\s*(?P<name>[A-Za-z_]\w*)\s*(=\s*(?P<default>[^\s,()=\"]+))?\s*")
_ARG = re.compile(r"\s*((?P<key>[A-Za-z_]\w*)\s*=)?\s*(?P<value>[^\s,()=\"]+)\s*")
_REFERENCE = re.compile(r"\$(?P<name>[A-Za-z_]\w*)?")
_STRING_OR_COMMENT = re.compile(r'"(\\.|[^"\\\n])*"?|#[0-9a-fA-F]{6}(?![\w])|#.*')


@dataclass(frozen=True)
class BlockDef:
    name: str
    params: tuple[tuple[str, str | None], ...]  # name and default text (None: required)
    body: tuple[tuple[int, str], ...]  # line number and text of each line between the header and 'end'
    span: Span  # the header

    def signature(self) -> str:
        return f"{self.name}(" + ", ".join(p if d is None else f"{p}={d}" for p, d in self.params) + ")"

    def bind(self, args: str, span: Span) -> dict[str, str]:
        """The value of each parameter for a use's argument text '(64, s=2)'."""
        inner = args.strip()[1:-1]
        values: dict[str, str] = {}
        names = [p for p, _ in self.params]
        pieces = [] if not inner.strip() else inner.split(",")
        column = span.column + 1
        for index, piece in enumerate(pieces):
            where = Span(span.line, column, column + len(piece))
            column += len(piece) + 1
            match = _ARG.fullmatch(piece)
            if not match:
                raise ParseError(f"'{piece.strip()}' is not an argument of {self.signature()}", span=where,
                                 hint="write a value (64, relu, 2x1) or name=value")
            key, value = match.group("key"), match.group("value")
            if key is None:
                if values.keys() - set(names[:index]):
                    raise ParseError("a value without a name after a named one", span=where,
                                     hint=f"write name=value, as in {self.signature()}")
                if index >= len(names):
                    raise ParseError(f"too many values: {self.signature()} takes {len(names)}", span=where)
                key = names[index]
            elif key not in names:
                raise ParseError(f"{self.name} has no parameter '{key}'", span=where,
                                 hint=suggest(key, names) or f"it is {self.signature()}")
            if key in values:
                raise ParseError(f"'{key}' is given twice", span=where)
            values[key] = value
        for param, default in self.params:
            if param not in values:
                if default is None:
                    raise ParseError(f"{self.name} needs a value for '{param}'", span=span,
                                     hint=f"it is {self.signature()}, defined on line {self.span.line}")
                values[param] = default
        return values

    def text(self, values: dict[str, str]) -> str:
        """The body with each $name replaced by its value (not inside labels or comments), on its own lines."""
        lines = [""] * (self.body[0][0] - 1) if self.body else []
        for number, line in self.body:
            out, last = [], 0
            for match in _STRING_OR_COMMENT.finditer(line):
                out.append(self._fill(line[last:match.start()], number, last, values))
                out.append(match.group(0))
                last = match.end()
            out.append(self._fill(line[last:], number, last, values))
            lines.append("".join(out))
        return "\n".join(lines) + "\n"

    def _fill(self, text: str, line: int, offset: int, values: dict[str, str]) -> str:
        def value(match: re.Match) -> str:
            name = match.group("name")
            if name not in values:
                where = Span(line, offset + match.start() + 1, offset + match.end() + 1)
                known = ", ".join("$" + p for p, _ in self.params) or "none"
                raise ParseError(f"'{match.group(0)}' is not a parameter of block '{self.name}'", span=where,
                                 hint=suggest(name or "", list(values)) or f"its parameters are: {known}")
            return values[name]
        return _REFERENCE.sub(value, text)


def split(text: str) -> tuple[str, list[BlockDef]]:
    """The text with its block definitions blanked out (line numbers kept), and the definitions."""
    lines = text.split("\n")
    blocks: list[BlockDef] = []
    index = 0
    while index < len(lines):
        header = _HEADER.fullmatch(lines[index])
        if not header:
            index += 1
            continue
        start = index
        column = lines[index].index("block") + 1
        signature = _SIGNATURE.fullmatch(header.group("rest").rstrip("\r"))
        if not signature:
            raise ParseError("a block definition starts with: block NAME(parameters)",
                             span=Span(index + 1, column, column + 5), hint="e.g.  block basic(c, s=1)")
        params = _params(signature.group("params") or "", Span(index + 1, column))
        end = next((i for i in range(index + 1, len(lines)) if _END.fullmatch(lines[i])), None)
        nested = next((i for i in range(index + 1, end or len(lines)) if _HEADER.fullmatch(lines[i])), None)
        if nested is not None:
            raise ParseError("a block definition inside another one", span=Span(nested + 1, 1),
                             hint=f"end block '{signature.group('name')}' (line {start + 1}) with 'end' first")
        if end is None:
            raise ParseError(f"block '{signature.group('name')}' has no 'end'", span=Span(start + 1, column),
                             hint="close the definition with a line that says: end")
        body = tuple((i + 1, lines[i]) for i in range(start + 1, end))
        blocks.append(BlockDef(signature.group("name"), params, body, Span(start + 1, column)))
        for i in range(start, end + 1):
            lines[i] = ""
        index = end + 1
    return "\n".join(lines), blocks


def _params(text: str, span: Span) -> tuple[tuple[str, str | None], ...]:
    params: list[tuple[str, str | None]] = []
    for piece in filter(str.strip, text.split(",")):
        match = _PARAM.fullmatch(piece)
        if not match:
            raise ParseError(f"'{piece.strip()}' is not a parameter", span=span,
                             hint="parameters are names, with a default as name=value: block basic(c, s=1)")
        name = match.group("name")
        if any(name == p for p, _ in params):
            raise ParseError(f"parameter '{name}' is named twice", span=span)
        if match.group("default") is None and any(d is not None for _, d in params):
            raise ParseError(f"parameter '{name}' without a default follows one with a default", span=span)
        params.append((name, match.group("default")))
    return tuple(params)
