"""The .nn language: Lark grammar (grammar/tikznn.lark) → statements → Network through the builder's `append`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import compiled, figure, kinds, model, styles, theme
from .blocks import BlockDef, split as split_blocks
from .errors import ModelError, OutputError, ParseError, Span, TikznnError, suggest
from .drawing import SIZES
from .tex import MATH_HINT, label_problem
from .layer import DIMS_MODES, Layer, Style
from .model import Network, Skip

MAX_BYTES = 2_000_000  # a hand-written network is a few kB; bigger input is almost surely not one


def _lark() -> Lark:
    """The parser, as compiled.py has it ready: loaded from the cache by the end that reads files, or built in
    memory for a library call (parse itself reads and writes no cache)."""
    return compiled.grammar()


def _span(token_or_meta) -> Span:
    end = getattr(token_or_meta, "end_column", None)
    return Span(token_or_meta.line, token_or_meta.column, end)


def unquote(token: Token) -> str:
    return token[1:-1].replace('\\"', '"')


@dataclass
class _Stage:
    """A 'stage' line (name) or an 'end' line (None)."""

    name: str | None
    span: Span


@dataclass(frozen=True)
class _ThemeFile:
    path: str
    span: Span


@dataclass
class _Kind:
    """A layer statement's kind and settings, before its name, label and inputs are known."""

    kind: kinds.Kind
    settings: dict
    refs: list[Token] = field(default_factory=list)


@dataclass
class _Use:
    """A line that uses a block: [name =] block(args) [from X] [xN]."""

    name: str
    block: str
    args: str
    source: str | None
    times: int
    span: Span
    spans: dict


@dataclass
class _Import:
    path: str
    span: Span


