"""The exercise checkers of 10_making_it_fast pass their solutions and name each usual mistake.

Every wrong answer below is written as a learner would write it (not imported from the checker),
and each listed misconception must be rejected with its own message.
"""

import math
import statistics

import numpy as np
import pytest
import torch
from checker_calls import not_done, returns_none, run

from helpers.checks import hint, show_solution
from helpers.checks.speed import (
    HINTS, check_ex10_1, check_ex10_2, check_ex10_3, solution_ex10_1, solution_ex10_2, solution_ex10_3,
)

# ---------------------------------------------------------------- Exercise 10.1: conv_flops


def test_ex10_1_accepts_the_solution_and_other_right_forms(capsys):
    ok, out = run(check_ex10_1, solution_ex10_1, capsys)
    assert ok and out.startswith("✅ Exercise 10.1 (conv_flops)") and "as a Python int" in out

    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        outputs = out_channels * (height - kernel_size + 1) * (width - kernel_size + 1)
        return outputs * in_channels * kernel_size**2 * 2

    assert run(check_ex10_1, conv_flops, capsys)[0]


def test_ex10_1_gives_the_layer_table_of_the_notebook():
    assert solution_ex10_1(1, 32, 3, 28, 28) == 389_376 and solution_ex10_1(32, 64, 3, 13, 13) == 4_460_544


def test_ex10_1_names_multiply_adds_counted_as_flops(capsys):
    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        return out_channels * (height - kernel_size + 1) * (width - kernel_size + 1) * in_channels * kernel_size**2

    ok, out = run(check_ex10_1, conv_flops, capsys)
    assert not ok and "it returned 194,688, the layer does 389,376" in out and "exactly half" in out
    assert "multiply by 2" in out


def test_ex10_1_names_the_input_size_used_for_the_output(capsys):
    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        return 2 * out_channels * height * width * in_channels * kernel_size * kernel_size

    ok, out = run(check_ex10_1, conv_flops, capsys)
    assert not ok and "an output for every input pixel" in out and "height - kernel_size + 1" in out


def test_ex10_1_names_the_output_one_pixel_short(capsys):
    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        return 2 * out_channels * (height - kernel_size) * (width - kernel_size) * in_channels * kernel_size**2

    ok, out = run(check_ex10_1, conv_flops, capsys)
    assert not ok and "one pixel short each way" in out


def test_ex10_1_names_the_input_channels_forgotten(capsys):
    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        return 2 * out_channels * (height - kernel_size + 1) * (width - kernel_size + 1) * kernel_size**2

    ok, out = run(check_ex10_1, conv_flops, capsys)
    # conv1 has one input channel: the mistake shows on conv2, input 2
    assert not ok and "on input 2" in out and "sums over ALL input channels" in out


def test_ex10_1_names_the_bias_counted(capsys):
    def conv_flops(in_channels, out_channels, kernel_size, height, width):
        outputs = out_channels * (height - kernel_size + 1) * (width - kernel_size + 1)
        return 2 * outputs * in_channels * kernel_size**2 + outputs  # + one addition per output for the bias

    ok, out = run(check_ex10_1, conv_flops, capsys)
    assert not ok and "for the bias" in out and "leave the bias out" in out


@pytest.mark.parametrize("answer, kind", [
    (lambda c, o, k, h, w: 2.0 * o * (h - k + 1) * (w - k + 1) * c * k * k, "(float)"),
    (lambda c, o, k, h, w: torch.tensor(2 * o * (h - k + 1) * (w - k + 1) * c * k * k), "(Tensor)"),
    (lambda c, o, k, h, w: np.int64(2 * o * (h - k + 1) * (w - k + 1) * c * k * k), "(int64)"),
])
def test_ex10_1_asks_for_a_python_int(capsys, answer, kind):
    ok, out = run(check_ex10_1, answer, capsys)
    assert not ok and kind in out and "expected a Python int" in out and "a whole number" in out


def test_ex10_1_stubs_and_errors(capsys):
    assert "not done yet" in run(check_ex10_1, not_done, capsys)[1]
    assert "it returned None (is the `return` missing?)" in run(check_ex10_1, returns_none, capsys)[1]

    def conv_flops(in_channels, out_channels, kernel_size):
        return 0

    ok, out = run(check_ex10_1, conv_flops, capsys)
    assert not ok and "keep the stub's `def` line as it is" in out


# ---------------------------------------------------------------- Exercise 10.2: speedup


