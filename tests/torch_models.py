"""PyTorch models for the importer's tests (imported by spec: tests/torch_models.py:resnet_like, ...)."""
import torch
from torch import nn


class Basic(nn.Module):
    """ResNet's basic block, with a projection shortcut when the size or width changes."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(y + shortcut)


class ResNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(Basic(16, 16), Basic(16, 16))
        self.layer2 = nn.Sequential(Basic(16, 32, 2), Basic(32, 32), Basic(32, 32))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Inception(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.branch1 = nn.Conv2d(cin, 16, 1)
        self.branch3 = nn.Sequential(nn.Conv2d(cin, 8, 1), nn.ReLU(), nn.Conv2d(8, 24, 3, padding=1))
        self.branch5 = nn.Sequential(nn.Conv2d(cin, 4, 1), nn.ReLU(), nn.Conv2d(4, 8, 5, padding=2))
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, 8, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.pool(x)], 1)


class InceptionLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.a = Inception(32)
        self.b = Inception(56)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(56, 5))

    def forward(self, x):
        return self.head(self.b(self.a(self.stem(x))))


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 64)
        self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
        self.fc = nn.Linear(128, 4)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.fc(out[:, -1])


class DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        if x.sum() > 0:  # torch.fx cannot trace this
            return self.conv(x)
        return x


def resnet_like():
    return ResNetLike()


def inception_like():
    return InceptionLike()


class WithAuxHead(nn.Module):
    """A classifier with an auxiliary head its forward does not run in eval mode (as GoogLeNet's)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)
        self.aux = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(self.conv(x), 1), 1)
        return self.fc(x) if not self.training else (self.fc(x), self.aux(x))


class WithSpareModule(nn.Module):
    """A classifier holding a module its forward never runs, in either mode."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)
        self.spare = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.conv(x), 1), 1))


class MobileActivations(nn.Module):
    """The mobile networks' activations, as modules and as functions."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.act1 = nn.ReLU6(inplace=True)
        self.conv2 = nn.Conv2d(16, 16, 1)
        self.act2 = nn.Hardswish()
        self.gate = nn.Hardsigmoid()
        self.act3 = nn.Mish()

    def forward(self, x):
        x = self.act2(self.conv2(self.act1(self.conv1(x))))
        x = torch.nn.functional.relu6(self.act3(self.gate(x)))
        return torch.nn.functional.hardswish(x)


class _Unit(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)) + x


class ReservedNames(nn.Module):
    """Sub-modules named as the language's words (torchvision's EfficientNet has `block`), of a private class."""

    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(_Unit(), _Unit())
        self.end = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self.end(self.block(x))


class Configurable(nn.Module):
    """A model whose constructor takes keyword arguments, and fails without them."""

    def __init__(self, width: int, depth: int = 1, aux: bool = True):
        super().__init__()
        self.convs = nn.Sequential(*[nn.Conv2d(3 if i == 0 else width, width, 3, padding=1) for i in range(depth)])
        self.aux = nn.Linear(width, 2) if aux else None

    def forward(self, x):
        return self.convs(x)


class CatOfOne(nn.Module):
    """DenseNet's first dense layer concatenates a list of one tensor."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1)

    def forward(self, x):
        return self.conv(torch.cat([x], 1))


class MeanHead(nn.Module):
    """MNASNet's and ShuffleNet's head: the mean over height and width, then a classifier."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean([2, 3]))


class TiedLinear(nn.Module):
    """One linear layer run twice (weight sharing)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return self.fc(torch.relu(self.fc(torch.flatten(x, 1))))


class LearnedQueries(nn.Module):
    """Attention whose queries are parameters the model holds, not the data."""

    def __init__(self):
        super().__init__()
        self.queries = nn.Parameter(torch.zeros(1, 5, 16))
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x):  # x: N×8×16
        out, _ = self.attn(self.queries.expand(x.shape[0], -1, -1), x, x)
        return out


class PoolChannelsLast(nn.Module):
    """A max pool over the last two axes of a channels-last map: its width and its channels."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(self.conv(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class MismatchedNorms(nn.Module):
    """A batch norm over more channels than its input has, or a layer norm over another shape: a model that does not
    run (tikznn does not run such layers on the meta device, but it still must refuse them as PyTorch would)."""

    def __init__(self, norm: str = "batch"):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.norm = {"batch": nn.BatchNorm2d(5), "axes": nn.BatchNorm1d(4), "layer": nn.LayerNorm([4, 8, 9])}[norm]

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))


class ChannelsLastNorm(nn.Module):
    """A layer norm over a channels-last map's channels, then a view, which works only on what is contiguous (as
    a layer norm's output is, though its input is not)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.norm = nn.LayerNorm(4)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        x = self.norm(self.conv(x).permute(0, 2, 3, 1))
        return self.fc(x.view(x.size(0), -1))


class Switches(nn.Module):
    """Two uses of one sub-module class whose switches differ: ceil mode, conv bias."""

    class Stage(nn.Module):
        def __init__(self, ceil: bool, bias: bool):
            super().__init__()
            self.conv = nn.Conv2d(8, 8, 3, padding=1, bias=bias)
            self.pool = nn.MaxPool2d(2, ceil_mode=ceil)

        def forward(self, x):
            return self.pool(torch.relu(self.conv(x)))

    def __init__(self):
        super().__init__()
        self.a = Switches.Stage(False, True)
        self.b = Switches.Stage(True, False)

    def forward(self, x):
        return self.b(self.a(x))


class HeldFactors(nn.Module):
    """Cross-attention, a map times a buffer (not a parameter), and an upsampling by (2, 2)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1)
        self.register_buffer("gain", torch.ones(8, 1, 1))
        self.up = nn.Upsample(scale_factor=(2, 2))
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        y = self.up(self.conv(x) * self.gain)            # N×8×8×8
        seq = y.flatten(2).transpose(1, 2)               # N×64×8
        small = seq[:, :16]                              # N×16×8
        out, _ = self.attn(small, seq, seq)
        return out
