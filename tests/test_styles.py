"""The drawing styles: one .nn file drawn as 3-D blocks, flat feature maps, a neuron graph or a schematic; what each
style refuses, and why; the style setting and its options; a new style as one new module."""
from __future__ import annotations

import re
import sys

import pytest

import tikznn
from conftest import EXAMPLE_NAMES, EXAMPLES
from tikznn import parse, parse_file, styles
from tikznn.checks import problems
from tikznn.drawing import Label
from tikznn.errors import LayoutError, ModelError, ParseError
from tikznn.shapes import analyse

# The examples each style cannot draw honestly: flat and graph draw chains of layers (no branches or merges), flat
# has no maps for sequences, graph needs fully connected layers.
CHAINS = {"alexnet", "lenet", "lenet_maps", "lenet_zh", "mlp", "vgg16", "espcn", "efficientnet_b0"}  # (its blocks drawn as boxes)
NEURONS = CHAINS - {"espcn"}  # the graph style wants a fully connected layer; ESPCN has none
APPLIES = {"blocks": set(EXAMPLE_NAMES), "flat": CHAINS, "graph": NEURONS, "schematic": set(EXAMPLE_NAMES)}


def drawn(network):
    return styles.draw(network, analyse(network), network.figure)


def test_the_four_styles_are_found_as_modules():
    assert styles.names() == ("blocks", "flat", "graph", "schematic")
    assert all(styles.summary(name).startswith(name + ":") for name in styles.names())


