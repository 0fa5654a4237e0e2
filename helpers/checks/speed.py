"""Checkers, reference solutions and hints for the exercises of 10_making_it_fast.ipynb.

- 10.1 ``conv_flops``: the FLOPs of one image's forward pass through a convolution;
- 10.2 ``speedup``: the median and the spread of per-round ratios of two interleaved measurements;
- 10.3 ``time_to_accuracy``: training seconds until a test accuracy is first reached.

Each checker holds the learner to what the exercise text says (the return type, the caller's
arguments left as they were, no global setting changed) and names the usual mistakes.
"""

from __future__ import annotations

import copy
import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from helpers.checks import (
    FAIL,
    PASS,
    Mistake,
    Verdict,
    call_watched,
    judged,
    wrong_type,
)

HINTS = {
    "10.1": (
        "Count the work of one output number first, then multiply by how many output numbers there are. "
        "Each output number is a dot product of a small 3-D block of the input with one filter.",
        "The layer table in section 7 gives conv1's and conv2's counts to test against, and the by_hand line of "
        "that cell writes each convolution as output channels x output height x output width x (input "
        "channels x 3 x 3).",
        "out_h = height - ___ + 1; out_w = width - ___ + 1; multiply_adds = out_channels * out_h * out_w * "
        "___ * kernel_size * kernel_size; return ___ * multiply_adds",
    ),
    "10.2": (
        "Pair the numbers by round first: round r's two rates were measured a moment apart, so their quotient "
        "is what to summarise. Then take the middle value and the two extremes of those quotients.",
        "Section 2 explains why rounds are interleaved and compared round by round, and the tables of section 4 "
        "print the same three numbers for each change (helpers.speed.speedup computes them).",
        "ratios = [n / b for b, n in zip(___, ___)]; return (statistics.___(ratios), ___(ratios), ___(ratios))",
    ),
    "10.3": (
        "Walk through the checkpoints in order with a running total of the training time; stop at the first "
        "one that is good enough. Reaching the end without stopping means the answer is None.",
        "The race cell in section 8 adds up each recipe's checkpoint seconds to print its training time, and "
        "the picture after it (helpers.speed.plot_race) draws the accuracy against that running total.",
        "elapsed = 0.0; for point in history: elapsed += point[___]; if point[___] >= ___: return elapsed; "
        "then, after the loop: return ___",
    ),
}


# ---------------------------------------------------------------- Exercise 10.1: conv_flops

EX10_1 = "Exercise 10.1 (conv_flops)"


def solution_ex10_1(in_channels: int, out_channels: int, kernel_size: int, height: int, width: int) -> int:
    """FLOPs of one image through ``nn.Conv2d(in_channels, out_channels, kernel_size)`` (stride 1, no padding).

    Each output number takes in_channels * k * k multiply-adds; a multiply-add is 2 FLOPs.
    Introduced in: 10_making_it_fast.ipynb
    """
    out_h, out_w = height - kernel_size + 1, width - kernel_size + 1  # 28 -> 26 for a 3x3 kernel
    multiply_adds = out_channels * out_h * out_w * in_channels * kernel_size * kernel_size
    return 2 * multiply_adds


#: (in_channels, out_channels, kernel_size, height, width): the CNN's two convolutions, then others.
EX10_1_CASES = [(1, 32, 3, 28, 28), (32, 64, 3, 13, 13), (3, 16, 5, 32, 24), (8, 4, 1, 7, 9), (2, 6, 7, 7, 10)]

