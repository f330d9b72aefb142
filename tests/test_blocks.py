"""Block definitions, their uses and repetition, import, and how a collapsed repeated block is drawn."""
from __future__ import annotations

import re

import pytest

import tikznn
from conftest import EXAMPLES
from tikznn import Network
from tikznn.checks import problems
from tikznn.errors import ModelError, OutputError, ParseError, ShapeError, TikznnError
from tikznn.layout import layout
from tikznn.pipeline import parse_file
from tikznn.shapes import analyse

BASIC = """
block basic(c, s=1)
    conv $c k3 s$s p1 bn relu
    b = conv $c k3 p1 bn
    add in relu
end
"""


def basic(net, c, s=1):
    return net.conv(c, k=3, s=s, p=1, bn=True, act="relu").conv(c, k=3, p=1, bn=True, name="b").add("in", act="relu")


def test_a_use_writes_the_body_out_with_its_arguments():
    net = tikznn.parse(BASIC + "input 64x56x56\nl = basic(64)\n")
    assert [(layer.name, layer.inputs) for layer in net.layers] == [
        ("input#1", ()),
        ("l.conv1", ("input#1",)),
        ("l.b", ("l.conv1",)),
        ("l", ("l.b", "input#1")),  # the last layer takes the use's name; 'in' is what fed the block
    ]
    conv = net["l.conv1"]
    assert (conv.channels, conv.stride, conv.bn, conv.act) == (64, (1, 1), True, "relu")
    assert tikznn.parse(BASIC + "input 64x56x56\nbasic(64, s=2)\n")["basic#1.conv1"].stride == (2, 2)
    assert tikznn.parse(BASIC + "input 64x56x56\nbasic(s=2, c=8)\n")["basic#1.conv1"].channels == 8


def test_copies_are_named_like_torchvision_and_the_name_stands_for_the_last():
    net = tikznn.parse(BASIC + "input 64x56x56\nlayer1 = basic(64) x3\nconv 10 k1 from layer1\n")
    assert [n for n in net.names() if n.count(".") == 1] == ["layer1.0", "layer1.1", "layer1.2"]
    assert net["layer1.1.conv1"].inputs == ("layer1.0",)
    assert net.layers[-1].inputs == ("layer1.2",)
    first = net["layer1.0.conv1"]
    assert (first.block_times, first.block_length) == (3, 3)


def test_a_stage_named_like_torchvision_numbers_its_copies_after_its_first_block():
    net = tikznn.parse(BASIC + "input 64x56x56\nlayer2.0 = basic(128, s=2)\nlayer2 = basic(128) x3\n"
                               "conv 10 k1 from layer2.1\nconv 10 k1 from layer2\n")
    assert [n for n in net.names() if n.count(".") == 1] == ["layer2.0", "layer2.1", "layer2.2", "layer2.3"]
    assert net["layer2.1.conv1"].inputs == ("layer2.0",)
    assert [layer.inputs for layer in net.layers[-2:]] == [("layer2.1",), ("layer2.3",)]


def test_the_builder_twin_makes_the_same_network():
    text = BASIC + "input 64x56x56\nlayer1 = basic(64) x2\nbasic(128, s=2)\nconv 10 k1 from layer1\n"
    built = (Network().input(64, 56, 56).use(basic, 64, name="layer1", times=2).use(basic, 128, s=2)
             .conv(10, k=1, from_="layer1"))
    assert built == tikznn.parse(text)


def test_blocks_nest_and_refer_to_outer_names_passed_as_arguments():
    text = """
block unit(c)
    conv $c k3 p1 relu
end
block level(c, skip)
    unit($c)
    unit(c=$c)
    concat $skip
end
input 8x16x16
e = conv 8 k3 p1
level(8, e)
"""
    net = tikznn.parse(text)
    assert [n for n in net.names() if n.startswith("level#1")] == ["level#1.unit1", "level#1.unit2", "level#1"]
    assert net["level#1"].inputs == ("level#1.unit2", "e")
    assert analyse(net)["level#1"].shape == (16, 16, 16)


def test_a_block_changes_no_shape_arithmetic():
    """ResNet-50 written with blocks has torchvision's parameter count and MACs."""
    analysis = analyse(parse_file(EXAMPLES / "resnet50.nn"))
    assert sum(a.params for a in analysis.values()) == 25_557_032
    assert round(sum(a.macs for a in analysis.values()) / 1e9, 2) == 4.09


@pytest.mark.parametrize("use,message", [
    ("basic(64, q=2)", "basic has no parameter 'q'"),
    ("basic()", "basic needs a value for 'c'"),
    ("basic(64, 2, 3)", "too many values"),
    ("basix(64)", "unknown block 'basix'"),
    ("basic(s=2, 64)", "a value without a name after a named one"),
    ("basic(0)", "channels must be a whole number"),
    ("input = basic(4)", "reserved word"),
])
def test_bad_uses_say_what_is_wrong(use, message):
    with pytest.raises(TikznnError, match=re.escape(message)) as caught:
        tikznn.parse(BASIC + "input 64x56x56\n" + use + "\n", path="net.nn")
    assert "net.nn:" in str(caught.value)