class _ToStatements(Transformer):
    """Parse tree → a list of statements: ('network', str, span), (_Stage,), (Skip, spans),
    (Layer, refs, implicit, spans, times), (_Use,), (_Import,)."""

    def __init__(self, origin: tuple[str | None, str] | None = None):
        super().__init__()
        self.origin = origin

    def span(self, token_or_meta) -> Span:
        span = _span(token_or_meta)
        return Span(span.line, span.column, span.end_column, origin=self.origin)

    def start(self, items):
        return list(items)

    def text(self, token) -> str:
        """A string that becomes text in the figure (a label, a title, a stage's name): its math must be of the
        vocabulary tikznn lets through to TeX, else a ParseError where it is written."""
        found = unquote(token)
        problem = label_problem(found)
        if problem:
            raise ParseError(problem, span=self.span(token), hint=MATH_HINT)
        return found

    @v_args(meta=True)
    def network(self, meta, items):
        return ("network", self.text(items[0]), self.span(meta))

    @v_args(meta=True)
    def caption(self, meta, items):
        return ("caption", self.text(items[0]), self.span(meta))

    @v_args(meta=True)
    def dims(self, meta, items):
        return ("dims", str(items[0]), self.span(meta))

    @v_args(meta=True)
    def stats(self, meta, items):
        return ("stats", True, self.span(meta))

    @v_args(meta=True)
    def collapse(self, meta, items):
        return ("collapse", True, self.span(meta))

    @v_args(meta=True)
    def layout(self, meta, items):
        return ("layout", str(items[0]), self.span(meta))

    @v_args(meta=True)
    def detail(self, meta, items):
        return ("detail", str(items[0]), self.span(meta))

    @v_args(meta=True)
    def theme(self, meta, items):
        token = items[0]
        if token.type == "STRING":  # a file of colours, read when the network is assembled
            return ("theme", _ThemeFile(unquote(token), self.span(meta)), self.span(meta))
        return ("theme", str(token), self.span(meta))

    @v_args(meta=True)
    def drawing_style(self, meta, items):
        name, options = str(items[0]), tuple(str(word) for word in items[1:])
        if problem := styles.problem(name, options):
            where = items[0] if styles.problem(name) else items[1 + next(
                i for i in range(len(options)) if styles.problem(name, options[:i + 1]))]
            raise ParseError(problem[0], span=self.span(where), hint=problem[1])
        return ("style", (name, options), self.span(meta))

    @v_args(meta=True)
    def legend(self, meta, items):
        return ("legend", True, self.span(meta))

    @v_args(meta=True)
    def fontsize(self, meta, items):
        size = float(items[0])
        if not 0.5 <= size <= 1.6:
            raise ParseError(f"a font size of {items[0]} times the usual", span=self.span(items[0]),
                             hint="give a factor from 0.5 to 1.6, e.g. fontsize 1.3")
        return ("fontsize", size, self.span(meta))

    @v_args(meta=True)
    def width(self, meta, items):
        self._length(items[0])
        return ("width", (str(items[0]), True if items[1] is not None else None), self.span(meta))

    def _length(self, token) -> None:
        try:
            figure.check_length(str(token))
        except ModelError as err:  # said where the length is written
            raise ParseError(err.message, span=self.span(token), hint=err.hint) from None

    @v_args(meta=True)
    def sizes(self, meta, items):
        words = [str(item) for item in items if item is not None]
        try:
            figure.Figure().but(sizes=" ".join(words))
        except ModelError as err:
            raise ParseError(err.message, span=self.span(items[-1] if items[-1] is not None else items[0]),
                             hint=err.hint) from None
        return ("sizes", " ".join(words), self.span(meta))

    @v_args(meta=True)
    def height(self, meta, items):
        self._length(items[0])
        return ("height", str(items[0]), self.span(meta))

    @v_args(meta=True)
    def stage(self, meta, items):
        return (_Stage(self.text(items[0]), self.span(meta)),)

    @v_args(meta=True)
    def end(self, meta, items):
        return (_Stage(None, self.span(meta)),)

    @v_args(meta=True)
    def skip(self, meta, items):
        source, target, label = items
        return (Skip(source=str(source), target=str(target), label=label and self.text(label), at=self.span(meta)),
                {str(source): self.span(source), str(target): self.span(target)})

    @v_args(meta=True)
    def use(self, meta, items):
        name, block, args, *extras = items
        given = {key: (value, token) for key, value, token in extras}
        source = given.get("source", (None, None))[0]
        spans = {str(source): self.span(source)} if source is not None else {}
        spans["(args)"], spans["(block)"] = self.span(args), self.span(block)
        return (_Use(str(name or ""), str(block), str(args), source and str(source),
                     given.get("times", (1, None))[0], self.span(meta), spans),)

    @v_args(meta=True)
    def import_(self, meta, items):
        return (_Import(unquote(items[0]), self.span(meta)),)

    def label(self, items):
        return ("label", self.text(items[0]), items[0])

    def source(self, items):
        return ("source", items[0], items[0])

    def times(self, items):
        return ("times", int(items[0][1:]), items[0])

    @v_args(meta=True)
    def layer(self, meta, items):
        name, kind, *extras = items
        given = {}
        for extra in extras:
            key, value, token = extra if isinstance(extra, tuple) else ("style", extra, None)
            if key in given:
                raise ParseError(f"this layer has two {key}s", span=self.span(token) if token else self.span(meta),
                                 hint=f"keep one {key}")
            given[key] = value
        label, style, source = given.get("label"), given.get("style"), given.get("source")
        refs = list(kind.refs)
        implicit = kind.kind.implicit(refs)  # 'op f a' reads a; 'add a' the line before too
        if source is not None:
            if kind.kind.merges or refs:
                raise ParseError(f"'{kind.kind.keyword}' names its inputs itself; 'from' does not apply",
                                 span=self.span(source), hint=f"write: {kind.kind.keyword} a b")
            refs, implicit = [source], False
        if label is None:  # an operation is captioned with what it is
            label = kind.kind.default_label(kind.settings)
        layer = kind.kind.layer(name=str(name or ""), label=label, style=style or Style(),
                                at=self.span(meta), **kind.settings)
        return (layer, [str(r) for r in refs], implicit, {str(r): self.span(r) for r in refs}, given.get("times", 1))

    def __default__(self, data, children, meta):
        """A layer kind's rule: its declaration reads the settings (tikznn/kinds)."""
        kind = kinds.named(str(data))
        if kind is None:
            return super().__default__(data, children, meta)
        settings, refs = kind.read(children, self.span)
        return _Kind(kind, settings, refs)

    def style(self, items):
        settings = {}
        for key, value, token in items:
            if key in settings:
                raise ParseError(f"{key.replace('show_', '')} given twice in this style", span=self.span(token),
                                 hint="keep one of them")
            settings[key] = value
        return Style(**settings)

    def color(self, items):
        problem = theme.colour_problem(str(items[0]))
        if problem:  # checked here too, to point at the colour itself
            raise ParseError(problem[0], span=self.span(items[0]), hint=problem[1])
        return ("color", str(items[0]), items[0])

    def opacity(self, items):
        value = float(items[0])
        if not 0 <= value <= 1:
            raise ParseError(f"opacity {value} must be between 0 and 1", span=self.span(items[0]))
        return ("opacity", value, items[0])

    @v_args(meta=True)
    def nolabel(self, meta, items):
        return ("show_label", False, meta)

    def style_dims(self, items):
        return ("dims", str(items[0]), items[0])

    def image(self, items):
        path = unquote(items[0])
        problem = image_problem(path)
        if problem:
            raise ParseError(problem[0], span=self.span(items[0]), hint=problem[1])
        return ("image", path, items[0])




IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def image_problem(path: str) -> tuple[str, str] | None:
    """What is wrong with an image's path as a .nn file names it (it is read only from beside that file), or
    None."""
    where = "an image is read from the .nn file's folder or below it: image=\"images/cat.jpg\""
    if not path or path.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:", path):
        return f"image '{path}' is not a path relative to the .nn file", where
    if any(part == ".." for part in re.split(r"[/\\]", path)):
        return f"image '{path}' is outside the .nn file's folder", where
    if not path.lower().endswith(IMAGE_SUFFIXES):
        return f"image '{path}' is not a PNG or JPEG file", "give a .png, .jpg or .jpeg file"
    return None


def decode(data: bytes, path: str | None = None) -> str:
    """The text of a .nn file's bytes, refusing what is not one (binary, not UTF-8)."""
    if b"\0" in data:
        raise ParseError("this is a binary file, not a .nn text file", path=path,
                         hint="a .nn file is plain UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise ParseError("the file is not UTF-8 text", path=path, span=Span(line, column),
                         source=data.decode("utf-8", "replace"), hint="save the file as UTF-8") from None


Reader = Callable[[str, "str | None"], tuple[str, str]]  # (import text, importing file) -> (path, text)


def parse(text: str, path: str | None = None, *, read: Reader | None = None) -> Network:
    """Parse .nn text into a Network. Raises ParseError/ModelError located at `path`.

    `read` loads the files named by import lines; without it, an import is an error.
    """
    try:
        return _Reading(read).network(text, path)
    except TikznnError as err:
        raise err.located(path, text) from None


def library(text: str, path: str | None = None, *, read: Reader | None = None) -> list[tuple]:
    """The block definitions of a file that holds only definitions and imports (a file `import` reads): name,
    parameters and body line numbers of each. A ParseError if it holds anything else."""
    reading = _Reading(read)
    try:
        rest = reading.definitions(text, (path, text))
        if rest:
            raise ParseError("a file of block definitions holds only 'block' ... 'end' and import lines",
                             span=rest[0][-1] if isinstance(rest[0][-1], Span) else None)
    except TikznnError as err:
        raise err.located(path, text) from None
    return sorted((name, block.params, tuple(line for line, _ in block.body))
                  for name, (block, _) in reading.blocks.items())


