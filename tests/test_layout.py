"""Layout geometry: sizes from shapes, nothing overlapping, arrows around blocks, on every example."""

import pytest

from conftest import EXAMPLES, ROOT
from tikznn import kinds, parse, parse_file, styles, to_tex
from tikznn.checks import problems
from tikznn.drawing import Ball, Block, Layout, channel_width, spatial_extent
from tikznn.metrics import text_length
from tikznn.errors import LayoutError
from tikznn.layout import layout
from tikznn.shapes import analyse
from tikznn.topology import by_blocks

DATA = ROOT / "tests" / "data"


def test_examples_have_no_overlaps(example):
    drawing = layout(parse_file(example))
    assert problems(drawing) == []


def test_every_construct_together_has_no_overlaps():
    """bn and activation slabs, upsample, concat of a far input, a labelled skip into the same ball, styles."""
    drawing = layout(parse_file(DATA / "constructs.nn"))
    assert problems(drawing) == []
    drops = [a.points[-1] for a in drawing.arrows if a.target == "cat" and a.role in ("skip", "link")]
    assert len(drops) == 2 and drops[0][0] != drops[1][0]  # two arrows into one ball land side by side


def test_every_drawn_layer_and_label_is_in_the_layout(example):
    net = parse_file(example).drawn_with(collapse=False)  # collapsed copies are tested in test_blocks
    drawing = layout(net)
    drawn = {s.layer for s in drawing.shapes()}
    assert drawn == {l.name for l in net.layers if l.kind != "flatten" and not kinds.of(l).in_arrow}
    lines = [line for l in drawing.labels for line in l.text.split("\n")]
    for layer in net.layers:
        if layer.label:  # a label may be wrapped, or one line of its stack's caption
            assert " ".join(line for line in lines if line in layer.label).find(layer.label) >= 0 or \
                layer.label in lines


@pytest.mark.processes
def test_layout_is_the_same_in_separate_processes(example, made_in_two_processes):
    first, second = (made[example.stem]["layout"] for made in made_in_two_processes)
    assert first[0] == "Layout"
    assert first == second, f"the layout of {example.name} depends on the process that makes it"


def test_sizes_are_monotonic_and_clamped():
    widths = [channel_width(c) for c in (1, 3, 64, 512, 4096, 10**6)]
    heights = [spatial_extent(s) for s in (1, 7, 56, 224, 10**5)]
    assert widths == sorted(widths) and heights == sorted(heights)
    assert widths[1] >= 0.2 and widths[-1] <= 1.5 and heights[0] >= 0.5 and heights[-1] <= 5
    # 3 and 512 channels, 7 and 224 pixels: both readable, neither a sliver nor a wall
    assert 2 < channel_width(512) / channel_width(3) < 4
    assert 2 < spatial_extent(224) / spatial_extent(7) < 3


def test_blocks_take_their_size_from_the_inferred_shapes():
    from tikznn.drawing import Sizes
    drawing = layout(parse("input 3x224x224\nconv 64 k3 s2 p1\nconv 512 k3 s4 p1\n"))
    small, big = drawing.blocks[1], drawing.blocks[2]
    assert small.width < big.width and small.height > big.height
    assert small.height == pytest.approx(Sizes().positions(112))


def test_main_path_runs_left_to_right_and_branches_sit_above():
    net = parse_file(EXAMPLES / "resnet18.nn")
    drawing = layout(net)
    by_name = {s.layer: s for s in drawing.shapes()}
    main = [by_name[n] for n in ("input#1", "conv#1", "stem", "a1", "a2", "a3", "a8")]
    assert [s.x for s in main] == sorted(s.x for s in main)
    assert all(s.y == 0 for s in main)
    proj, a2, a3 = by_name["p3"], by_name["a2"], by_name["a3"]
    assert proj.y > 0 and a2.x < proj.x < a3.x
    assert isinstance(by_name["a3"], Ball) and isinstance(proj, Block)


def test_skip_arrows_pass_over_the_blocks_they_span():
    net = parse_file(EXAMPLES / "resnet18.nn")
    drawing = layout(net)
    skip = next(a for a in drawing.arrows if (a.source, a.target) == ("stem", "a1"))
    level = max(p[1] for p in skip.points)
    spanned = [b for b in drawing.blocks if skip.points[0][0] < b.x < skip.points[-1][0]]
    assert spanned and all(level > b.top for b in spanned)


