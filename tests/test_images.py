"""Pictures on blocks (`{image="scene.png"}`): on the block's face and in the PDF once however often drawn, pixel
for pixel; sources of the figure; beside a fragment, found from another folder; and every bad image a located
error, with nothing read from outside the .nn file's folder."""
import math
import os
import subprocess
from pathlib import Path

import pytest

from conftest import need_module, tikznn
from tikznn.errors import OutputError, ParseError
from tikznn.parser import parse
from tikznn.pipeline import build_figure, load
from tikznn.images import pictures

NET = '''network "With pictures"
input 3x224x224 "Image" {image="scene.png"}
conv 16 k3 p1 relu "conv1"
pool max 2
conv 32 k3 p1 relu "conv2" {image="scene.png"}
flatten
dense 10 softmax "Output"
'''


def scene(path: Path, size=(64, 48), mode="RGB", fmt=None) -> None:
    Image = need_module("PIL.Image")
    image = Image.new(mode, size)
    image.putdata([((x * 4) % 256, (y * 5) % 256, (x * y) % 256)[:len(mode)] if mode != "L" else (x * 4) % 256
                   for y in range(size[1]) for x in range(size[0])])
    image.save(path, fmt)


@pytest.fixture
def folder(tmp_path):
    scene(tmp_path / "scene.png")
    (tmp_path / "net.nn").write_text(NET)
    return tmp_path


def images_in(pdf: Path) -> list[list[str]]:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in listing.splitlines()[2:]]


@pytest.mark.latex
def test_a_picture_drawn_twice_is_in_the_pdf_once_pixel_for_pixel(folder):
    Image = need_module("PIL.Image")
    built = build_figure(folder / "net.nn")
    assert folder / "scene.png" in built.sources
    rows = images_in(folder / "net.pdf")
    assert len(rows) == 2 and len({row[10] for row in rows}) == 1  # drawn twice, one object
    assert rows[0][3:5] == ["64", "48"]
    subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(folder / "net.pdf"), str(folder / "out")],
                   check=True)
    out = Image.open(folder / "out-000.png").convert("RGB")
    source = Image.open(folder / "scene.png").convert("RGB")
    assert out.size == source.size and out.tobytes() == source.tobytes()