def test_ex10_2_accepts_the_solution_and_other_right_forms(capsys):
    ok, out = run(check_ex10_2, solution_ex10_2, capsys)
    assert ok and out.startswith("✅ Exercise 10.2 (speedup)") and "left as they were" in out

    def speedup(baseline, new):
        ratios = sorted(n / b for b, n in zip(baseline, new))  # sorted() makes a new list
        return float(np.median(ratios)), ratios[0], ratios[-1]

    assert run(check_ex10_2, speedup, capsys)[0]


def test_ex10_2_names_the_ratio_the_other_way_round(capsys):
    def speedup(baseline, new):
        ratios = [b / n for b, n in zip(baseline, new)]
        return statistics.median(ratios), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "the other way round (baseline / new)" in out


def test_ex10_2_names_the_ratio_of_the_medians(capsys):
    def speedup(baseline, new):
        return statistics.median(new) / statistics.median(baseline), min(new) / min(baseline), max(new) / max(baseline)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "divides summaries of the two lists" in out and "divide round by round first" in out


def test_ex10_2_names_the_best_round(capsys):
    def speedup(baseline, new):
        ratios = [n / b for b, n in zip(baseline, new)]
        return max(new) / max(baseline), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "best-of-N rewards luck" in out


def test_ex10_2_names_sorting_before_pairing(capsys):
    def speedup(baseline, new):
        ratios = [n / b for b, n in zip(sorted(baseline), sorted(new))]
        return statistics.median(ratios), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "sorted before being paired" in out


def test_ex10_2_names_sorting_the_callers_lists_in_place(capsys):
    def speedup(baseline, new):
        baseline.sort()
        new.sort()
        ratios = [n / b for b, n in zip(baseline, new)]
        return statistics.median(ratios), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "sorted it in place" in out and "leave the caller's `baseline` as it is" in out