def test_problems_finds_overlaps():
    """The checker must be able to fail: shift a label onto a block and an arrow through one."""
    from dataclasses import replace
    drawing = layout(parse_file(EXAMPLES / "lenet.nn"))
    block = drawing.blocks[1]
    label = replace(drawing.labels[0], x=block.x + block.width / 2, y=block.y)
    bad = replace(drawing, labels=drawing.labels + (label,))
    assert any("overlaps block" in p for p in problems(bad))
    arrow = replace(drawing.arrows[0], points=((block.x - 1, 0.0, 0.0), (block.x + 5, 0.0, 0.0)))
    assert any("passes through" in p for p in problems(replace(drawing, arrows=(arrow,))))


def test_text_length_counts_math_as_typeset():
    assert text_length("conv1") == 5
    assert text_length(r"$\alpha_1$") == 2
    assert text_length("a $x^{2}$ b") == 6


def test_a_skip_statement_is_routed():
    net = parse('a = input 3x32x32\nconv 8 k3 p1\nconv 8 k3 p1\nb = conv 8 k3 p1\nskip a -> b "copy"\n')
    drawing = layout(net, analyse(net))
    assert any(a.role == "link" and (a.source, a.target) == ("a", "b") for a in drawing.arrows)
    assert "copy" in [l.text for l in drawing.labels]
    assert problems(drawing) == []


def dims_texts(drawing):
    return sorted(l.text for l in drawing.labels if l.role == "dims")


def test_dims_modes_per_figure_and_per_layer():
    text = "input 3x32x32\nconv 8 k3 p1\npool max 2\nconv 16 k3 p1 {dims=none}\n"
    auto = layout(parse(text))
    assert dims_texts(auto) == ["16×16", "3", "32×32", "8"]
    shape = layout(parse("dims shape\n" + text))
    assert dims_texts(shape) == ["3×32×32", "8×16×16", "8×32×32"]
    channels = layout(parse("dims channels\n" + text))
    assert dims_texts(channels) == ["3", "8"]
    assert dims_texts(layout(parse("dims none\n" + text))) == []
    assert problems(shape) == [] and problems(channels) == []


def test_stats_line_under_the_figure():
    drawing = layout(parse('caption "LeNet-ish"\nstats\ninput 1x32x32\nconv 6 k5\nflatten\ndense 10\n'))
    note = next(l for l in drawing.labels if l.role == "note")
    params = 1 * 6 * 25 + 6 + 6 * 28 * 28 * 10 + 10
    assert note.text == f"LeNet-ish\n{params / 1000:.3g}k parameters · {(150 * 784 + 4704 * 10) / 1000:.3g}k MACs"
    assert note.y < min(b.bottom for b in drawing.blocks)
    assert problems(drawing) == []


def test_a_second_input_runs_below_and_joins_from_underneath():
    net = parse_file(EXAMPLES / "siamese.nn")
    drawing = layout(net)
    by_name = {s.layer: s for s in drawing.shapes()}
    a, b, merge = by_name["a"], by_name["b"], by_name["concat#1"]
    assert a.y == 0 and b.y < 0 and abs(a.x - b.x) < 0.5  # the twin towers line up
    joining = next(arrow for arrow in drawing.arrows if arrow.target == "concat#1" and arrow.points[0][1] < 0)
    assert joining.points[-1][1] < merge.y  # it comes up into the ball from below
    assert problems(drawing) == []


@pytest.mark.parametrize("path", sorted(DATA.glob("*.nn")), ids=lambda p: p.stem)
def test_test_networks_have_no_overlaps(path):
    assert problems(layout(parse_file(path))) == []


def test_an_auxiliary_head_leaves_the_main_path_and_ends():
    drawing = layout(parse_file(DATA / "aux_head.nn"))
    by_name = {s.layer: s for s in drawing.shapes()}
    aux, main_out = by_name["dense#2"], by_name["dense#1"]
    assert aux.y > 0 and main_out.y == 0
    assert not any(a.source == "dense#2" for a in drawing.arrows)


