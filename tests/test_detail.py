"""'detail blocks': each use of a block drawn as one box (a part) whose output, parameters and MACs are those of the
layers it stands for; what composing falls back on when no drawing of every layer prints at 6 pt."""
from __future__ import annotations

from pathlib import Path

import pytest

from tikznn import LayoutError, ParseError, parse, styles
from tikznn.compose import SMALLEST_PT
from tikznn.shapes import analyse, stats_line
from tikznn.topology import by_blocks

from test_compose import composed

ZOO = Path(__file__).resolve().parent / "data" / "zoo"

FIRE = """
block fire(s, e)
    sq = conv $s k1 relu
    e1 = conv $e k1 relu
    e3 = conv $e k3 p1 relu from sq
    concat e1 e3
end

input 3x32x32
conv 16 k3 p1
fire(4, 8) x2
pool max 2
f = fire(8, 16)
pool global
flatten
dense 10
"""


def test_each_use_of_a_block_is_one_box_with_its_layers_totals():
    network = parse(FIRE)
    analysis = analyse(network)
    drawn, shapes = by_blocks(network, analysis)
    assert [layer.kind for layer in drawn.layers] == ["input", "conv", "part", "part", "pool", "part", "pool",
                                                        "flatten", "dense"]
    first, second, _, last = drawn.layers[2:6]
    assert first.title == "fire" and first.label == "fire" and first.times == 2 and second.times == 1
    assert first.inputs == ("conv#1",) and second.inputs == (first.name,) and last.name == "f"
    assert shapes["f"].shape == analysis["f"].shape == (32, 16, 16)
    # the parts hold every parameter and MAC of the layers they stand for: the totals are unchanged
    for count in ("params", "macs"):
        assert sum(getattr(shapes[layer.name], count) for layer in drawn.layers) == \
            sum(getattr(a, count) for a in analysis.values())
    # ... and the figure's totals line, which sums what is drawn, counts each of them once
    assert set(shapes) == {layer.name for layer in drawn.layers} and stats_line(shapes) == stats_line(analysis)
    copy = [layer.name for layer in network.layers if layer.use == ("fire", "fire#1")]
    assert len(copy) == 4 and first.weights == sum(analysis[n].params for n in copy) > 0


def test_a_layer_that_reads_inside_a_use_is_refused_not_redrawn():
    network = parse(FIRE + "x = conv 8 k1 from f.sq\n")
    with pytest.raises(LayoutError, match="reads 'f.sq' inside a use of a block") as caught:
        by_blocks(network, analyse(network))
    assert caught.value.span.line == FIRE.count("\n") + 1


def test_detail_is_a_setting_line_and_a_bad_value_is_located():
    assert parse("detail blocks\n" + FIRE).figure.detail == "blocks"
    with pytest.raises(ParseError, match="unexpected 'boxes'") as caught:
        parse("detail boxes\n" + FIRE)
    assert (caught.value.span.line, caught.value.span.column) == (1, 8)
    assert "layers or blocks" in str(caught.value)


def test_every_style_draws_a_figure_of_parts():
    network = parse("detail blocks\n" + FIRE)
    analysis = analyse(network)
    for name in styles.names():
        drawing = styles.draw(network, analysis, network.figure.but(style=name))
        assert "fire" in {label.text for label in drawing.labels}, name


def test_composing_draws_blocks_as_boxes_only_when_no_drawing_of_the_layers_prints_at_6_pt():
    googlenet = parse((ZOO / "googlenet.nn").read_text())
    column = composed(googlenet, width="3.5in")
    assert column.figure.detail == "blocks" and "detail blocks" in column.chosen
    assert column.smallest_pt >= SMALLEST_PT
    page = composed(googlenet, width="7in")
    assert page.figure.detail is None and page.smallest_pt >= SMALLEST_PT  # a page has room for every layer
    stated = composed(parse("detail layers\n" + (ZOO / "googlenet.nn").read_text()), width="3.5in")
    assert stated.figure.detail == "layers" and stated.smallest_pt < SMALLEST_PT  # what the author wrote is kept


@pytest.mark.parametrize("line", ["part fire 0x8x8", "op Reshape 0x8", "pool adaptive 0"])
def test_a_size_of_zero_is_refused_where_it_is_written(line):
    from tikznn import ModelError
    with pytest.raises(ModelError, match="each size must be at least 1") as caught:
        parse(f"input 3x8x8\n{line}\n")
    assert caught.value.span.line == 2
