"""Two PyTorch models to import (see README.md here): ResNet-20 for CIFAR-10 (He et al., 2016, section 4.2:
three stages of three basic blocks, 16/32/64 channels; 1×1 projections where the size changes), and a small
MobileNetV3-style network whose hard-swish activations the .nn language has no word for."""
import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(*[BasicBlock(16, 16) for _ in range(3)])
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32), BasicBlock(32, 32))
        self.layer3 = nn.Sequential(BasicBlock(32, 64, 2), BasicBlock(64, 64), BasicBlock(64, 64))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class Bottleneck(nn.Module):
    """MobileNetV3's inverted residual: expand 1×1, depthwise 3×3, project 1×1, with hard-swish."""

    def __init__(self, c: int, expand: int):
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(c, expand, 1, bias=False), nn.BatchNorm2d(expand), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(expand, expand, 3, 1, 1, groups=expand, bias=False),
                                       nn.BatchNorm2d(expand), nn.Hardswish())
        self.project = nn.Sequential(nn.Conv2d(expand, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.project(self.depthwise(self.expand(x)))


class TinyMobileNet(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.blocks = nn.Sequential(Bottleneck(16, 64), Bottleneck(16, 64))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


if __name__ == "__main__":  # writes tiny_mobilenet.onnx (the ONNX example) next to this file
    from pathlib import Path
    model = TinyMobileNet().eval()
    torch.onnx.export(model, (torch.zeros(1, 3, 64, 64),), str(Path(__file__).with_name("tiny_mobilenet.onnx")),
                      dynamo=False, input_names=["image"], output_names=["classes"])
