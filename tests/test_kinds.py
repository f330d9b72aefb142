"""Each layer kind is declared once, in tikznn/kinds, with every facet: these tests keep it so. A kind the grammar
can produce without a declaration, a colour, a description or an export answer fails here, not in a LaTeX run."""
from __future__ import annotations

import re

import pytest

from tikznn import ModelError, Network, ShapeError, kinds, parse, theme
from tikznn.export import torch_source
from tikznn.resources import resource_dir
from tikznn.shapes import analyse

GRAMMAR = (resource_dir("grammar") / "tikznn.lark").read_text()
KINDS = kinds.every()


def _grammar_kinds() -> set[str]:
    rule = re.search(r"^_kind:(.*?)\n\n", GRAMMAR, re.M | re.S).group(1)
    return {word.strip() for word in rule.replace("\n", " ").split("|")}


def test_every_kind_the_grammar_produces_is_declared_once():
    assert _grammar_kinds() == set(kinds.keywords())
    assert len(kinds.keywords()) == len(set(kinds.keywords()))


def _example(kind):
    text = "\n".join(filter(None, [kind.example_input, kind.example])) + "\n"
    network = parse(text)
    return network, network.layers[-1]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.keyword)
def test_a_kind_declares_every_facet(kind):
    assert kind.layer.kind == kind.keyword
    assert kind.legend and kind.doc and kind.example
    network, layer = _example(kind)
    assert layer.kind == kind.keyword
    # its .nn wording reads back as the layer it came from
    written = kinds.wording(layer, [n for n in layer.inputs] if kind.names_inputs else ())
    assert written == kind.example.splitlines()[-1].split("= ")[-1]
    analysis = analyse(network)
    assert kind.describe(layer, analysis[layer.name], counts=True)
    assert kind.describe(layer, analysis[layer.name], counts=False)
    # a theme part with a colour in every theme, its own or its family's (none when drawn in the arrow)
    for part, name, _ in kind.theme_parts():
        assert name and all(part in colours for colours, _ in theme.THEMES.values()), part
    if kind.in_arrow:
        assert not kind.in_arrow or kind.keyword not in theme.PARTS


@pytest.mark.parametrize("kind", [k for k in KINDS if k.exportable], ids=lambda k: k.keyword)
def test_a_kind_exports_to_pytorch(kind):
    network, _ = _example(kind)
    source = torch_source(network)
    compile(source, "<export>", "exec")


@pytest.mark.parametrize("kind", [k for k in KINDS if not k.is_input and not k.any_shape], ids=lambda k: k.keyword)
def test_a_kind_says_what_it_is_imported_from(kind):
    # modules, functions or ONNX ops; or a run of operations it recognises (a conv, reshape and permute: patches)
    assert kind.torch_modules or kind.torch_functions or kind.onnx_ops or \
        type(kind).from_ops is not kinds.Kind.from_ops


def test_a_kind_without_colours_takes_its_familys():
    shuffle = kinds.named("pixelshuffle")
    assert shuffle.colours is None
    for colours, _ in theme.THEMES.values():
        assert colours["pixelshuffle"] == colours[shuffle.family]
    assert theme.NAMES["pixelshuffle"] == "pixel shuffle"


def test_legend_names_are_distinct():
    names = [name for kind in KINDS for _, name, _ in kind.theme_parts()]
    assert len(set(names)) == len(names) - names.count("activation") + 1  # a conv's band is an activation too


def test_a_kind_that_does_not_apply_to_sequences_says_what_does():
    with pytest.raises(ShapeError, match="pool does not apply to a sequence") as caught:
        analyse(parse("input 10x8 seq\npool max 2\n"))
    assert caught.value.hint.startswith("sequences take pool global, ") and "lstm" in caught.value.hint


def test_the_builder_refuses_from_on_a_merge_as_the_language_does():
    net = Network().input(8, name="x").dense(8, name="a").dense(8, name="b", from_="x")
    with pytest.raises(ModelError, match="'add' names its inputs itself; from_ does not apply"):
        net.add("a", "b", from_="x")


def test_pixel_shuffle_is_imported_only_from_a_feature_map():
    class Shuffle:  # stands for nn.PixelShuffle(2), whose output here is not C×H×W
        upscale_factor = 2
    shuffle = kinds.named("pixelshuffle")
    assert shuffle.from_torch(Shuffle(), (1, 16, 16)) == {"factor": 2}
    assert shuffle.from_torch(Shuffle(), (1, 1, 16, 16)) is None
    assert shuffle.from_torch_function("pixel_shuffle", {"upscale_factor": 2}, None, (1, 1, 16, 16), []) is None