EX10_1_MISTAKES = (
    Mistake("multiply-adds, not FLOPs", lambda c, o, k, h, w: o * (h - k + 1) * (w - k + 1) * c * k * k,
            "that is exactly half: you counted multiply-adds. A multiply-add is two floating-point operations "
            "(one multiplication, one addition), and FLOPs count both: multiply by 2 (hint(\"10.1\", 3))."),
    Mistake("the input size", lambda c, o, k, h, w: 2 * o * h * w * c * k * k,
            "it counts an output for every input pixel (height * width), but a 3x3 window without padding fits "
            "only height - kernel_size + 1 times across (28 -> 26): use the output's size (section 7's by_hand "
            "line uses 26 x 26 for conv1)."),
    Mistake("one pixel short", lambda c, o, k, h, w: 2 * o * (h - k) * (w - k) * c * k * k,
            "the output is one pixel short each way: a window fits height - kernel_size + 1 times (a kernel as "
            "large as the input still gives 1 output, not 0)."),
    Mistake("the input channels forgotten", lambda c, o, k, h, w: 2 * o * (h - k + 1) * (w - k + 1) * k * k,
            "each output number sums over ALL input channels (a filter is in_channels x k x k numbers), so "
            "the count needs a factor in_channels (section 7's conv2 has 32 of them)."),
    Mistake("the bias counted", lambda c, o, k, h, w: 2 * o * (h - k + 1) * (w - k + 1) * c * k * k
            + o * (h - k + 1) * (w - k + 1),
            "it adds one operation per output number for the bias; the exercise (like section 7) counts the "
            "multiply-adds only: leave the bias out."),
)


def _ex10_1_mistake(conv_flops: Callable[..., Any]) -> Mistake | None:
    """The known mistake the learner's function agrees with on every test input, or None."""
    try:
        answers = [conv_flops(*args) for args in EX10_1_CASES]
    except Exception:  # noqa: BLE001 - a function that fails somewhere is not one of these formulas
        return None
    for mistake in EX10_1_MISTAKES:
        if all(isinstance(got, (int, float)) and got == mistake.fn(*args) for got, args in zip(answers, EX10_1_CASES)):
            return mistake
    return None


