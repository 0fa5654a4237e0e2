"""Exercise checkers of 00_setup_check, with their reference solutions and hints."""

from __future__ import annotations

from collections.abc import Callable

import torch

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, describe_error, judged

HINTS = {
    "0.1": (
        "`y == label` compares every entry with `label` and gives a tensor of booleans, one per entry.",
        "Summing booleans counts the True ones: `(y == label).sum()` is a 0-d int64 tensor, not yet an int.",
        "`int((y == label).sum())` (or `.sum().item()`) turns that 0-d tensor into a Python int.",
    ),
}


def solution_ex0_1(y: torch.Tensor, label: int) -> int:
    """How many entries of ``y`` (N,) equal ``label``, as an int. Introduced in: 00_setup_check.ipynb"""
    return int((y == label).sum().item())


_Y = torch.tensor([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4])
# 7 is y's first entry and 4 its last: a loop that skips either end is caught; 8 is absent.
_EX0_1_CASES = [(_Y, 9), (_Y, 1), (_Y, 8), (_Y, 7), (_Y, 4), (torch.zeros(0, dtype=torch.long), 3)]


def _judge_ex0_1(name: str, count_label: Callable[[torch.Tensor, int], int]) -> Verdict:
    for i, (y, label) in enumerate(_EX0_1_CASES, start=1):
        want = solution_ex0_1(y, label)
        where = f"on input {i} (y of shape {tuple(y.shape)}, label {label})"
        try:
            got = count_label(y.clone(), label)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {where} your code raised {describe_error(err)}")
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned None (is the `return` missing?)")
        if type(got) is not int:  # bool is an int subclass, a 0-d tensor or 4.0 are not Python ints
            return Verdict(False, (
                f"{FAIL} {name}: {where} it returned {got!r}, a {type(got).__name__}, not a Python int: "
                "convert a one-element tensor with `int(...)` or `.item()`."
            ))
        if got != want:
            return Verdict(False, f"{FAIL} {name}: {where} it returned {got}, expected {want}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX0_1_CASES)} test inputs, and a Python int each time.")


def check_ex0_1(count_label: Callable[[torch.Tensor, int], int]) -> Verdict:
    """Check Exercise 0.1 (count_label): the right count, as a Python ``int`` (not a tensor, not a float).

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 00_setup_check.ipynb
    """
    name = "Exercise 0.1 (count_label)"
    return judged(name, count_label, _judge_ex0_1)
