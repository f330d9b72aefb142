"""Themes (classic, print, colorblind) and the legend of the kinds of layer a figure draws."""
from itertools import combinations

import pytest
from pdf2image import convert_from_path

from conftest import EXAMPLES, EXAMPLE_NAMES, tikznn
from tikznn import ModelError, ParseError, build, parse, parse_file, to_tex
from tikznn import legend, theme
from tikznn.checks import problems
from tikznn.geometry import Rect
from tikznn.layout import layout


def _linear(channel: float) -> float:
    """sRGB to linear light (IEC 61966-2-1)."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb) -> float:
    """WCAG 2 relative luminance."""
    r, g, b = map(_linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _lab(rgb) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = map(_linear, rgb)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, \
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _delta_e(a, b) -> float:
    """CIE 1976 colour difference."""
    return sum((x - y) ** 2 for x, y in zip(_lab(a), _lab(b))) ** 0.5


def _over_white(rgb, opacity: float) -> tuple[float, ...]:
    return tuple(255 - opacity * (255 - c) for c in rgb)


def _as_drawn(name: str, part: str) -> tuple[float, ...]:
    """A part's fill as it appears on the page: its colour at its opacity over white."""
    colours, opacities = theme.THEMES[name]
    return _over_white(colours[part], opacities.get(part, theme.DEFAULT_OPACITY))


# The kinds commonly drawn together (issue 15), and those the print theme gives one grey, as theme.py says why;
# any other two of them must read apart.
KINDS = ["input", "conv", "conv-act", "pool", "bn", "activation", "dense", "dense-act", "softmax", "add", "concat",
         "upsample", "pixelshuffle", "deconv", "op", "embed", "lstm", "gru", "attention", "encoder", "layernorm"]
ONE_GREY = [{"conv", "embed", "patches", "position"}, {"dense", "deconv", "upsample", "pixelshuffle", "shuffle"},
            {"conv-act", "activation", "dense-act", "add", "concat"},
            {"bn", "op", "lstm", "gru", "attention", "encoder"}, {"pool", "layernorm"},
            {"softmax", "classtoken", "readout", "pixelunshuffle"}]
APART = 15  # ΔE: told apart at a glance in print
ACTIVATION = {"conv-act", "activation", "dense-act"}  # one thing wherever it is drawn


def test_the_print_theme_is_greys_filled_at_one_opacity():
    greys, opacities = theme.THEMES["print"]
    assert all(r == g == b for r, g, b in greys.values())  # nothing is lost on a black-and-white page
    # a band (conv-act, softmax) is drawn at its block's opacity: with one opacity it looks as its legend swatch
    assert {opacities[part] for part in greys if part not in theme.LINES} == {theme.PRINT_OPACITY}


def test_the_print_theme_tells_kinds_drawn_together_apart_by_lightness():
    for a, b in combinations(KINDS, 2):
        if not any({a, b} <= shared for shared in ONE_GREY):
            assert _delta_e(_as_drawn("print", a), _as_drawn("print", b)) >= APART, (a, b)
    for shared in ONE_GREY:
        assert len({theme.THEMES["print"][0][part] for part in shared}) == 1, shared  # as theme.py says


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.nn")) + sorted((EXAMPLES / "imported").glob("*.nn")),
                         ids=lambda path: path.stem)
def test_every_example_printed_draws_its_kinds_in_greys_that_read_apart(path):
    drawing = layout(parse_file(path).drawn_with(theme="print"))
    parts = {fill for block in drawing.blocks for fill in (block.fill, block.band_fill) if fill in theme.NAMES}
    parts = {"activation" if part in ACTIVATION else part for part in parts}  # balls aside: told by their shape
    for a, b in combinations(sorted(parts), 2):  # (but kinds theme.py gives one grey, as it says why)
        if not any({a, b} <= shared for shared in ONE_GREY):
            assert _delta_e(_as_drawn("print", a), _as_drawn("print", b)) >= APART, (a, b)


@pytest.mark.parametrize("name", list(theme.THEMES))
def test_the_main_path_stands_out_from_the_page_in_every_theme(name):
    from tikznn.render import ARROWS
    flow = _over_white(theme.palette(name)["flow"], ARROWS["flow"].opacity)  # (the opacity definitions.tex.j2 sets)
    assert 1.05 / (_luminance(flow) + 0.05) >= 3  # WCAG 2's contrast for graphics, against white


