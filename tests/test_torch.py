"""Shape inference and parameter counts against a real PyTorch forward pass (runs where torch is installed;
CI installs it)."""
import pytest

from conftest import EXAMPLES, need_module
import layers
from tikznn import parse, parse_file
from tikznn.shapes import analyse

torch = need_module("torch")
nn = torch.nn


class _Recurrent(nn.Module):
    """An LSTM or GRU giving its outputs at every position, or only the final hidden state (both directions)."""

    def __init__(self, layer, features):
        super().__init__()
        cls = nn.LSTM if isinstance(layer, layers.LSTM) else nn.GRU
        self.rnn = cls(features, layer.hidden, num_layers=layer.layers, bidirectional=layer.bidirectional,
                       batch_first=True)
        self.last = layer.last

    def forward(self, x):
        out, state = self.rnn(x)
        hidden = state[0] if isinstance(state, tuple) else state
        return torch.cat(list(hidden[-(2 if self.rnn.bidirectional else 1):]), dim=1) if self.last else out


class _SelfAttention(nn.Module):
    def __init__(self, features, heads):
        super().__init__()
        self.attention = nn.MultiheadAttention(features, heads, batch_first=True)

    def forward(self, x):
        return self.attention(x, x, x)[0]


def sequence_module_for(layer, source):
    if isinstance(layer, layers.Embedding):
        return nn.Embedding(layer.vocab, layer.dim)
    if isinstance(layer, layers.Recurrent):
        return _Recurrent(layer, source[-1])
    if isinstance(layer, layers.Attention):
        return _SelfAttention(source[-1], layer.heads)
    if isinstance(layer, layers.Encoder):
        return nn.TransformerEncoderLayer(source[-1], layer.heads, layer.ff, activation=layer.act, batch_first=True)
    if isinstance(layer, (layers.LayerNorm, layers.BatchNorm)):
        return nn.LayerNorm(source[-1]) if isinstance(layer, layers.LayerNorm) else None
    if isinstance(layer, layers.Dense):
        return nn.Linear(source[-1], layer.units)
    if isinstance(layer, layers.Pool):  # global: the mean over positions
        return _Mean()
    return nn.Identity() if not isinstance(layer, layers.Flatten) else nn.Flatten()


class _Mean(nn.Module):
    def forward(self, x):
        return x.mean(dim=1)


def module_for(layer, shapes, sequence=False):
    """The PyTorch module of one layer, given the shapes of its inputs (the test's own small translator)."""
    source = shapes[layer.inputs[0]] if layer.inputs else None
    if sequence:
        return sequence_module_for(layer, source)
    if isinstance(layer, layers.LayerNorm):
        return nn.LayerNorm(source[-1])
    one_d = source is not None and len(source) == 2
    if isinstance(layer, layers.Conv):
        groups = source[0] if layer.depthwise else layer.groups
        bias = layer.bias if layer.bias is not None else not layer.bn
        cls = ((nn.ConvTranspose1d if one_d else nn.ConvTranspose2d) if isinstance(layer, layers.Deconv)
               else (nn.Conv1d if one_d else nn.Conv2d))
        axes = 1 if one_d else 2
        options = dict(kernel_size=layer.kernel[:axes], stride=layer.stride[:axes], dilation=layer.dilation[:axes],
                       groups=groups, bias=bias,
                       padding=layer.padding if isinstance(layer.padding, str) else layer.padding[:axes])
        if isinstance(layer, layers.Deconv):
            options["output_padding"] = layer.output_padding[:axes]
        parts = [cls(source[0], layer.channels, **options)]
        if layer.bn:
            parts.append((nn.BatchNorm1d if one_d else nn.BatchNorm2d)(layer.channels))
        return nn.Sequential(*parts)
    if isinstance(layer, layers.Pool):
        if layer.mode == "global":
            return nn.AdaptiveAvgPool1d(1) if one_d else nn.AdaptiveAvgPool2d(1)
        cls = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[layer.mode]
        return cls(layer.kernel, stride=layer.stride or layer.kernel, padding=layer.padding, ceil_mode=layer.ceil)
    if isinstance(layer, layers.Upsample):
        return nn.Upsample(scale_factor=layer.scale, mode=layer.mode)
    if isinstance(layer, layers.PixelShuffle):
        return nn.PixelShuffle(layer.factor)
    if isinstance(layer, layers.Dense):
        return nn.Linear(source[0], layer.units)
    if isinstance(layer, layers.BatchNorm):
        return (nn.BatchNorm1d if len(source) <= 2 else nn.BatchNorm2d)(source[0])
    if isinstance(layer, layers.Flatten):
        return nn.Flatten()
    return nn.Identity()  # activations, dropout: shape and parameters unchanged


