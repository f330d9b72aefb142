"""The .nn language: Lark grammar (grammar/tikznn.lark) → statements → Network through the builder's `append`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import model
from .errors import ParseError, Span, TikznnError
from .model import ACTIVATIONS, Network, Skip, Style, suggest
from .resources import resource_dir

MAX_BYTES = 2_000_000  # a hand-written network is a few kB; bigger input is almost surely not one


@lru_cache(maxsize=1)
def _lark() -> Lark:
    # no cache=True: lark would pickle the parser to a predictable, shared file in /tmp and load it back
    return Lark.open(str(resource_dir("grammar") / "tikznn.lark"), parser="lalr", propagate_positions=True,
                     maybe_placeholders=True)


def _span(token_or_meta) -> Span:
    end = getattr(token_or_meta, "end_column", None)
    return Span(token_or_meta.line, token_or_meta.column, end)


def unquote(token: Token) -> str:
    return token[1:-1].replace('\\"', '"')


def _sizes(token: Token) -> tuple[int, ...]:
    return tuple(int(part) for part in re.sub(r"^[a-z]+", "", token).split("x"))


def _pair(token: Token) -> tuple[int, int]:
    sizes = _sizes(token)
    return (sizes[0], sizes[-1])


@dataclass
class _Stage:
    """A 'stage' line (name) or an 'end' line (None)."""

    name: str | None
    span: Span


@dataclass
class _Kind:
    """A layer statement's kind and settings, before its name, label and inputs are known."""

    cls: type
    settings: dict
    refs: list[Token] = field(default_factory=list)


def _padding(token: Token):
    word = token[1:]
    return ("padding", word if word in ("same", "valid") else _pair(token))


_SETTING_WORDS = {"act": "activation", "bn": "batch-norm", "depthwise": "dw"}

# option token → (setting, value)
_CONV_OPTIONS = {
    "KERNEL": lambda t: ("kernel", _pair(t)),
    "STRIDE": lambda t: ("stride", _pair(t)),
    "PADDING": _padding,
    "DILATION": lambda t: ("dilation", _pair(t)),
    "GROUPS": lambda t: ("groups", int(t[1:])),
    "OUTPUT_PADDING": lambda t: ("output_padding", _pair(t)),
    "DW": lambda t: ("depthwise", True),
    "BIAS": lambda t: ("bias", True),
    "NOBIAS": lambda t: ("bias", False),
    "BN": lambda t: ("bn", True),
    "ACT": lambda t: ("act", str(t)),
    "CEIL": lambda t: ("ceil", True),
}


