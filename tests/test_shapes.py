"""Shape inference with PyTorch's arithmetic, checked against published parameter counts."""
import re

import pytest

import tikznn

from conftest import EXAMPLES
from tikznn import ShapeError, parse, parse_file
from tikznn.kinds.convolution import transposed_out, window_out
from tikznn.shapes import analyse, human

# ../shared/reference/parameters.md (torchvision conventions)
PUBLISHED = {"lenet": 61_706, "resnet18": 11_689_512, "vgg16": 138_357_544, "alexnet": 61_100_840,
             "resnet50": 25_557_032}
# torchvision's model table, "GFLOPS" column (which counts multiply-accumulates), to two decimals
PUBLISHED_GMACS = {"alexnet": 0.71, "vgg16": 15.47, "resnet18": 1.81, "resnet50": 4.09}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_parameter_totals_match_published_counts(name):
    analysis = analyse(parse_file(EXAMPLES / f"{name}.nn"))
    assert sum(a.params for a in analysis.values()) == PUBLISHED[name]


@pytest.mark.parametrize("name", sorted(PUBLISHED_GMACS))
def test_mac_totals_match_published_counts(name):
    analysis = analyse(parse_file(EXAMPLES / f"{name}.nn"))
    assert round(sum(a.macs for a in analysis.values()) / 1e9, 2) == PUBLISHED_GMACS[name]


def test_fcn8_shapes_return_to_the_image_size():
    net = parse_file(EXAMPLES / "fcn8.nn")
    analysis = analyse(net)
    assert analysis["pool3"].shape == (256, 28, 28)
    assert analysis["pool4"].shape == (512, 14, 14)
    assert analysis[net.layers[-1].name].shape == (21, 224, 224)


def test_resnet18_stage_shapes():
    analysis = analyse(parse_file(EXAMPLES / "resnet18.nn"))
    assert analysis["stem"].shape == (64, 56, 56)
    assert [analysis[n].shape for n in ("a2", "a4", "a6", "a8")] == [
        (64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)]


@pytest.mark.parametrize("size, kernel, stride, padding, expected", [
    (224, 7, 2, 3, 112), (112, 3, 2, 1, 56), (32, 5, 1, 0, 28), (7, 3, 1, 1, 7), (5, 2, 2, 0, 2)])
def test_window_formula(size, kernel, stride, padding, expected):
    assert window_out(size, kernel, stride, padding) == expected


@pytest.mark.parametrize("size, kernel, stride, padding, expected", [
    (15, 3, 2, 0, 7), (6, 2, 2, 0, 3), (5, 2, 2, 0, 3), (112, 3, 2, 1, 57), (7, 3, 2, 1, 4), (8, 3, 3, 1, 3)])
def test_ceil_mode(size, kernel, stride, padding, expected):  # values from torch.nn.MaxPool2d(ceil_mode=True)
    assert window_out(size, kernel, stride, padding, ceil=True) == expected


def test_dilation_and_padding_modes():
    analysis = analyse(parse("input 3x32x32\nconv 8 k3 d2\nconv 8 k3 psame\nconv 8 k5 pvalid\n"))
    assert [analysis[n].shape for n in ("conv#1", "conv#2", "conv#3")] == [(8, 28, 28), (8, 28, 28), (8, 24, 24)]


def test_groups_depthwise_bias_and_norm_parameters():
    analysis = analyse(parse("input 32x8x8\nconv 64 k3 p1 g4\nconv 64 k3 p1 dw\nconv 64 k1 bn bias\n"
                             "conv 64 k1 nobias\n"))
    assert analysis["conv#1"].params == 32 // 4 * 64 * 9 + 64
    assert analysis["conv#2"].params == 1 * 64 * 9 + 64
    assert analysis["conv#3"].params == 64 * 64 + 64 + 2 * 64
    assert analysis["conv#4"].params == 64 * 64
    assert analysis["conv#1"].macs == 32 // 4 * 64 * 9 * 64


def test_transposed_with_output_padding_and_its_macs():
    analysis = analyse(parse("input 16x7x7\ndeconv 8 k3 s2 p1 op1\n"))
    assert analysis["deconv#1"].shape == (8, 14, 14)
    assert analysis["deconv#1"].macs == 16 * 8 * 9 * 7 * 7


def test_activation_memory_is_the_output_size():
    analysis = analyse(parse("input 3x32x32\nconv 8 k3 p1\nflatten\n"))
    assert [a.elements for a in analysis.values()] == [3 * 32 * 32, 8 * 32 * 32, 8 * 32 * 32]


