"""Every torchvision classification model imports as a .nn file with the model's own parameter count, the MACs of
its convolutions and linear layers that torch's FlopCounterMode counts, and a figure. Needs torchvision (CI
installs it: .ci/run); the models are made on the meta device, so no weights are allocated."""
from __future__ import annotations

import gc
import re

import pytest

from conftest import need_module
from tikznn import parse
from tikznn.importing import import_model
from tikznn.pipeline import composed_tex
from tikznn.shapes import analyse

MODELS = ("resnet18 resnet50 resnext50_32x4d wide_resnet50_2 vgg16_bn alexnet squeezenet1_1 densenet121 googlenet "
          "inception_v3 mobilenet_v2 mobilenet_v3_large shufflenet_v2_x1_0 mnasnet1_0 efficientnet_b0 "
          "regnet_y_400mf convnext_tiny vit_b_16 swin_t maxvit_t").split()
# one of each family, built to a PDF (the others are laid out and written as TeX)
FAMILIES = ("resnet50", "densenet121", "googlenet", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny",
            "vit_b_16", "swin_t")


@pytest.fixture(scope="module")
def imported():
    need_module("torchvision")
    from tikznn import torch_reader
    found = {}

    def one(name):
        if name not in found:
            spec = f"torchvision.models:{name}"
            text, notes = import_model(spec, "3x299x299" if name == "inception_v3" else "3x224x224")
            found[name] = text, notes, torch_reader.load(spec)
            gc.collect()
            gc.freeze()  # (the models kept for the tests after: out of the way of every collection in between)
        return found[name]
    return one


def _macs_by_torch(model, shape) -> int:
    """Multiply-accumulates FlopCounterMode counts (FLOPs / 2), in the mode whose forward runs every parameter
    (training, for GoogLeNet's and Inception's auxiliary heads; batch norm kept in eval mode)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    model.eval()
    if getattr(model, "aux_logits", False):
        model.train()
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.empty((1, *shape), device="meta"))
    model.eval()
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("name", MODELS)
def test_a_torchvision_model_imports_with_its_own_totals(imported, name):
    text, notes, model = imported(name)
    network = parse(text)
    analysis = analyse(network)
    assert sum(a.params for a in analysis.values()) == sum(p.numel() for p in model.parameters())
    shape = (3, 299, 299) if name == "inception_v3" else (3, 224, 224)
    macs = sum(a.macs for a in analysis.values())
    ops = [layer for layer in network.layers if layer.kind == "op"]
    if not ops:  # every operation is a word of the language: its MACs are torch's, to the one
        assert macs == _macs_by_torch(model, shape)
    else:  # an 'op' line counts no MACs: the import says which operations have no word
        assert all(any(layer.title in note for note in notes) for layer in ops)
    assert "__" not in text and not re.search(r"^\s*block\.", text, re.M)  # no name the language would misread
    composed_tex(network, network.figure)  # laid out


@pytest.mark.latex
@pytest.mark.parametrize("name", FAMILIES)
def test_one_model_of_each_family_builds(imported, name, tmp_path):
    from tikznn.pipeline import build
    text, _, _ = imported(name)
    (tmp_path / "net.nn").write_text(text)
    [pdf] = build(tmp_path / "net.nn", tmp_path / "net.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_constructor_arguments_are_given_in_the_spec(imported):
    need_module("torchvision")
    text, notes = import_model("torchvision.models:googlenet(aux_logits=False, init_weights=False)", "3x224x224")
    assert sum(a.params for a in analyse(parse(text)).values()) == 6_624_904 and not notes
    assert "inception_aux" not in text


# examples written by hand from `input 3x224x224`, and the torchvision model each draws
HAND_WRITTEN = {"vit_b16": "vit_b_16", "efficientnet_b0": "efficientnet_b0", "mobilenetv3_large": "mobilenet_v3_large",
                "swin_t": "swin_t"}


@pytest.mark.parametrize("example", sorted(HAND_WRITTEN))
def test_a_hand_written_example_has_torchvisions_totals(imported, example):
    from conftest import EXAMPLES
    from tikznn import parse_file
    _, _, model = imported(HAND_WRITTEN[example])
    analysis = analyse(parse_file(EXAMPLES / f"{example}.nn"))
    assert sum(a.params for a in analysis.values()) == sum(p.numel() for p in model.parameters())
    macs = sum(a.macs for a in analysis.values())
    assert abs(macs / _macs_by_torch(model, (3, 224, 224)) - 1) < 0.01