def test_collapsed_repetition_draws_one_block_marked_times_n():
    text = "input 3x32x32\nconv 64 k3 p1 relu x2 \"conv1\"\npool max 2\nflatten\ndense 32 relu ×3\n"
    expanded = layout(parse(text))
    collapsed = layout(parse("collapse\n" + text))
    assert len(expanded.blocks) == 1 + 2 + 1 + 3 and len(collapsed.blocks) == 1 + 1 + 1 + 1
    assert sorted(l.text for l in collapsed.labels if l.role == "note") == ["×2", "×3"]
    assert problems(collapsed) == []


def test_stages_are_framed_and_named():
    drawing = layout(parse_file(EXAMPLES / "resnet18.nn"))
    assert [f.stage for f in drawing.frames] == ["conv2_x", "conv3_x", "conv4_x", "conv5_x"]
    by_name = {s.layer: s for s in drawing.shapes()}
    conv3 = next(f for f in drawing.frames if f.stage == "conv3_x")
    assert {"p3", "a3", "a4"} <= conv3.layers and "a2" not in conv3.layers
    for name in conv3.layers:
        box = by_name[name].outline()
        assert all(conv3.rect.x0 <= x <= conv3.rect.x1 and conv3.rect.y0 <= y <= conv3.rect.y1 for x, y in box)
    assert {l.text for l in drawing.labels if l.role == "stage"} == {"conv2_x", "conv3_x", "conv4_x", "conv5_x"}
    assert len({f.rect.y0 for f in drawing.frames}) == 1  # they line up at the bottom


def test_branches_over_one_stretch_alternate_above_and_below():
    drawing = layout(parse_file(DATA / "inception_module.nn"))
    by_name = {s.layer: s for s in drawing.shapes()}
    arms = [by_name[n] for n in ("b1", "b3", "b4")]
    assert sorted(s.y > 0 for s in arms) == [False, True, True]
    fcn = {s.layer: s for s in layout(parse_file(EXAMPLES / "fcn8.nn")).shapes()}
    assert fcn["s4"].y > 0 > fcn["s3"].y


def test_a_stack_whose_captions_do_not_fit_side_by_side_gets_one_caption_in_order():
    drawing = layout(parse('input 3x64x64\nconv 8 k3 p1 relu "conv1_1"\nconv 8 k3 p1 relu "conv1_2"\n'
                           'pool max 2 "pool1"\n'))
    captions = [l.text for l in drawing.labels if l.role == "caption"]
    assert captions == ["conv1_1\nconv1_2\npool1"]
    assert problems(drawing) == []


def test_u_layout_puts_each_resolution_on_its_own_level():
    from conftest import EXAMPLES
    net = parse_file(EXAMPLES / "unet.nn")
    drawing = layout(net)
    y = {s.layer: s.y for s in drawing.shapes()}
    # encoder down, decoder up: the decoder level of each resolution is the encoder's
    levels = [y["e1"], y["e2"], y["e3"], y["e4"], y["down#1"]]
    assert levels == sorted(levels, reverse=True) and len(set(levels)) == 5
    assert [y["up#4"], y["up#3"], y["up#2"], y["up#1"]] == levels[:4]
    # the copied features run across at their own level: above its blocks, below the level above
    for source, target, above in (("e4", "up#1.concat1", "e3"), ("e3", "up#2.concat1", "e2"),
                                  ("e2", "up#3.concat1", "e1")):
        (route,) = [a for a in drawing.arrows if (a.source, a.target) == (source, target)]
        across = max(p[1] for p in route.points)
        assert y[source] < across < y[above]
    assert problems(drawing) == []
    # the same network laid out left to right keeps one axis
    flat = layout(net.drawn_with(layout="right"))
    assert {s.y for s in flat.shapes()} == {0.0}


def test_wrap_puts_a_long_network_on_rows_that_fit_the_width():
    from conftest import EXAMPLES
    net = parse_file(EXAMPLES / "vgg16.nn")
    one_row = layout(net)
    wrapped = layout(net.drawn_with(width="12cm", wrap=True))
    box = wrapped.bounds()
    assert one_row.bounds().x1 - one_row.bounds().x0 > 20
    assert box.x1 - box.x0 <= 12 and wrapped.scale() == 1.0
    assert len({round(s.y, 3) for s in wrapped.shapes()}) >= 3  # three rows at least
    # nothing is lost: the same blocks, labels and number of arrows
    assert {s.layer for s in wrapped.shapes()} == {s.layer for s in one_row.shapes()}
    assert sorted(label.text for label in wrapped.labels) == sorted(label.text for label in one_row.labels)
    assert len(wrapped.arrows) == len(one_row.arrows)
    assert problems(wrapped) == []