@pytest.mark.parametrize("name", list(theme.THEMES))
def test_another_operation_is_never_drawn_like_an_input(name):
    colours = theme.palette(name)
    assert colours["op"] != colours["input"]
    assert _delta_e(_as_drawn(name, "op"), _as_drawn(name, "input")) >= 10


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
    run = tikznn("tex", "a.nn", cwd=tmp_path)
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


@pytest.mark.parametrize("example", ["resnet18", "transformer", "vae_encoder", "densenet_block", "unet"])
def test_the_legend_is_a_grid_with_even_gaps(example):
    plain = layout(parse_file(EXAMPLES / f"{example}.nn"))
    drawing = layout(parse_file(EXAMPLES / f"{example}.nn").drawn_with(legend=True, theme="print"))
    names = [label for label in drawing.labels if label not in plain.labels]  # in the order of the swatches
    lefts = sorted({round(s.x - s.size / 2, 6) for s in drawing.legend})
    rows = sorted({round(s.y, 6) for s in drawing.legend}, reverse=True)
    by_row = [[round(s.x - s.size / 2, 6) for s in drawing.legend if round(s.y, 6) == row] for row in rows]
    assert len(lefts) >= 2 and all(xs == lefts[:len(xs)] for xs in by_row)  # each row from the first column on
    assert all(len(xs) == len(lefts) for xs in by_row[:-1])  # filled row by row
    assert len({round(b - a, 6) for a, b in zip(rows, rows[1:])}) <= 1  # rows evenly spaced
    for column, next_left in zip(lefts, lefts[1:]):  # the widest name of a column ends GAP before the next column
        right = max(n.rect().x1 for n, s in zip(names, drawing.legend) if round(s.x - s.size / 2, 6) == column)
        assert abs(next_left - right - legend.GAP) < 1e-6


def test_a_legend_entry_names_one_thing_once():
    # print draws every activation in one grey: its entry says "activation", not "activation, activation (fully ..."
    drawing = layout(parse_file(EXAMPLES / "vae_encoder.nn").drawn_with(legend=True, theme="print"))
    texts = [label.text for label in drawing.labels]
    assert "activation" in texts and not any("fully connected)" in text for text in texts)
    classic = layout(parse_file(EXAMPLES / "vae_encoder.nn").drawn_with(legend=True))
    assert {"activation", "activation (fully connected)"} <= {label.text for label in classic.labels}


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
        in tex and "\\providecolor{tikznn-input}{RGB}{255,255,255}" in tex  # the rest from its base
    assert "\\pgfsetfillopacity{0.6}" in tex


def test_a_bad_theme_line_is_an_error_in_that_file(tmp_path):
    (tmp_path / "bad.theme").write_text("conv #ff0000\nconvolution #00ff00\n")
    (tmp_path / "net.nn").write_text('theme "bad.theme"\ninput 3x8x8\n')
    run = tikznn("tex", "net.nn", cwd=tmp_path)
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


def test_a_theme_file_names_the_legend_in_the_figures_language(tmp_path):
    """A Chinese figure gets a Chinese legend: 'name PART "words"' lines say what the legend calls a part; the parts
    it does not name keep their English names."""
    (tmp_path / "zh.theme").write_text('base print\nname conv "卷积层"  # convolutions\nname pool "池化"\n')
    (tmp_path / "net.nn").write_text('theme "zh.theme"\nlegend\ninput 3x8x8\nconv 4 k3\npool max 2\n')
    network = parse_file(tmp_path / "net.nn")
    assert network.figure.names == (("conv", "卷积层"), ("pool", "池化"))
    texts = {label.text for label in layout(network).labels}
    assert {"卷积层", "池化", "input"} <= texts and "convolution" not in texts
    (tmp_path / "bad.theme").write_text('name conv "$x^{2$"\n')
    (tmp_path / "bad.nn").write_text('theme "bad.theme"\ninput 3x8x8\n')
    with pytest.raises(ParseError, match=r"a .{. the math does not close"):
        parse_file(tmp_path / "bad.nn")
