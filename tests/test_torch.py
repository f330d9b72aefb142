"""Shape inference and parameter counts against a real PyTorch forward pass (runs where torch is installed;
CI installs it)."""
import pytest

from conftest import EXAMPLES, need_module
from tikznn import parse, parse_file
from tikznn.shapes import analyse



@pytest.fixture(autouse=True)
def _pytorch():
    """PyTorch and the layers' twins (tests/torch_twins.py), imported when a test runs rather than when pytest
    collects this module (seconds on every worker)."""
    global torch, twins
    torch = need_module("torch")
    import torch_twins as twins



NETS = {
    "strides-padding-dilation": "input 3x33x31\nconv 8 k3 s2 p1\nconv 8 k5 d2 p2 bias bn\nconv 4 k3x1 s1x2 p1x0 relu\n"
                                "conv 4 k3 pvalid\nconv 4 k3 psame nobias\n",
    "groups-depthwise": "input 8x16x16\nconv 16 k3 p1 g4\nconv 16 k3 p1 dw\nconv 32 k1 g2 bn\n",
    "deconv-output-padding": "input 16x7x7\ndeconv 8 k3 s2 p1 op1\ndeconv 4 k4 s2 p1\ndeconv 4\n",
    "pool-ceil": "input 3x15x15\npool max k3 s2 ceil\npool avg k2 s2 ceil\npool max k3 s2 p1\npool global\n",
    "merges": "x = input 8x16x16\na = conv 8 k3 p1\nb = conv 8 k1 from x\nadd a b relu\nc = concat a b\n"
              "upsample 2\nflatten\ndense 10\n",
    "one-dimensional": "input 4x100\nconv 8 k5 s2\nconv 8 k3 psame bn relu\ndeconv 4 k2 s2\npool global\nflatten\n"
                       "dense 3\n",
    "pixel-shuffle": "input 8x5x7\nconv 18 k3 p1\npixelshuffle 3\nconv 4 k1\npixelshuffle 2\n",
    "vector": "input 784\ndense 128 relu\nbn\ndropout 0.2\ndense 10 softmax\n",
    "sequences": "input 20 tokens\nembed 100 32\nx = lstm 16 n2 bi\ngru 24\nattention h4\nencoder h4 ff64\n"
                 "encoder h2 ff32 gelu\nlayernorm\nz = dense 8 relu\ny = dense 8 from x\nc = concat z y\n"
                 "dense 8 from c\nadd y\n"
                 "dropout 0.1\nflatten\nlayernorm\ndense 3\n",
    "sequence-summaries": "input 12x6 seq\na = lstm 5\ngru 7 n3 bi last\nlstm 4 bi last from a\n"
                          "pool global from a\n",
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_shapes_and_params_match_a_forward_pass(name):
    network = parse(NETS[name])
    analysis = analyse(network)
    shapes, params = twins.forward_shapes(network)
    for layer in network.layers:
        ours = analysis[layer.name]
        assert ours.shape == shapes[layer.name], f"{layer.name}: {ours.shape} != torch {shapes[layer.name]}"
        assert ours.params == params[layer.name], f"{layer.name}: {ours.params} != torch {params[layer.name]}"


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_meta_device_gives_what_a_forward_pass_on_values_gives(name):
    assert twins.forward_shapes(parse(NETS[name]), "meta") == twins.forward_shapes(parse(NETS[name]), "cpu")


@pytest.mark.parametrize("name", ["lenet", "alexnet", "resnet18", "fcn8", "resnet50", "transformer", "unet",
                                  "inception", "densenet_block", "espcn"])
def test_examples_match_a_forward_pass(name):
    network = parse_file(EXAMPLES / f"{name}.nn")
    analysis = analyse(network)
    shapes, params = twins.forward_shapes(network)
    assert {n: a.shape for n, a in analysis.items()} == shapes
    assert sum(a.params for a in analysis.values()) == sum(params.values())


def test_espcn_counts_what_its_pytorch_twin_holds():
    """ESPCN as Shi et al. describe it (f1 = 5, n1 = 64; f2 = 3, n2 = 32; f3 = 3, r = 3, one channel), written by
    hand in PyTorch: the example's totals and output are the twin's."""
    twin = torch.nn.Sequential(torch.nn.Conv2d(1, 64, 5, padding=2), torch.nn.Tanh(),
                               torch.nn.Conv2d(64, 32, 3, padding=1), torch.nn.Tanh(),
                               torch.nn.Conv2d(32, 1 * 3 ** 2, 3, padding=1), torch.nn.PixelShuffle(3))
    network = parse_file(EXAMPLES / "espcn.nn")
    analysis = analyse(network)
    assert sum(a.params for a in analysis.values()) == sum(p.numel() for p in twin.parameters()) == 22_729
    assert analysis[network.layers[-1].name].shape == tuple(twin(torch.zeros(1, 1, 64, 64)).shape[1:]) == (1, 192, 192)