@pytest.mark.parametrize("name, width", [("vgg16", "12cm"), ("resnet50", "3.5in"), ("fcn8", "7in"),
                                         ("inception", "3.5in"), ("swin_t", "7in")])
def test_the_bounds_a_wrapped_drawing_is_told_are_those_of_what_it_holds(name, width):
    # (wrapping works them out from its rows, and a width or theme set after keeps them: see Layout.but)
    drawing = layout(parse_file(EXAMPLES / f"{name}.nn").drawn_with(width=width, wrap=True))
    told, worked_out = drawing.bounds(), Layout._bounds(drawing)
    assert "_bounds" in drawing.__dict__ and len({round(s.y, 3) for s in drawing.shapes()}) >= 2
    assert max(abs(a - b) for a, b in zip(told, worked_out)) < 1e-9
    assert "_bounds" not in drawing.but(labels=drawing.labels[1:]).__dict__
    assert drawing.but(theme="print").bounds() is told


def test_a_figure_wider_than_its_width_is_shrunk_and_flagged_when_unreadable():
    from conftest import EXAMPLES
    net = parse_file(EXAMPLES / "unet.nn")  # a U has no place to wrap: the copies span it
    natural = layout(net).bounds()
    shrunk = layout(net.drawn_with(width="17cm"))
    border = 2 * 4 / 72.27 * 2.54  # the standalone PDF's 4 pt margins count in the width
    assert abs(shrunk.scale() - (17 - border) / (natural.x1 - natural.x0)) < 1e-9
    assert any("smallest labels would be" in p for p in problems(shrunk))
    assert not any("smallest" in p for p in problems(layout(net.drawn_with(width="40cm"))))


def test_the_checks_catch_an_arrow_that_misses_its_block():
    from dataclasses import replace as replaced
    drawing = layout(parse_file(DATA / "constructs.nn"))
    arrow = next(a for a in drawing.arrows if a.role == "flow")
    moved = replaced(arrow, points=arrow.points[:-1] + ((arrow.points[-1][0] - 0.3,) + arrow.points[-1][1:],))
    broken = replaced(drawing, arrows=tuple(moved if a is arrow else a for a in drawing.arrows))
    assert any(f"does not end on a face of '{arrow.target}'" in p for p in problems(broken))


def test_a_graph_without_a_main_path_falls_back_to_a_layered_layout():
    from tikznn.layout import _Planner
    from tikznn.shapes import analyse
    net = parse_file(DATA / "nested_branches.nn")
    with pytest.raises(LayoutError, match="does not leave the main path"):
        _Planner(net, analyse(net), net.figure).run_main_path()
    drawing = layout(net)
    assert problems(drawing) == []
    columns = sorted({round(s.west, 3) for s in drawing.shapes()})
    assert len(columns) >= 6  # layers in columns, not stacked on one axis
    # every connection is drawn, as data (flow) arrows, each starting and ending on its blocks (checked above)
    connections = {(i, layer.name) for layer in net.layers for i in layer.inputs}
    assert {(a.source, a.target) for a in drawing.arrows} == connections


@pytest.mark.parametrize("name", ["inception_module", "constructs", "aux_head"])
def test_the_layered_layout_draws_branching_networks_cleanly(name):
    drawing = layout(parse_file(DATA / f"{name}.nn").drawn_with(layout="layered"))
    assert problems(drawing) == []
    ranks = {}
    for s in drawing.shapes():
        ranks.setdefault(round(s.west, 3), []).append(s)
    # within a column nothing overlaps vertically
    for column in ranks.values():
        column.sort(key=lambda s: -s.y)
        assert all(a.bottom > b.top for a, b in zip(column, column[1:]))


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.nn")))
def test_every_example_flows_top_to_bottom_cleanly(name):
    net = parse_file(EXAMPLES / f"{name}.nn").drawn_with(layout="down", wrap=False)
    drawing = layout(net)
    assert problems(drawing) == []
    # the flow goes down from the input, and every block is drawn for a flow down
    first = next(s for s in drawing.shapes() if s.layer == net.layers[0].name)
    assert first.y == max(s.y for s in drawing.shapes() if s.layer not in {l.name for l in net.layers[1:]
                                                                          if isinstance(l, type(net.layers[0]))})
    assert all(block.vertical for block in drawing.blocks)