class _ToStatements(Transformer):
    """Parse tree → a list of statements: ('network', str), ('caption', str), (Layer, refs, implicit), Skip."""

    def start(self, items):
        return list(items)

    @v_args(meta=True)
    def network(self, meta, items):
        return ("network", unquote(items[0]), _span(meta))

    @v_args(meta=True)
    def caption(self, meta, items):
        return ("caption", unquote(items[0]), _span(meta))

    @v_args(meta=True)
    def dims(self, meta, items):
        return ("dims", str(items[0]), _span(meta))

    @v_args(meta=True)
    def stats(self, meta, items):
        return ("stats", True, _span(meta))

    @v_args(meta=True)
    def collapse(self, meta, items):
        return ("collapse", True, _span(meta))

    @v_args(meta=True)
    def stage(self, meta, items):
        return (_Stage(unquote(items[0]), _span(meta)),)

    @v_args(meta=True)
    def end(self, meta, items):
        return (_Stage(None, _span(meta)),)

    @v_args(meta=True)
    def skip(self, meta, items):
        source, target, label = items
        return (Skip(source=str(source), target=str(target), label=label and unquote(label), at=_span(meta)),
                {str(source): _span(source), str(target): _span(target)})

    def label(self, items):
        return ("label", unquote(items[0]), items[0])

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
                raise ParseError(f"this layer has two {key}s", span=_span(token) if token else _span(meta),
                                 hint=f"keep one {key}")
            given[key] = value
        label, style, source = given.get("label"), given.get("style"), given.get("source")
        refs = list(kind.refs)
        implicit = len(refs) < 2
        if source is not None:
            if kind.cls in (model.Add, model.Concat):
                raise ParseError(f"'{kind.cls.kind}' names its inputs itself; 'from' does not apply",
                                 span=_span(source), hint=f"write: {kind.cls.kind} a b")
            refs, implicit = [source], False
        layer = kind.cls(name=str(name or ""), label=label, style=style or Style(),
                         at=_span(meta), **kind.settings)
        return (layer, [str(r) for r in refs], implicit, {str(r): _span(r) for r in refs}, given.get("times", 1))

    def input(self, items):
        return _Kind(model.Input, {"shape": _sizes(items[0])})

    def _conv_settings(self, items, cls):
        settings = {"channels": int(items[0])}
        for token in items[1:]:
            key, value = _CONV_OPTIONS[token.type](token)
            if key == "output_padding" and cls is not model.Deconv:
                raise ParseError("output padding (op) belongs to deconv", span=_span(token),
                                 hint="a conv's output size is set by its kernel, stride and padding")
            if key in settings:
                raise ParseError(f"{_SETTING_WORDS.get(key, key.replace('_', ' '))} given twice", span=_span(token),
                                 hint="keep one of them")
            settings[key] = value
        return _Kind(cls, settings)

    def conv(self, items):
        return self._conv_settings(items, model.Conv)

    def deconv(self, items):
        return self._conv_settings(items, model.Deconv)

    def pool(self, items):
        mode, size, *options = items
        settings = {"mode": str(mode)}
        if size is not None:
            settings["kernel"] = (int(size), int(size))
        for token in options:
            key, value = _CONV_OPTIONS[token.type](token)
            if key in settings:
                raise ParseError(f"{key} given twice", span=_span(token), hint="keep one of them")
            if key == "padding" and isinstance(value, str):
                raise ParseError(f"pooling takes a numeric padding, not '{token}'", span=_span(token))
            settings[key] = value
        return _Kind(model.Pool, settings)

    def upsample(self, items):
        scale, mode = items
        return _Kind(model.Upsample, {"scale": int(scale), "mode": str(mode or "nearest")})

    def dense(self, items):
        units, act = items
        return _Kind(model.Dense, {"units": int(units), "act": act and str(act)})

    def flatten(self, items):
        return _Kind(model.Flatten, {})

    def bn(self, items):
        return _Kind(model.BatchNorm, {})

    def activation(self, items):
        return _Kind(model.Activation, {"fn": str(items[0])})

    def dropout(self, items):
        return _Kind(model.Dropout, {} if items[0] is None else {"p": float(items[0])})

    def add(self, items):
        *refs, act = items
        return _Kind(model.Add, {"act": act and str(act)}, refs)

    def concat(self, items):
        return _Kind(model.Concat, {}, list(items))

    def style(self, items):
        settings = {}
        for key, value, token in items:
            if key in settings:
                raise ParseError(f"{key.replace('show_', '')} given twice in this style", span=_span(token),
                                 hint="keep one of them")
            settings[key] = value
        return Style(**settings)

    def color(self, items):
        problem = model.colour_problem(str(items[0]))
        if problem:  # checked here too, to point at the colour itself
            raise ParseError(problem[0], span=_span(items[0]), hint=problem[1])
        return ("color", str(items[0]), items[0])

    def opacity(self, items):
        value = float(items[0])
        if not 0 <= value <= 1:
            raise ParseError(f"opacity {value} must be between 0 and 1", span=_span(items[0]))
        return ("opacity", value, items[0])

    @v_args(meta=True)
    def nolabel(self, meta, items):
        return ("show_label", False, meta)

    def style_dims(self, items):
        return ("dims", str(items[0]), items[0])




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


def parse(text: str, path: str | None = None) -> Network:
    """Parse .nn text into a Network. Raises ParseError/ModelError located at `path`."""
    try:
        if len(text) > MAX_BYTES:
            raise ParseError(f"text is {len(text):,} characters; a .nn description is expected to be short")
        tree = _lark().parse(text if text.endswith("\n") else text + "\n")
        statements = _ToStatements().transform(tree)
        return _assemble(statements)
    except UnexpectedInput as err:
        raise _syntax_error(err, text).located(path, text) from None
    except TikznnError as err:
        raise err.located(path, text) from None
    except Exception as err:  # a Transformer wraps errors raised inside callbacks
        inner = getattr(err, "orig_exc", None)
        if isinstance(inner, TikznnError):
            raise inner.located(path, text) from None
        raise