@pytest.mark.parametrize("body,message,line", [
    ("block b(c)\n  conv $d\nend\n", "'$d' is not a parameter of block 'b'", 2),
    ("block b(c)\n  conv $c\n", "block 'b' has no 'end'", 1),
    ("block b(c)\n  input 3x8x8\nend\n", "not 'input' lines", 2),
    ("block b(c)\n  stage \"x\"\nend\n", "not 'stage' lines", 2),
    ("block b(c)\n  add nowhere\nend\n", "undefined layer 'nowhere'", 2),
    ("block conv(c)\n  conv $c\nend\n", "cannot name a block", 1),
    ("block b(c)\n  conv $c\nend\nblock b(c)\n  conv $c\nend\n", "defined twice", 4),
    ("block b(c=1, d)\n  conv $c\nend\n", "without a default follows", 1),
])
def test_bad_definitions_point_at_their_line(body, message, line):
    with pytest.raises(TikznnError, match=re.escape(message)) as caught:
        tikznn.parse(body + "input 3x8x8\nb(4)\n", path="net.nn")
    assert caught.value.span.line == line


def test_an_error_inside_a_block_says_where_it_is_used():
    with pytest.raises(ShapeError, match=r"shape error: the add of the block used on line 9: cannot add the conv of "
                                         r"the block used on line 9 \(32×56×56\) and the add of the block used on "
                                         r"line 8 \(64×56×56\)") as caught:
        analyse(tikznn.parse(BASIC + "input 64x56x56\nbasic(64)\nbasic(32)\n", path="net.nn"))
    text = str(caught.value)
    assert "cannot add" in text and "block used on line 9" in text
    assert caught.value.span.line == 5  # the add in the definition


def test_import_reads_block_definitions_relative_to_the_file(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.nn").write_text('import "more.nn"\n' + BASIC)
    (tmp_path / "lib" / "more.nn").write_text("block unit(c)\n  conv $c k1\nend\n")
    (tmp_path / "net.nn").write_text('import "lib/blocks.nn"\ninput 64x56x56\nbasic(64)\nunit(8)\n')
    net = parse_file(tmp_path / "net.nn")
    assert net.names()[-1] == "unit#1"
    assert [p.rsplit("/", 2)[-1] for p in net.imports] == ["blocks.nn", "more.nn"]


def test_import_errors_name_the_right_file(tmp_path):
    (tmp_path / "blocks.nn").write_text("block b(c)\n  conv $c k9\nend\n")
    (tmp_path / "net.nn").write_text('import "blocks.nn"\ninput 3x4x4\nb(4)\n')
    with pytest.raises(ShapeError, match=r"shape error: the conv of the block used on line 3: its output would be "
                                         r"-4×-4: the 9×9 window does not fit") as caught:
        analyse(parse_file(tmp_path / "net.nn"))  # a shape error: the window does not fit
    assert caught.value.path.endswith("blocks.nn") and caught.value.span.line == 2
    assert "conv $c k9" in str(caught.value) and "block used on line 3" in str(caught.value)
    (tmp_path / "blocks.nn").write_text("block b(c)\n  conv $c k3 s$c\n  conv 0\nend\n")
    with pytest.raises(ModelError, match="error: conv: channels must be a whole number of at least 1, not 0") as caught:
        parse_file(tmp_path / "net.nn")
    assert caught.value.path.endswith("blocks.nn") and caught.value.span.line == 3
    assert "used on line 3 of" in str(caught.value)

    (tmp_path / "net.nn").write_text('import "missing.nn"\ninput 3x4x4\n')
    with pytest.raises(OutputError, match="cannot import 'missing.nn'"):  # a file error: exit code 8
        parse_file(tmp_path / "net.nn")
    (tmp_path / "blocks.nn").write_text('import "net.nn"\n')
    (tmp_path / "net.nn").write_text('import "blocks.nn"\ninput 3x4x4\n')
    with pytest.raises(ParseError, match="imports itself"):
        parse_file(tmp_path / "net.nn")
    (tmp_path / "blocks.nn").write_text("conv 3\n")
    with pytest.raises(ParseError, match="holds only block definitions"):
        parse_file(tmp_path / "net.nn")
    with pytest.raises(ParseError, match="import needs a file"):
        tikznn.parse('import "blocks.nn"\ninput 3x4x4\n')


def test_a_collapsed_repeated_block_is_drawn_once_in_a_marked_frame():
    text = BASIC + "input 64x56x56\nlayer1 = basic(64) x3\npool global\n"
    expanded = layout(tikznn.parse(text))
    collapsed = layout(tikznn.parse("collapse\n" + text))
    drawn = {s.layer for s in collapsed.shapes()}
    assert {"layer1.0.conv1", "layer1.0"} <= drawn and not drawn & {"layer1.1", "layer1.2.conv1"}
    assert len(expanded.shapes()) == len(collapsed.shapes()) + 6
    (frame,) = collapsed.frames
    assert frame.role == "repeat" and frame.layers == {"layer1.0.conv1", "layer1.0.b", "layer1.0"}
    assert any(label.text == "×3" for label in collapsed.labels)
    assert problems(collapsed) == [] and problems(expanded) == []
    # the pooling after the copies is fed, in the drawing, by the copy that is drawn
    assert any(a.source == "layer1.0" and a.target == "pool#1" for a in collapsed.arrows)


def test_data_runs_in_one_colour_and_only_connections_without_layers_are_skips():
    """Inception's four branches all carry data: their arrows are the flow's colour ('branch'), as the main path's;
    ResNet-18's identity shortcuts carry no layers: they are skips; its projection shortcut has a conv: a branch."""
    inception = layout(parse_file(EXAMPLES / "inception.nn"))
    assert {a.role for a in inception.arrows} == {"flow", "branch"}
    resnet = layout(parse_file(EXAMPLES / "resnet18.nn"))
    roles = {(a.source, a.target): a.role for a in resnet.arrows}
    assert roles[("stem", "a1")] == "skip" and roles[("a2", "p3")] == "branch" and roles[("p3", "a3")] == "branch"
