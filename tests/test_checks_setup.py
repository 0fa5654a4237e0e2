"""The checker of 00_setup_check.ipynb: exactly a Python int is accepted, near misses are named.

Exercise 0.1's contract: the count of entries of y equal to label, as a Python int, for any N
(0 included); y and PyTorch's global settings left as they were. Its misconceptions, each written
below as a learner would write it: the count left in a 0-d tensor, the comparison or the matching
entries returned instead of their number, len() of the comparison, and != for ==.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.checks import hint, show_solution
from helpers.checks.setup import HINTS, check_ex0_1, solution_ex0_1

from checker_calls import run


def _verdict(capsys, fn):
    ok, out = run(check_ex0_1, fn, capsys)
    return ok, out


def loop_count(y, label):
    count = 0
    for value in y.tolist():
        if value == label:
            count += 1
    return count


@pytest.mark.parametrize(
    "answer",
    [
        solution_ex0_1,
        loop_count,
        lambda y, label: int((y == label).sum()),
        lambda y, label: (y == label).sum().item(),
        lambda y, label: y.tolist().count(label),
        lambda y, label: len(y[y == label]),
        lambda y, label: int(torch.count_nonzero(y == label)),
    ],
    ids=["solution", "a Python loop", "int() of the sum", ".item() of the sum", "list.count", "len of the selection",
         "count_nonzero"],
)
def test_right_answers_as_python_ints_pass(capsys, answer):
    ok, out = _verdict(capsys, answer)
    assert ok and out.startswith("✅ Exercise 0.1 (count_label): correct on all 6 test inputs"), out


# --- the listed misconceptions, each rejected with its own named message ------------------------


def test_the_count_left_in_a_0d_tensor_is_named(capsys):
    ok, out = _verdict(capsys, lambda y, label: (y == label).sum())
    assert not ok
    assert "on input 1 (y of shape (20,), label 9) it returned tensor(4), a 0-d tensor holding the right count" in out
    assert "`int(...)` or `.item()`" in out and "section 4" in out


def test_a_float_0d_tensor_with_the_right_count_is_named_too(capsys):
    ok, out = _verdict(capsys, lambda y, label: (y == label).float().sum())
    assert not ok and "a 0-d tensor holding the right count, not a Python int" in out, out


def test_returning_the_comparison_is_named(capsys):
    ok, out = _verdict(capsys, lambda y, label: y == label)
    assert not ok
    assert "it returned the comparison itself, one True/False per entry of y (shape (20,))" in out, out


def test_returning_the_matching_entries_is_named(capsys):
    ok, out = _verdict(capsys, lambda y, label: y[y == label])
    assert not ok
    assert "it returned the 4 matching entries themselves, not how many there are" in out, out


def test_len_of_the_comparison_is_named_with_the_length(capsys):
    ok, out = _verdict(capsys, lambda y, label: len(y == label))
    assert not ok
    assert "it returned 20, expected 4: 20 is the length of y, and `len(y == label)` counts every entry" in out, out


def test_counting_the_others_is_named_with_the_subtraction(capsys):
    ok, out = _verdict(capsys, lambda y, label: int((y != label).sum()))
    assert not ok
    assert "it returned 16, expected 4: 16 = 20 − 4 is the number of entries that are *not* 9: compare with `==`, not `!=`" in out, out


# --- the contract: a Python int, y unchanged, no global setting changed --------------------------


@pytest.mark.parametrize(
    "answer, got",
    [
        (lambda y, label: float((y == label).sum()), "4.0, a float"),
        (lambda y, label: np.int64((y == label).sum()), "np.int64(4), a int64"),
        (lambda y, label: bool((y == label).sum()), "True, a bool"),
    ],
    ids=["float", "numpy int64", "bool"],
)
def test_the_right_count_not_as_a_python_int_is_rejected(capsys, answer, got):
    ok, out = _verdict(capsys, answer)
    assert not ok
    assert "on input 1 (y of shape (20,), label 9)" in out and got in out and "not a Python int" in out, out
    assert "`int(...)` or `.item()`" in out


def test_changing_the_callers_y_is_rejected(capsys):
    def zeroes_the_others(y, label):
        y[y != label] = -1  # in place: the caller's labels are gone
        return int((y == label).sum())

    ok, out = _verdict(capsys, zeroes_the_others)
    assert not ok and "your function changed the caller's `y` (its values were changed in place)" in out, out


def test_leaving_a_global_setting_changed_is_rejected(capsys):
    def switches_off_grad(y, label):
        torch.set_grad_enabled(False)
        return int((y == label).sum())

    try:
        ok, out = _verdict(capsys, switches_off_grad)
    finally:
        torch.set_grad_enabled(True)
    assert not ok and "left gradient recording switched off" in out, out
    assert torch.is_grad_enabled()


@pytest.mark.parametrize(
    "answer, expected",
    [
        (lambda y, label: int((y[:-1] == label).sum()), "on input 5 (y of shape (20,), label 4) it returned 2, expected 3."),
        (lambda y, label: int((y == label).sum()) + 1, "it returned 5, expected 4."),  # off by one
        (lambda y, label: int((y[1:] == label).sum()), "on input 4 (y of shape (20,), label 7) it returned 1, expected 2."),
        (lambda y, label: int(y.bincount()[label]), "on input 6 (y of shape (0,), label 3) your code raised IndexError"),
        (lambda y, label: None, "it returned None (is the `return` missing?)"),
    ],
    ids=["skips the last", "plus one", "skips the first", "bincount too short", "None"],
)
def test_other_wrong_counts_say_what_they_got(capsys, answer, expected):
    ok, out = _verdict(capsys, answer)
    assert not ok and expected in out, out


def test_an_error_is_translated(capsys):
    ok, out = _verdict(capsys, lambda y, label: int(y.bincount()[label]))
    assert "What it means: an index is past the end" in out, out


def test_not_done_and_not_a_function(capsys):
    def stub(y, label):
        raise NotImplementedError

    ok, out = _verdict(capsys, stub)
    assert not ok and "not done yet" in out
    for value in (None, torch.ones(2), 4):
        ok, out = _verdict(capsys, value)
        assert not ok and "Pass the function itself" in out and "`check_ex0_1(count_label)`" in out


def test_the_ladder_ends_in_a_sketch_and_help_keeps_working(capsys):
    assert len(HINTS["0.1"]) == 3 and "___" in HINTS["0.1"][-1] and "section 4" in HINTS["0.1"][1]
    hint("0.1", 3)
    assert 'show_solution("0.1")' in capsys.readouterr().out
    show_solution("0.1")
    assert "def solution_ex0_1" in capsys.readouterr().out
