"""LeNet-5 for examples/lenet_maps.nn: its modules are named as that file names its layers, so that
`tikznn build examples/lenet_maps.nn --maps examples/models/lenet.py:LeNet --image examples/images/digit.png`
draws what each layer computes. Its weights are drawn from a fixed seed (no download, the same maps each time);
give trained ones with --weights."""
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.c1 = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())
        self.s2 = nn.MaxPool2d(2)
        self.c3 = nn.Sequential(nn.Conv2d(6, 16, 5), nn.ReLU())
        self.s4 = nn.MaxPool2d(2)
        self.f5 = nn.Sequential(nn.Linear(400, 120), nn.ReLU())
        self.f6 = nn.Sequential(nn.Linear(120, 84), nn.ReLU())
        self.out = nn.Sequential(nn.Linear(84, 10), nn.Softmax(dim=1))

    def forward(self, x):
        x = self.s4(self.c3(self.s2(self.c1(x))))
        return self.out(self.f6(self.f5(x.flatten(1))))
