"""Themes (classic, print, colorblind) and the legend of the kinds of layer a figure draws."""
import subprocess
import sys

import pytest
from pdf2image import convert_from_path

from conftest import EXAMPLES, EXAMPLE_NAMES
from tikznn import ModelError, build, parse, parse_file, to_tex
from tikznn import theme
from tikznn.checks import problems
from tikznn.geometry import Rect
from tikznn.layout import layout


def _lightness(rgb) -> float:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_the_print_theme_tells_the_main_kinds_apart_by_lightness_alone():
    greys = theme.palette("print")
    kinds = ["input", "conv", "conv-act", "pool", "dense", "dense-act", "softmax", "add"]
    levels = sorted(_lightness(greys[kind]) for kind in kinds)
    assert all(b - a >= 15 for a, b in zip(levels, levels[1:])), levels
    assert all(r == g == b for r, g, b in greys.values())  # greys: nothing is lost on a black-and-white page


def test_the_colorblind_theme_uses_okabe_and_itos_colours():
    okabe_ito = {(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
                 (204, 121, 167), (153, 153, 153), (0, 0, 0)}  # their black, and the grey often used for it
    assert set(theme.palette("colorblind").values()) <= okabe_ito


@pytest.mark.parametrize("name", ["classic", "print", "colorblind"])
def test_a_theme_sets_the_figures_colours(name):
    tex = to_tex(parse(f"theme {name}\ninput 3x8x8\nconv 4 k3\n"))
    r, g, b = theme.palette(name)["conv"]
    assert f"\\providecolor{{tikznn-conv}}{{RGB}}{{{r},{g},{b}}}" in tex


def test_an_unknown_theme_is_an_error_with_the_choices(tmp_path):
    with pytest.raises(ModelError, match="unknown theme 'sepia'"):
        parse_file(EXAMPLES / "lenet.nn").drawn_with(theme="sepia")
    (tmp_path / "a.nn").write_text("theme sepia\ninput 3x8x8\n")
    run = subprocess.run([sys.executable, "-m", "tikznn", "tex", "a.nn"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert run.returncode == 3 and "classic, print or colorblind" in run.stderr


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_the_legend_lies_under_the_drawing_and_overlaps_nothing(example):
    network = parse_file(EXAMPLES / f"{example}.nn").drawn_with(legend=True)
    plain = layout(parse_file(EXAMPLES / f"{example}.nn"))
    drawing = layout(network)
    assert drawing.legend and problems(drawing) == []
    top = max(s.y + s.size / 2 for s in drawing.legend)
    assert top < plain.bounds().y0  # below everything the figure draws
    names = [label for label in drawing.labels if label not in plain.labels]
    assert len(names) == len(drawing.legend)
    swatches = [Rect.around(s.x, s.y, s.size, s.size) for s in drawing.legend]
    for box in swatches:  # no swatch under another entry's name
        assert not any(n.rect().x0 < box.x1 and box.x0 < n.rect().x1 and n.rect().y0 < box.y1 and box.y0 <
                       n.rect().y1 for n in names)


def test_the_legend_names_each_kind_once():
    drawing = layout(parse_file(EXAMPLES / "resnet18.nn").drawn_with(legend=True))
    fills = [s.fill for s in drawing.legend]
    assert len(fills) == len(set(fills)) and {"input", "conv", "pool", "add", "dense"} <= set(fills)


@pytest.mark.latex
@pytest.mark.parametrize("name", ["print", "colorblind"])
def test_every_theme_renders_with_its_legend(name, tmp_path):
    network = tmp_path / "net.nn"
    network.write_text(f"theme {name}\nlegend\n" + (EXAMPLES / "resnet18.nn").read_text())
    [pdf] = build(network, tmp_path / "net.pdf")
    [image] = convert_from_path(str(pdf), dpi=30)
    if name == "print":
        import numpy as np
        pixels = np.asarray(image.convert("RGB"), dtype=int)
        assert (pixels.max(axis=2) - pixels.min(axis=2)).max() < 40  # grey everywhere (anti-aliasing aside)


def test_a_theme_file_overrides_colours_and_is_a_source_of_the_figure(tmp_path):
    (tmp_path / "thesis.theme").write_text("# the thesis's colours\nbase print\nconv #4477aa 0.6  # blue\n"
                                           "pool #ee6677\n")
    (tmp_path / "net.nn").write_text('theme "thesis.theme"\ninput 3x8x8\nconv 4 k3\npool max 2\n')
    network = parse_file(tmp_path / "net.nn")
    assert network.figure.theme == "print" and str(tmp_path / "thesis.theme") in network.imports  # rebuilt on a change
    tex = to_tex(network)
    assert "\\providecolor{tikznn-conv}{RGB}{68,119,170}" in tex and "\\providecolor{tikznn-pool}{RGB}{238,102,119}" \
        in tex and "\\providecolor{tikznn-input}{RGB}{250,250,250}" in tex  # the rest from its base
    assert "\\pgfsetfillopacity{0.6}" in tex


def test_a_bad_theme_line_is_an_error_in_that_file(tmp_path):
    (tmp_path / "bad.theme").write_text("conv #ff0000\nconvolution #00ff00\n")
    (tmp_path / "net.nn").write_text('theme "bad.theme"\ninput 3x8x8\n')
    run = subprocess.run([sys.executable, "-m", "tikznn", "tex", "net.nn"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert run.returncode == 3 and "bad.theme:2:1:" in run.stderr and "convolution #00ff00" in run.stderr


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_a_larger_or_smaller_font_scales_all_text_and_the_layout_makes_room(example):
    base = layout(parse_file(EXAMPLES / f"{example}.nn"))
    for size in (0.5, 1.6):
        drawing = layout(parse_file(EXAMPLES / f"{example}.nn").drawn_with(fontsize=size, legend=True))
        assert problems(drawing) == [], size
        assert drawing.fontsize == size
        ours = {label.text: label.height for label in drawing.labels if not label.rotate}
        assert all(abs(ours[label.text] - label.height * size) < 1e-9 for label in base.labels
                   if label.text in ours and not label.rotate)  # every label's box grew or shrank by the factor


def test_the_font_size_reaches_every_label_in_the_tex():
    tex = to_tex(parse("fontsize 1.3\ninput 3x8x8\nconv 4 k3\n"))
    assert "\\def\\tikznnscaled{\\pgftransformscale{1.3}}" in tex and "every node/.append style={scale=1.3}" in tex
    with pytest.raises(Exception, match="from 0.5 to 1.6"):
        parse("fontsize 4\ninput 3x8x8\n")
