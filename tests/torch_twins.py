"""Each tikznn layer's PyTorch twin (the tests' own small translator) and a network's forward pass through them:
imported by the tests that run it, not when pytest collects (importing PyTorch takes seconds on every worker)."""
import torch
from torch import nn

import layers


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
