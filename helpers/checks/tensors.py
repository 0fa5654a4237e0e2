"""Checkers and reference solutions for the exercises of 01_tensors.ipynb.

Each ``check_ex1_N(learner_fn)`` runs the learner's function and ``solution_ex1_N`` on the same
fixed inputs, prints one verdict line and returns a truthy/falsy Verdict. Beyond the values, each
holds the learner to the exercise's text: a new tensor of the asked dtype and shape, the caller's
tensors and PyTorch's global settings left as they were, and (1.2) no ``torch.cdist``.
The usual misconceptions, named when a learner's answer shows them (``Mistake``s below):

- 1.1 one_hot: int64 instead of float32; the width taken from the labels (max(y) + 1) instead of
  ``num_classes``; rows and columns swapped (the transpose, or ``scatter_`` along dim 0); every
  row given every label's 1 (``out[:, y] = 1``).
- 1.2 pairwise_distances: squared distances (no square root); the transpose (B's points as rows);
  the sum over B's points instead of the coordinates; the expansion |a|² + |b|² − 2a·b, which
  loses small distances far from the origin in float32.
- 1.3 normalize_rows: the lengths without ``keepdim`` (an error, or on a square input columns
  divided by row lengths); columns normalised (dim=0); the squared length (no square root);
  dividing the caller's tensor in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from helpers.checks import (
    FAIL,
    PASS,
    Mistake,
    Verdict,
    _copy,
    _judge,
    call_learner,
    check_function,
    first_difference,
    judged,
    watching_global_state,
)

HINTS = {
    "1.1": (
        "Picture a table of zeros with one row per sample and one column per class; every row then "
        "gets a single 1, in the column its own label names (2 classes, labels `[1, 0]`: "
        "`[[0, 1], [1, 0]]`).",
        "The cell in section 3 with `marks[rows, cols] = 1.0` writes one 1 per row at paired (row, column) "
        "places: here the rows are 0 .. N − 1 and the columns are the labels themselves.",
        "`out = torch.zeros(___, ___)` (float32 unless told otherwise), then "
        "`out[torch.arange(___), ___] = 1.0`, then `return out`.",
    ),
    "1.2": (
        "Each entry of the answer needs one pair of points, A[i] and B[j]: lay A's points along one axis "
        "and B's along another, and a single subtraction forms all n·m difference vectors at once.",
        "In section 5, `col + row` adds a (3, 1) column to a (4,) row and gets a (3, 4) table of every "
        "pair; here each pair is a vector, so the table gets a trailing dimension of d coordinates.",
        "`diff = A[:, None, :] - B[___, :, :]` is (n, m, d); `(diff ** 2).sum(dim=___).___()` is (n, m).",
    ),
    "1.3": (
        "One length per row: the square root of that row's sum of squares (the row (3, 4) has length 5 "
        "and becomes (0.6, 0.8)); then every row is divided by its own length.",
        "In section 7, `scores - scores.mean(dim=1, keepdim=True)` centres every row: a reduction "
        "over dim=1 that keeps its dimension lines up with the rows; here the same shape divides.",
        "`lengths = x.pow(2).sum(dim=___, keepdim=___).___()` is (n, 1); `return x ___ lengths` "
        "(a new tensor, so not `/=`).",
    ),
}


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    """(n, d) float32 points drawn from their own generator, so a case never depends on global state."""
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------- Exercise 1.1: one-hot encoding by indexing


def solution_ex1_1(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One-hot encode labels: (N,) int64 -> (N, num_classes) float32. Introduced in: 01_tensors.ipynb"""
    out = torch.zeros(len(y), num_classes)  # (N, num_classes) float32
    out[torch.arange(len(y)), y] = 1.0  # one (row, column) pair per label
    return out


_EX1_1_CASES = [
    (torch.tensor([2, 0, 1, 2]), 3),
    (torch.tensor([9, 0, 5, 3, 3]), 10),
    (torch.tensor([1]), 4),  # N = 1: still (1, 4); the labels alone would say 2 classes
    (torch.tensor([1, 2, 0]), 3),  # square: a transposed answer has the right shape
]