def _assemble(statements) -> Network:
    network = model.Assembler()
    seen_input = False
    settings: set[str] = set()
    for statement in statements:
        if isinstance(statement[0], _Stage):
            network.stage(statement[0].name, statement[0].span)
        elif isinstance(statement[0], str):
            key, value, span = statement
            if key in settings:
                raise ParseError(f"a second '{key}' line", span=span, hint=f"a figure has one '{key}' line")
            settings.add(key)
            setattr(network, "name" if key == "network" else key, value)
        elif isinstance(statement[0], Skip):
            network.skip(*statement)
        else:
            layer, refs, implicit, spans, times = statement
            seen_input = seen_input or isinstance(layer, model.Input)
            network.add(layer, refs, implicit=implicit, ref_spans=spans, times=times)
    if not seen_input:
        raise ParseError("no network here: the description has no input line",
                         hint='start with lines like:  network "My net"  /  input 3x224x224')
    return network.network()


# -- syntax errors in the user's words -----------------------------------------------------------------------

_TERMINAL_WORDS = {
    "NAME": "a layer name", "INT": "a whole number", "NUMBER": "a number", "STRING": 'a "label"',
    "SHAPE": "a shape like 3x224x224", "KERNEL": "a kernel like k3", "STRIDE": "a stride like s2",
    "PADDING": "a padding like p1", "ACT": "an activation (" + ", ".join(ACTIVATIONS) + ")",
    "POOL_MODE": "max, avg or global", "UPSAMPLE_MODE": "nearest or bilinear", "_NL": "the end of the line",
    "HEX_COLOR": "#rrggbb", "COLOR_NAME": "a colour name", "$END": "the end of the file",
    "DIMS_MODE": "auto, shape, channels or none", "DILATION": "a dilation like d2", "GROUPS": "groups like g4",
    "OUTPUT_PADDING": "an output padding like op1",
}
_KEYWORD_TERMINALS = {"ACT": ACTIVATIONS, "POOL_MODE": model.POOL_MODES, "UPSAMPLE_MODE": model.UPSAMPLE_MODES,
                      "DIMS_MODE": model.DIMS_MODES}
_STATEMENT_WORDS = ("network", "caption", "dims", "stats", "collapse", "stage", "end", "skip", "input", "conv",
                    "deconv", "pool", "upsample", "dense", "flatten", "bn", "dropout", "add", "concat") + ACTIVATIONS


_RESERVED = set(_STATEMENT_WORDS) | {"from", "max", "avg", "global", "nearest", "bilinear", "color", "opacity",
                                     "nolabel", "dw", "bias", "nobias", "ceil"}


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
    if rest.startswith("=") and before and before[-1] in _RESERVED:
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
    if expected == {"EQUAL"}:
        start = text.rfind("\n", 0, pos) + 1
        head = re.match(r"\s*([^\s=]+)", text[start:pos])
        if head:
            unknown = head.group(1)
            col = start + head.start(1)
            return ParseError(f"unknown layer '{unknown}'", span=Span(line, col - start + 1, col - start + 1 +
                              len(unknown)), hint=suggest(unknown, _STATEMENT_WORDS) or
                              "a line starts with a layer kind (conv, pool, dense, ...) or 'name ='")
    words, keywords = _describe(expected)
    if "CONV" in expected or not before:  # the start of a statement
        kinds = ("input", "conv", "deconv", "pool", "upsample", "dense", "flatten")
        words = ["a layer kind (" + ", ".join(kinds) + ", ...)", "'name ='", "network", "skip"]
    hint = suggest(word, keywords) if word != "end of line" else None
    if len(words) > 8:
        words = words[:8] + ["..."]
    if word == "end of line":
        return ParseError(f"the line ends too early; expected {', '.join(words)}",
                          span=Span(line, column, column + 1))
    return ParseError(f"unexpected '{word}'; expected {', '.join(words)}",
                      span=Span(line, column, column + max(1, len(word))), hint=hint)
