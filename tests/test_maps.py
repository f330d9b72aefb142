"""Real feature maps (--maps): a model with hand-set weights (two edge detectors, then a 1×1 mix) run on a
synthetic image; every map drawn in the PDF, taken out with pdfimages, equals that channel's activation after the
documented scaling (least black, most white) within one grey level, and the channels shown are the most active."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need_module, tikznn

pytestmark = pytest.mark.latex

DATA = Path(__file__).resolve().parent / "data"
NET = '''network "Edges"
style {style}
input 1x24x24 "Image"
conv1 = conv 2 k3 p1 nobias "edges"
conv2 = conv 3 k1 "mix"
flatten
dense 4 "not in the model"
'''


def synthetic(path: Path) -> None:
    """A bright square and a bright bar on grey, 40×40 (read in as 24×24)."""
    Image = need_module("PIL.Image")
    image = Image.new("L", (40, 40), 60)
    image.paste(220, (8, 8, 24, 24))
    image.paste(180, (28, 4, 34, 36))
    image.save(path)


def expected(image: Path):
    """Each channel's map, by the documented rule, computed here with the model itself."""
    torch = need_module("torch")
    Image = need_module("PIL.Image")
    sys.path.insert(0, str(DATA))
    from edges import Edges
    pixels = Image.open(image).convert("L").resize((24, 24), Image.BILINEAR)
    x = torch.tensor(list(pixels.tobytes()), dtype=torch.float32).reshape(1, 1, 24, 24) / 255.0
    model = Edges().eval()
    with torch.no_grad():
        one = model.conv1(x)[0]
        two = model.conv2(model.conv1(x))[0]
    maps = {}
    for name, out in (("conv1", one), ("conv2", two)):
        order = sorted(range(out.shape[0]), key=lambda c: (-float(out[c].mean()), c))[:4]
        maps[name] = [((out[c] - out[c].min()) / (out[c].max() - out[c].min()) * 255).round().to(torch.uint8)
                      for c in order]
    return pixels, maps


@pytest.mark.parametrize("style", ["blocks", "flat"])
def test_every_drawn_map_is_the_models_activation(tmp_path, style):
    torch = need_module("torch")
    Image = need_module("PIL.Image")
    synthetic(tmp_path / "scene.png")
    (tmp_path / "net.nn").write_text(NET.format(style=style))
    run = tikznn("build", "net.nn", "--maps", f"{DATA / 'edges.py'}:Edges", "--image", "scene.png", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "dense#1" in run.stderr or "flatten#1" in run.stderr  # the layers without a module, named
    subprocess.run(["pdfimages", "-png", "net.pdf", "drawn"], cwd=tmp_path, check=True)
    drawn = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("drawn-*.png"))]
    pixels, maps = expected(tmp_path / "scene.png")
    wanted = [pixels.tobytes()] + [bytes(m.flatten().tolist()) for name in ("conv1", "conv2")
                                   for m in maps[name][:1 if style == "blocks" else 4]]
    got = [image.tobytes() for image in drawn]
    assert all(image.size == (24, 24) for image in drawn)

    def close(a: bytes, b: bytes) -> bool:
        return max(abs(p - q) for p, q in zip(a, b)) <= 1
    for want in wanted:  # each map the rule shows is drawn ...
        assert any(close(want, g) for g in got)
    for g in got:  # ... and nothing else
        assert any(close(want, g) for want in wanted)
    assert len(got) == len(set(got)) == len(wanted)
    assert torch.is_tensor(maps["conv1"][0])


def test_maps_need_an_image_and_a_model_that_runs(tmp_path):
    synthetic(tmp_path / "scene.png")
    (tmp_path / "net.nn").write_text(NET.format(style="blocks"))
    lone = tikznn("build", "net.nn", "--maps", "x.py:Net", cwd=tmp_path)
    assert lone.returncode == 2 and "--image" in lone.stderr
    missing = tikznn("build", "net.nn", "--maps", f"{DATA / 'edges.py'}:Edges", "--image", "nothing.png", cwd=tmp_path)
    assert missing.returncode == 8 and "nothing.png" in missing.stderr and "Traceback" not in missing.stderr


def test_the_lenet_example_shows_what_it_sees(tmp_path):
    """examples/lenet_maps.nn built with its model, as the gallery shows it: a golden image (make goldens)."""
    from test_goldens import _matches_golden
    examples = Path(__file__).resolve().parent.parent / "examples"
    _matches_golden("lenet_maps", "lenet_maps-seen", tmp_path, style="flat",
                    maps=(f"{examples / 'models' / 'lenet.py'}:LeNet", examples / "images" / "digit.png", None))