def _every_row_every_label(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    out = torch.zeros(len(y), num_classes)
    out[:, y] = 1.0
    return out


_EX1_1_MISTAKES = (
    Mistake("int64 instead of float32", lambda y, c: F.one_hot(y, c), (
        "the 1s are in the right places, but the dtype is torch.int64 and the exercise asks for float32 "
        "(losses and weights compute in float32): `torch.zeros(N, C)` is float32 by default, and "
        "`F.one_hot` returns int64, so it needs `.float()`.")),
    Mistake("width from the labels", lambda y, c: F.one_hot(y).float(), (
        "your result has max(y) + 1 columns, the largest label seen plus one, not `num_classes`: a batch "
        "need not hold the highest class, so the width must come from `num_classes`.")),
    Mistake("rows and columns swapped", lambda y, c: solution_ex1_1(y, c).T, (
        "your result is the transpose, (num_classes, N): sample i owns row i, and its 1 goes in column "
        "y[i] (section 3 pairs rows with columns as `x[rows, cols]`).")),
    Mistake("scatter along dim 0", lambda y, c: torch.zeros(len(y), c).scatter_(0, y[:, None], 1.0), (
        "the 1s went down column 0, in row y[i]: `scatter_` along dim 0 picks rows; sample i's 1 goes "
        "along dim 1, its own row's columns: `scatter_(1, y[:, None], 1.0)`.")),
    Mistake("every row gets every label", _every_row_every_label, (
        "every row has a 1 in the column of *every* label: `out[:, y]` selects those columns in all rows; "
        "pair each row with its own label, `out[torch.arange(N), y]` (section 3's `x[rows, cols]`).")),
)

_EX1_1_ERRORS = (
    (r"index (\d+) is out of bounds for dimension 1 with size", (
        "a label is past the last column: labels run up to num_classes − 1, so the result needs "
        "`num_classes` columns, numbered 0 .. num_classes − 1 (is the width one short?)")),
)


def check_ex1_1(learner_fn: Callable[[torch.Tensor, int], torch.Tensor]) -> Verdict:
    """Check ``one_hot(y, num_classes)`` against the reference (exact). Introduced in: 01_tensors.ipynb"""
    return check_function("Exercise 1.1 (one_hot)", learner_fn, solution_ex1_1, _EX1_1_CASES, rtol=0, atol=0,
                          mistakes=_EX1_1_MISTAKES, errors=_EX1_1_ERRORS)


# ---------------------------------------------------------------- Exercise 1.2: pairwise distances by broadcasting


def solution_ex1_2(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between rows: (n, d), (m, d) -> (n, m). Introduced in: 01_tensors.ipynb"""
    diff = A[:, None, :] - B[None, :, :]  # (n, 1, d) - (1, m, d) -> (n, m, d)
    return (diff**2).sum(dim=-1).sqrt()  # (n, m)


_EX1_2_CASES = [
    # Integer distances a learner can verify by hand: 3-4-5 triangles. n = 3, m = 2, d = 2.
    (torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]), torch.tensor([[0.0, 4.0], [6.0, 8.0]])),
    (_points(5, 3, seed=11), _points(4, 3, seed=12)),
    (_points(2, 1, seed=13), _points(6, 1, seed=14)),  # d = 1
]

#: Two points 0.25 apart with coordinates near 1000 (the other pairs: 5, 2.75 and 4), every value
#: exact in float32: the differences give 0.25 exactly, but |a|² ≈ 2 000 000 is stored to within
#: 0.125, so the expansion |a|² + |b|² − 2a·b cannot see a squared distance of 0.0625.
_EX1_2_FAR_AND_CLOSE = (torch.tensor([[1000.0, 1000.0], [1000.0, 1003.0]]),
                        torch.tensor([[1000.0, 1000.25], [1004.0, 1003.0]]))

_EX1_2_TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

_EX1_2_MISTAKES = (
    Mistake("squared distances", lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1), (
        "these are the squared distances (the 3-4-5 triangle of input 1 gives 25 where the distance is "
        "5): take `.sqrt()` of the sum of squares.")),
    Mistake("the transpose", lambda A, B: solution_ex1_2(B, A), (
        "your result is (m, n), the transpose: row i of D belongs to A's point i and column j to B's "
        "point j, so A gets the new dimension in the middle, `A[:, None, :]` (n, 1, d), and B in front, "
        "`B[None, :, :]` (1, m, d).")),
    Mistake("summed over B's points", lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=1).sqrt(), (
        "you summed over dim 1, B's points, instead of over the coordinates: in the (n, m, d) difference "
        "the coordinates are the last dimension, `.sum(dim=-1)`.")),
)

_EX1_2_ERRORS = (
    (r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\)", (
        "`A - B` pairs A's point i only with B's point i, and fails when n ≠ m: give A a new dimension "
        "in the middle and B one in front, (n, 1, d) − (1, m, d), so that every pair is formed "
        "(section 5: broadcasting)")),
)

_FAR_AND_CLOSE = (
    "here two points 0.25 apart have coordinates near 1000. Their differences are exact in float32, so "
    "computed from them the distance is 0.25; the expansion |a|² + |b|² − 2a·b subtracts numbers near "
    "2 000 000, which float32 stores only to within 0.125, so the small distance is lost (or its square "
    "comes out negative: NaN after the square root). Compute from the differences "
    "`A[:, None, :] - B[None, :, :]`, as the exercise asks."
)


class _CallRecorder(TorchFunctionMode):
    """Records which torch functions a learner's code calls (a torch function mode sees each call)."""

    def __init__(self) -> None:
        super().__init__()
        self.called: set[Any] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.called.add(func)
        return func(*args, **(kwargs or {}))


def _calls_cdist(learner_fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Whether the learner's function calls ``torch.cdist`` on ``args`` (global settings restored after)."""
    recorder = _CallRecorder()
    try:
        with watching_global_state([]), recorder:  # a setting it changes is undone; the regular check names it
            learner_fn(*_copy(args))
    except Exception:  # the regular check reports the learner's errors, with their meaning
        return False
    return torch.cdist in recorder.called


def _judge_ex1_2(name: str, learner_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    if _calls_cdist(learner_fn, _EX1_2_CASES[0]):
        return Verdict(False, (
            f"{FAIL} {name}: your function calls `torch.cdist`, which computes the whole answer; this "
            "exercise asks you to build it with broadcasting (from then on, `torch.cdist` is the one to use)."
        ))
    verdict = _judge(name, learner_fn, solution_ex1_2, _EX1_2_CASES, mistakes=_EX1_2_MISTAKES,
                     errors=_EX1_2_ERRORS, **_EX1_2_TOLERANCE)
    if not verdict:
        return verdict
    number = len(_EX1_2_CASES) + 1
    where = f"on input {number} (two points 0.25 apart, coordinates near 1000)"
    got, failed = call_learner(name, learner_fn, _copy(_EX1_2_FAR_AND_CLOSE), where, _EX1_2_ERRORS)
    if failed is not None:
        return failed
    problem = first_difference(got, solution_ex1_2(*_EX1_2_FAR_AND_CLOSE), **_EX1_2_TOLERANCE)
    if problem:
        return Verdict(False, f"{FAIL} {name}: {where} {problem}: {_FAR_AND_CLOSE}")
    return Verdict(True, f"{PASS} {name}: correct on all {number} test inputs.")


def check_ex1_2(learner_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    """Check ``pairwise_distances(A, B)`` against the reference. Introduced in: 01_tensors.ipynb

    Values within 1e-4 (float32 rounding of any order of the sum), the shape (n, m), float32,
    A and B unchanged, no ``torch.cdist``, and small distances far from the origin kept.
    """
    return judged("Exercise 1.2 (pairwise_distances)", learner_fn, _judge_ex1_2)


# ---------------------------------------------------------------- Exercise 1.3: rows to unit length (keepdim)


def solution_ex1_3(x: torch.Tensor) -> torch.Tensor:
    """Divide each row by its Euclidean length: (n, d) -> (n, d). Introduced in: 01_tensors.ipynb"""
    lengths = x.pow(2).sum(dim=1, keepdim=True).sqrt()  # (n, 1): broadcasts along each row
    return x / lengths


_EX1_3_CASES = [
    (_points(4, 4, seed=21),),  # square, first: a missing keepdim divides by the wrong lengths silently
    (torch.tensor([[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]]),),  # (3, 2): lengths 5, 2, 1
    (_points(1, 5, seed=22),),
]

_EX1_3_MISTAKES = (
    Mistake("keepdim missing", lambda x: x / x.pow(2).sum(dim=1).sqrt(), (
        "column j was divided by row j's length: the lengths have shape (n,), which lines up with the "
        "last dimension (the columns) and, on a square input, broadcasts without an error; keep the "
        "reduced dimension with `keepdim=True`, (n, 1), so each row meets its own length (section 7).")),
    Mistake("columns normalised", lambda x: x / x.pow(2).sum(dim=0, keepdim=True).sqrt(), (
        "every *column* of your result has length 1, not every row: the sum over dim=0 adds down the "
        "columns; a row's length sums over dim=1 (section 7's picture shows both).")),
    Mistake("squared length", lambda x: x / x.pow(2).sum(dim=1, keepdim=True), (
        "you divided by the squared length, the sum of squares (the row (3, 4), whose length is 5, would be "
        "divided by 25): take its square root first.")),
)

_EX1_3_ERRORS = (
    (r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) at non-singleton dimension 1", (
        "the lengths have shape (n,), which lines up with the last dimension of x (its columns), not with "
        "its rows: keep the reduced dimension with `keepdim=True`, so the lengths are (n, 1) (section 7)")),
)

_IN_PLACE = ("`x /= ...` or `x.div_(...)` divides the caller's tensor in place, while `x / lengths` makes the "
             "new tensor the exercise asks for and leaves x as it was (section 6: in-place operations)")


def _judge_ex1_3(name: str, learner_fn: Callable[[torch.Tensor], torch.Tensor]) -> Verdict:
    verdict = _judge(name, learner_fn, solution_ex1_3, _EX1_3_CASES, rtol=1e-5, atol=1e-6,
                     mistakes=_EX1_3_MISTAKES, errors=_EX1_3_ERRORS)
    changed = "your function changed the caller's `x` (its values were changed in place)"
    if not verdict and changed in verdict.message:  # the misconception named, not only the symptom
        return Verdict(False, f"{verdict.message.split(changed)[0]}{changed}: {_IN_PLACE}.")
    return verdict


def check_ex1_3(learner_fn: Callable[[torch.Tensor], torch.Tensor]) -> Verdict:
    """Check ``normalize_rows(x)`` against the reference: a new tensor, x unchanged. Introduced in: 01_tensors.ipynb"""
    return judged("Exercise 1.3 (normalize_rows)", learner_fn, _judge_ex1_3)
