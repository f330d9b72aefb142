"""editors/: the TextMate grammar (written from the lexer's words, so from the parser's) and the VS Code extension
folder that uses it and `tikznn lsp`."""
import json
import re

import pytest

from conftest import EXAMPLES, ROOT
from tikznn import parser
from tikznn.lexer import textmate

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "tikznn.tmLanguage.json"


def test_the_grammar_is_written_from_the_parsers_words():
    assert GRAMMAR.read_text(encoding="utf-8") == json.dumps(textmate(), indent=2, ensure_ascii=False) + "\n", \
        "editors/ is out of date: run python -m tikznn.lexer"


def scopes(line: str) -> list[tuple[str, str]]:
    """(text, scope) of a line as a TextMate editor tokenizes it with the grammar's top-level patterns: at each
    place the pattern matching earliest wins, the first listed on a tie."""
    patterns = []
    for pattern in textmate()["patterns"]:
        if "begin" in pattern:  # (a string: from its quote to the next unescaped one)
            patterns.append((re.compile(r'"(\\.|[^"\\])*"?'), pattern["name"], None))
        else:
            patterns.append((re.compile(pattern["match"]), pattern.get("name"), pattern.get("captures")))
    found, at = [], 0
    while at < len(line):
        matches = [(m.start(), i, m) for i, (regex, _, _) in enumerate(patterns) if (m := regex.search(line, at))]
        if not matches:
            break
        _, i, match = min(matches, key=lambda t: (t[0], t[1]))
        _, name, captures = patterns[i]
        if captures:
            found += [(match.group(int(k)), v["name"]) for k, v in captures.items()]
        else:
            found.append((match.group(), name))
        at = max(match.end(), at + 1)
    return found


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.nn")), ids=lambda p: p.name)
def test_every_example_is_coloured_by_what_its_words_are(path):
    words = set(parser.STATEMENTS) | set(parser.LAYER_KINDS) | set(parser.ACTIVATIONS)
    for line in path.read_text(encoding="utf-8").splitlines():
        tokens = scopes(line)
        code = line.split("#")[0] if '"' not in line else line
        first = code.split()[0] if code.split() else ""
        if first in words:
            scope = dict(tokens)[first]
            assert scope.split(".")[0] in ("keyword", "storage", "support"), (line, tokens)
        if "#" in line and '"' not in line:
            assert tokens[-1][1].startswith("comment"), (line, tokens)


def test_a_colour_is_not_a_comment_and_a_string_keeps_its_hash():
    tokens = scopes('a = conv 8 k3 "C # x" {color=#ff0000}  # note')
    assert ("#ff0000", "constant.other.colour.tikznn") in tokens
    assert ('"C # x"', "string.quoted.double.tikznn") in tokens
    assert tokens[-1] == ("# note", "comment.line.number-sign.tikznn")
    assert ("a", "variable.other.definition.tikznn") in tokens and ("conv", "storage.type.layer.tikznn") in tokens


def test_the_vscode_folder_names_the_language_its_grammar_and_the_server():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    (grammar,) = package["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "tikznn" and language["extensions"] == [".nn"]
    assert (VSCODE / grammar["path"]).resolve() == GRAMMAR and grammar["scopeName"] == textmate()["scopeName"]
    assert (VSCODE / language["configuration"]).exists()
    json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    main = (VSCODE / package["main"]).read_text(encoding="utf-8")
    assert 'args: ["lsp"]' in main and "vscode-languageclient" in package["dependencies"]
