"""Exercise checkers of 00_setup_check, with their reference solutions and hints.

Exercise 0.1 (count_label), its contract as the notebook states it: return how many entries of
``y`` equal ``label`` as a Python ``int`` (not a tensor, a float or a bool), for any length of
``y`` (0 included), leaving ``y`` and PyTorch's global settings as they were.
Its usual misconceptions, each named in the learner's words when their answer shows it:

- the count left inside a 0-d tensor (``(y == label).sum()``);
- the comparison or the matching entries themselves instead of how many there are;
- ``len(y == label)``: the length of the comparison, True and False alike;
- ``!=`` for ``==``: the entries that are *not* ``label``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    PASS,
    Verdict,
    argument_changes,
    call_watched,
    judged,
    snapshot_arguments,
)

HINTS = {
    "0.1": (
        "Comparing a tensor with a number asks the question of every entry at once: "
        "`torch.tensor([3, 1, 3]) == 3` is `tensor([True, False, True])`, and adding booleans counts "
        "each True as 1, so its `.sum()` is `tensor(2)`.",
        "In section 4, `show_test_digit` turns a tensor that holds one number into a plain Python number "
        "with `.item()` (`label = mnist.y_test[index].item()`); a sum over a whole tensor is such a "
        "one-number tensor too.",
        "`count = (y ___ label).___()` is a 0-d tensor holding the count; `return ___(count)` hands back "
        "the Python int (or `count.___()`).",
    ),
}


def solution_ex0_1(y: torch.Tensor, label: int) -> int:
    """How many entries of ``y`` (N,) equal ``label``, as an int. Introduced in: 00_setup_check.ipynb"""
    return int((y == label).sum().item())


_Y = torch.tensor([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4])
# 7 is y's first entry and 4 its last: a loop that skips either end is caught; 8 is absent;
# the empty y (N = 0) must give 0.
_EX0_1_CASES = [(_Y, 9), (_Y, 1), (_Y, 8), (_Y, 7), (_Y, 4), (torch.zeros(0, dtype=torch.long), 3)]


def _misconception(got: Any, want: int, y: torch.Tensor, label: int) -> str | None:
    """The named misconception a wrong answer shows, in a learner's words, or None."""
    if isinstance(got, torch.Tensor):
        if got.dim() == 0 and float(got) == want:
            return (f"it returned {got!r}, a 0-d tensor holding the right count, not a Python int: a sum over "
                    "a tensor is still a tensor; `int(...)` or `.item()` turns it into the Python int asked for "
                    "(section 4's `show_test_digit` uses `.item()`).")
        if got.dtype == torch.bool and got.shape == y.shape:
            return ("it returned the comparison itself, one True/False per entry of y (shape "
                    f"{tuple(got.shape)}): the True entries are what to count, then return that number as an int.")
        if got.dim() == 1 and len(got) == want and bool((got == label).all()):
            return (f"it returned the {want} matching entries themselves, not how many there are: count them "
                    "and return that number as an int.")
        return None
    if type(got) is int and got != want:
        if got == len(y) and want != len(y):
            return (f"it returned {got}, expected {want}: {got} is the length of y, and `len(y == label)` counts "
                    "every entry of the comparison, True or False alike; add up the True ones instead.")
        if got == len(y) - want:
            return (f"it returned {got}, expected {want}: {got} = {len(y)} − {want} is the number of entries that "
                    f"are *not* {label}: compare with `==`, not `!=`.")
    return None


def _judge_ex0_1(name: str, count_label: Callable[[torch.Tensor, int], int]) -> Verdict:
    for i, (y, label) in enumerate(_EX0_1_CASES, start=1):
        want = solution_ex0_1(y, label)
        where = f"on input {i} (y of shape {tuple(y.shape)}, label {label})"
        theirs = y.clone()
        before = snapshot_arguments([theirs])
        got, failed = call_watched(name, count_label, (theirs, label), where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned None (is the `return` missing?)")
        named = _misconception(got, want, y, label)
        if named:
            return Verdict(False, f"{FAIL} {name}: {where} {named}")
        if type(got) is not int:  # bool is an int subclass, a 0-d tensor or 4.0 are not Python ints
            return Verdict(False, (
                f"{FAIL} {name}: {where} it returned {got!r}, a {type(got).__name__}, not a Python int: "
                "convert a one-element tensor with `int(...)` or `.item()`."
            ))
        if got != want:
            return Verdict(False, f"{FAIL} {name}: {where} it returned {got}, expected {want}.")
        changed = argument_changes([theirs], before, ["y"])
        if changed:
            return Verdict(False, f"{FAIL} {name}: {where} {changed}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX0_1_CASES)} test inputs, and a Python int each time.")


def check_ex0_1(count_label: Callable[[torch.Tensor, int], int]) -> Verdict:
    """Check Exercise 0.1 (count_label): the right count, as a Python ``int`` (not a tensor, not a float).

    Also holds the learner to leaving ``y`` and PyTorch's global settings as they were.
    Prints one ✅/❌ line and returns the Verdict. Introduced in: 00_setup_check.ipynb
    """
    name = "Exercise 0.1 (count_label)"
    return judged(name, count_label, _judge_ex0_1)
