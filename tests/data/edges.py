"""A model with hand-set weights for the feature-map test (test_maps.py): two edge detectors and their sum."""
import torch
from torch import nn


class Edges(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(2, 3, 1, bias=True)
        with torch.no_grad():
            self.conv1.weight.copy_(torch.tensor([[[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]],
                                                  [[[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]]]))
            self.conv2.weight.copy_(torch.tensor([[[[1.0]], [[1.0]]], [[[1.0]], [[-1.0]]], [[[0.5]], [[0.25]]]]))
            self.conv2.bias.copy_(torch.tensor([0.0, 1.0, -2.0]))

    def forward(self, x):
        return self.conv2(self.conv1(x))
