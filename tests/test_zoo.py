"""Ten networks from torchvision's model list, written as .nn files the way a new user would (blocks, `xN`, stages;
`op` for what the language lacks), in tests/data/zoo/: they were not tuned with tikznn, so they test it beside the
examples (issue 15). Each must count torchvision's parameters and multiply-accumulates; no torch is needed."""
from __future__ import annotations

from pathlib import Path

import pytest

from tikznn import parse_file
from tikznn.shapes import analyse

ZOO = Path(__file__).resolve().parent / "data" / "zoo"

# From torchvision 0.29.1 (torch 2.14.1): sum(p.numel() for p in torchvision.models.NAME().parameters()), which
# equals the weights' meta["num_params"]; googlenet(aux_logits=False, init_weights=False), the eval model whose
# weights torchvision publishes, without the two auxiliary heads. GMACs are the weights' meta["_ops"] (3 decimals).
TORCHVISION = {
    "mobilenet_v2": (3_504_872, 0.301),
    "squeezenet1_1": (1_235_496, 0.349),
    "googlenet": (6_624_904, 1.498),
    "densenet121": (7_978_856, 2.834),
    "shufflenet_v2_x1_0": (2_278_604, 0.145),
    "mnasnet1_0": (4_383_312, 0.314),
    "efficientnet_b0": (5_288_548, 0.386),
    "resnext50_32x4d": (25_028_904, 4.230),
    "vgg11": (132_863_336, 7.609),
    "regnet_y_400mf": (4_344_144, 0.402),
}


def test_the_zoo_is_these_ten():
    assert sorted(p.stem for p in ZOO.glob("*.nn")) == sorted(TORCHVISION)


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_counts_are_torchvisions(name):
    network = parse_file(ZOO / f"{name}.nn")
    analysis = analyse(network)
    params, gmacs = TORCHVISION[name]
    assert sum(a.params for a in analysis.values()) == params
    assert round(sum(a.macs for a in analysis.values()) / 1e9, 3) == gmacs
    assert analysis[network.names()[-1]].shape == (1000,)  # ImageNet's classes


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_written_as_a_person_would(name):
    """Stages, and blocks or repetition wherever the network repeats itself; every `op` explained in a comment."""
    text = (ZOO / f"{name}.nn").read_text(encoding="utf-8")
    lines = [line.split("#")[0].split() for line in text.splitlines()]
    assert any(words[:1] == ["stage"] for words in lines)
    assert any(words[:1] == ["block"] or any(w[:1] in "x×" and w[1:].isdigit() for w in words) for words in lines)
    if any("op" in words for words in lines):
        assert "`op" in text
