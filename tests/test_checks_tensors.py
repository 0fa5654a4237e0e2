"""The checkers of 01_tensors.ipynb: right answers pass, typical wrong answers fail and say why.

Every listed misconception of 1.1, 1.2 and 1.3 (helpers/checks/tensors.py's docstring) has a wrong
answer below, written as a learner would write it, rejected with its own named message.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers.checks import check_function
from helpers.checks.tensors import (
    _EX1_1_CASES,
    _EX1_2_CASES,
    _EX1_2_FAR_AND_CLOSE,
    _EX1_3_CASES,
    check_ex1_1,
    check_ex1_2,
    check_ex1_3,
    solution_ex1_1,
    solution_ex1_2,
    solution_ex1_3,
)

from checker_calls import not_done, returns_none, run

# --- the reference solutions agree with PyTorch's own functions -----------------------


def test_solution_ex1_1_matches_torch_one_hot():
    for y, num_classes in _EX1_1_CASES:
        got = solution_ex1_1(y, num_classes)
        assert got.dtype == torch.float32
        assert got.shape == (len(y), num_classes)
        torch.testing.assert_close(got, F.one_hot(y, num_classes).float(), rtol=0, atol=0)
    assert solution_ex1_1(torch.tensor([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_solution_ex1_2_matches_cdist():
    for A, B in [*_EX1_2_CASES, _EX1_2_FAR_AND_CLOSE]:
        got = solution_ex1_2(A, B)
        assert got.shape == (len(A), len(B))
        torch.testing.assert_close(got, torch.cdist(A.double(), B.double()).float(), rtol=1e-5, atol=1e-5)
    A, B = _EX1_2_CASES[0]
    assert solution_ex1_2(A, B).tolist() == [[4.0, 10.0], [3.0, 5.0], [pytest.approx(10**0.5), pytest.approx(74**0.5)]]
    assert solution_ex1_2(*_EX1_2_FAR_AND_CLOSE).tolist() == [[0.25, 5.0], [2.75, 4.0]]  # exact in float32


def test_solution_ex1_3_matches_f_normalize():
    for (x,) in _EX1_3_CASES:
        got = solution_ex1_3(x)
        assert got.shape == x.shape
        torch.testing.assert_close(got, F.normalize(x, dim=1))
        torch.testing.assert_close(got.norm(dim=1), torch.ones(len(x)))
    assert solution_ex1_3(torch.tensor([[3.0, 4.0]])).tolist() == [[pytest.approx(0.6), pytest.approx(0.8)]]
    assert _EX1_3_CASES[0][0].shape[0] == _EX1_3_CASES[0][0].shape[1], "1.3's first case is square (keepdim)"


# --- every checker passes its solution and the other correct ways -------------------------


def scatter_one_hot(y, num_classes):
    return torch.zeros(len(y), num_classes).scatter_(1, y[:, None], 1.0)


CORRECT = [
    (check_ex1_1, solution_ex1_1, 4),
    (check_ex1_1, lambda y, c: F.one_hot(y, c).float(), 4),
    (check_ex1_1, lambda y, c: torch.eye(c)[y], 4),
    (check_ex1_1, scatter_one_hot, 4),
    (check_ex1_2, solution_ex1_2, 4),
    (check_ex1_2, lambda A, B: (A[:, None, :] - B[None, :, :]).norm(dim=-1), 4),
    (check_ex1_2, lambda A, B: torch.linalg.vector_norm(A.unsqueeze(1) - B.unsqueeze(0), dim=2), 4),
    (check_ex1_3, solution_ex1_3, 3),
    (check_ex1_3, lambda x: F.normalize(x, dim=1), 3),
    (check_ex1_3, lambda x: x / x.norm(dim=1, keepdim=True), 3),
    (check_ex1_3, lambda x: x / x.norm(dim=1)[:, None], 3),
]


@pytest.mark.parametrize("checker, fn, count", CORRECT)
def test_checker_accepts_correct_answers(checker, fn, count, capsys):
    ok, out = run(checker, fn, capsys)
    assert ok, out
    assert out.startswith("✅") and f"correct on all {count} test inputs" in out


# --- the listed misconceptions, each named ------------------------------------------------


def zeros_int64(y, num_classes):
    out = torch.zeros(len(y), num_classes, dtype=torch.long)  # int64 zeros: the 1s stay int64
    out[torch.arange(len(y)), y] = 1
    return out


def width_from_labels(y, num_classes):
    out = torch.zeros(len(y), int(y.max()) + 1)  # "as many classes as the labels show"
    out[torch.arange(len(y)), y] = 1.0
    return out


def rows_for_classes(y, num_classes):
    out = torch.zeros(num_classes, len(y))  # one row per class
    out[y, torch.arange(len(y))] = 1.0
    return out


def every_row(y, num_classes):
    out = torch.zeros(len(y), num_classes)
    out[:, y] = 1.0  # sets every listed column in every row
    return out


def width_one_short(y, num_classes):
    out = torch.zeros(len(y), num_classes - 1)  # "the last label is num_classes - 1"
    out[torch.arange(len(y)), y] = 1.0
    return out


EX1_1_MISCONCEPTIONS = {
    "int64 instead of float32 (F.one_hot)": (
        F.one_hot, "on input 1 (tensor of shape (4,), 3) the 1s are in the right places, but the dtype is torch.int64"),
    "int64 instead of float32 (long zeros)": (zeros_int64, "`F.one_hot` returns int64, so it needs `.float()`"),
    "the width from the labels": (
        width_from_labels, "on input 3 (tensor of shape (1,), 4) your result has max(y) + 1 columns, the largest "
                           "label seen plus one, not `num_classes`"),
    "rows and columns swapped": (rows_for_classes, "on input 1 (tensor of shape (4,), 3) your result is the transpose, "
                                                   "(num_classes, N)"),
    "scatter along dim 0": (lambda y, c: torch.zeros(len(y), c).scatter_(0, y[:, None], 1.0),
                            "the 1s went down column 0, in row y[i]: `scatter_` along dim 0 picks rows"),
    "every row gets every label": (every_row, "every row has a 1 in the column of *every* label: `out[:, y]`"),
    "the width one short": (width_one_short, "your code raised IndexError: index 2 is out of bounds for dimension 1 "
                                             "with size 2 (line"),
}


@pytest.mark.parametrize("case", EX1_1_MISCONCEPTIONS)
def test_ex1_1_misconceptions_are_named(case, capsys):
    answer, expected = EX1_1_MISCONCEPTIONS[case]
    ok, out = run(check_ex1_1, answer, capsys)
    assert not ok and expected in out, out
    if case == "the width one short":
        assert "What it means: a label is past the last column" in out and "(is the width one short?)" in out


def test_ex1_1_a_transpose_on_the_square_input_is_named_too(capsys):
    """On input 4 (N = num_classes = 3) a transposed one-hot has the right shape: its values name it."""
    def transposed_when_square(y, c):
        out = solution_ex1_1(y, c)
        return out.T.contiguous() if len(y) == c else out

    ok, out = run(check_ex1_1, transposed_when_square, capsys)
    assert not ok and "on input 4 (tensor of shape (3,), 3) your result is the transpose" in out, out


def expansion(A, B):
    """|a|^2 + |b|^2 - 2 a.b: right in exact arithmetic, clamped so that no NaN shows."""
    return ((A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T).clamp_min(0).sqrt()


EX1_2_MISCONCEPTIONS = {
    "squared distances": (lambda A, B: ((A[:, None] - B[None]) ** 2).sum(-1),
                          "on input 1 (tensor of shape (3, 2), tensor of shape (2, 2)) these are the squared distances"),
    "the transpose": (lambda A, B: ((A[None, :, :] - B[:, None, :]) ** 2).sum(-1).sqrt(),
                      "your result is (m, n), the transpose: row i of D belongs to A's point i"),
    "summed over B's points": (lambda A, B: ((A[:, None] - B[None]) ** 2).sum(1).sqrt(),
                               "on input 1 (tensor of shape (3, 2), tensor of shape (2, 2)) you summed over dim 1, "
                               "B's points, instead of over the coordinates"),
    "the expansion in float32": (expansion, "on input 4 (two points 0.25 apart, coordinates near 1000) the values are "
                                            "wrong (greatest absolute difference 0.25 at index (0, 0): got 0, expected "
                                            "0.25): here two points 0.25 apart"),
    "the expansion without clamp": (
        lambda A, B: ((A * A).sum(-1, keepdim=True) + (B * B).sum(-1) - 2 * torch.mm(A, B.t())).sqrt(),
        "the expansion |a|² + |b|² − 2a·b subtracts numbers near 2 000 000"),
    "A - B without new dimensions": (
        lambda A, B: ((A - B) ** 2).sum(-1).sqrt(),
        "raised RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension "
        "0 (line"),
}


@pytest.mark.parametrize("case", EX1_2_MISCONCEPTIONS)
def test_ex1_2_misconceptions_are_named(case, capsys):
    answer, expected = EX1_2_MISCONCEPTIONS[case]
    ok, out = run(check_ex1_2, answer, capsys)
    assert not ok and expected in out, out
    if case == "A - B without new dimensions":
        assert "`A - B` pairs A's point i only with B's point i" in out and "Traceback" not in out


def test_ex1_2_torch_cdist_is_refused_as_the_text_says(capsys):
    for answer in (torch.cdist, lambda A, B: torch.cdist(A, B, p=2.0)):
        ok, out = run(check_ex1_2, answer, capsys)
        assert not ok and "your function calls `torch.cdist`" in out and "build it with broadcasting" in out, out


def inplace_normalize(x):
    x /= x.norm(dim=1, keepdim=True)  # divides the caller's tensor
    return x


EX1_3_MISCONCEPTIONS = {
    "keepdim missing (square input)": (lambda x: x / x.norm(dim=1),
                                       "on input 1 (tensor of shape (4, 4)) column j was divided by row j's length"),
    "columns normalised": (lambda x: x / x.pow(2).sum(dim=0, keepdim=True).sqrt(),
                           "every *column* of your result has length 1, not every row"),
    "squared length": (lambda x: x / (x**2).sum(dim=1, keepdim=True), "you divided by the squared length"),
    "in place on the caller's x": (inplace_normalize,
                                   "your function changed the caller's `x` (its values were changed in place): "
                                   "`x /= ...` or `x.div_(...)` divides the caller's tensor in place"),
    "in place with div_": (lambda x: x.div_(x.norm(dim=1, keepdim=True)), "`x / lengths` makes the new tensor"),
}


@pytest.mark.parametrize("case", EX1_3_MISCONCEPTIONS)
def test_ex1_3_misconceptions_are_named(case, capsys):
    answer, expected = EX1_3_MISCONCEPTIONS[case]
    ok, out = run(check_ex1_3, answer, capsys)
    assert not ok and expected in out, out


def test_ex1_3_missing_keepdim_on_a_non_square_input_is_translated(capsys):
    def keepdim_missing_after_the_square_case(x):
        lengths = x.norm(dim=1)
        return x / lengths[:, None] if x.shape[0] == x.shape[1] else x / lengths  # (3, 2) / (3,)

    ok, out = run(check_ex1_3, keepdim_missing_after_the_square_case, capsys)
    assert not ok
    assert "on input 2 (tensor of shape (3, 2)) your code raised RuntimeError: The size of tensor a (2) must match" in out
    assert "What it means: the lengths have shape (n,)" in out and "keepdim=True" in out


# --- the contract beyond the values: stubs, None, dtype, side effects -----------------------


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


def test_ex1_2_changing_the_callers_A_is_rejected(capsys):
    def shifts_both_in_place(A, B):
        shift = B[0].clone()
        A -= shift  # distances do not change when both sets move together, but the caller's A and B did
        B -= shift
        return solution_ex1_2(A, B)

    def writes_the_same_values_back(A, B):
        A.mul_(1.0)  # in place, but every value stays as it was: the caller cannot tell
        return solution_ex1_2(A, B)

    ok, out = run(check_ex1_2, shifts_both_in_place, capsys)
    assert not ok and "your function changed the caller's `A` (its values were changed in place)" in out, out
    ok, out = run(check_ex1_2, writes_the_same_values_back, capsys)
    assert ok, out


def test_a_global_setting_left_changed_is_rejected(capsys):
    def sets_float64(A, B):
        torch.set_default_dtype(torch.float64)
        return solution_ex1_2(A, B)

    try:
        ok, out = run(check_ex1_2, sets_float64, capsys)
    finally:
        torch.set_default_dtype(torch.float32)
    assert not ok and "your function changed the default dtype to torch.float64" in out, out
    assert torch.get_default_dtype() == torch.float32


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
        "on input 1 (tensor of shape (4, 4)) the values are wrong (greatest absolute difference"),
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
        # the last class left out: labels 0 .. num_classes - 2 only
        (check_ex1_1, lambda y, c: solution_ex1_1(y, c)[:, :-1], "on input 1 (tensor of shape (4,), 3) the shape is (4, 2), expected (4, 3)"),
        # the last point of B left out (a range(len(B) - 1) bug)
        (check_ex1_2, lambda A, B: solution_ex1_2(A, B[:-1]), "on input 1 (tensor of shape (3, 2), tensor of shape (2, 2)) the shape is (3, 1), expected (3, 2)"),
        # one row off: the last row left as it was
        (check_ex1_3, lambda x: torch.cat([solution_ex1_3(x)[:-1], x[-1:]]),
         "on input 1 (tensor of shape (4, 4)) the values are wrong (greatest absolute difference"),
    ],
)
def test_near_miss_one_element_off(checker, answer, expected, capsys):
    ok, out = run(checker, answer, capsys)
    assert not ok
    assert expected in out, out


def test_ex1_3_dividing_by_the_sum_is_a_value_error(capsys):
    ok, out = run(check_ex1_3, lambda x: x / x.sum(dim=1, keepdim=True), capsys)
    assert not ok
    assert "values are wrong" in out


@pytest.mark.parametrize("checker", [check_ex1_1, check_ex1_2, check_ex1_3])
@pytest.mark.parametrize("value", [None, torch.ones(2)], ids=["None", "a Tensor"])
def test_not_a_function_asks_for_the_function_itself(checker, value, capsys):
    ok, out = run(checker, value, capsys)
    name = {check_ex1_1: "one_hot", check_ex1_2: "pairwise_distances", check_ex1_3: "normalize_rows"}[checker]
    assert not ok
    assert "Pass the function itself" in out and f"`{checker.__name__}({name})`" in out