@pytest.mark.parametrize("style", ["blocks", "flat", "graph", "schematic"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_style_draws_every_example_it_applies_to_cleanly_and_refuses_the_rest(style, name):
    network = parse_file(EXAMPLES / f"{name}.nn").drawn_with(style=style)
    if name in APPLIES[style]:
        assert problems(drawn(network)) == []
        return
    refusal = f"layout error: the {style} style draws a chain of layers, one after another; "
    if name in CHAINS:
        refusal = f"layout error: the {style} style draws the neurons of fully connected"
    with pytest.raises(LayoutError, match=refusal) as caught:
        drawn(network)
    err = caught.value
    assert f"the {style} style" in err.message and "--style" in err.hint
    assert err.span is not None and err.exit_code == 5  # points at the line that makes it impossible
    assert "#" not in err.message  # no internal names (conv#3) in what the user reads


@pytest.mark.parametrize("style", ["flat", "graph", "schematic"])
@pytest.mark.parametrize("setting", [{"fontsize": 0.5}, {"fontsize": 1.6}, {"legend": True},
                                     {"theme": "print", "stats": True}])
def test_the_two_d_styles_stay_clean_with_every_figure_setting(style, setting):
    for name in ("lenet", "mlp") + (("resnet18", "transformer") if style == "schematic" else ()):
        drawing = drawn(parse_file(EXAMPLES / f"{name}.nn").drawn_with(style=style, **setting))
        assert problems(drawing) == [], (name, setting)


# -- graph: neurons in columns ---------------------------------------------------------------------------------

def circles(drawing, layer):
    return [m for m in drawing.marks if m.layer == layer and m.circle and m.solid]


def test_a_graph_caps_a_wide_layer_and_writes_its_true_count():
    net = parse('input 784\nbig = dense 4096 relu\nout = dense 10 softmax\n').drawn_with(style="graph")
    drawing = drawn(net)
    assert len(circles(drawing, "big")) == 7  # four, an ellipsis, three
    assert len([m for m in drawing.marks if m.layer == "big" and not m.solid]) == 3  # the ellipsis' dots
    assert len(circles(drawing, "out")) == 10  # ten are all drawn
    texts = {label.text for label in drawing.labels}
    assert {"4,096 · ReLU", "10 · softmax", "784"} <= texts
    assert {"input", "hidden", "output"} <= texts
    # every drawn neuron of one column joined to every one of the next
    assert len([line for line in drawing.lines if line.target == "big"]) == 7 * 7
    assert len([line for line in drawing.lines if line.target == "out"]) == 7 * 10


def test_a_graph_of_a_512_channel_conv_draws_a_box_saying_so_not_512_circles():
    net = parse("input 3x14x14\nc = conv 512 k3 p1 relu\npool global\nflatten\nfc = dense 10\n")
    drawing = drawn(net.drawn_with(style="graph"))
    assert circles(drawing, "c") == []
    [box] = [m for m in drawing.marks if m.layer == "c"]
    inside = [label.text for label in drawing.labels if label.layer == "c"]
    assert inside == ["3×3 conv, ReLU", "512@14×14"] and box.holds
    assert drawing.notes and "drawn as boxes" in drawing.notes[0] and "c" in drawing.notes[0]
    assert problems(drawing) == []


def test_a_graph_of_a_network_without_dense_layers_is_refused_with_the_reason():
    with pytest.raises(LayoutError, match="neurons of fully connected"):
        drawn(parse("input 3x32x32\nconv 512 k3\nconv 512 k3\n").drawn_with(style="graph"))


def test_bias_nodes_feed_every_dense_layer_and_edges_take_the_layers_opacity():
    net = parse("style graph bias\ninput 4\na = dense 5 {opacity=0.2}\nb = dense 3\n")
    drawing = drawn(net)
    assert [label.text for label in drawing.labels].count("+1") == 2
    assert len([line for line in drawing.lines if line.target == "a"]) == (4 + 1) * 5
    tex = tikznn.to_tex(net)
    assert "draw opacity=0.2]" in tex and "draw opacity=0.35]" in tex  # its own, and the theme's for b


# -- flat: stacks of maps ----------------------------------------------------------------------------------------

def test_flat_stacks_every_map_up_to_six_and_a_few_with_an_ellipsis_beyond():
    drawing = drawn(parse_file(EXAMPLES / "lenet.nn").drawn_with(style="flat"))
    squares = {}
    for mark in drawing.marks:
        if mark.solid and not mark.circle:
            squares[mark.layer] = squares.get(mark.layer, 0) + 1
    assert squares["conv#1"] == 6 and squares["conv#2"] == 4 and squares["input#1"] == 1
    texts = [label.text for label in drawing.labels]
    assert {"C1: 6@28×28", "S2: 6@14×14", "C3: 16@10×10", "F5: 120", "Output: 10"} <= set(texts)
    assert "5×5 conv,\nReLU" in texts and "2×2 max-pool" in texts
    # a window on each map that a convolution or pooling reads, its two guides meeting on the next map
    assert len([m for m in drawing.marks if not m.solid and not m.circle]) == 4
    assert len([line for line in drawing.lines if line.role == "guide"]) == 2 * 7


def test_flat_refuses_a_sequence_and_says_which_styles_draw_it():
    with pytest.raises(LayoutError, match=r"the flat style draws feature maps and vectors; this input works on a "
                                          r"sequence \(128\), which has no maps to stack") as caught:
        drawn(parse("input 128 tokens\nembed 1000 64\nlstm 32 last\n").drawn_with(style="flat"))
    assert "sequence" in caught.value.message and "schematic" in caught.value.hint


# -- schematic: boxes on a flow ----------------------------------------------------------------------------------

def test_a_resnet_schematic_has_merges_residual_arrows_and_projections_beside_the_main_lane():
    drawing = drawn(parse_file(EXAMPLES / "resnet18.nn").drawn_with(style="schematic"))
    merges = [m for m in drawing.marks if m.circle]
    assert len(merges) == 8 and {label.text for label in drawing.labels if label.layer == "a1"} == {"$+$", "ReLU"}
    assert len([line for line in drawing.lines if line.role == "skip"]) == 5  # identity shortcuts, on the left
    main_x = next(m for m in drawing.marks if m.layer == "a1").x0
    for proj in ("p3", "p4", "p5"):  # projection shortcuts on a lane to the right
        assert next(m for m in drawing.marks if m.layer == proj).x0 > main_x
    assert {"3×3 conv, 128, /2, ReLU", "flatten"} <= {label.text for label in drawing.labels}
    ys = [(m.y0 + m.y1) / 2 for m in drawing.marks if m.layer in ("input#1", "conv#1", "stem", "a1")]
    assert ys == sorted(ys, reverse=True)  # down the page
    assert {frame.stage for frame in drawing.frames} == {"conv2_x", "conv3_x", "conv4_x", "conv5_x"}


def test_a_collapsed_block_gets_an_n_times_bracket_and_shapes_on_request():
    drawing = drawn(parse_file(EXAMPLES / "transformer.nn").drawn_with(style="schematic shapes"))
    assert "6×" in {label.text for label in drawing.labels}
    assert len([line for line in drawing.lines if line.role == "bracket"]) == 1
    assert "128×512" in {label.text for label in drawing.labels}


def test_a_schematic_runs_right_with_layout_right():
    drawing = drawn(parse_file(EXAMPLES / "lenet.nn").drawn_with(style="schematic", layout="right"))
    xs = [m.x0 for m in drawing.marks]
    assert xs == sorted(xs) and problems(drawing) == []


# -- the setting -------------------------------------------------------------------------------------------------

def test_the_style_line_and_the_builder_give_the_same_network():
    written = parse("network \"n\"\nstyle graph bias\ninput 4\ndense 2\n")
    built = tikznn.Network("n").input(4).dense(2).drawn_with(style="graph bias")
    assert written == built and written.figure.style == "graph" and written.figure.style_options == ("bias",)


@pytest.mark.parametrize("text,message,column,hint", [
    ("style grap\ninput 4\n", "unknown style 'grap'", 7, "did you mean 'graph'?"),
    ("style graph bias shapes\ninput 4\n", "the graph style has no option 'shapes'", 18, "its options: bias"),
    ("style flat bias\ninput 4\n", "the flat style has no option 'bias'", 12, "takes no options"),
])
def test_a_bad_style_line_says_where_and_what_there_is(text, message, column, hint):
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(text)
    assert caught.value.message == message and caught.value.span.column == column
    assert hint in caught.value.hint


def test_the_builder_checks_the_style_too():
    """A builder's figure is checked where it is drawn: the model knows no styles."""
    with pytest.raises(ModelError, match="unknown style 'blcks'"):
        tikznn.to_tex(tikznn.Network().input(4).drawn_with(style="blcks"))
    with pytest.raises(ModelError, match="the graph style has no option 'shapes'"):
        tikznn.to_tex(tikznn.Network().input(4).dense(2).drawn_with(style="graph shapes"))


def test_the_command_line_takes_a_style_and_its_options(tmp_path):
    from typer.testing import CliRunner

    from tikznn.cli import app
    source = tmp_path / "mlp.nn"
    source.write_text((EXAMPLES / "mlp.nn").read_text())
    result = CliRunner().invoke(app, ["tex", str(source), "--style", "graph bias"])
    assert result.exit_code == 0 and "tikznn/line-edge" in result.stdout and "{+1}" in result.stdout
    result = CliRunner().invoke(app, ["tex", str(source), "--style", "grpah"])
    assert result.exit_code == 2 and "did you mean 'graph'?" in result.output
    result = CliRunner().invoke(app, ["tex", str(EXAMPLES / "resnet18.nn"), "--style", "flat"])
    assert result.exit_code == 5 and "resnet18.nn:10:5" in result.output and "chain of layers" in result.output


# -- a fifth style ------------------------------------------------------------------------------------------------

def test_a_new_style_is_one_new_module(tmp_path, monkeypatch):
    """A module in the styles package is a style: the .nn language, the builder and the renderer take it, with
    no other change (here a tiny style that writes each layer's name in a row)."""
    (tmp_path / "words.py").write_text(
        '"""words: each layer\'s name in a row."""\n'
        "from tikznn.drawing import Label, Layout\n"
        "def draw(network, analysis, figure):\n"
        "    labels = tuple(Label(layer.name, 'caption', 2.0 * i, 0.0, 1.5, 0.4, layer=layer.name)\n"
        "                   for i, layer in enumerate(network.layers))\n"
        "    return Layout(network.name, (), (), (), labels)\n")
    monkeypatch.setattr(styles, "__path__", list(styles.__path__) + [str(tmp_path)])
    styles.names.cache_clear()
    try:
        assert "words" in styles.names()
        tex = tikznn.to_tex(parse("style words\ninput 4\nhidden = dense 3\n"))
        assert "{hidden}" in tex
    finally:
        styles.names.cache_clear()
        sys.modules.pop("tikznn.styles.words", None)


def test_labels_of_the_styles_are_plain_labels():
    """The 2-D styles' words go through the one escaping function like every other label."""
    drawing = drawn(parse_file(EXAMPLES / "lenet_zh.nn").drawn_with(style="schematic"))
    assert all(isinstance(label, Label) for label in drawing.labels)
    tex = tikznn.to_tex(parse_file(EXAMPLES / "lenet_zh.nn").drawn_with(style="schematic"))
    assert "\\tikznncjk{" in tex


# -- in a paper, on slides ---------------------------------------------------------------------------------------

def _pdflatex(folder, name):
    import subprocess
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                         cwd=folder, capture_output=True, text=True, timeout=180)
    log = (folder / name.replace(".tex", ".log")).read_text(errors="replace")
    assert run.returncode == 0, run.stdout[-2000:]
    return log


@pytest.mark.latex
def test_each_style_is_a_fragment_a_paper_can_input(tmp_path):
    figures = {"a": ("lenet", "flat"), "b": ("mlp", "graph bias"), "c": ("resnet18", "schematic shapes")}
    for key, (name, style) in figures.items():
        net = parse_file(EXAMPLES / f"{name}.nn").drawn_with(style=style, legend=True, theme="colorblind")
        (tmp_path / f"{key}.tikz").write_text(tikznn.to_tex(net, fragment=True))
    body = "".join(f"\\begin{{figure}}\\centering\\input{{{key}.tikz}}\\caption{{{key}}}\\end{{figure}}\n"
                   for key in figures)
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
                                        f"{body}\\end{{document}}\n")
    log = _pdflatex(tmp_path, "paper.tex")
    assert "Overfull" not in log and "LaTeX Error" not in log


