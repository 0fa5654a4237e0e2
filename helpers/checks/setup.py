"""Exercise checkers of 00_setup_check, with their reference solutions."""

from __future__ import annotations

from collections.abc import Callable

import torch

from helpers.checks import Verdict, check_function


def solution_ex0_1(y: torch.Tensor, label: int) -> int:
    """How many entries of ``y`` (N,) equal ``label``, as an int. Introduced in: 00_setup_check.ipynb"""
    return int((y == label).sum().item())


def check_ex0_1(count_label: Callable[[torch.Tensor, int], int]) -> Verdict:
    """Check Exercise 0.1 (count the labels equal to one digit). Introduced in: 00_setup_check.ipynb"""
    y = torch.tensor([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4])
    cases = [(y, 9), (y, 1), (y, 8), (torch.zeros(0, dtype=torch.long), 3)]
    return check_function("Exercise 0.1", count_label, solution_ex0_1, cases)
