"""Golden images of the examples: build the PDF (each example as it prints across a 7 in page, each drawing style at
its natural size), render it at a fixed DPI, compare with tests/goldens/images.

`make goldens` regenerates them; a reviewer looks at the PNGs. On failure, result/expected/diff PNGs are written
to tests/output/ and their paths printed."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from PIL import Image

from conftest import CJK, EXAMPLE_NAMES, EXAMPLES, GOLDENS, OUTPUT, REGENERATE, need_tex
from imagecompare import compare, diff_image, page
from printsize import assert_prints
from tikznn import build
from tikznn.errors import TikznnWarning
from tikznn.tex import cjk_count

DPI = 100
NAMES = EXAMPLE_NAMES
PAGE = "7in"  # the examples' golden images: as they print across a page


# Each drawing style on the examples it applies to (see tests/test_styles.py for those it refuses).
STYLED = [("lenet", "flat"), ("mlp", "flat"), ("lenet", "graph"), ("mlp", "graph bias"),
          ("lenet", "schematic"), ("mlp", "schematic"), ("resnet18", "schematic"), ("transformer", "schematic"),
          ("inception", "schematic"), ("unet", "schematic")]


@pytest.mark.latex
@pytest.mark.parametrize("name", NAMES)
def test_an_example_across_a_page_matches_its_golden_image_and_prints_at_6_pt(name, tmp_path):
    """As the README's gallery shows it (--width 7in): one build is compared with its golden image and measured as
    it prints (smallest text, width, height: tests/test_print.py measures the column and the zoo)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TikznnWarning)  # (a shortfall is measured below)
        pdf = _matches_golden(name, name, tmp_path, width=PAGE)
    assert_prints(pdf, PAGE)


@pytest.mark.latex
@pytest.mark.parametrize("name,style", STYLED, ids=[f"{n}-{s.replace(' ', '-')}" for n, s in STYLED])
def test_each_style_matches_golden_image(name, style, tmp_path):
    _matches_golden(name, f"{name}-{style.replace(' ', '-')}", tmp_path, style=style)


def _matches_golden(name: str, golden_name: str, tmp_path, **figure) -> Path:
    if cjk_count((EXAMPLES / f"{name}.nn").read_text(encoding="utf-8")):  # Chinese labels: CJKutf8 and a font
        need_tex(*CJK)
    pdf = tmp_path / f"{golden_name}.pdf"
    build(EXAMPLES / f"{name}.nn", pdf, **figure)
    result = page(pdf, DPI)
    golden = GOLDENS / "images" / f"{golden_name}.png"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        result.save(golden, optimize=True)
        pytest.skip("golden regenerated")
    assert golden.exists(), f"no golden image {golden}: run `make goldens` and look at it"
    expected = Image.open(golden)
    comparison = compare(result, expected)
    if not comparison.ok:
        OUTPUT.mkdir(exist_ok=True)
        paths = {kind: OUTPUT / f"{golden_name}-{kind}.png" for kind in ("result", "expected", "diff")}
        result.save(paths["result"])
        expected.save(paths["expected"])
        diff_image(result, expected).save(paths["diff"])
        pytest.fail(f"{golden_name}: {comparison}\n" + "\n".join(f"  {k}: {p}" for k, p in paths.items()),
                    pytrace=False)
    return pdf


@pytest.mark.latex
@pytest.mark.parametrize("name", ["resnet18", "transformer"])
def test_a_figure_drawn_in_pieces_looks_the_same(name, tmp_path, monkeypatch):
    """A large figure is drawn in pieces (PDF forms, to free TeX's memory); made to use them on a small one, every
    piece must land where it was drawn and the page must be just as large."""
    from tikznn import parse_file, render, to_tex
    monkeypatch.setattr(render, "LARGE", 0)
    monkeypatch.setattr(render, "PIECE", 5)
    network = parse_file(EXAMPLES / f"{name}.nn")
    assert to_tex(network, network.figure.but(width=PAGE)).count("\\tikznnnextpiece") >= 3
    pdf = tmp_path / f"{name}.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TikznnWarning)
        build(EXAMPLES / f"{name}.nn", pdf, width=PAGE)
    result = page(pdf, DPI)
    comparison = compare(result, Image.open(GOLDENS / "images" / f"{name}.png"))
    # text set inside a piece (a PDF form) may be anti-aliased a sub-pixel apart, which no tile limit for the
    # whole figure allows for; a piece out of place moves whole lines, pixels off by far more
    assert comparison.same_size and comparison.pixels_off <= 10 and comparison.worst_tile_rms < 30, \
        f"{name} in pieces: {comparison}"