def forward_shapes(network, device="meta"):
    """Each layer's output shape (batch axis dropped) and parameter count, from PyTorch's forward pass; on the meta
    device (PyTorch's own shape rules, without computing or initialising a value) unless told otherwise."""
    with torch.device(device):
        return _forward_shapes(network)


def _forward_shapes(network):
    shapes, params, values = {}, {}, {}
    sequence = {}  # is the layer's output positions first?
    for layer in network.layers:
        if isinstance(layer, layers.Input):
            values[layer.name] = (torch.zeros(1, *layer.shape, dtype=torch.long) if layer.data == "tokens"
                                  else torch.zeros(1, *layer.shape))
            params[layer.name] = 0
            sequence[layer.name] = layer.data != "tensor"
        elif isinstance(layer, layers.Add):
            values[layer.name] = sum(values[name] for name in layer.inputs)
            params[layer.name] = 0
        elif isinstance(layer, layers.Concat):
            values[layer.name] = torch.cat([values[name] for name in layer.inputs],
                                           dim=-1 if sequence[layer.inputs[0]] else 1)
            params[layer.name] = 0
        else:
            module = module_for(layer, shapes, sequence[layer.inputs[0]])
            values[layer.name] = module.eval()(values[layer.inputs[0]])
            params[layer.name] = sum(p.numel() for p in module.parameters())
        if layer.inputs:
            out = values[layer.name]
            # a sequence stays one while it keeps a positions axis (L, D); pooling, flatten, 'last' end it
            sequence[layer.name] = sequence[layer.inputs[0]] and out.dim() == 3
        shapes[layer.name] = tuple(values[layer.name].shape[1:])
    return shapes, params


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
    shapes, params = forward_shapes(network)
    for layer in network.layers:
        ours = analysis[layer.name]
        assert ours.shape == shapes[layer.name], f"{layer.name}: {ours.shape} != torch {shapes[layer.name]}"
        assert ours.params == params[layer.name], f"{layer.name}: {ours.params} != torch {params[layer.name]}"


@pytest.mark.parametrize("name", sorted(NETS))
def test_the_meta_device_gives_what_a_forward_pass_on_values_gives(name):
    assert forward_shapes(parse(NETS[name]), "meta") == forward_shapes(parse(NETS[name]), "cpu")


@pytest.mark.parametrize("name", ["lenet", "alexnet", "resnet18", "fcn8", "resnet50", "transformer", "unet",
                                  "inception", "densenet_block", "espcn"])
def test_examples_match_a_forward_pass(name):
    network = parse_file(EXAMPLES / f"{name}.nn")
    analysis = analyse(network)
    shapes, params = forward_shapes(network)
    assert {n: a.shape for n, a in analysis.items()} == shapes
    assert sum(a.params for a in analysis.values()) == sum(params.values())


def test_espcn_counts_what_its_pytorch_twin_holds():
    """ESPCN as Shi et al. describe it (f1 = 5, n1 = 64; f2 = 3, n2 = 32; f3 = 3, r = 3, one channel), written by
    hand in PyTorch: the example's totals and output are the twin's."""
    twin = nn.Sequential(nn.Conv2d(1, 64, 5, padding=2), nn.Tanh(), nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
                         nn.Conv2d(32, 1 * 3 ** 2, 3, padding=1), nn.PixelShuffle(3))
    network = parse_file(EXAMPLES / "espcn.nn")
    analysis = analyse(network)
    assert sum(a.params for a in analysis.values()) == sum(p.numel() for p in twin.parameters()) == 22_729
    assert analysis[network.layers[-1].name].shape == tuple(twin(torch.zeros(1, 1, 64, 64)).shape[1:]) == (1, 192, 192)