@pytest.mark.latex
def test_a_fragment_brings_its_picture_and_is_input_from_another_folder(folder):
    (folder / "figs").mkdir()
    run = tikznn("tex", "--fragment", "net.nn", "-o", "figs/net.tikz", cwd=folder)
    assert run.returncode == 0, run.stderr
    assert (folder / "figs" / "net-image1.png").exists()
    (folder / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
                                      "\\input{figs/net.tikz}\n\\input{figs/net.tikz}\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "paper.tex"], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert len({row[10] for row in images_in(folder / "paper.pdf")}) == 1
    standard = tikznn("tex", "net.nn", cwd=folder)
    assert standard.returncode == 1 and "give -o" in standard.stderr  # (no file to put it in)


def test_the_picture_is_a_source_of_the_figure(folder):
    network, _ = load(folder / "net.nn")
    from tikznn.pipeline import sources_of
    assert sources_of(folder / "net.nn", network)[-1] == folder / "scene.png"


@pytest.mark.parametrize("written, said", [("../scene.png", "outside the .nn file's folder"),
                                           ("/etc/scene.png", "not a path relative to the .nn file"),
                                           ("scene.gif", "not a PNG or JPEG file")])
def test_a_path_the_nn_file_may_not_name_is_a_syntax_error_where_it_is(written, said):
    with pytest.raises(ParseError) as caught:
        parse(f'network "x"\ninput 3x32x32 {{image="{written}"}}\n')
    assert said in caught.value.message and (caught.value.span.line, caught.value.span.column) == (2, 22)


def bad(folder: Path, name: str) -> OutputError:
    (folder / "bad.nn").write_text(f'network "x"\ninput 3x32x32\nconv 8 k3 {{image="{name}"}}\n')
    network, _ = load(folder / "bad.nn")
    with pytest.raises(OutputError) as caught:
        pictures(network, folder / "bad.nn")
    assert caught.value.span.line == 3
    return caught.value


def test_every_bad_picture_is_a_located_error(folder, tmp_path_factory):
    assert "no such file" in bad(folder, "missing.png").message
    (folder / "text.png").write_text("not a picture")
    assert "cannot be read as a picture" in bad(folder, "text.png").message
    scene(folder / "wide.png", size=(40_000, 2), mode="L")
    assert "40,000 × 2 pixels" in bad(folder, "wide.png").message
    scene(folder / "really.png", fmt="GIF")
    assert "GIF, not a PNG or JPEG" in bad(folder, "really.png").message
    os.mkfifo(folder / "pipe.png")  # (never opened for reading: it would wait for a writer)
    assert "not a regular file" in bad(folder, "pipe.png").message
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    scene(elsewhere / "secret.png")
    (folder / "link.png").symlink_to(elsewhere / "secret.png")
    assert "outside the .nn file's folder" in bad(folder, "link.png").message
    scene(folder / "photo.jpg", fmt="JPEG")  # and a JPEG is read
    (folder / "good.nn").write_text('network "x"\ninput 3x32x32 {image="photo.jpg"}\n')
    (picture,) = pictures(load(folder / "good.nn")[0], folder / "good.nn")
    assert picture.png.startswith(b"\x89PNG") and (picture.width, picture.height) == (64, 48)


@pytest.mark.latex
@pytest.mark.parametrize("name, count", [("fcn8", 2), ("unet", 2), ("lenet_maps", 1)])
def test_the_examples_hold_each_of_their_pictures_once(tmp_path, name, count):
    from conftest import EXAMPLES
    build_figure(EXAMPLES / f"{name}.nn", tmp_path / f"{name}.pdf")
    rows = images_in(tmp_path / f"{name}.pdf")
    assert len(rows) == count and len({row[10] for row in rows}) == count


@pytest.mark.parametrize("line", ['import "/etc/hostname"', 'theme "/etc/hostname"', 'import "../blocks.nn"',
                                  'import "link.nn"'])
def test_a_nn_file_reads_nothing_outside_its_folder(tmp_path, tmp_path_factory, line):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "blocks.nn").write_text("block b()\n    conv 8 k3\nend\n")
    (tmp_path / "link.nn").symlink_to(outside / "blocks.nn")
    (tmp_path / "net.nn").write_text(f'network "x"\n{line}\ninput 3x8x8\n')
    with pytest.raises(OutputError) as caught:
        load(tmp_path / "net.nn")
    assert "outside the .nn file's folder" in caught.value.message and caught.value.span.line == 2


@pytest.mark.parametrize("layout", ["right", "down"])
def test_a_picture_lies_on_the_face_across_the_flow_unstretched(layout):
    """Flowing right, on the block's east face (height up the page); flowing down, on its top face (width across
    the page); fitted inside it at the picture's own proportions."""
    from dataclasses import replace
    from tikznn import styles
    from tikznn.images import Picture
    from tikznn.render import context
    from tikznn.shapes import analyse
    network = parse(f'network "x"\nlayout {layout}\ninput 3x64x32 {{image="a.png"}}\nconv 8 k3 p1\n')
    drawing = replace(styles.draw(network, analyse(network), network.figure),
                      pictures=(Picture("a.png", "image1.png", 40, 20, b""),))
    (block,) = [b for b in context(drawing, fragment=False)["blocks"] if b["image"]]
    a, b, c, d = (float(v) for v in block["image"]["cm"].strip("{}").split("}{"))
    if layout == "right":
        assert c == 0 and d > 0  # the picture's height runs up the page
    else:
        assert b == 0 and a > 0  # its width runs across the page
    across, tall = math.hypot(a, b), math.hypot(c, d)
    assert across > 0 and tall > 0
