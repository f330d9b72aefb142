"""SVG people can use (svg.py): its words found by an XML parser, a few times the PDF's size, drawn as Poppler
draws it; and PNG with a transparent background."""
import io
import math
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import EXAMPLES, need_module
from tikznn import svg
from tikznn.pipeline import build_figure

SVG_NS = "{http://www.w3.org/2000/svg}"


def ring(cx, cy, r, n=28, turn=1):
    points = [(cx + r * math.cos(turn * 2 * math.pi * i / n), cy + r * math.sin(turn * 2 * math.pi * i / n))
              for i in range(n)]
    return "M " + " L ".join(f"{x:.6f} {y:.6f}" for x, y in points) + " Z"


def pieces(d: str) -> int:
    return d.count("M")


def test_a_disc_drawn_as_bands_becomes_its_outer_ring():
    # bands of a shading: each an outer ring one way and its inner ring the other, tiling the disc
    bands = " ".join(ring(50, 50, r / 10) + " " + ring(50, 50, (r - 1) / 10, turn=-1) for r in range(100, 10, -1))
    assert pieces(svg.simplified(bands, filled_only=True)) == 180  # (a hole 2 pt wide in the middle: kept)
    disc = bands + " " + ring(50, 50, 1.0)
    assert pieces(svg.simplified(disc, filled_only=True)) == 1


def test_rings_that_leave_a_hole_or_curves_are_kept():
    annulus = ring(50, 50, 10) + " " + ring(50, 50, 5, turn=-1)  # a hole in the middle: not one disc
    assert pieces(svg.simplified(annulus, filled_only=True)) == 2
    apart = ring(10, 10, 3) + " " + ring(40, 10, 3)  # two discs side by side
    assert pieces(svg.simplified(apart, filled_only=True)) == 2
    curved = "M 0 0 C 1 1 2 2 3 3 Z"
    assert svg.simplified(curved) == curved
    outside = ring(50, 50, 10) + " M 41 41 L 42 41 L 41 42 Z"  # in the ring's box, not in the ring
    assert pieces(svg.simplified(outside, filled_only=True)) == 2
    assert pieces(svg.simplified(ring(50, 50, 10) + " " + ring(50, 50, 5))) == 2  # stroked: every line shows


def test_points_that_change_nothing_are_left_out_and_corners_kept():
    square = "M 0 0 " + " ".join(f"L {x} 0" for x in range(1, 11)) + " L 10 10 L 0 10 Z"
    assert svg.simplified(square) == "M 0 0 L 10 0 L 10 10 L 0 10 Z"
    wobble = "M 0 0 L 5 0.005 L 10 0 L 10 10 Z"  # 0.005 pt off the line: within TOLERANCE
    assert svg.simplified(wobble) == "M 0 0 L 10 0 L 10 10 Z"


@pytest.fixture(scope="module")
def resnet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("svg")
    build_figure(EXAMPLES / "resnet18.nn", folder / "resnet18.pdf", ["pdf", "svg", "png"])
    build_figure(EXAMPLES / "resnet18.nn", folder / "clear.pdf", ["png"], transparent=True)
    return folder


@pytest.mark.latex
def test_the_resnet_svg_is_light_and_its_words_are_text(resnet):
    pdf, image = resnet / "resnet18.pdf", resnet / "resnet18.svg"
    assert image.stat().st_size < 5 * pdf.stat().st_size  # (Poppler's alone: 3.0 MB against a 92 KB PDF)
    root = ET.parse(image).getroot()
    found = [t.text for t in root.iter(f"{SVG_NS}text")]
    expected = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    assert sorted(found) == sorted(expected)
    assert {"conv2_x", "conv5_x", "proj", "Image", "conv1"} <= set(found)
    stops = [len(g.findall(f"{SVG_NS}stop")) for g in root.iter(f"{SVG_NS}radialGradient")]
    assert stops and max(stops) <= svg.MAX_STOPS


@pytest.mark.latex
def test_the_tidied_svg_draws_what_poppler_drew(resnet, tmp_path):
    """Rendered side by side (cairosvg), Poppler's own SVG and ours differ in no visible way."""
    cairosvg = need_module("cairosvg")
    Image = need_module("PIL.Image")
    subprocess.run(["pdftocairo", "-svg", str(resnet / "resnet18.pdf"), str(tmp_path / "poppler.svg")], check=True)
    images = [Image.open(io.BytesIO(cairosvg.svg2png(url=str(path), scale=2))).convert("RGB")
              for path in (tmp_path / "poppler.svg", resnet / "resnet18.svg")]
    assert images[0].size == images[1].size
    ImageChops = need_module("PIL.ImageChops")
    difference = ImageChops.difference(*images).split()
    most = ImageChops.lighter(ImageChops.lighter(difference[0], difference[1]), difference[2])
    differing = most.point(lambda value: 255 if value > 24 else 0).histogram()[255]
    assert differing < 0.0005 * images[0].size[0] * images[0].size[1], differing


@pytest.mark.latex
def test_a_transparent_png_has_no_page_behind_the_figure(resnet):
    Image = need_module("PIL.Image")
    clear, white = Image.open(resnet / "clear.png"), Image.open(resnet / "resnet18.png")
    assert clear.mode == "RGBA" and clear.getpixel((0, 0))[3] == 0
    assert white.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    assert clear.size == white.size
    alpha = clear.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # the figure itself is opaque
