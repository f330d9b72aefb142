"""Composing a figure for its width: the settings left open are chosen so that its text prints at 6 pt or more,
what the author wrote is kept, and no figure is taller than a page."""
from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import EXAMPLE_NAMES, EXAMPLES, tikznn
from tikznn import parse, parse_file, styles
from tikznn.compose import PROMISING, SMALLEST_PT, compose, smallest_pt, strengths, structures
from tikznn.shapes import analyse
from tikznn.tex import length_cm

PAGE_CM = 9 * 2.54


def composed(network, **settings):
    figure = network.figure.but(**settings)
    analysis = analyse(network)
    return compose(network, figure, lambda choice: styles.draw(network, analysis, choice),
                   wraps=styles.wraps(figure.style))


def printed_size(drawing) -> tuple[float, float]:
    box, scale = drawing.bounds(), drawing.scale()
    return (box.x1 - box.x0) * scale, (box.y1 - box.y0) * scale


def test_a_long_chain_in_a_column_is_wrapped_onto_rows_that_print_at_6_pt():
    result = composed(parse_file(EXAMPLES / "vgg16.nn"), width="3.5in")
    assert result.figure.wrap and result.smallest_pt >= SMALLEST_PT
    assert "wrap" in result.said() and "smallest text" in result.said()


def test_a_figure_that_reads_as_written_is_left_as_written():
    result = composed(parse_file(EXAMPLES / "lenet.nn"), width="7in")
    assert result.chosen == "" and result.figure == parse_file(EXAMPLES / "lenet.nn").figure.but(width="7in")


def test_what_the_author_wrote_is_kept():
    network = parse_file(EXAMPLES / "vgg16.nn")
    result = composed(network, width="3.5in", layout="right", wrap=False, collapse=False)
    assert (result.figure.layout, result.figure.wrap, result.figure.collapse) == ("right", False, False)
    assert result.smallest_pt < SMALLEST_PT  # the best it can do as written: too small, and said so
    result = composed(parse("layout down\n" + (EXAMPLES / "vgg16.nn").read_text()), width="3.5in")
    assert result.figure.layout == "down" and not result.figure.wrap