@pytest.mark.latex
def test_a_schematic_on_slides_reveals_one_layer_at_a_time(tmp_path):
    from pdf2image import pdfinfo_from_path
    net = parse_file(EXAMPLES / "lenet.nn").drawn_with(style="schematic")
    (tmp_path / "net.tikz").write_text(tikznn.to_tex(net, fragment=True, overlay=True))
    (tmp_path / "slides.tex").write_text("\\documentclass{beamer}\n\\usepackage{tikz}\n\\begin{document}\n"
                                         "\\begin{frame}{LeNet-5}\\centering\\resizebox{!}{0.8\\textheight}"
                                         "{\\input{net.tikz}}\\end{frame}\n\\end{document}\n")
    _pdflatex(tmp_path, "slides.tex")
    layers = {m.layer for m in drawn(net).marks}
    assert pdfinfo_from_path(str(tmp_path / "slides.pdf"))["Pages"] == len(layers) == 8


def test_a_skip_statement_is_a_dashed_link_in_the_schematic():
    net = parse("input 3x32x32\nc1 = conv 8 k3 p1\nconv 8 k3 p1\nflatten\nd = dense 10\nskip c1 -> d \"reuse\"\n")
    drawing = drawn(net.drawn_with(style="schematic"))
    [link] = [line for line in drawing.lines if line.role == "link"]
    assert (link.source, link.target) == ("c1", "d") and problems(drawing) == []
    [note] = [label for label in drawing.labels if label.text == "reuse"]
    assert note.x < min(m.x0 for m in drawing.marks)  # beside the link, outside the boxes
    assert "tikznn/line-link" in tikznn.to_tex(net.drawn_with(style="schematic"))


