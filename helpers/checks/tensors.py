"""Checkers and reference solutions for the exercises of 01_tensors.ipynb.

Each ``check_ex1_N(learner_fn)`` runs the learner's function and ``solution_ex1_N``
on the same fixed inputs, prints one verdict line and returns a truthy/falsy Verdict.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from helpers.checks import Verdict, check_function

HINTS = {
    "1.1": (
        "Start from `torch.zeros(len(y), num_classes)`: float32 zeros of the right shape. Then put the 1s in.",
        "Row i needs its 1 in column y[i]: index with two tensors that pair up, one of rows and one of columns.",
        "`out[torch.arange(len(y)), y] = 1.0` writes one 1 per row, at (i, y[i]); then `return out`.",
    ),
    "1.2": (
        "Give A and B one new dimension each so their difference broadcasts: `A[:, None, :]` is (n, 1, d), "
        "`B[None, :, :]` is (1, m, d).",
        "`diff = A[:, None, :] - B[None, :, :]` is (n, m, d); square it and sum over the last dimension.",
        "`((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1).sqrt()`: the sum of squares, then the square root.",
    ),
    "1.3": (
        "Each row's length is the square root of the sum of its squares: a reduction over dim=1.",
        "`x.pow(2).sum(dim=1)` is (n,), which does not line up with the rows of (n, d): keep the reduced "
        "dimension with `keepdim=True`, giving (n, 1).",
        "`x / x.pow(2).sum(dim=1, keepdim=True).sqrt()` (or `x / x.norm(dim=1, keepdim=True)`).",
    ),
}


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    """(n, d) float32 points drawn from their own generator, so a case never depends on global state."""
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


# Exercise 1.1: one-hot encoding by indexing.


def solution_ex1_1(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One-hot encode labels: (N,) int64 -> (N, num_classes) float32. Introduced in: 01_tensors.ipynb"""
    out = torch.zeros(len(y), num_classes)  # (N, num_classes) float32
    out[torch.arange(len(y)), y] = 1.0  # one (row, column) pair per label
    return out


_EX1_1_CASES = [
    (torch.tensor([2, 0, 1, 2]), 3),
    (torch.tensor([9, 0, 5, 3, 3]), 10),
    (torch.tensor([1]), 4),  # N = 1: still (1, 4), not (4,)
]


def check_ex1_1(learner_fn: Callable[[torch.Tensor, int], torch.Tensor]) -> Verdict:
    """Check ``one_hot(y, num_classes)`` against the reference (exact). Introduced in: 01_tensors.ipynb"""
    return check_function("Exercise 1.1 (one_hot)", learner_fn, solution_ex1_1, _EX1_1_CASES, rtol=0, atol=0)


# Exercise 1.2: pairwise distances by broadcasting.


def solution_ex1_2(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between rows: (n, d), (m, d) -> (n, m). Introduced in: 01_tensors.ipynb"""
    diff = A[:, None, :] - B[None, :, :]  # (n, 1, d) - (1, m, d) -> (n, m, d)
    return (diff**2).sum(dim=-1).sqrt()  # (n, m)


_EX1_2_CASES = [
    # Integer distances a learner can verify by hand: 3-4-5 triangles.
    (torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]), torch.tensor([[0.0, 4.0], [6.0, 8.0]])),
    (_points(5, 3, seed=11), _points(4, 3, seed=12)),
    (_points(2, 1, seed=13), _points(6, 1, seed=14)),  # d = 1
]


def check_ex1_2(learner_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    """Check ``pairwise_distances(A, B)`` against the reference. Introduced in: 01_tensors.ipynb"""
    # The tolerance admits the other correct formula, |a|^2 + |b|^2 - 2 a.b, in float32.
    return check_function(
        "Exercise 1.2 (pairwise_distances)", learner_fn, solution_ex1_2, _EX1_2_CASES, rtol=1e-4, atol=1e-4
    )


# Exercise 1.3: normalize rows to unit length (a reduction with keepdim).


def solution_ex1_3(x: torch.Tensor) -> torch.Tensor:
    """Divide each row by its Euclidean length: (n, d) -> (n, d). Introduced in: 01_tensors.ipynb"""
    lengths = x.pow(2).sum(dim=1, keepdim=True).sqrt()  # (n, 1): broadcasts along each row
    return x / lengths


_EX1_3_CASES = [
    (torch.tensor([[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]]),),  # (3, 2): lengths 5, 2, 1
    (_points(4, 4, seed=21),),  # square: a missing keepdim divides by the wrong lengths silently
    (_points(1, 5, seed=22),),
]


def check_ex1_3(learner_fn: Callable[[torch.Tensor], torch.Tensor]) -> Verdict:
    """Check ``normalize_rows(x)`` against the reference. Introduced in: 01_tensors.ipynb"""
    return check_function("Exercise 1.3 (normalize_rows)", learner_fn, solution_ex1_3, _EX1_3_CASES, rtol=1e-5, atol=1e-6)