class _Reading:
    """One parse: the block definitions known so far (the file's and its imports') and the files imported."""

    def __init__(self, read: Reader | None):
        self.read = read
        self.blocks: dict[str, tuple[BlockDef, tuple[str | None, str]]] = {}
        self.imported: list[str] = []
        self.importing: list[str] = []
        self.parsed: dict[tuple, list] = {}  # a block used again with the same arguments is the same text: read once

    def statements(self, text: str, origin: tuple[str | None, str]) -> list:
        found = self.parsed.get((text, origin))
        if found is None:
            found = self.parsed[(text, origin)] = self._statements(text, origin)
        return found

    def _statements(self, text: str, origin: tuple[str | None, str]) -> list:
        try:
            if len(text) > MAX_BYTES:
                raise ParseError(f"text is {len(text):,} characters; a .nn description is expected to be short")
            tree = _lark().parse(text if text.endswith("\n") else text + "\n")
            return _ToStatements(origin).transform(tree)
        except UnexpectedInput as err:
            raise _syntax_error(err, text).located(*origin) from None
        except TikznnError as err:
            raise err.located(*origin) from None
        except Exception as err:  # a Transformer wraps errors raised inside callbacks
            inner = getattr(err, "orig_exc", None)
            if isinstance(inner, TikznnError):
                raise inner.located(*origin) from None
            raise

    def definitions(self, text: str, origin: tuple[str | None, str]) -> list:
        """The file's statements after taking out its block definitions and reading its imports."""
        try:
            rest, blocks = split_blocks(text)
        except TikznnError as err:
            raise err.located(*origin) from None
        for block in blocks:
            self.define(block, origin)
        statements = self.statements(rest, origin)
        for statement in statements:
            if isinstance(statement[0], _Import):
                self.load(statement[0], origin)
        return [s for s in statements if not isinstance(s[0], _Import)]

    def define(self, block: BlockDef, origin) -> None:
        problem = None
        if block.name in RESERVED:
            problem = f"'{block.name}' is a word of the language and cannot name a block"
        elif block.name in self.blocks:
            first, where = self.blocks[block.name]
            problem = (f"block '{block.name}' is defined twice "
                       f"(first on line {first.span.line} of {where[0] or 'this file'})")
        if problem:
            raise ParseError(problem, span=Span(block.span.line, block.span.column, origin=origin),
                             hint="give the block another name")
        self.blocks[block.name] = (block, origin)

    def read_beside(self, wanted: str, span: Span, origin, what: str, whats: str, cannot: str,
                    relative_to: str) -> tuple[str, str]:
        """(path, text) of a file a statement names (an import, a theme file), relative to the file it is in."""
        if self.read is None:
            raise ParseError(f"{what} needs a file to read from", span=span,
                             hint=f"{whats} work when a file is built (tikznn build, tikznn.parse_file)")
        try:
            return self.read(wanted, origin[0])
        except TikznnError as err:
            if err.span is not None:  # an error inside that file, already located there
                raise
            raise OutputError(f"{cannot}: {err.message}", span=span,
                              hint=f"the path is relative to {relative_to}") from None

    def theme_file(self, statement: "_ThemeFile", origin) -> tuple[str, tuple, tuple]:
        """A theme file: 'base THEME' (default classic), then lines 'PART #rrggbb [OPACITY]' and 'name PART "words"'
        (what the legend calls a part), '#' comments."""
        path, text = self.read_beside(statement.path, statement.span, origin, "a theme file", "theme files",
                                      f"cannot read the theme '{statement.path}'", "the .nn file")
        self.imported.append(path)
        base, colours, names = "classic", [], []
        for number, line in enumerate(text.splitlines(), 1):
            where = Span(number, 1, origin=(path, text))
            named = re.fullmatch(r'\s*name\s+(\S+)\s+"((?:\\.|[^"\\])*)"\s*(#.*)?', line)
            if named and named.group(1) in theme.NAMES:
                words = named.group(2).replace('\\"', '"')
                if (problem := model.label_problem(words)) or not words.strip():
                    raise ParseError(problem or "a legend name needs words", span=where)
                names.append((named.group(1), words))
                continue
            words = re.sub(r"(^|\s)#(?![0-9a-fA-F]{6}\b).*$", "", line).split()
            if not words:
                continue
            if words[0] == "base" and len(words) == 2 and words[1] in figure.THEMES:
                base = words[1]
            elif len(words) in (2, 3) and words[0] in theme.PARTS and re.fullmatch(r"#[0-9a-fA-F]{6}", words[1]):
                opacity = float(words[2]) if len(words) == 3 and re.fullmatch(r"0?\.\d+|1(\.0*)?", words[2]) else None
                if len(words) == 3 and opacity is None:
                    raise ParseError(f"'{words[2]}' is no opacity", span=where, hint="an opacity is 0 to 1: 0.7")
                colours.append((words[0], tuple(int(words[1][i:i + 2], 16) for i in (1, 3, 5)), opacity))
            else:
                raise ParseError(f"cannot read this theme line: {line.strip()}", span=where,
                                 hint="write 'base print', 'PART #rrggbb [OPACITY]' or 'name PART \"words\"', PART "
                                      "one of: " + ", ".join(theme.PARTS))
        return base, tuple(colours), tuple(names)

    def figure_setting(self, key: str, value, origin) -> dict:
        """A setting line's values in the figure (figure.Figure)."""
        if key == "width":
            return dict(zip(("width", "wrap"), value))
        if key == "style":
            return dict(zip(("style", "style_options"), value))
        if key == "sizes":
            return dict(zip(("sizes", "blocks"), figure.sizes_words(value)))
        if key == "theme" and isinstance(value, _ThemeFile):
            return dict(zip(("theme", "colours", "names"), self.theme_file(value, origin)))
        return {key: value}

    def load(self, statement: _Import, origin) -> None:
        path, text = self.read_beside(statement.path, statement.span, origin, "import", "imports",
                                      f"cannot import '{statement.path}'", "the file that imports it")
        if path in self.importing:
            raise ParseError(f"'{statement.path}' imports itself (through {' -> '.join(self.importing)})",
                             span=statement.span)
        if path in self.imported:
            return
        self.imported.append(path)
        self.importing.append(path)
        try:
            for other in self.definitions(text, (path, text)):
                span = other[0].span if isinstance(other[0], (_Stage, _Use)) else (
                    other[-1] if isinstance(other[0], str) else getattr(other[0], "at", None))
                raise ParseError(f"an imported file holds only block definitions and imports; "
                                 f"'{statement.path}' has more", span=span,
                                 hint="move the network's own lines into the file that imports it")
        finally:
            self.importing.pop()

    def network(self, text: str, path: str | None) -> Network:
        origin = (path, text)
        if path is not None:
            self.importing.append(path)
        statements = self.definitions(text, origin)
        assembler = model.Assembler()
        seen_input = False
        settings: set[str] = set()
        for statement in statements:
            if isinstance(statement[0], str):
                key, value, span = statement
                if key in settings:
                    raise ParseError(f"a second '{key}' line", span=span, hint=f"a figure has one '{key}' line")
                settings.add(key)
                if key in ("network", "caption"):
                    setattr(assembler, "name" if key == "network" else key, value)
                else:  # a figure setting
                    assembler.figure = replace(assembler.figure, **self.figure_setting(key, value, origin))
            elif isinstance(statement[0], _Stage):
                assembler.stage(statement[0].name, statement[0].span)
                opened = statement[0]
            else:
                seen_input = seen_input or isinstance(statement[0], Layer) and kinds.of(statement[0]).is_input
                self.add(assembler, statement)
        if not seen_input:
            raise ParseError("no network here: the description has no input line",
                             hint='start with lines like:  network "My net"  /  input 3x224x224')
        if assembler.open_stage:
            raise ParseError(f"stage '{assembler.open_stage}' is never ended", span=opened.span,
                             hint="write 'end' on a line after its last layer")
        return replace(assembler.network(), imports=tuple(self.imported))

    def add(self, assembler: model.Assembler, statement) -> None:
        """A layer, skip or block use, added to the network (or to the block being written out)."""
        if isinstance(statement[0], Skip):
            assembler.skip(*statement)
        elif isinstance(statement[0], _Use):
            self.use(assembler, statement[0])
        else:
            layer, refs, implicit, spans, times = statement
            assembler.add(layer, refs, implicit=implicit, ref_spans=spans, times=times)

    def layers_in(self, name: str, depth: int = 0) -> int:
        """How many layers a use of a block makes, at most about: each line of its body a layer (times its xN), or
        a use of another block that many times its size. Counted from the text, so that an expansion past
        model.MAX_LAYERS is refused before it is made."""
        if name not in self.blocks or depth > 20:
            return 1
        total = 0
        for _, line in self.blocks[name][0].body:
            line = line.split("#", 1)[0]
            if not line.strip():
                continue
            used = re.match(r"\s*(?:[\w.]+\s*=\s*)?([A-Za-z_]\w*)\s*\(", line)
            inner = self.layers_in(used.group(1), depth + 1) if used and used.group(1) in self.blocks else 1
            times = max([int(n) for n in re.findall(r"(?<![\w.$])[x×](\d+)(?![\w.])", line)] or [1])
            total += inner * times
            if total > model.MAX_LAYERS:
                break
        return total

    def use(self, assembler: model.Assembler, use: _Use) -> None:
        if use.block not in self.blocks:
            known = list(self.blocks)
            raise ParseError(f"unknown block '{use.block}'", span=use.spans["(block)"],
                             hint=suggest(use.block, known) or ("define it first: block NAME(params) ... end"
                                                                if not known else "known blocks: " + ", ".join(known)))
        block, origin = self.blocks[use.block]
        values = block.bind(use.args, use.spans["(args)"])
        if not assembler.scopes:  # (its size known before a layer of it is made: nesting doubles it quickly)
            assembler._room(self.layers_in(use.block) * use.times, use.span)

        def expand(inner: model.Assembler) -> None:
            try:
                text = block.text(values)
                for statement in self.statements(text, origin):
                    refused = _outside_blocks(statement)
                    if refused:
                        raise ParseError(f"a block holds layers, skips and other blocks, not '{refused[0]}' lines",
                                         span=refused[1], hint="put it outside the block definition")
                    self.add(inner, statement)
            except TikznnError as err:
                if err.path is None:
                    err.located(*origin)
                used_in = use.span.origin[0] if use.span.origin else None
                note = f"in block '{block.name}' used on line {use.span.line}" + (
                    f" of {used_in}" if used_in != origin[0] and used_in else "")
                if note not in (err.hint or ""):
                    err.hint = f"{err.hint}; {note}" if err.hint else note
                raise
        assembler.use(block.name, expand, name=use.name, source=use.source, times=use.times, span=use.span,
                      source_span=use.spans.get(use.source))