# -- found in review -------------------------------------------------------------------------------------------

def test_an_arrow_into_a_merge_from_the_side_crosses_no_box_of_the_lanes_between():
    net = parse("""input 3x32x32
s = conv 16 k3 p1 relu "s"
a = conv 16 k3 p1 relu "a"
p = conv 16 k3 p1 relu "p" from s
p2 = conv 16 k3 p1 relu "p2"
p3 = conv 16 k3 p1 relu "p3"
p4 = conv 16 k3 p1 relu "p4"
q = conv 16 k1 "q" from s
m1 = add a q
m1b = conv 16 k3 p1 relu "m1b"
m2 = add m1b p4
""")
    for layout in ("down", "right"):
        drawing = drawn(net.drawn_with(style="schematic", layout=layout))
        assert problems(drawing) == [], layout


def test_a_merges_label_and_activation_are_written_beside_it():
    net = parse("x = input 8x4x4\na = conv 8 k3 p1\nb = conv 8 k1 from x\nm = add a b relu \"sum\"\n")
    drawing = drawn(net.drawn_with(style="schematic"))
    assert "sum\nReLU" in {label.text for label in drawing.labels} and problems(drawing) == []
    hidden = drawn(parse("input 8x4x4\nconv 8 k3 p1 \"C\" {nolabel}\n").drawn_with(style="schematic"))
    assert "C" not in {label.text for label in hidden.labels}


def test_a_one_dimensional_window_is_written_as_its_length():
    net = parse("input 1x128\nconv 16 k5\npool max 2\n")
    assert {"k5 conv", "k2 max-pool"} <= {label.text for label in drawn(net.drawn_with(style="flat")).labels}
    assert "k5 conv, 16" in {label.text for label in drawn(net.drawn_with(style="schematic")).labels}


def test_a_graph_says_what_follows_its_last_column_and_colours_it():
    drawing = drawn(parse("input 10\ndropout 0.5\nrelu\nout = dense 3\nsoftmax\n").drawn_with(style="graph"))
    assert "3 · softmax" in {label.text for label in drawing.labels}
    assert {m.fill for m in circles(drawing, "out")} == {"softmax"}