def test_transposed_formula():
    assert transposed_out(7, 4, 2, 1) == 14 and transposed_out(28, 16, 8, 4) == 224


def test_conv_params_and_macs():
    analysis = analyse(parse("input 3x32x32\nconv 16 k3 p1\nconv 16 k3 p1 bn\n"))
    first, second = analysis["conv#1"], analysis["conv#2"]
    assert first.shape == (16, 32, 32)
    assert first.params == 3 * 16 * 9 + 16 and first.macs == 3 * 16 * 9 * 32 * 32
    assert second.params == 16 * 16 * 9 + 2 * 16  # no conv bias, batch-norm's weight and bias


@pytest.mark.parametrize("count, text", [(999, "999"), (999_499, "999k"), (999_500, "1M"), (999_999, "1M"),
                                         (11_689_512, "11.7M"), (999_999_999, "1G"), (1_814_073_344, "1.81G")])
def test_human_counts_round_into_the_next_unit(count, text):
    assert human(count) == text


@pytest.mark.parametrize("text, words", [
    ("input 64x56x56\nconv 128 k3 s2 p1\nx = conv 128 k3 p1\na = input 64x56x56\nadd x a\n",
     ["cannot add 'x' (128×28×28) and 'a' (64×56×56)", "stride 2"]),
    ("input 3x4x4\nconv 8 k7\n", ["does not fit", "padding"]),
    ("input 3x8x8\ndense 10\n", ["dense needs a flat vector", "flatten"]),
    ("input 100\nconv 3 k3\n", ["needs a feature map"]),
    ("a = input 3x8x8\nb = input 3x4x4\nconcat a b\n", ["cannot concatenate"]),
    ("input 6x8x8\nconv 8 k3 g4\n", ["4 groups do not divide the input channels", "gives 6"]),
    ("input 3x8x8\nconv 8 k3 s2 psame\n", ["padding 'same' needs stride 1"]),
    ("input 3x8x8\npool max k2 p2\n", ["more than half"]),
])
def test_shape_errors_name_layers_shapes_and_fix(text, words):
    with pytest.raises(ShapeError, match=re.escape(words[0])) as caught:
        analyse(parse(text, path="net.nn"))
    message = str(caught.value.located("net.nn", text))
    for word in words:
        assert word in message
    assert message.startswith("net.nn:")


def test_output_padding_must_be_below_the_stride():
    with pytest.raises(ShapeError, match="output padding 2×2 must be smaller than the stride"):
        analyse(parse("input 4x8x8\ndeconv 4 op2\n"))


def test_bert_base_encoder_layers_have_their_published_size():
    """BERT-base (Devlin et al.): 12 encoder layers of d=768, 12 heads, ff=3072, GELU; 7,087,872 parameters
    each, 85,054,464 in all, the 110M model's body without its 23.8M embeddings and pooler."""
    net = tikznn.parse("input 512x768 seq\nencoder h12 ff3072 gelu x12\n")
    layers = [a.params for n, a in analyse(net).items() if n.startswith("encoder")]
    assert layers == [7_087_872] * 12 and sum(layers) == 85_054_464


def test_the_transformer_example_counts_embeddings_and_six_encoder_layers():
    """Vaswani et al.'s base encoder: a 37,000-token embedding of 512, then 6 layers of 3,152,384 parameters
    (attention 4·512²+4·512, feed-forward 2·512·2048+2048+512, two layer norms 4·512); an encoder line
    counts the same as the block written out."""
    analysis = analyse(parse_file(EXAMPLES / "transformer.nn"))
    assert sum(a.params for a in analysis.values()) == 37_000 * 512 + 6 * 3_152_384
    one = analyse(tikznn.parse("input 128x512 seq\nencoder h8 ff2048\n"))
    assert one["encoder#1"].params == 3_152_384


@pytest.mark.parametrize("text,message", [
    ("input 3x8x8\nlstm 4\n", "lstm works on a sequence"),
    ("input 8 tokens\nlstm 4\n", "gives token ids; lstm needs vectors"),
    ("input 8x6 seq\nembed 10 4\n", "embed looks up token ids"),
    ("input 8x6 seq\nattention h4\n", "4 heads do not divide the 6 features"),
    ("input 8x6 seq\nconv 4\n", "conv does not apply to a sequence"),
    ("input 3x8\nlayernorm\n", "layernorm normalises a sequence.s features, a map.s channels or a vector"),
    ("x = input 8x6 seq\ninput 6\nadd x\n", "a sequence and a feature map or vector together"),
])
def test_sequence_mistakes_are_explained(text, message):
    with pytest.raises(tikznn.errors.ShapeError, match=message):
        analyse(tikznn.parse(text))