def _outside_blocks(statement) -> tuple[str, Span | None] | None:
    """(word, span) of a statement that has no place in a block: figure settings, stages, imports, inputs."""
    head = statement[0]
    if isinstance(head, str):
        return head, statement[-1]
    if isinstance(head, _Stage):
        return ("stage" if head.name is not None else "end"), head.span
    if isinstance(head, _Import):
        return "import", head.span
    if isinstance(head, Layer) and kinds.of(head).is_input:
        return "input", head.at
    return None


# -- syntax errors in the user's words -----------------------------------------------------------------------

_TERMINAL_WORDS = {
    "NAME": "a layer name", "INT": "a whole number", "NUMBER": "a number", "STRING": 'a "label"',
    "SHAPE": "a shape like 3x224x224", "KERNEL": "a kernel like k3", "STRIDE": "a stride like s2",
    "PADDING": "a padding like p1", "_NL": "the end of the line",
    "HEX_COLOR": "#rrggbb", "COLOR_NAME": "a colour name", "$END": "the end of the file",
    "DIMS_MODE": "auto, shape, channels or none", "DILATION": "a dilation like d2", "GROUPS": "groups like g4",
    "OUTPUT_PADDING": "an output padding like op1", "HEADS": "heads like h8", "WINDOW": "a window like win7", "SHIFT": "'shift'", "FF": "a feed-forward size like ff2048",
    "STACKED": "stacked layers like n2", "WEIGHTS": "a weight count like w64",
    "MACS": "a count of multiply-accumulates like m1000", "TIMES": "a repetition like x3",
    "ARGS": "(arguments)", "THEME": "classic, print or colorblind",
    "LAYOUT": "right, down, u, fold or layered", "SIZES_MODE": "log, sqrt or linear",
    "DETAIL": "layers or blocks",
    "LENGTH": "a length like 17cm (cm, mm, in or pt), column or page",
    **{name: words for kind in kinds.every() for name, (words, _) in kind.terminals.items()},
}
_KEYWORD_TERMINALS = {"DIMS_MODE": DIMS_MODES, "LAYOUT": figure.LAYOUTS, "SIZES_MODE": SIZES,
                      "DETAIL": figure.DETAILS,
                      **{name: values for kind in kinds.every() for name, (_, values) in kind.terminals.items()}}
