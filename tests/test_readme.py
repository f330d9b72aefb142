"""The README's examples are real: its .nn blocks parse and lay out cleanly, its Python twin equals LeNet-5."""
import re

from conftest import ROOT
from tikznn import Network, parse
from tikznn.checks import problems
from tikznn.layout import layout

README = (ROOT / "README.md").read_text(encoding="utf-8")
NN_BLOCKS = re.findall(r"```nn\n(.*?)```", README, re.S)
PY_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_nn_blocks_build_cleanly():
    assert len(NN_BLOCKS) >= 2
    for text in NN_BLOCKS:
        assert problems(layout(parse(text))) == []


def test_readme_python_builds_the_same_lenet():
    scope = {}
    exec(PY_BLOCKS[0], scope)
    assert isinstance(scope["net"], Network)
    assert scope["net"] == parse(NN_BLOCKS[0])


def test_the_gallery_shows_every_example_and_every_link_works():
    linked = set(re.findall(r"\]\((docs/gallery/[\w.]+\.png)\)", README))
    sources = set(re.findall(r"\]\((examples/[\w.]+\.nn)\)", README))
    examples = {p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").glob("*.nn")}
    assert sources == examples, f"examples missing from the README: {sorted(examples - sources)}"
    assert linked == {f"docs/gallery/{p.rsplit('/', 1)[1][:-3]}.png" for p in examples} | \
        {"docs/gallery/lenet_maps_seen.png"}  # (and LeNet built with its model's maps)
    assert all((ROOT / path).exists() for path in linked | sources)


def test_the_styles_table_shows_what_make_docs_draws():
    shown = set(re.findall(r"\]\((docs/gallery/styles/[\w-]+\.png)\)", README))
    makefile = (ROOT / "Makefile").read_text()
    assert len(shown) == 12 and all((ROOT / path).exists() for path in shown)
    assert "docs/gallery/styles/$$n-$$s.png" in makefile