@pytest.mark.parametrize("width", ["7in", "3.5in"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_composed_figure_is_wider_or_taller_than_its_page(name, width):
    result = composed(parse_file(EXAMPLES / f"{name}.nn"), width=width)
    wide, tall = printed_size(result.drawing)
    assert wide <= length_cm(width) + 1e-6 and tall <= PAGE_CM + 1e-6, (wide, tall)


def test_named_widths_and_a_height():
    assert length_cm("column") == pytest.approx(252 / 72.27 * 2.54)
    assert length_cm("page") == pytest.approx(516 / 72.27 * 2.54)
    network = parse("width column\nheight 4in\ninput 784\ndense 10\n")
    assert (network.figure.width, network.figure.height, network.figure.wrap) == ("column", "4in", None)
    result = composed(parse_file(EXAMPLES / "resnet50.nn"), height="4in")
    assert printed_size(result.drawing)[1] <= 4 * 2.54 + 1e-6


@pytest.mark.latex
def test_build_says_what_it_chose(tmp_path):
    run = tikznn("build", EXAMPLES / "vgg16.nn", "--width", "3.5in", "-v", "-o", tmp_path / "vgg16.pdf")
    assert run.returncode == 0, run.stderr
    assert "vgg16.nn: composed for 3.5in: collapse, wrap" in run.stdout and "smallest text 6." in run.stdout
    assert run.stderr == ""  # it prints at 6 pt or more: nothing to warn of


def test_strict_makes_text_under_6_pt_an_error_and_leaves_a_readable_figure_alone(tmp_path):
    def tex(name: str, width: str, *options: str):
        return tikznn("tex", EXAMPLES / f"{name}.nn", "--width", width, *options, "-o", tmp_path / f"{name}.tex")
    run = tex("unet", "5cm", "--strict")  # even folded, a U-Net is too long for 5 cm
    assert run.returncode == 5 and "at 5cm its smallest text prints at 3." in run.stderr
    assert "without --strict it is built with a warning" in run.stderr and not (tmp_path / "unet.tex").exists()
    run = tex("unet", "5cm")
    assert run.returncode == 0 and "warning: at 5cm its smallest text prints at 3." in run.stderr
    run = tex("lenet", "7in", "--strict")
    assert run.returncode == 0 and run.stderr == ""


@pytest.mark.parametrize("line", ["width 0cm", "width 0.01in", "height 0in", "height 5mm"])
def test_a_width_or_height_too_small_to_draw_in_is_refused_where_it_is_written(line):
    """(A width under the standalone border made composing loop for ever.)"""
    from tikznn import ParseError
    with pytest.raises(ParseError, match="a figure cannot be drawn .* wide or tall") as caught:
        parse(f"{line}\ninput 3x32x32\nconv 8 k3\n")
    assert caught.value.span.line == 1 and caught.value.span.column == len(line.split()[0]) + 2


def test_of_the_readable_compositions_the_one_taking_least_of_the_page_is_kept():
    """ResNet-50 in a column: of the layouts whose text prints at 6 pt at the strength chosen, none takes less of
    the page for its text size than the one kept."""
    from dataclasses import replace
    from tikznn.compose import Composition, cost, smallest_pt, structures
    network = parse_file(EXAMPLES / "resnet50.nn")
    result = composed(network, width="3.5in")
    assert result.smallest_pt >= SMALLEST_PT and result.chosen
    analysis, others = analyse(network), 0
    for shape in structures(network.figure.but(width="3.5in"), True, True):
        choice = replace(shape, fontsize=result.figure.fontsize, blocks=result.figure.blocks)
        drawing = styles.draw(network, analysis, choice)
        if smallest_pt(drawing) >= SMALLEST_PT:
            others += 1
            assert cost(result) <= cost(Composition(choice, drawing, smallest_pt(drawing), "")) + 1e-9
    assert others >= 2  # a choice was made


def test_a_font_size_that_cannot_lift_the_text_to_6_pt_is_not_drawn_and_the_largest_text_is_still_found():
    # 400 layers on rows at 3.5 in: no setting prints at 6 pt. Text grows at most as fast as its font, so the larger
    # font sizes of a block size whose best drawing printed under 6 pt / 1.6 are not drawn; the strongest setting
    # is, and what is kept prints as large as the best of every setting on every structure.
    network = parse("input 16x32x32\n" + "".join(["conv 16 k3 p1 relu\n", "conv 16 k3 p1 relu\n",
                                                  "pool max k3 s1 p1\n"][i % 3] for i in range(399)))
    figure, analysis = network.figure.but(width="3.5in", wrap=True), analyse(network)
    drawn = []

    def draw(choice):
        drawn.append(choice)
        return styles.draw(network, analysis, choice)

    result = compose(network, figure, draw, wraps=True)
    every = [(strength, smallest_pt(styles.draw(network, analysis, replace(shape, **strength))))
             for shape in structures(figure, False, True) for strength in strengths(figure)]
    assert result.smallest_pt < SMALLEST_PT and all(pt < SMALLEST_PT for _, pt in every)
    assert result.smallest_pt >= max(pt for _, pt in every) - 0.05
    tried = {(c.fontsize, c.blocks) for c in drawn}
    assert (1.3, None) not in tried and len(drawn) < len(every) / 2
    # ... and the strongest setting only for the promising shapes whose text could still beat the largest so far
    strongest = [c for c in drawn if (c.fontsize, c.blocks) == (1.6, 0.7)]
    assert 1 <= len(strongest) < PROMISING


@pytest.mark.parametrize("layers", [None, 400])
def test_candidates_are_measured_and_only_the_one_kept_is_drawn(layers):
    # ResNet-50 in a column (a readable one is found), and 400 layers on rows (none is: the largest text is kept).
    # Composing weighs a candidate on rows by its measure (where its rows go, nothing moved onto them) and draws
    # the one it keeps: as large, as readable and as drawn as the measure said.
    network = parse_file(EXAMPLES / "resnet50.nn") if layers is None else \
        parse("input 16x32x32\n" + "conv 16 k3 p1 relu\n" * (layers - 1))
    figure = network.figure.but(width="3.5in", wrap=None if layers is None else True)
    analysis = analyse(network)
    drawn, measured = [], []
    result = compose(network, figure, lambda c: drawn.append(c) or styles.draw(network, analysis, c), wraps=True,
                     measure=lambda c: measured.append(c) or styles.draw(network, analysis, c, measure=True))
    assert len(measured) >= 3 and drawn == [figure, result.figure] and result.figure.wrap
    assert (result.smallest_pt >= SMALLEST_PT) == (layers is None)
    full, measure = (styles.draw(network, analysis, result.figure, measure=m) for m in (False, True))
    assert not measure.blocks and measure.bounds() == full.bounds() == result.drawing.bounds()
    assert result.drawing.blocks == full.blocks and result.drawing.labels == full.labels
    assert smallest_pt(full) == result.smallest_pt


def test_a_style_that_does_not_measure_has_each_candidate_drawn_once():
    network = parse_file(EXAMPLES / "resnet50.nn")
    figure, analysis = network.figure.but(width="3.5in", style="schematic"), analyse(network)
    assert not styles.measures("schematic") and styles.measures("blocks")
    drawn = []
    result = compose(network, figure, lambda c: drawn.append(c) or styles.draw(network, analysis, c),
                     wraps=styles.wraps("schematic"))
    assert len(drawn) >= 2 and len(set(drawn)) == len(drawn) and result.figure in drawn


def test_a_figure_is_made_with_the_cycle_collector_paused_and_it_resumes_after(monkeypatch):
    """A figure holds no reference cycles, and the collector's full collections grew with all made so far (a quarter
    of a 5,000-layer figure's Python): paused while a figure is made, on again after it (also after an error, and
    after builds side by side), and left off if it was off."""
    import gc
    import os
    import threading
    from tikznn import pipeline, to_tex
    from tikznn.errors import LayoutError
    network = parse('width 3.5in\ninput 3x32x32\nconv 8 k3 "C"\nflatten\ndense 10\n')
    during, drawn = [], styles.draw

    def draw(*args, **kwargs):
        during.append(gc.isenabled())
        return drawn(*args, **kwargs)
    monkeypatch.setattr(styles, "draw", draw)
    assert gc.isenabled()
    to_tex(network)
    assert during and not any(during) and gc.isenabled()

    def refused(*args, **kwargs):
        raise LayoutError("no room")
    monkeypatch.setattr(styles, "draw", refused)
    with pytest.raises(LayoutError):
        to_tex(network)
    assert gc.isenabled()

    monkeypatch.setattr(styles, "draw", draw)
    release, states = threading.Event(), []

    @pipeline.collector_paused
    def waiting():
        release.wait(10)
    side = threading.Thread(target=waiting)
    side.start()
    to_tex(network)  # (ends while the other still runs: the collector stays paused for it)
    states.append(gc.isenabled())
    reading, writing = os.pipe()  # a process forked meanwhile (multiprocessing, say) has no build paused
    child = os.fork()
    if child == 0:
        began = gc.isenabled()
        to_tex(network)
        os.write(writing, b"%d%d" % (began, gc.isenabled()))
        os._exit(0)
    os.waitpid(child, 0)
    states.append(os.read(reading, 2))
    release.set()
    side.join()
    assert states == [False, b"11"] and gc.isenabled()

    gc.disable()
    try:
        to_tex(network)
        assert not gc.isenabled()
    finally:
        gc.enable()
