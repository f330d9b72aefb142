"""Shape inference and parameter counts against a real PyTorch forward pass (runs where torch is installed;
CI installs it)."""
import os

import pytest

from conftest import EXAMPLES
from tikznn import model, parse, parse_file
from tikznn.shapes import analyse

if os.environ.get("CI"):
    import torch  # CI installs torch: these comparisons must run there
else:
    torch = pytest.importorskip("torch")
nn = torch.nn


def module_for(layer, shapes):
    """The PyTorch module of one layer, given the shapes of its inputs (the test's own small translator)."""
    source = shapes[layer.inputs[0]] if layer.inputs else None
    one_d = source is not None and len(source) == 2
    if isinstance(layer, model.Conv):
        groups = source[0] if layer.depthwise else layer.groups
        bias = layer.bias if layer.bias is not None else not layer.bn
        cls = ((nn.ConvTranspose1d if one_d else nn.ConvTranspose2d) if isinstance(layer, model.Deconv)
               else (nn.Conv1d if one_d else nn.Conv2d))
        axes = 1 if one_d else 2
        options = dict(kernel_size=layer.kernel[:axes], stride=layer.stride[:axes], dilation=layer.dilation[:axes],
                       groups=groups, bias=bias,
                       padding=layer.padding if isinstance(layer.padding, str) else layer.padding[:axes])
        if isinstance(layer, model.Deconv):
            options["output_padding"] = layer.output_padding[:axes]
        parts = [cls(source[0], layer.channels, **options)]
        if layer.bn:
            parts.append((nn.BatchNorm1d if one_d else nn.BatchNorm2d)(layer.channels))
        return nn.Sequential(*parts)
    if isinstance(layer, model.Pool):
        if layer.mode == "global":
            return nn.AdaptiveAvgPool1d(1) if one_d else nn.AdaptiveAvgPool2d(1)
        cls = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[layer.mode]
        return cls(layer.kernel, stride=layer.stride or layer.kernel, padding=layer.padding, ceil_mode=layer.ceil)
    if isinstance(layer, model.Upsample):
        return nn.Upsample(scale_factor=layer.scale, mode=layer.mode)
    if isinstance(layer, model.Dense):
        return nn.Linear(source[0], layer.units)
    if isinstance(layer, model.BatchNorm):
        return (nn.BatchNorm1d if len(source) <= 2 else nn.BatchNorm2d)(source[0])
    if isinstance(layer, model.Flatten):
        return nn.Flatten()
    return nn.Identity()  # activations, dropout: shape and parameters unchanged


def forward_shapes(network):
    """Each layer's output shape (batch axis dropped) and parameter count, from a real forward pass."""
    shapes, params, values = {}, {}, {}
    for layer in network.layers:
        if isinstance(layer, model.Input):
            values[layer.name] = torch.zeros(1, *layer.shape)
            params[layer.name] = 0
        elif isinstance(layer, model.Add):
            values[layer.name] = sum(values[name] for name in layer.inputs)
            params[layer.name] = 0
        elif isinstance(layer, model.Concat):
            values[layer.name] = torch.cat([values[name] for name in layer.inputs], dim=1)
            params[layer.name] = 0
        else:
            module = module_for(layer, shapes)
            values[layer.name] = module.eval()(values[layer.inputs[0]])
            params[layer.name] = sum(p.numel() for p in module.parameters())
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
    "vector": "input 784\ndense 128 relu\nbn\ndropout 0.2\ndense 10 softmax\n",
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


@pytest.mark.parametrize("name", ["lenet", "alexnet", "resnet18", "fcn8"])
def test_examples_match_a_forward_pass(name):
    network = parse_file(EXAMPLES / f"{name}.nn")
    analysis = analyse(network)
    shapes, params = forward_shapes(network)
    assert {n: a.shape for n, a in analysis.items()} == shapes
    assert sum(a.params for a in analysis.values()) == sum(params.values())