def _judge_ex10_1(name: str, conv_flops: Callable[..., Any]) -> Verdict:
    for i, args in enumerate(EX10_1_CASES, start=1):
        want = solution_ex10_1(*args)
        where = ("on input {} (in_channels={}, out_channels={}, kernel_size={}, height={}, width={})"
                 .format(i, *args))
        got, failed = call_watched(name, conv_flops, args, where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if isinstance(got, int) and not isinstance(got, bool) and got == want:
            continue
        kind = wrong_type(got, want)
        if kind and got is not None:
            return Verdict(False, f"{FAIL} {name}: {where} {kind} (a count of operations is a whole number).")
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned None (is the `return` missing?).")
        mistake = _ex10_1_mistake(conv_flops)
        if mistake is not None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned {got:,}, the layer does {want:,}: {mistake.message}")
        ratio = got / want if want else float("nan")
        return Verdict(False, f"{FAIL} {name}: {where} it returned {got:,}, the layer does {want:,} "
                              f"({ratio:.4g}x as many).")
    return Verdict(True, f"{PASS} {name}: correct on all {len(EX10_1_CASES)} layers, as a Python int.")


def check_ex10_1(conv_flops: Callable[[int, int, int, int, int], int]) -> Verdict:
    """Compare ``conv_flops(in_channels, out_channels, kernel_size, height, width)`` with the count; print a verdict.

    Holds it to the text: a Python int for each of five layers (the CNN's two, a 5x5 on a
    non-square input, a 1x1, a kernel as tall as the input); names MACs for FLOPs, the input's size
    for the output's, one pixel short, the input channels forgotten, the bias counted.
    Introduced in: 10_making_it_fast.ipynb
    """
    return judged(EX10_1, conv_flops, _judge_ex10_1)


# ---------------------------------------------------------------- Exercise 10.2: speedup

EX10_2 = "Exercise 10.2 (speedup)"


def solution_ex10_2(baseline: list[float], new: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) of the per-round ratios new[r] / baseline[r].

    Introduced in: 10_making_it_fast.ipynb
    """
    ratios = [n / b for b, n in zip(baseline, new)]  # round by round: each pair ran back to back
    return statistics.median(ratios), min(ratios), max(ratios)


#: (baseline, new) images/s per round; chosen so that every usual mistake gives other numbers.
EX10_2_CASES = [
    ([1000.0, 1500.0, 800.0], [1450.0, 1300.0, 1000.0]),
    ([2000.0, 2100.0, 1900.0, 2050.0], [2100.0, 2300.0, 1850.0, 2200.0]),
    ([3120.0, 2950.0, 3300.0, 3010.0, 2890.0], [3000.0, 3050.0, 3280.0, 3150.0, 3100.0]),  # extremes first and last
]


def _ratios(baseline: Sequence[float], new: Sequence[float]) -> list[float]:
    return [n / b for b, n in zip(baseline, new)]


EX10_2_MISTAKES = (
    Mistake("inverted", lambda b, n: solution_ex10_2(n, b),
            "these are the ratios the other way round (baseline / new): a speed-up divides the NEW rate by the "
            "baseline's, so that above 1 means faster."),
    Mistake("sorted before pairing", lambda b, n: solution_ex10_2(sorted(b), sorted(n)),
            "the lists were sorted before being paired, which pairs rates from different rounds: keep the "
            "rounds in order and divide round r by round r (zip the two lists as they are)."),
    Mistake("ratio of medians", lambda b, n: (statistics.median(n) / statistics.median(b),
                                              min(n) / min(b), max(n) / max(b)),
            "it divides summaries of the two lists (median by median, slowest by slowest, fastest by fastest), "
            "which pairs rounds that did not run together: divide round by round first, then summarise the "
            "ratios (section 2)."),
    Mistake("best rounds", lambda b, n: (max(n) / max(b), min(_ratios(b, n)), max(_ratios(b, n))),
            "the first number divides the best round of each list: best-of-N rewards luck (the fastest moment of "
            "a shared machine), which is the mistake section 2 warns about; use the median of the ratios."),
    Mistake("mean, not median", lambda b, n: (statistics.mean(_ratios(b, n)), min(_ratios(b, n)), max(_ratios(b, n))),
            "the first number is the mean of the ratios; the exercise asks for the median (one disturbed round "
            "moves a mean, not a median): statistics.median."),
    Mistake("upper middle", lambda b, n: (sorted(_ratios(b, n))[len(b) // 2], min(_ratios(b, n)), max(_ratios(b, n))),
            "with an even number of rounds there are two middle ratios, and the median is their mean: "
            "statistics.median does that (sorted(r)[len(r) // 2] takes only the upper one)."),
    Mistake("highest first", lambda b, n: (statistics.median(_ratios(b, n)), max(_ratios(b, n)), min(_ratios(b, n))),
            "the median is right, but the order is (median, lowest, highest): the lowest ratio comes second."),
)


def _close(got: Any, want: Sequence[float]) -> bool:
    return (isinstance(got, tuple) and len(got) == len(want)
            and all(isinstance(g, (int, float)) and not isinstance(g, bool) and math.isclose(g, w, rel_tol=1e-9)
                    for g, w in zip(got, want)))


def _shape_problem(got: Any) -> str | None:
    """What is wrong with the kind of result: a tuple of three Python floats is asked for."""
    if got is None:
        return "it returned None (is the `return` missing?)"
    if isinstance(got, list) and len(got) == 3:
        return "it returned a list; the exercise asks for a tuple: `return (median, lowest, highest)`"
    if not isinstance(got, tuple) or len(got) != 3:
        what = f"a {type(got).__name__}" + (f" of {len(got)} items" if isinstance(got, (tuple, list)) else "")
        return f"it returned {what}; the exercise asks for a tuple of three numbers (median, lowest, highest)"
    for label, value in zip(("the median", "the lowest ratio", "the highest ratio"), got):
        kind = wrong_type(value, 1.0)
        if kind:
            return f"{label}: {kind}"
    return None


def _judge_ex10_2(name: str, speedup: Callable[..., Any]) -> Verdict:
    for i, (baseline, new) in enumerate(EX10_2_CASES, start=1):
        want = solution_ex10_2(baseline, new)
        where = f"on input {i} ({len(baseline)} rounds)"
        theirs = (list(baseline), list(new))
        got, failed = call_watched(name, speedup, theirs, where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        for arg, original, label in zip(theirs, (baseline, new), ("baseline", "new")):
            if arg != original:
                how = ("sorted it in place (`.sort()` changes the caller's list; `sorted(...)` returns a sorted copy, "
                       "and sorting unpairs the rounds anyway)" if sorted(arg) == sorted(original) else
                       "changed its values")
                return Verdict(False, f"{FAIL} {name}: {where} your function {how}: leave the caller's `{label}` "
                                      "as it is.")
        problem = _shape_problem(got)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {where} {problem}.")
        if _close(got, want):
            continue
        for mistake in EX10_2_MISTAKES:
            if _close(got, mistake.fn(list(baseline), list(new))):
                return Verdict(False, f"{FAIL} {name}: {where} it returned ({got[0]:.4f}, {got[1]:.4f}, "
                                      f"{got[2]:.4f}), expected ({want[0]:.4f}, {want[1]:.4f}, {want[2]:.4f}): "
                                      f"{mistake.message}")
        labels = ("the median", "the lowest ratio", "the highest ratio")
        j = next(k for k in range(3) if not math.isclose(got[k], want[k], rel_tol=1e-9))
        return Verdict(False, f"{FAIL} {name}: {where} {labels[j]} is {got[j]:.4f}, expected {want[j]:.4f} "
                              f"(the per-round ratios are {', '.join(f'{r:.4f}' for r in _ratios(baseline, new))}).")
    return Verdict(True, f"{PASS} {name}: the median, lowest and highest per-round ratio are right on all "
                         f"{len(EX10_2_CASES)} measurements, and the lists are left as they were.")


def check_ex10_2(speedup: Callable[[list[float], list[float]], tuple[float, float, float]]) -> Verdict:
    """Compare a learner's ``speedup(baseline, new)`` with the reference on three measurements (3, 4, 5 rounds).

    Holds it to the text: a tuple of three Python floats, the caller's lists unchanged; names
    ratios inverted, sorted before pairing, summaries divided, best-of, mean for median, the upper
    middle of an even count, and the order of lowest and highest. Introduced in: 10_making_it_fast.ipynb
    """
    return judged(EX10_2, speedup, _judge_ex10_2)


# ---------------------------------------------------------------- Exercise 10.3: time_to_accuracy

EX10_3 = "Exercise 10.3 (time_to_accuracy)"


def solution_ex10_3(history: list[dict[str, float]], target: float) -> float | None:
    """Training seconds until the first checkpoint with test accuracy >= ``target``; None if none reaches it.

    Introduced in: 10_making_it_fast.ipynb
    """
    elapsed = 0.0
    for point in history:
        elapsed += point["seconds"]  # the checkpoint's own training counts: it ran before the test
        if point["test_accuracy"] >= target:
            return elapsed
    return None


def _point(images: int, seconds: float, accuracy: float) -> dict[str, float]:
    return {"images": images, "seconds": seconds, "test_accuracy": accuracy}


#: (history, target): a crossing that drops back, a checkpoint exactly at the target, never reached,
#: reached at once, and no checkpoints at all.
EX10_3_CASES = [
    ([_point(15000, 4.0, 0.962), _point(30000, 4.5, 0.978), _point(45000, 4.25, 0.986), _point(60000, 4.0, 0.984),
      _point(75000, 4.5, 0.989)], 0.985),
    ([_point(20000, 3.0, 0.97), _point(40000, 3.0, 0.985), _point(60000, 3.0, 0.99)], 0.985),
    ([_point(30000, 2.0, 0.9), _point(60000, 2.5, 0.95)], 0.985),
    ([_point(60000, 5.0, 0.99)], 0.985),
    ([], 0.985),
]


def _best(history: list[dict[str, float]], target: float) -> float | None:
    if not history:
        return None
    best = max(range(len(history)), key=lambda k: history[k]["test_accuracy"])
    return sum(p["seconds"] for p in history[: best + 1]) if history[best]["test_accuracy"] >= target else None


def _first(history: list[dict[str, float]], target: float, key: Callable[[int], Any]) -> Any:
    for k, point in enumerate(history):
        if point["test_accuracy"] >= target:
            return key(k)
    return None


EX10_3_MISTAKES = (
    Mistake("the seconds not added up", lambda h, t: _first(h, t, lambda k: h[k]["seconds"]),
            "that is only the seconds of the checkpoint that reached it; each checkpoint's \"seconds\" is the "
            "training since the previous one, so add up every checkpoint's seconds up to and including it."),
    Mistake("its own seconds left out", lambda h, t: _first(h, t, lambda k: sum(p["seconds"] for p in h[:k])),
            "the checkpoint that reached the target trained its own seconds before it was tested: add them "
            "before you compare, not after."),
    Mistake("strictly above", lambda h, t: next((sum(p["seconds"] for p in h[: k + 1]) for k, p in enumerate(h)
                                                  if p["test_accuracy"] > t), None),
            "a checkpoint exactly at the target reaches it: compare with >=, not >."),
    Mistake("the best checkpoint", _best,
            "that is the time until the best checkpoint; the question is when the target was FIRST reached "
            "(accuracy can drop back below it later)."),
    Mistake("the checkpoint's number", lambda h, t: _first(h, t, lambda k: k),
            "it returned the checkpoint's position; the exercise asks for training seconds."),
    Mistake("images, not seconds", lambda h, t: _first(h, t, lambda k: h[k]["images"]),
            "it returned the images trained; the exercise asks for training seconds (the \"seconds\" entries, "
            "added up)."),
)


def _never_reached(got: Any, history: list[dict[str, float]]) -> str | None:
    """What a learner returned where no checkpoint reaches the target, named; None when it is None."""
    if got is None:
        return None
    total = sum(p["seconds"] for p in history)
    if isinstance(got, float) and math.isinf(got):
        return "it returned inf; the exercise asks for None when no checkpoint reaches the target"
    if isinstance(got, (int, float)) and not isinstance(got, bool) and history and math.isclose(got, total):
        return (f"it returned {got!r}, the total training time, but no checkpoint reached the target: "
                "the exercise asks for None then (a time would claim the target was reached)")
    return f"it returned {got!r}, but no checkpoint reaches the target: the exercise asks for None then"


def _judge_ex10_3(name: str, time_to_accuracy: Callable[..., Any]) -> Verdict:
    for i, (history, target) in enumerate(EX10_3_CASES, start=1):
        want = solution_ex10_3(history, target)
        where = f"on input {i} ({len(history)} checkpoints, target {target:.1%})"
        theirs = copy.deepcopy(history)
        got, failed = call_watched(name, time_to_accuracy, (theirs, target), where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if theirs != history:
            return Verdict(False, f"{FAIL} {name}: {where} your function changed the caller's `history` (its "
                                  "checkpoints or their entries): read it, don't write to it.")
        if want is None:
            problem = _never_reached(got, history)
            if problem:
                return Verdict(False, f"{FAIL} {name}: {where} {problem}.")
            continue
        if got is None:
            missed = next((m for m in EX10_3_MISTAKES if m.fn(copy.deepcopy(history), target) is None), None)
            if missed is not None:
                return Verdict(False, f"{FAIL} {name}: {where} it returned None, expected {want!r}: {missed.message}")
            return Verdict(False, f"{FAIL} {name}: {where} it returned None, expected {want!r}: a checkpoint reaches "
                                  "the target here (is the `return` inside the loop reached?).")
        kind = wrong_type(got, want)
        if kind:
            return Verdict(False, f"{FAIL} {name}: {where} {kind}.")
        if math.isclose(got, want, rel_tol=1e-9):
            continue
        for mistake in EX10_3_MISTAKES:
            wrong = mistake.fn(copy.deepcopy(history), target)
            if wrong is not None and math.isclose(got, wrong, rel_tol=1e-9):
                return Verdict(False, f"{FAIL} {name}: {where} it returned {got!r}, expected {want!r}: {mistake.message}")
        return Verdict(False, f"{FAIL} {name}: {where} it returned {got!r}, expected {want!r}.")
    return Verdict(True, f"{PASS} {name}: right on all {len(EX10_3_CASES)} histories (a crossing, a checkpoint at "
                         "the target, never reached, reached at once, none), and the history is left as it was.")


def check_ex10_3(time_to_accuracy: Callable[[list[dict[str, float]], float], float | None]) -> Verdict:
    """Compare a learner's ``time_to_accuracy(history, target)`` with the reference on five histories.

    Holds it to the text: a float of accumulated seconds, or None when never reached; ``history``
    unchanged. Names the seconds not added up, its own seconds left out, > for >=, the best checkpoint,
    its position or its images instead of seconds, inf or the total time for never.
    Introduced in: 10_making_it_fast.ipynb
    """
    return judged(EX10_3, time_to_accuracy, _judge_ex10_3)