def test_a_vertical_flow_draws_arrows_under_the_blocks_and_bands_at_the_bottom():
    from tikznn import to_tex
    net = parse("input 3x32x32\nconv 16 k3 p1 relu\nconv 16 k3 p1\n").drawn_with(layout="down")
    tex = to_tex(net)
    assert tex.index("\\tikznnarrow{flow}") < tex.index("% nn:2")  # the arrows come before the blocks
    drawing = layout(net)
    conv = next(b for b in drawing.blocks if b.layer == "conv#1")
    assert conv.vertical and conv.band > 0
    # the flow goes in at the top face and out at the bottom face
    flow = next(a for a in drawing.arrows if a.source == "input#1")
    assert abs(flow.points[-1][1] - (conv.y + conv.height / 2)) < 1e-9


def test_examples_are_drawn_on_their_main_path_not_by_the_fallback(example):
    """The layered layout is for graphs without a main path; an example falling back to it would be a
    regression that the picture alone might hide."""
    from tikznn.layout import _Planner
    net = parse_file(example)
    _Planner(net, analyse(net), net.figure).run_main_path()


def test_a_collapsed_repetition_is_labelled_with_what_it_produces():
    """DenseNet's block drawn once, ×6: its concatenation holds 64 + 6 × 32 = 256 channels, not the first copy's 96."""
    network = parse_file(EXAMPLES / "densenet_block.nn")
    texts = {label.text for label in layout(network, figure=network.figure.but(collapse=True)).labels}
    assert "256" in texts and "96" not in texts and "×6" in texts
    schematic = network.figure.but(collapse=True, style="schematic shapes")
    drawn = styles.draw(network, analyse(network), schematic)
    assert "256×56×56" in {label.text for label in drawn.labels}


def _row_lengths(chosen, start: float, end: float) -> list[float]:
    """How long each row is, from cut to cut, with the indent of the rows after the first."""
    from tikznn.rows import INDENT
    edges = [start] + [cut[0] for cut in chosen] + [end]
    return [b - a + (INDENT if i else 0.0) for i, (a, b) in enumerate(zip(edges, edges[1:]))]


def test_rows_are_balanced_not_filled_one_after_another():
    """Seven 3 cm stretches on rows 9.5 cm wide: filling each row in turn leaves one stretch alone on the last; the
    balanced rows are as many, at most as wide, each at least half the longest, cut only where cuts are."""
    from tikznn.rows import _filled, _rows
    cuts = [(3.0 * i, f"arrow {i}", 0.5) for i in range(1, 7)]
    filled, balanced = _filled(cuts, 0.0, 21.0, 9.5), _rows(cuts, 0.0, 21.0, 9.5)
    assert [round(row, 2) for row in _row_lengths(filled, 0.0, 21.0)] == [9.0, 9.35, 3.35]  # the orphan
    rows = _row_lengths(balanced, 0.0, 21.0)
    assert len(rows) == len(filled) + 1 == 3
    assert min(rows) >= max(rows) / 2 and max(rows) <= 9.5
    assert all(cut in cuts for cut in balanced) and balanced == sorted(balanced)


def test_wrapped_vgg16_and_fcn8_at_a_column_width_leave_no_row_nearly_empty():
    """At 3.5 in, filling rows left VGG-16's fc layers alone on a last row, and its third row wider than the column
    (the indent forgotten); FCN-8s took four rows where three do. Its 'up 8×' and output stay alone on the last only
    because the skips from pool3 and pool4 leave no cut between them and conv4, and that row cannot be longer."""
    from tikznn.finishing import BORDER_CM
    from tikznn.rows import INDENT, _cuts, _filled, _rows
    from tikznn.tex import length_cm
    width = length_cm("3.5in") - BORDER_CM
    found = {}
    for name in ("vgg16", "fcn8"):
        drawing = layout(parse_file(EXAMPLES / f"{name}.nn"))
        box, cuts = drawing.bounds(), _cuts(drawing)
        filled = _filled(cuts, box.x0, box.x1, width)
        found[name] = _row_lengths(_rows(cuts, box.x0, box.x1, width), box.x0, box.x1)
        assert len(found[name]) <= len(filled) + 1  # never more rows
    vgg, fcn = found["vgg16"], found["fcn8"]
    assert min(vgg) >= max(vgg) / 2 and max(vgg) <= width
    assert len(fcn) == 3 and min(fcn[:-1]) >= max(fcn) / 2
    assert fcn[-2] + fcn[-1] - INDENT > max(fcn)  # the last row joined to the one before would be the widest
    wrapped = layout(parse_file(EXAMPLES / "vgg16.nn").drawn_with(width="3.5in", wrap=True))
    assert wrapped.bounds().x1 - wrapped.bounds().x0 <= width and problems(wrapped) == []


