"""The checkers of 01_tensors.ipynb: right answers pass, typical wrong answers fail and say why."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers.checks import check_function
from helpers.checks.tensors import (
    _EX1_1_CASES,
    _EX1_2_CASES,
    _EX1_3_CASES,
    check_ex1_1,
    check_ex1_2,
    check_ex1_3,
    solution_ex1_1,
    solution_ex1_2,
    solution_ex1_3,
)


def run(checker, fn, capsys) -> tuple[bool, str]:
    """Call a checker; return (verdict as bool, the one line it printed)."""
    verdict = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints exactly one line, got {out!r}"
    assert out.strip() == verdict.message
    return bool(verdict), out


def not_done(*args):
    raise NotImplementedError


def returns_none(*args):
    return None


def _check_on_square_cases(fn):
    """check_ex1_3's verdict on its square cases only, where (n, d) / (n,) broadcasts without error."""
    square_cases = [case for case in _EX1_3_CASES if case[0].shape[0] == case[0].shape[1]]
    assert square_cases, "Exercise 1.3 needs a square case to catch a missing keepdim"
    return check_function("Exercise 1.3 (normalize_rows)", fn, solution_ex1_3, square_cases, rtol=1e-5, atol=1e-6)


# --- the reference solutions agree with PyTorch's own functions -----------------------


def test_solution_ex1_1_matches_torch_one_hot():
    for y, num_classes in _EX1_1_CASES:
        got = solution_ex1_1(y, num_classes)
        assert got.dtype == torch.float32
        assert got.shape == (len(y), num_classes)
        torch.testing.assert_close(got, F.one_hot(y, num_classes).float(), rtol=0, atol=0)
    assert solution_ex1_1(torch.tensor([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_solution_ex1_2_matches_cdist():
    for A, B in _EX1_2_CASES:
        got = solution_ex1_2(A, B)
        assert got.shape == (len(A), len(B))
        torch.testing.assert_close(got, torch.cdist(A, B), rtol=1e-5, atol=1e-5)
    A, B = _EX1_2_CASES[0]
    assert solution_ex1_2(A, B).tolist() == [[4.0, 10.0], [3.0, 5.0], [pytest.approx(10**0.5), pytest.approx(74**0.5)]]


def test_solution_ex1_3_matches_f_normalize():
    for (x,) in _EX1_3_CASES:
        got = solution_ex1_3(x)
        assert got.shape == x.shape
        torch.testing.assert_close(got, F.normalize(x, dim=1))
        torch.testing.assert_close(got.norm(dim=1), torch.ones(len(x)))
    assert solution_ex1_3(torch.tensor([[3.0, 4.0]])).tolist() == [[pytest.approx(0.6), pytest.approx(0.8)]]


# --- every checker passes its solution and the other correct ways -------------------------


@pytest.mark.parametrize(
    "checker, fn",
    [
        (check_ex1_1, solution_ex1_1),
        (check_ex1_1, lambda y, c: F.one_hot(y, c).float()),
        (check_ex1_1, lambda y, c: torch.eye(c)[y]),
        (check_ex1_2, solution_ex1_2),
        (check_ex1_2, torch.cdist),
        # The expansion |a|^2 + |b|^2 - 2 a.b: a correct answer with float32 rounding.
        (check_ex1_2, lambda A, B: ((A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T).clamp_min(0).sqrt()),
        (check_ex1_3, solution_ex1_3),
        (check_ex1_3, lambda x: F.normalize(x, dim=1)),
        (check_ex1_3, lambda x: x / x.norm(dim=1, keepdim=True)),
    ],
)
def test_checker_accepts_correct_answers(checker, fn, capsys):
    ok, out = run(checker, fn, capsys)
    assert ok, out
    assert out.startswith("✅") and "correct on all 3 test inputs" in out


# --- and reports typical wrong answers, saying what is wrong ------------------------------


@pytest.mark.parametrize("checker", [check_ex1_1, check_ex1_2, check_ex1_3])
def test_unfinished_stub_is_not_done_yet(checker, capsys):
    ok, out = run(checker, not_done, capsys)
    assert not ok
    assert out.startswith("❌") and "not done yet" in out


@pytest.mark.parametrize("checker", [check_ex1_1, check_ex1_2, check_ex1_3])
def test_missing_return_is_reported(checker, capsys):
    ok, out = run(checker, returns_none, capsys)
    assert not ok
    assert "returned None" in out and "return" in out


def test_ex1_1_int64_one_hot_is_a_dtype_error(capsys):
    ok, out = run(check_ex1_1, F.one_hot, capsys)  # right values, but int64
    assert not ok
    assert "dtype is torch.int64, expected torch.float32" in out


def test_ex1_1_whole_columns_set_is_a_value_error(capsys):
    def whole_columns(y, num_classes):
        out = torch.zeros(len(y), num_classes)
        out[:, y] = 1.0  # sets every listed column in every row
        return out

    ok, out = run(check_ex1_1, whole_columns, capsys)
    assert not ok
    assert "on input 1" in out and "values are wrong" in out


def test_ex1_1_fixed_number_of_classes_is_a_shape_error(capsys):
    ok, out = run(check_ex1_1, lambda y, c: F.one_hot(y).float(), capsys)  # classes from max(y)+1
    assert not ok
    assert "on input 3" in out and "shape is (1, 2), expected (1, 4)" in out


def test_ex1_2_without_sqrt_is_a_value_error(capsys):
    ok, out = run(check_ex1_2, lambda A, B: ((A[:, None] - B[None]) ** 2).sum(-1), capsys)
    assert not ok
    assert "on input 1" in out and "values are wrong" in out and "greatest absolute difference" in out


def test_ex1_2_transposed_result_is_a_shape_error(capsys):
    ok, out = run(check_ex1_2, lambda A, B: solution_ex1_2(B, A), capsys)
    assert not ok
    assert "shape is (2, 3), expected (3, 2)" in out


def test_ex1_2_learner_exception_is_one_line_not_a_traceback(capsys):
    def no_broadcasting(A, B):
        return ((A - B) ** 2).sum(-1).sqrt()  # (3, 2) - (2, 2): does not broadcast

    ok, out = run(check_ex1_2, no_broadcasting, capsys)
    assert not ok
    assert "your code raised RuntimeError" in out and "(A - B)" in out
    assert "Traceback" not in out


def test_ex1_3_missing_keepdim_is_caught(capsys):
    ok, out = run(check_ex1_3, lambda x: x / x.norm(dim=1), capsys)  # (n, d) / (n,)
    assert not ok
    assert "on input 1" in out and "raised RuntimeError" in out and "must match" in out


def test_ex1_3_missing_keepdim_on_square_input_is_a_value_error(capsys):
    # On a square input the same mistake broadcasts silently; the checker still sees it.
    verdict = _check_on_square_cases(lambda x: x / x.norm(dim=1))
    out = capsys.readouterr().out
    assert not verdict
    assert "values are wrong" in out


def test_ex1_3_dividing_by_the_sum_is_a_value_error(capsys):
    ok, out = run(check_ex1_3, lambda x: x / x.sum(dim=1, keepdim=True), capsys)
    assert not ok
    assert "values are wrong" in out
