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


def textmate() -> dict:
    """The same highlighting as a TextMate grammar (editors/vscode/syntaxes/tikznn.tmLanguage.json is this, written
    out by `python -m tikznn.lexer`; a test keeps it so): VS Code, Sublime Text, GitHub's linguist."""
    def alternatives(names) -> str:
        return r"\b(" + "|".join(sorted(names, key=lambda w: (-len(w), w))) + r")\b"
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "tikznn", "scopeName": "source.tikznn", "fileTypes": ["nn"],
        "patterns": [
            {"name": "comment.line.number-sign.tikznn", "match": r"#(?![0-9a-fA-F]{6}\b).*$"},
            {"name": "string.quoted.double.tikznn", "begin": '"', "end": '"',
             "patterns": [{"name": "constant.character.escape.tikznn", "match": r"\\."}]},
            {"match": r"\b(block)\s+(\w+)", "captures": {"1": {"name": "keyword.control.tikznn"},
                                                         "2": {"name": "entity.name.function.tikznn"}}},
            {"match": r"^\s*([A-Za-z_][\w.]*)\s*(=)", "captures": {"1": {"name": "variable.other.definition.tikznn"},
                                                                   "2": {"name": "keyword.operator.tikznn"}}},
            {"name": "keyword.control.tikznn", "match": alternatives(_STATEMENTS)},
            {"name": "storage.type.layer.tikznn", "match": alternatives(_LAYERS)},
            {"name": "support.function.activation.tikznn", "match": alternatives(_ACTIVATIONS)},
            {"name": "keyword.other.setting.tikznn", "match": alternatives(_SETTINGS)},
            {"name": "variable.parameter.tikznn", "match": r"\$\w+"},
            {"name": "constant.numeric.shape.tikznn", "match": r"\b\d+(x\d+)+\b"},
            {"name": "constant.other.option.tikznn", "match": r"\b[a-z]+\d+(\.\d+)?(x\d+)?\b"},
            {"name": "constant.other.colour.tikznn", "match": r"#[0-9a-fA-F]{6}\b"},
            {"name": "constant.numeric.tikznn", "match": r"\b\d+(\.\d+)?(cm|mm|in|pt)?\b"},
            {"name": "keyword.operator.tikznn", "match": r"->|="},
        ],
    }


if __name__ == "__main__":  # write the TextMate grammar where the VS Code extension reads it
    import json
    from pathlib import Path

    target = Path(__file__).resolve().parent.parent / "editors" / "vscode" / "syntaxes" / "tikznn.tmLanguage.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(textmate(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")