# the words a layer's line starts with: each kind's keyword, but an activation is written as itself (relu)
LAYER_KINDS = tuple(kind.keyword for kind in kinds.every() if "ACT" not in kind.terminals)
ACTIVATIONS = tuple(_KEYWORD_TERMINALS["ACT"])
_LAYER_WORDS = LAYER_KINDS + ACTIVATIONS
STATEMENTS = ("network", "caption", "dims", "stats", "collapse", "layout", "width", "height", "sizes", "detail",
              "theme", "legend", "fontsize", "style", "stage", "end", "skip", "import")  # and 'block ... end'
_STATEMENT_WORDS = STATEMENTS + _LAYER_WORDS


RESERVED = set(_STATEMENT_WORDS) | {word for kind in kinds.every() for _, values in kind.terminals.values()
                                    for word in values} | {
    "from", "color", "opacity", "nolabel", "image", "dw", "bias", "nobias", "ceil", "block", "import", "in", "bi", "wrap",
    "last", "shift"}


def _terminal_literal(name: str) -> str | None:
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


def _describe(expected: set[str]) -> tuple[list[str], list[str]]:
    """Human words for the expected terminals, and the keywords among them (for 'did you mean')."""
    words, keywords = [], []
    for name in sorted(expected):
        literal = _terminal_literal(name)
        if literal is not None:
            words.append(f"'{literal}'")
            keywords.append(literal)
        else:
            words.append(_TERMINAL_WORDS.get(name, name))
            keywords.extend(_KEYWORD_TERMINALS.get(name, ()))
    return words, keywords


