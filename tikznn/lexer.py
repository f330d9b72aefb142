"""A Pygments lexer for .nn files (`pygmentize -l tikznn net.nn`; installed as the entry point pygments.lexers).

Its words are the parser's own: statement words, layer kinds, activations and settings (parser.py), never a list
kept here."""
from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

from . import parser

_STATEMENTS = parser.STATEMENTS + ("block",)
_LAYERS, _ACTIVATIONS = parser.LAYER_KINDS, parser.ACTIVATIONS
_SETTINGS = tuple(sorted(parser.RESERVED - set(_STATEMENTS) - set(_LAYERS) - set(_ACTIVATIONS)))


class NnLexer(RegexLexer):
    """tikznn's .nn language: layers one per line, blocks, stages, skips and figure settings."""

    name = "tikznn"
    aliases = ["tikznn", "nn"]
    filenames = ["*.nn"]
    mimetypes = ["text/x-tikznn"]

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"(\\\\|\\"|[^"\\])*"', String.Double),
            (r"\b(block)(\s+)(\w+)", bygroups(Keyword, Whitespace, Name.Function)),
            (r"(\w[\w.]*)(\s*)(=)(?!=)", bygroups(Name.Label, Whitespace, Operator)),
            (words(_STATEMENTS, suffix=r"\b"), Keyword),
            (words(_LAYERS, suffix=r"\b"), Keyword.Type),
            (words(_ACTIVATIONS, suffix=r"\b"), Name.Builtin),
            (words(_SETTINGS, suffix=r"\b"), Keyword.Pseudo),
            (r"\$\w+", Name.Variable),  # a block's parameter
            (r"\d+(x\d+)+\b", Number),  # a shape, 3x224x224
            (r"[a-z]+\d+(\.\d+)?(x\d+)?\b", Name.Attribute),  # an option: k3, s2, p1, k3x1, h8, ff2048, x3
            (r"\d+(\.\d+)?(cm|mm|in|pt)?\b", Number),
            (r"->|[=*]", Operator),
            (r"[(){},]", Punctuation),
            (r"\w[\w.#]*", Name),
            (r".", Text),
        ],
    }