def test_ex10_2_names_the_mean_and_the_upper_middle(capsys):
    def with_mean(baseline, new):
        ratios = [n / b for b, n in zip(baseline, new)]
        return statistics.mean(ratios), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, with_mean, capsys)
    assert not ok and "the mean of the ratios" in out

    def upper_middle(baseline, new):
        ratios = sorted(n / b for b, n in zip(baseline, new))
        return ratios[len(ratios) // 2], ratios[0], ratios[-1]

    ok, out = run(check_ex10_2, upper_middle, capsys)
    assert not ok and "on input 2 (4 rounds)" in out and "two middle ratios" in out


def test_ex10_2_names_the_order_of_lowest_and_highest(capsys):
    def speedup(baseline, new):
        ratios = [n / b for b, n in zip(baseline, new)]
        return statistics.median(ratios), max(ratios), min(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "the lowest ratio comes second" in out


@pytest.mark.parametrize("answer, words", [
    (lambda b, n: [statistics.median([y / x for x, y in zip(b, n)]), 1.0, 1.0], "returned a list"),
    (lambda b, n: statistics.median([y / x for x, y in zip(b, n)]), "returned a float"),
    (lambda b, n: tuple(torch.tensor([y / x for x, y in zip(b, n)]).median().reshape(1).repeat(3)), "(Tensor)"),
])
def test_ex10_2_asks_for_a_tuple_of_three_floats(capsys, answer, words):
    ok, out = run(check_ex10_2, answer, capsys)
    assert not ok and words in out


def test_ex10_2_a_near_miss_is_described_with_the_ratios(capsys):
    def speedup(baseline, new):
        ratios = [n / b for b, n in zip(baseline, new)]
        return statistics.median(ratios), min(ratios), max(ratios[:-1])  # the last round forgotten

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "the highest ratio is" in out and "the per-round ratios are" in out


# ---------------------------------------------------------------- Exercise 10.3: time_to_accuracy


def test_ex10_3_accepts_the_solution_and_other_right_forms(capsys):
    ok, out = run(check_ex10_3, solution_ex10_3, capsys)
    assert ok and out.startswith("✅ Exercise 10.3 (time_to_accuracy)")

    def time_to_accuracy(history, target):
        times = np.cumsum([p["seconds"] for p in history])
        hits = [float(t) for t, p in zip(times, history) if p["test_accuracy"] >= target]
        return hits[0] if hits else None

    assert run(check_ex10_3, time_to_accuracy, capsys)[0]


def test_ex10_3_names_the_seconds_not_added_up(capsys):
    def time_to_accuracy(history, target):
        for point in history:
            if point["test_accuracy"] >= target:
                return point["seconds"]
        return None

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "it returned 4.25, expected 12.75" in out and "add up every checkpoint's seconds" in out


def test_ex10_3_names_its_own_seconds_left_out(capsys):
    def time_to_accuracy(history, target):
        elapsed = 0.0
        for point in history:
            if point["test_accuracy"] >= target:
                return elapsed
            elapsed += point["seconds"]
        return None

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "trained its own seconds before it was tested" in out


def test_ex10_3_names_strictly_above(capsys):
    def time_to_accuracy(history, target):
        elapsed = 0.0
        for point in history:
            elapsed += point["seconds"]
            if point["test_accuracy"] > target:
                return elapsed
        return None

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "on input 2" in out and "compare with >=, not >" in out


def test_ex10_3_names_the_best_checkpoint(capsys):
    def time_to_accuracy(history, target):
        if not history:
            return None
        best = max(range(len(history)), key=lambda i: history[i]["test_accuracy"])
        if history[best]["test_accuracy"] < target:
            return None
        return sum(p["seconds"] for p in history[: best + 1])

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "the time until the best checkpoint" in out and "FIRST reached" in out


def test_ex10_3_names_the_position(capsys):
    def position(history, target):
        for i, point in enumerate(history):
            if point["test_accuracy"] >= target:
                return i
        return None

    ok, out = run(check_ex10_3, position, capsys)
    assert not ok and "it returned 2, expected 12.75" in out and "the checkpoint's position" in out


def test_ex10_3_names_the_images_instead_of_seconds(capsys):
    def time_to_accuracy(history, target):
        for point in history:
            if point["test_accuracy"] >= target:
                return float(point["images"])
        return None

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "it returned the images trained" in out


@pytest.mark.parametrize("never, words", [
    (0.0, "it returned 0.0, but no checkpoint reaches the target: the exercise asks for None then"),
    (float("inf"), "it returned inf; the exercise asks for None"),
    (-1, "it returned -1, but no checkpoint reaches the target"),
    ("total", "the total training time, but no checkpoint reached the target"),
])
def test_ex10_3_asks_for_none_when_never_reached(capsys, never, words):
    def time_to_accuracy(history, target):
        elapsed = 0.0
        for point in history:
            elapsed += point["seconds"]
            if point["test_accuracy"] >= target:
                return elapsed
        return elapsed if never == "total" else never

    ok, out = run(check_ex10_3, time_to_accuracy, capsys)
    assert not ok and "on input 3" in out and words in out


def test_ex10_3_refuses_a_tensor_and_a_changed_history(capsys):
    def as_tensor(history, target):
        seconds = torch.tensor([p["seconds"] for p in history]).cumsum(0)
        for t, point in zip(seconds, history):
            if point["test_accuracy"] >= target:
                return t
        return None

    ok, out = run(check_ex10_3, as_tensor, capsys)
    assert not ok and "expected a Python float with `.item()`" in out

    def writes_history(history, target):
        elapsed = 0.0
        for point in history:
            elapsed += point["seconds"]
            point["elapsed"] = elapsed  # a learner keeping the running total in the caller's dicts
            if point["test_accuracy"] >= target:
                return elapsed
        return None

    ok, out = run(check_ex10_3, writes_history, capsys)
    assert not ok and "changed the caller's `history`" in out


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("exercise", ["10.1", "10.2", "10.3"])
def test_hints_and_solutions_are_reachable(capsys, exercise):
    hint(exercise)
    assert f"Exercise {exercise}, hint 1 of {len(HINTS[exercise])}" in capsys.readouterr().out
    show_solution(exercise)
    assert f"def solution_ex{exercise.replace('.', '_')}(" in capsys.readouterr().out


def test_every_checker_refuses_a_result_in_place_of_the_function(capsys):
    for checker, call in ((check_ex10_1, "check_ex10_1(conv_flops)"), (check_ex10_2, "check_ex10_2(speedup)"),
                          (check_ex10_3, "check_ex10_3(time_to_accuracy)")):
        ok, out = run(checker, 42.0, capsys)
        assert not ok and call in out


def test_ex10_3_solution_is_exact_on_the_cases():
    assert solution_ex10_3([{"images": 1, "seconds": 0.5, "test_accuracy": 0.99}], 0.99) == 0.5
    assert math.isclose(solution_ex10_3([{"images": 1, "seconds": 0.1, "test_accuracy": 0.5},
                                         {"images": 2, "seconds": 0.2, "test_accuracy": 0.99}], 0.9), 0.3)


@pytest.mark.parametrize("rounds", [slice(1, None), slice(None, -1)], ids=["first round left out", "last round left out"])
def test_ex10_2_a_round_left_out_is_caught(capsys, rounds):
    def speedup(baseline, new):
        ratios = [n / b for b, n in zip(baseline, new)][rounds]
        return statistics.median(ratios), min(ratios), max(ratios)

    ok, out = run(check_ex10_2, speedup, capsys)
    assert not ok and "the per-round ratios are" in out
