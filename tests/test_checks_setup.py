"""The checker of 00_setup_check.ipynb: exactly a Python int is accepted, near misses are named."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.checks.setup import HINTS, check_ex0_1, solution_ex0_1


def _verdict(capsys, fn):
    verdict = check_ex0_1(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.strip() == verdict.message
    return verdict, out


@pytest.mark.parametrize(
    "answer",
    [solution_ex0_1, lambda y, label: sum(1 for v in y.tolist() if v == label), lambda y, label: int((y == label).sum())],
    ids=["solution", "a Python loop", "int() of the sum"],
)
def test_right_answers_as_python_ints_pass(capsys, answer):
    verdict, out = _verdict(capsys, answer)
    assert verdict and out.startswith("✅ Exercise 0.1 (count_label): correct on all 6 test inputs")


@pytest.mark.parametrize(
    "answer, got",
    [
        (lambda y, label: (y == label).sum(), "tensor(4), a Tensor"),  # the right count, still a 0-d tensor
        (lambda y, label: float((y == label).sum()), "4.0, a float"),
        (lambda y, label: np.int64((y == label).sum()), "a int64"),
        (lambda y, label: bool((y == label).sum()), "True, a bool"),
    ],
    ids=["0-d tensor", "float", "numpy int64", "bool"],
)
def test_the_right_count_not_as_a_python_int_is_rejected(capsys, answer, got):
    verdict, out = _verdict(capsys, answer)
    assert not verdict
    assert "on input 1 (y of shape (20,), label 9)" in out and got in out and "not a Python int" in out, out
    assert "`int(...)` or `.item()`" in out


@pytest.mark.parametrize(
    "answer, expected",
    [
        (lambda y, label: int((y != label).sum()), "on input 1 (y of shape (20,), label 9) it returned 16, expected 4."),
        (lambda y, label: int((y[:-1] == label).sum()), "on input 5 (y of shape (20,), label 4) it returned 2, expected 3."),
        (lambda y, label: int((y == label).sum()) + 1, "it returned 5, expected 4."),  # off by one
        (lambda y, label: int((y[1:] == label).sum()), "on input 4 (y of shape (20,), label 7) it returned 1, expected 2."),
        (lambda y, label: int(y.bincount()[label]), "on input 3 (y of shape (20,), label 8) your code raised IndexError"),
        (lambda y, label: None, "it returned None (is the `return` missing?)"),
    ],
    ids=["counts the others", "skips the last", "plus one", "skips the first", "bincount too short", "None"],
)
def test_wrong_counts_are_named(capsys, answer, expected):
    verdict, out = _verdict(capsys, answer)
    assert not verdict and expected in out, out


def test_not_done_and_not_a_function(capsys):
    def stub(y, label):
        raise NotImplementedError

    verdict, out = _verdict(capsys, stub)
    assert not verdict and "not done yet" in out
    for value in (None, torch.ones(2), 4):
        verdict, out = _verdict(capsys, value)
        assert not verdict and "Pass the function itself" in out and "`check_ex0_1(count_label)`" in out


def test_hints_end_close_to_the_answer():
    assert len(HINTS["0.1"]) == 3 and "int(" in HINTS["0.1"][-1]