def test_sizes_sqrt_shows_a_pyramid_and_linear_is_in_proportion():
    """sqrt (the default) draws VGG's 224×224 input 4× its 14×14 maps (the square root of 16) and 4× the channels
    1.6× thicker (their cube root); log less than 3× and 1.3×; linear in proportion to the largest. Every mapping
    keeps 3 and 2048 channels drawable."""
    from tikznn.drawing import Sizes
    log, sqrt, linear = Sizes("log"), Sizes("sqrt"), Sizes("linear", (2048, 224, 4096))
    assert log.positions(224) / log.positions(14) < 3 and log.channels(2048) / log.channels(512) < 1.3
    assert sqrt.positions(224) / sqrt.positions(14) == pytest.approx(4, rel=0.01)
    assert sqrt.channels(1024) / sqrt.channels(256) == pytest.approx(4 ** (1 / 3), rel=0.01)
    assert Sizes() == sqrt
    assert linear.positions(224) / linear.positions(112) == pytest.approx(2)
    for sizes in (log, sqrt, linear):
        assert 0.2 <= sizes.channels(3) < sizes.channels(2048) <= 1.4
        assert 0.3 <= sizes.positions(1) < sizes.positions(224) <= 4.6
    for written, ratio in (("", 4), ("sizes sqrt\n", 4), ("sizes log\n", 1.8)):
        network = parse(written + "input 3x224x224\nconv 64 k3 p1\npool max 16\n")
        heights = {b.layer: b.height for b in layout(network).blocks}
        assert heights["conv#1"] / heights["pool#1"] == pytest.approx(ratio, rel=0.01), written


def test_a_row_may_end_inside_a_stage_whose_frame_goes_on_named_in_the_next_row():
    """ResNet-18 on rows 13 cm wide: its stages are wider than a row allows between them, so rows end between two
    residual blocks of a stage. Each piece of a split frame holds its own blocks, in one row, and is named."""
    net = parse_file(EXAMPLES / "resnet18.nn")
    whole = layout(net)
    wrapped = layout(net.drawn_with(width="13cm", wrap=True))
    pieces = {}
    for frame in wrapped.frames:
        pieces.setdefault(frame.stage, []).append(frame)
    split = {stage: found for stage, found in pieces.items() if len(found) > 1}
    assert split, "no stage was split"
    names = [label for label in wrapped.labels if label.role == "stage"]
    shapes = {s.layer: s for s in wrapped.shapes()}
    for stage, found in split.items():
        assert frozenset().union(*(f.layers for f in found)) <= {n for f in whole.frames if f.stage == stage
                                                                    for n in f.layers}
        assert sum(len(f.layers) for f in found) == len(frozenset().union(*(f.layers for f in found)))  # disjoint
        for frame in found:  # its blocks inside it, its name over it
            for name in frame.layers:
                xs = [p[0] for p in shapes[name].outline()]
                assert frame.rect.x0 <= min(xs) and max(xs) <= frame.rect.x1
            assert any(label.text == stage and frame.rect.x0 <= label.x <= frame.rect.x1
                       and label.y > frame.rect.y1 for label in names)
        assert len({round(f.rect.y0, 3) for f in found}) == len(found)  # each on its own row
    assert problems(wrapped) == []
    assert sorted(s.layer for s in wrapped.shapes()) == sorted(s.layer for s in whole.shapes())