@pytest.mark.parametrize("name", ["lenet", "alexnet", "mlp"])
@pytest.mark.parametrize("fontsize", [1.0, 1.6])
def test_bias_nodes_stay_clear_of_boxes_and_hold_their_text(name, fontsize):
    net = parse_file(EXAMPLES / f"{name}.nn").drawn_with(style="graph bias", fontsize=fontsize)
    assert problems(drawn(net)) == []


def test_a_setting_a_style_does_not_use_is_said():
    net = parse("collapse\nlayout down\ninput 4\ndense 3 x2\n").drawn_with(style="graph")
    notes = drawn(net).notes
    assert any("'layout down' is not used by the graph style" in n for n in notes)
    assert any("'collapse' is not used by the graph style" in n for n in notes)
    assert drawn(parse("layout down\ninput 4\ndense 3\n").drawn_with(style="schematic")).notes == ()


def test_a_graph_of_sequences_is_refused_at_its_dense_layer_without_suggesting_flat():
    with pytest.raises(LayoutError, match=r"the graph style draws the neurons of fully connected \(dense\) layers on "
                                          "vectors, and this network has none: its dense layers work on each position "
                                          "of a sequence") as caught:
        drawn(parse("input 100 tokens\nembed 1000 32\nlstm 16\ndense 5\n").drawn_with(style="graph"))
    assert "sequence" in caught.value.message and caught.value.span.line == 4
    assert "flat" not in caught.value.hint


@pytest.mark.parametrize("text,message", [
    ("style\ninput 4\n", "expected a style: blocks, flat, graph, schematic"),
    ("style graph bias bias\ninput 4\n", "the option 'bias' is given twice"),
])
def test_more_bad_style_lines(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_options_may_be_written_with_commas_in_the_file_too():
    assert parse("style graph, bias\ninput 4\ndense 2\n").figure.style_options == ("bias",)


def test_the_importer_never_writes_a_word_of_the_language_as_a_name():
    from tikznn import parser, traced
    assert parser.RESERVED <= traced.RESERVED and "style" in traced.RESERVED


def test_an_n_times_bracket_stays_beside_its_own_block_when_a_branch_runs_alongside():
    net = parse('collapse\ninput 3x32x32\ns = conv 16 k3 p1 relu "stem"\nm = conv 16 k3 p1 relu x3 "main"\n'
                'b = conv 16 k1 from s\nsd = conv 16 k3 p1 relu x4 "side"\nadd m sd\n').drawn_with(style="schematic")
    drawing = drawn(net)
    main, branch = (next(mk for mk in drawing.marks if mk.layer == name) for name in ("conv#2", "b"))
    three = next(label for label in drawing.labels if label.text == "3×")
    assert main.x1 < three.x < branch.x0  # between the main lane and the branch, not past the branch
    assert problems(drawing) == []


@pytest.mark.parametrize("layout", ["down", "right"])
def test_notes_between_stages_stay_clear_of_both_frames(layout):
    net = parse('input 3x32x32 "in"\nstage "first stage with a very long name indeed"\nconv 16 k3 p1 relu\n'
                'conv 16 k3 p1 relu\nend\nstage "second"\npool max 2\nconv 32 k3 p1 relu\nend\nstage "third"\n'
                'flatten\ndense 10 softmax\nend\n')
    assert problems(drawn(net.drawn_with(style="schematic", layout=layout))) == []


def test_a_second_input_starts_its_tower_at_the_top_beside_the_first():
    drawing = drawn(parse_file(EXAMPLES / "siamese.nn").drawn_with(style="schematic"))
    tops = sorted(m.y1 for m in drawing.marks if m.layer in ("a", "b"))
    assert len(tops) == 2 and tops[0] == tops[1] and problems(drawing) == []


def test_branches_come_into_a_merge_each_at_its_own_height():
    drawing = drawn(parse_file(EXAMPLES / "inception.nn").drawn_with(style="schematic"))
    concat = next(m for m in drawing.marks if m.circle)
    ends = [line.points[-1] for line in drawing.lines if line.target == concat.layer and line.role == "flow"]
    sides = [p for p in ends if p[0] > (concat.x0 + concat.x1) / 2]
    assert len(sides) == 3 and len({round(p[1], 3) for p in sides}) == 3  # three arrow heads, none shared


def test_a_comma_with_nothing_after_it_asks_for_an_option_of_that_style():
    with pytest.raises(ParseError, match="expected an option of the graph style: bias"):
        parse("style graph,\ninput 4\n")