def _word_at(text: str, pos: int) -> str:
    match = re.compile(r"[^\s\"{}=,]+").match(text, pos)
    return match.group(0) if match else text[pos:pos + 1]


def _syntax_error(err: UnexpectedInput, text: str) -> ParseError:
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        lines = text.splitlines() or [""]
        return ParseError("unexpected end of file", span=Span(len(lines), len(lines[-1]) + 1))
    expected = set(err.expected if isinstance(err, UnexpectedToken) else err.allowed or ())
    pos = err.token.start_pos if isinstance(err, UnexpectedToken) else err.pos_in_stream
    line, column = err.line, err.column
    word = _word_at(text, pos)
    if isinstance(err, UnexpectedToken) and err.token.type == "_NL":
        word = "end of line"
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    rest = text[pos:line_end if line_end >= 0 else len(text)]

    if rest.startswith('"') and rest.count('"') % 2 == 1:
        return ParseError("this label has no closing quote", span=Span(line, column, column + len(rest)),
                          hint='end it on the same line: "label" (write \\" for a quote inside)')
    before = re.findall(r"[^\s=]+", text[line_start:pos])
    if rest.startswith("=") and before and before[-1] in RESERVED:
        return ParseError(f"'{before[-1]}' is a reserved word and cannot name a layer",
                          span=Span(line, column - len(before[-1]) - 1 if column > len(before[-1]) else 1),
                          hint=f"choose another name, e.g. {before[-1]}1 = ...")
    hex_colour = re.search(r"=\s*(#[^\s,}]*)", text[line_start:line_end if line_end >= 0 else len(text)])
    if "HEX_COLOR" in expected and hex_colour:  # '#12345' reads as a comment
        start = hex_colour.start(1) + 1
        return ParseError(f"'{hex_colour.group(1)}' is not a colour: a colour is # and six hexadecimal digits",
                          span=Span(line, start, start + len(hex_colour.group(1))), hint="e.g. color=#1f77b4")
    if not word.isprintable():
        word = " ".join(f"U+{ord(ch):04X}" for ch in word[:3])

    # 'convv 64 k3' lexes 'convv' as a name awaiting '='; the real mistake is the unknown layer kind.
    if expected and expected <= {"EQUAL", "ARGS"}:
        start = text.rfind("\n", 0, pos) + 1
        head = re.match(r"\s*([^\s=]+)", text[start:pos])
        if head:
            unknown = head.group(1)
            col = start + head.start(1)
            return ParseError(f"unknown layer '{unknown}'", span=Span(line, col - start + 1, col - start + 1 +
                              len(unknown)), hint=suggest(unknown, _STATEMENT_WORDS) or
                              "a line starts with a layer kind (conv, pool, dense, ...) or 'name ='")
    words, keywords = _describe(expected)
    if before[:1] == ["style"]:  # 'style' and nothing, or not a name, after it; or after a comma
        from .styles import names, options_of
        name = before[1].rstrip(",") if len(before) > 1 else None
        options = ", ".join(options_of(name)) if name in names() else ""
        words = (["a style: " + ", ".join(names())] if name is None else
                 [f"an option of the {name} style" + (f": {options}" if options else " (it takes none)")])
    elif "CONV" in expected or not before:  # the start of a statement
        first: dict[str, str] = {}  # a kind of each family
        for kind in kinds.every():
            if "ACT" not in kind.terminals:
                first.setdefault(kind.family, kind.keyword)
        words = ["a layer kind (" + ", ".join(list(first.values())[:7]) + ", ...)", "'name ='", "network", "skip"]
    hint = suggest(word, keywords) if word != "end of line" else None
    if len(words) > 8:
        words = words[:8] + ["..."]
    if word == "end of line":
        return ParseError(f"the line ends too early; expected {', '.join(words)}",
                          span=Span(line, column, column + 1))
    return ParseError(f"unexpected '{word}'; expected {', '.join(words)}",
                      span=Span(line, column, column + max(1, len(word))), hint=hint)
