"""Every example in docs/language.md works: each ```nn block parses, passes shape inference and lays out with
nothing overlapping, and each ```python block builds the same network as the ```nn block right before it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import tikznn
from conftest import EXAMPLES
from tikznn import Network
from tikznn.blocks import split as split_blocks
from tikznn.checks import problems
from tikznn import styles
from tikznn.shapes import analyse

DOC = Path(__file__).resolve().parent.parent / "docs" / "language.md"
MIN_NN_BLOCKS = 10

_FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def _blocks() -> list[tuple[str, str, int]]:
    """(info string, body, line of the opening fence) of every fenced block, in order."""
    text = DOC.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in _FENCE.finditer(text)]


def _section_of(line: int) -> str:
    title = "top"
    for number, text in enumerate(DOC.read_text(encoding="utf-8").splitlines(), 1):
        if number >= line:
            break
        if text.startswith("## "):
            title = text[3:].strip()
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


BLOCKS = _blocks() if DOC.exists() else []
NN = [(body, line) for info, body, line in BLOCKS if info == "nn"]
# each python block with the nn block right before it (None when a python block does not follow an nn block)
TWINS = [(body, line, BLOCKS[i - 1] if i and BLOCKS[i - 1][0] == "nn" else None)
         for i, (info, body, line) in enumerate(BLOCKS) if info == "python"]


def _id(index: int, line: int) -> str:
    return f"{index:02d}-line{line}-{_section_of(line)}"


def test_the_doc_has_enough_examples():
    assert DOC.exists(), f"{DOC} is missing"
    assert len(NN) >= MIN_NN_BLOCKS, f"only {len(NN)} ```nn blocks in {DOC.name}; expected at least {MIN_NN_BLOCKS}"
    assert len(TWINS) >= MIN_NN_BLOCKS, f"only {len(TWINS)} ```python builder examples in {DOC.name}"


def test_every_fence_is_nn_python_or_plain():
    """A typo in an info string (```NN, ```py) would silently drop an example from these tests."""
    assert {info for info, _, _ in BLOCKS} <= {"nn", "python", ""}


SETTINGS = ("network", "caption", "dims", "stats", "collapse", "layout", "width", "height", "sizes", "detail", "theme", "legend",
            "fontsize", "style", "stage", "import")


@pytest.mark.parametrize("body,line", [pytest.param(b, l, id=_id(i, l)) for i, (b, l) in enumerate(NN)])
def test_nn_example_works(body, line):
    outside_blocks = split_blocks(body)[0]
    first = next(s for s in (ln.split("#")[0].strip() for ln in outside_blocks.splitlines()) if s
                 and not s.startswith(SETTINGS))
    assert re.match(r"(\w+ = )?input ", first), f"the example at line {line} should start with an input line"
    network = tikznn.parse(body, path=f"{DOC.name}:{line}")
    analysis = analyse(network)
    assert set(analysis) == set(network.names())
    assert problems(styles.draw(network, analysis, network.figure)) == []  # in its own style


@pytest.mark.parametrize("code,line,twin",
                         [pytest.param(c, l, t, id=_id(i, l)) for i, (c, l, t) in enumerate(TWINS)])
def test_python_example_builds_the_nn_example(code, line, twin):
    assert twin is not None, f"the python block at line {line} does not follow an nn block"
    _, nn_body, nn_line = twin
    namespace = {"Network": Network}
    exec(compile(code, f"{DOC.name}:{line}", "exec"), namespace)
    built = namespace.get("net")
    assert isinstance(built, tikznn.Network), f"the python block at line {line} does not set `net` to a Network"
    assert built == tikznn.parse(nn_body), f"builder (line {line}) and parser (line {nn_line}) disagree"


def test_every_nn_example_has_a_builder_twin():
    twinned = {twin[2] for _, _, twin in TWINS if twin is not None}
    missing = [line for _, line in NN if line not in twinned]
    assert not missing, f"```nn blocks without a ```python twin after them, at lines {missing}"


@pytest.mark.parametrize("line,call", [pytest.param(line, call, id=line) for line, call in [
    ("conv 4", lambda n: n.conv(4)),
    ("deconv 4", lambda n: n.deconv(4)),
    ("pool max", lambda n: n.pool("max")),
    ("pool global", lambda n: n.pool("global")),
    ("upsample 2", lambda n: n.upsample()),
    ("dropout", lambda n: n.dropout()),
]])
def test_defaults_agree(line, call):
    """A bare statement and the builder call without arguments make the same layer (the doc's defaults)."""
    assert tikznn.parse(f"input 3x8x8\n{line}\n") == call(Network().input(3, 8, 8))


def test_the_import_page_names_what_every_kind_is_imported_from():
    """docs/importing.md is written by hand: every module, function and ONNX op a kind declares is in it."""
    from tikznn import kinds
    page = (DOC.parent / "importing.md").read_text(encoding="utf-8")
    for kind in kinds.every():
        for name in (*kind.torch_modules, *kind.torch_functions, *kind.onnx_ops):
            assert f"`{name}`" in page, (kind.keyword, name)


def test_pygmentize_highlights_every_example_with_the_parsers_words():
    """`pygmentize -l tikznn` (the lexer installed as a Pygments entry point) gives every word of every example
    a class: no text left plain, the statements and layer kinds as keywords."""
    import glob

    from pygments.lexers import get_lexer_by_name
    from pygments.token import Keyword, Text, Whitespace

    lexer = get_lexer_by_name("tikznn")  # (found through the entry point: the package is installed)
    for path in sorted(glob.glob(str(EXAMPLES / "*.nn")) + glob.glob(str(EXAMPLES / "thesis" / "figures" / "*.nn"))):
        tokens = list(lexer.get_tokens(open(path, encoding="utf-8").read()))
        plain = [value for kind, value in tokens if kind is Text and value.strip()]
        assert plain == [], (path, plain[:5])
        keywords = {value for kind, value in tokens if kind in Keyword}
        assert keywords & {"input", "block"} and keywords & {"conv", "dense", "patches"}, path
        assert all(kind is not Whitespace or not value.strip() for kind, value in tokens)