def test_smaller_blocks_keep_the_text_and_shrink_every_side():
    net = parse_file(EXAMPLES / "lenet.nn")
    usual, smaller = layout(net.drawn_with(sizes="log")), layout(net.drawn_with(sizes="log 0.7"))
    for a, b in zip(usual.blocks, smaller.blocks):  # a pooling slab keeps its thickness
        assert (b.height, b.depth) == pytest.approx((0.7 * a.height, 0.7 * a.depth))
        assert b.width == pytest.approx(a.width if b.kind == "pool" else 0.7 * a.width)
    lines = [sorted(line for label in d.labels for line in label.text.split("\n")) for d in (usual, smaller)]
    assert lines[0] == lines[1]  # the same text (two captions may now stand stacked under touching blocks)
    sized = {(label.text, label.rotate): (label.width, label.height) for label in usual.labels}
    assert all(sized[label.text, label.rotate] == (label.width, label.height) for label in smaller.labels
               if (label.text, label.rotate) in sized)


@pytest.mark.parametrize("line, figure", [("sizes log 0.7", ("log", 0.7)), ("sizes 0.5", (None, 0.5)),
                                          ("sizes sqrt", ("sqrt", None))])
def test_sizes_takes_a_mapping_and_a_factor_of_the_blocks(line, figure):
    net = parse(f"{line}\ninput 3x32x32\nconv 8 k3\n")
    assert (net.figure.sizes, net.figure.blocks) == figure


@pytest.mark.parametrize("line, column", [("sizes log 3", 11), ("sizes 0.1", 7)])
def test_a_factor_of_the_blocks_out_of_range_is_refused_where_it_is_written(line, column):
    from tikznn.errors import ParseError
    with pytest.raises(ParseError) as err:
        parse(f"input 3x32x32\n{line}\nconv 8 k3\n")
    assert err.value.span.line == 2 and err.value.span.column == column and "0.4 to 1.5" in err.value.hint


def test_a_folded_u_runs_its_encoder_down_the_left_and_its_decoder_up_the_right_with_copies_straight_across():
    net = parse_file(EXAMPLES / "unet.nn")
    drawing = layout(net.drawn_with(layout="fold"))
    names = [layer.name for layer in net.layers]
    turn = names.index(next(l.name for l in net.layers if l.kind == "deconv"))
    shapes = {s.layer: s for s in drawing.shapes()}
    assert set(shapes) == {n for n in names if n in shapes} and len(shapes) == len(layout(net).shapes())
    centre = lambda s: (min(p[0] for p in s.outline()) + max(p[0] for p in s.outline())) / 2  # noqa: E731
    encoder = [shapes[n] for n in names[:turn] if n in shapes]
    decoder = [shapes[n] for n in names[turn:] if n in shapes]
    assert max(centre(s) for s in encoder) < min(centre(s) for s in decoder)
    assert all(a.y > b.y for a, b in zip(encoder, encoder[1:]))  # down
    assert all(a.y < b.y for a, b in zip(decoder, decoder[1:]))  # and up again
    copies = [a for a in drawing.arrows if a.role == "skip"]
    assert len(copies) == 4
    for arrow in copies:  # straight across, into the side of its join
        (x0, y0), (x1, y1) = arrow.projected()[0], arrow.projected()[-1]
        assert abs(y0 - y1) < 1e-6 and x1 > x0 and shapes[arrow.target].kind == "concat"
    assert problems(drawing) == []


def test_a_network_that_is_no_u_cannot_be_folded():
    with pytest.raises(LayoutError, match="folds a U"):
        layout(parse_file(EXAMPLES / "vgg16.nn").drawn_with(layout="fold"))


