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

from checker_calls import not_done, returns_none, run


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


# --- near misses: just outside the tolerance, the wrong dtype, one element off ----------------
# Each is rejected by the checker as it is, and (for the tolerance ones) accepted when the
# tolerance is loosened, which proves the tolerance is what catches it: a checker whose
# tolerance drifted from 1e-4 to 0.3 would fail these tests.


def _scaled(solution, factor):
    return lambda *args: solution(*args) * factor


NEAR_MISSES = {
    # (checker, reference, cases, rtol, atol, answer, expected message)
    "1.1 one part in a million short of 1": (
        check_ex1_1, solution_ex1_1, _EX1_1_CASES, 0, 0, _scaled(solution_ex1_1, 1 - 1e-6),
        "on input 1 (tensor of shape (4,), 3) the values are wrong"),
    "1.2 distances 0.1% too long": (
        check_ex1_2, solution_ex1_2, _EX1_2_CASES, 1e-4, 1e-4, _scaled(solution_ex1_2, 1.001),
        "on input 1 (tensor of shape (3, 2), tensor of shape (2, 2)) the values are wrong (greatest absolute "
        "difference 0.01 at index (0, 1): got 10.01, expected 10)"),
    "1.2 an epsilon inside the square root": (
        check_ex1_2, solution_ex1_2, _EX1_2_CASES, 1e-4, 1e-4,
        lambda A, B: ((A[:, None] - B[None]) ** 2).sum(-1).add(1e-3).sqrt(),
        "on input 2 (tensor of shape (5, 3), tensor of shape (4, 3)) the values are wrong"),
    "1.3 an epsilon added to the lengths": (
        check_ex1_3, solution_ex1_3, _EX1_3_CASES, 1e-5, 1e-6, lambda x: x / (x.norm(dim=1, keepdim=True) + 1e-4),
        "on input 1 (tensor of shape (3, 2)) the values are wrong (greatest absolute difference 0.0001"),
}


@pytest.mark.parametrize("case", NEAR_MISSES)
def test_near_miss_just_outside_the_tolerance_is_rejected(case, capsys):
    checker, reference, cases, rtol, atol, answer, expected = NEAR_MISSES[case]
    ok, out = run(checker, answer, capsys)
    assert not ok
    assert expected in out, out
    # The same answer passes with a looser tolerance: it is a near miss, caught by the tolerance only.
    assert check_function("loose", answer, reference, cases, rtol=max(rtol, 1e-6) * 1000, atol=max(atol, 1e-6) * 1000)


@pytest.mark.parametrize(
    "checker, answer, expected",
    [
        (check_ex1_1, lambda y, c: solution_ex1_1(y, c).double(), "the dtype is torch.float64, expected torch.float32"),
        (check_ex1_1, lambda y, c: solution_ex1_1(y, c).long(), "the dtype is torch.int64, expected torch.float32"),
        (check_ex1_2, lambda A, B: solution_ex1_2(A.double(), B.double()), "the dtype is torch.float64, expected torch.float32"),
        (check_ex1_3, lambda x: solution_ex1_3(x.double()), "the dtype is torch.float64, expected torch.float32"),
    ],
)
def test_near_miss_right_values_in_the_wrong_dtype(checker, answer, expected, capsys):
    ok, out = run(checker, answer, capsys)
    assert not ok
    assert "on input 1" in out and expected in out, out


@pytest.mark.parametrize(
    "checker, answer, expected",
    [
        # one class too few: labels 0 .. num_classes - 2 only
        (check_ex1_1, lambda y, c: solution_ex1_1(y, c)[:, :-1], "on input 1 (tensor of shape (4,), 3) the shape is (4, 2), expected (4, 3)"),
        # the last point of B left out (a range(len(B) - 1) bug)
        (check_ex1_2, lambda A, B: solution_ex1_2(A, B[:-1]), "on input 1 (tensor of shape (3, 2), tensor of shape (2, 2)) the shape is (3, 1), expected (3, 2)"),
        # one row off: the last row left as it was (on input 1 it has length 1 already, so input 2 shows it)
        (check_ex1_3, lambda x: torch.cat([solution_ex1_3(x)[:-1], x[-1:]]),
         "on input 2 (tensor of shape (4, 4)) the values are wrong (greatest absolute difference 0.3041 at index (3, 3)"),
    ],
)
def test_near_miss_one_element_off(checker, answer, expected, capsys):
    ok, out = run(checker, answer, capsys)
    assert not ok
    assert expected in out, out


@pytest.mark.parametrize("checker", [check_ex1_1, check_ex1_2, check_ex1_3])
@pytest.mark.parametrize("value", [None, torch.ones(2)], ids=["None", "a Tensor"])
def test_not_a_function_asks_for_the_function_itself(checker, value, capsys):
    ok, out = run(checker, value, capsys)
    name = {check_ex1_1: "one_hot", check_ex1_2: "pairwise_distances", check_ex1_3: "normalize_rows"}[checker]
    assert not ok
    assert "Pass the function itself" in out and f"`{checker.__name__}({name})`" in out
