"""The grammar and the templates, compiled, ready for parse and render to take. A library call compiles them in
memory; the ends of the pipeline that touch files (reading a .nn file, building a figure) first load them from the
user's private cache folder, or save them there, since compiling them takes longer than drawing a small figure.
parse and render themselves never read or write a cache."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import lark
from lark import Lark

from .cache import digest, private_file, prune
from .resources import resource_dir

if TYPE_CHECKING:
    import jinja2

_READY: dict[str, object] = {}  # "grammar": the Lark parser, "templates": the Jinja environment; each made once
_MAKING = threading.Lock()  # builds run in several threads at once


def grammar() -> Lark:
    """The .nn parser: the one an end of the pipeline loaded, or else one built now in memory."""
    return _ready("grammar", lambda: _lark(None))


def templates() -> jinja2.Environment:
    """The TeX templates: as an end of the pipeline loaded them, or else compiled in memory as they are used."""
    return _ready("templates", lambda: _environment(None))


def load_grammar() -> None:
    """For the end that reads files: the parser from the cache folder (saved there first if it is not)."""
    _ready("grammar", _cached_lark)


def load_templates() -> None:
    """For the end that writes files: every template compiled, through the cache folder."""
    _ready("templates", _cached_environment)


def _ready(name: str, make):
    with _MAKING:
        if name not in _READY:
            _READY[name] = make()
        return _READY[name]


def _lark(cache: Path | None) -> Lark:
    """Never built with cache=True: lark would pickle it to a predictable, shared file in /tmp and load it back."""
    return Lark.open(str(resource_dir("grammar") / "tikznn.lark"), parser="lalr", propagate_positions=True,
                     maybe_placeholders=True, cache=str(cache) if cache else False)


def _cached_lark() -> Lark:
    """Kept in a file only this user can write (a pickle), named after the grammar and lark's version."""
    text = (resource_dir("grammar") / "tikznn.lark").read_bytes()
    key = digest(text + lark.__version__.encode())[:16]
    cached = private_file(f"grammar-{key}.lark")
    if cached is not None and not cached.exists():
        prune(r"grammar-[0-9a-f]{16}\.lark", keep=cached.name)  # (an older grammar's or lark's)
    return _lark(cached)


def _environment(compiled: Path | None) -> jinja2.Environment:
    import jinja2  # here: a parse alone need not load it (a twentieth of a second)

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,
        auto_reload=False,  # the templates do not change while tikznn runs: no looking at their dates
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix="%%", line_comment_prefix="%#",
        trim_blocks=True, lstrip_blocks=True, autoescape=False, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)


def _cached_environment() -> jinja2.Environment:
    """Every template compiled now, the Python code from them kept in a cache folder only this user can write
    (it is loaded as code), so that rendering reads no file."""
    compiled = private_file("templates")
    try:
        if compiled:
            compiled.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        compiled = None
    environment = _environment(compiled)
    for name in environment.list_templates(extensions=["j2"]):
        environment.get_template(name)
    return environment