def test_the_captions_of_a_row_stand_on_one_baseline_just_under_its_own_blocks():
    """VGG-16 on one row: every caption on one line, even under blocks 4× smaller than the input; GoogLeNet in a
    column on rows: each row's captions on a line of their own, just under that row's blocks and sizes (a stage's
    captions on a line of their own in its frame)."""
    def rows_of(drawing, network):
        shapes = {s.layer: s for s in drawing.shapes()}
        stages = {layer.name: layer.stage for layer in network.layers}
        found: dict = {}
        for label in drawing.labels:
            shape = shapes.get(label.layer)
            if label.role == "caption" and shape is not None and shape.layer in main(drawing):
                found.setdefault((round(shape.y, 6), stages.get(shape.layer, "")), []).append(label)
        return shapes, found

    def main(drawing):  # the blocks on a row's axis: those the flow arrows join
        return {a.source for a in drawing.arrows if a.role == "flow"} | \
            {a.target for a in drawing.arrows if a.role == "flow"}

    vgg = layout(parse_file(EXAMPLES / "vgg16.nn"))
    _, rows = rows_of(vgg, parse_file(EXAMPLES / "vgg16.nn"))
    [captions] = rows.values()
    assert len(captions) >= 8 and len({round(c.rect().y1, 6) for c in captions}) == 1
    googlenet = parse_file(ROOT / "tests" / "data" / "zoo" / "googlenet.nn")
    fcn = parse_file(EXAMPLES / "fcn8.nn")  # its sizes pushed down the whole path's caption rows come up too
    for net, settings in ((googlenet, dict(detail="blocks")), (fcn, dict(collapse=True, fontsize=1.6, sizes="0.7"))):
        wrapped = styles.draw(net, analyse(net), net.figure.but(width="3.5in", wrap=True, **settings))
        drawn = by_blocks(net, analyse(net))[0] if settings.get("detail") else net
        shapes, rows = rows_of(wrapped, drawn)
        assert len({y for y, _ in rows}) >= 2
        stages = {layer.name: layer.stage for layer in drawn.layers}
        for (y, stage), captions in rows.items():
            assert len({round(c.rect().y1, 6) for c in captions}) == 1, [c.text for c in captions]
            on_row = {name for name, shape in shapes.items() if abs(shape.y - y) < 1e-6 and
                      (stages.get(name, "") == stage or not stage)}
            ground = min([p[1] for name in on_row for p in shapes[name].outline()] +
                         [label.rect().y0 for label in wrapped.labels if label.role == "dims" and label.layer in on_row])
            assert ground - 0.2 < captions[0].rect().y1 <= ground  # just under its row's blocks and sizes
        assert problems(wrapped) == []


def test_the_captions_of_a_stack_stand_side_by_side_in_order_when_a_little_wider_than_it():
    """AlexNet's conv3, conv4 and conv5 are stuck together; their captions, a little wider, stand in a row under
    them (not one over the other)."""
    drawing = layout(parse_file(EXAMPLES / "alexnet.nn"))
    found = {label.text: label for label in drawing.labels if label.text in ("conv3", "conv4", "conv5")}
    assert len(found) == 3 and len({round(label.y, 6) for label in found.values()}) == 1
    assert found["conv3"].x < found["conv4"].x < found["conv5"].x
    assert found["conv3"].rect().x1 < found["conv4"].rect().x0 and found["conv4"].rect().x1 < found["conv5"].rect().x0


def test_names_of_narrow_stage_pieces_on_a_row_never_overlap_other_labels():
    """EfficientNet-B0 in a column, each block one box: pieces of its stages are narrower than their names, whose
    re-centring put one name over its neighbour's and over ×N notes."""
    net = parse_file(ROOT / "tests" / "data" / "zoo" / "efficientnet_b0.nn")
    from dataclasses import replace
    figure = replace(net.figure.but(width="3.5in", wrap=True, collapse=True, fontsize=1.3, detail="blocks"),
                     rows="11.11cm")
    drawing = styles.draw(net, analyse(net), figure)
    assert [p for p in problems(drawing) if "overlaps label" in p] == []


def test_labels_of_a_stack_that_would_make_a_caption_taller_than_a_page_are_refused_at_their_line():
    labels = "".join(f'conv 4 k1 "{"word " * 30}"\n' for _ in range(9))  # nine stuck blocks, ten lines each
    with pytest.raises(LayoutError, match=r"the labels of the \d blocks stuck together .* [89]0 lines") as caught:
        to_tex(parse("input 3x8x8\n" + labels))
    assert caught.value.span.line == 2
    to_tex(parse("input 3x8x8\n" + labels[:len(labels) // 3]))  # (three of them are a caption like any other)


def test_a_drawn_thing_changed_keeps_its_other_fields_and_refuses_a_field_it_has_not():
    from tikznn.drawing import Label, changed
    label = Label("64", "dims", 1.0, 2.0, 0.5, 0.3, layer="conv1")
    assert changed(label, y=3.0) == Label("64", "dims", 1.0, 3.0, 0.5, 0.3, layer="conv1")
    with pytest.raises(TypeError, match="no field why"):
        changed(label, why=3.0)
