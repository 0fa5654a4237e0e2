"""Models that the notebooks build and then reuse.

The MNIST CNN is the network of the classic MNIST walk-through articles (the course calls it
the article's network): two 3x3 convolutions, each followed by a 2x2 max-pool and a ReLU,
then two fully connected layers, kept so a reader recognises it. It is not the network of
pytorch/examples' ``mnist/main.py``, which pools once, after both convolutions (its fc1
takes 64*12*12 = 9216 inputs), adds dropout and ends with ``log_softmax``. Comments give the
shape of ``X`` after every step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # F: the stateless functions (relu, max_pool2d) the layers call
from torch import nn


class MnistCNN(nn.Module):
    """conv 1->32 3x3, pool 2, ReLU, conv 32->64 3x3, pool 2, ReLU, fc 1600->128, ReLU, fc 128->10.

    The walk-through articles' network (a pool after each convolution), not pytorch/examples'
    (one pool after both, fc 9216->128). Takes ``X`` of shape (B, 1, 28, 28), normalized
    pixels; returns ``logits`` of shape (B, 10): raw scores, no softmax
    (``nn.CrossEntropyLoss`` applies log-softmax itself).
    Max-pool comes before ReLU: the two commute, so the function is the same as
    ReLU-then-pool, but ReLU then touches 4x fewer numbers. Works in either memory
    format (``flatten``, not ``view``, so ``channels_last`` tensors are fine).
    Introduced in: 04_modules.ipynb
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)  # no padding: each 3x3 conv trims 2 pixels
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)  # 5x5, not 7x7: 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5
        self.fc2 = nn.Linear(128, 10)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = F.relu(F.max_pool2d(self.conv1(X), 2))  # (B, 1, 28, 28) -> (B, 32, 26, 26) -> (B, 32, 13, 13)
        X = F.relu(F.max_pool2d(self.conv2(X), 2))  # (B, 32, 13, 13) -> (B, 64, 11, 11) -> (B, 64, 5, 5)
        X = torch.flatten(X, 1)  # (B, 64, 5, 5) -> (B, 1600); view() would fail on channels_last
        X = F.relu(self.fc1(X))  # (B, 1600) -> (B, 128)
        return self.fc2(X)  # (B, 128) -> (B, 10) logits


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """The number of scalar parameters (weights and biases) in ``model``.

    With ``trainable_only``, parameters with ``requires_grad=False`` are left out.
    Introduced in: 04_modules.ipynb
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
