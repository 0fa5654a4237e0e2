"""Every checker of 05_optimizers.ipynb passes its reference solution and catches typical mistakes."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.checks import Verdict, hint, show_solution
from helpers.checks.optimizers import (
    HINTS,
    check_ex5_1,
    check_ex5_2,
    check_ex5_3,
    solution_ex5_1,
    solution_ex5_2,
    solution_ex5_3,
)

CHECKERS = [(check_ex5_1, solution_ex5_1), (check_ex5_2, solution_ex5_2), (check_ex5_3, solution_ex5_3)]


def _stub(*args):
    raise NotImplementedError


def _verdict(capsys, checker, fn) -> tuple[Verdict, str]:
    """Run a checker and return its verdict and the one line it printed."""
    verdict = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints exactly one line, got {out!r}"
    assert verdict.message == out.strip()
    return verdict, out


@pytest.mark.parametrize("checker, solution", CHECKERS)
def test_solution_passes(capsys, checker, solution):
    verdict, out = _verdict(capsys, checker, solution)
    assert verdict
    assert out.startswith("✅ Exercise 5.")


@pytest.mark.parametrize("checker", [c for c, _ in CHECKERS])
def test_stub_says_not_done_yet(capsys, checker):
    verdict, out = _verdict(capsys, checker, _stub)
    assert not verdict
    assert out.startswith("❌ Exercise 5.")
    assert "not done yet" in out


@pytest.mark.parametrize("checker, name", [(check_ex5_1, "momentum_step"), (check_ex5_2, "adam_step"),
                                           (check_ex5_3, "cosine_lr")])
@pytest.mark.parametrize("value", [None, torch.ones(2)])
def test_not_a_function_says_pass_the_function(capsys, checker, name, value):
    verdict, out = _verdict(capsys, checker, value)
    assert not verdict
    assert "Pass the function itself" in out
    assert f"{checker.__name__}({name})" in out


@pytest.mark.parametrize("exercise", ["5.1", "5.2", "5.3"])
def test_every_exercise_has_hints_and_a_solution(capsys, exercise):
    assert 3 <= len(HINTS[exercise]) <= 4
    hint(exercise)
    first = capsys.readouterr().out
    assert first.startswith(f"💡 Exercise {exercise}, hint 1 of") and HINTS[exercise][0] in first
    hint(exercise, len(HINTS[exercise]))
    last = capsys.readouterr().out
    assert HINTS[exercise][-1] in last and "show_solution" in last
    show_solution(exercise)
    shown = capsys.readouterr().out
    assert f"def solution_ex5_{exercise[-1]}(" in shown


# ------------------------------------------------------------ Exercise 5.1


def test_solution_ex5_1_by_hand_on_numbers():
    p, v = solution_ex5_1(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([0.5]), lr=0.1, momentum=0.9)
    torch.testing.assert_close(v, torch.tensor([0.9 * 0.5 + 2.0]))
    torch.testing.assert_close(p, torch.tensor([1.0 - 0.1 * 2.45]))


def test_ex5_1_plain_sgd_is_named_at_step_2(capsys):
    """Forgetting to update the velocity: step 1 is right (velocity starts at 0), step 2 is not."""
    verdict, out = _verdict(capsys, check_ex5_1, lambda p, g, v, lr, m: (p - lr * g, v))
    assert not verdict
    assert "lr=0.1, momentum=0.9" in out and "after step 2 your p is" in out
    assert "that is plain SGD: the velocity never changes" in out


def test_ex5_1_moving_with_the_old_velocity_shows_the_start(capsys):
    def old_velocity(p, g, v, lr, m):
        p = p - lr * v  # the velocity of the step before: zeros at step 1
        v = m * v + g
        return p, v

    verdict, out = _verdict(capsys, check_ex5_1, old_velocity)
    assert not verdict
    start = out.split("starting from p = ")[1].split("]")[0]
    after = out.split("after step 1 your p is ")[1].split("]")[0]
    assert start == after, "the message shows p did not move"
    assert "p is moved with the velocity of the step before" in out


def test_ex5_1_dampened_ema_is_named(capsys):
    """An exponential moving average (1 - momentum) * grad is not what torch's SGD keeps."""
    def ema(p, g, v, lr, m):
        v = m * v + (1 - m) * g
        return p - lr * v, v

    verdict, out = _verdict(capsys, check_ex5_1, ema)
    assert not verdict
    assert "after step 1" in out and "exponential moving average" in out


def test_ex5_1_uphill_is_named(capsys):
    def uphill(p, g, v, lr, m):
        v = m * v + g
        return p + lr * v, v

    verdict, out = _verdict(capsys, check_ex5_1, uphill)
    assert not verdict and "p moves uphill" in out


def test_ex5_1_in_place_update_of_the_callers_tensors_is_refused(capsys):
    def in_place(p, g, v, lr, m):
        v.mul_(m).add_(g)
        p -= lr * v
        return p, v

    verdict, out = _verdict(capsys, check_ex5_1, in_place)
    assert not verdict
    assert "changed the caller's `p` in place" in out and "return new tensors" in out


def test_ex5_1_a_measured_factor_is_said(capsys):
    def double_step(p, g, v, lr, m):
        v = m * v + g
        return p - 2 * lr * v, v

    verdict, out = _verdict(capsys, check_ex5_1, double_step)
    assert not verdict and "your step is exactly 2× the expected step" in out


def test_ex5_1_returning_only_p_is_reported(capsys):
    verdict, out = _verdict(capsys, check_ex5_1, lambda p, g, v, lr, m: p - lr * (m * v + g))
    assert not verdict
    assert "it returned a Tensor, expected the tuple (p, velocity)" in out


def test_ex5_1_missing_return_is_reported(capsys):
    verdict, out = _verdict(capsys, check_ex5_1, lambda p, g, v, lr, m: None)
    assert not verdict
    assert "it returned None (is the `return` missing?)" in out


def test_ex5_1_float32_is_caught(capsys):
    def float32(p, g, v, lr, m):
        v = m * v + g
        return (p - lr * v).float(), v

    verdict, out = _verdict(capsys, check_ex5_1, float32)
    assert not verdict
    assert "the dtype is torch.float32, expected torch.float64" in out


def test_ex5_1_the_lr_inside_the_velocity_convention_is_accepted(capsys):
    """v = m*v + lr*g; p -= v takes the same steps at a constant lr: the text lets the velocity be yours."""
    def lr_inside(p, g, v, lr, m):
        v = m * v + lr * g
        return p - v, v

    verdict, _ = _verdict(capsys, check_ex5_1, lr_inside)
    assert verdict


def test_ex5_1_learners_error_is_one_line_quoting_their_code(capsys):
    def matmul_typo(p, g, v, lr, m):
        v = m * v + g
        return p - lr * torch.mm(v, v), v  # mm needs matrices: raises on the (3,) case

    verdict, out = _verdict(capsys, check_ex5_1, matmul_typo)
    assert not verdict
    assert "step 1: your code raised RuntimeError" in out
    assert "torch.mm(v, v)" in out, "the verdict quotes the learner's line"


def test_ex5_1_grad_mode_left_off_is_caught(capsys):
    def grad_off(p, g, v, lr, m):
        torch.set_grad_enabled(False)
        return solution_ex5_1(p, g, v, lr, m)

    verdict, out = _verdict(capsys, check_ex5_1, grad_off)
    assert torch.is_grad_enabled()
    assert not verdict and "gradient recording switched off" in out


# ------------------------------------------------------------ Exercise 5.2


def _adam(bias_correction=True, eps_inside=False, t_shift=0, return_corrected=False, scale=1.0):
    """A variant of Adam with one typical mistake switched on, as a learner writes it."""
    def step(p, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        t = t + t_shift
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t) if bias_correction else m
        v_hat = v / (1 - b2**t) if bias_correction else v
        denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        p = p - scale * lr * m_hat / denom
        return (p, m_hat, v_hat) if return_corrected else (p, m, v)
    return step


def test_solution_ex5_2_first_step_moves_each_entry_by_about_lr():
    """At t = 1, m_hat / sqrt(v_hat) = g / |g|: Adam's first step is lr * sign(g) (up to eps)."""
    g = torch.tensor([3.0, -0.01], dtype=torch.float64)
    p, m, v = solution_ex5_2(torch.zeros(2, dtype=torch.float64), g, torch.zeros(2, dtype=torch.float64),
                             torch.zeros(2, dtype=torch.float64), 1, 0.1, (0.9, 0.999), 1e-8)
    torch.testing.assert_close(p, torch.tensor([-0.1, 0.1], dtype=torch.float64), rtol=0, atol=1e-6)
    torch.testing.assert_close(m, 0.1 * g)
    torch.testing.assert_close(v, 0.001 * g**2)


def test_ex5_2_reference_variant_passes(capsys):
    """The mistake-free variant passes, so each failure below is caused by its one mistake."""
    verdict, _ = _verdict(capsys, check_ex5_2, _adam())
    assert verdict


@pytest.mark.parametrize(
    "variant, expected",
    [
        (_adam(bias_correction=False), "after step 1 your p is"),
        (_adam(bias_correction=False), "this is Adam without bias correction"),
        (_adam(eps_inside=True), "eps is inside the square root"),
        (_adam(t_shift=-1), "your p is NaN (not a number) at step 1: with t counted from 0"),
        (_adam(t_shift=1), "the bias correction uses t + 1"),
        (_adam(return_corrected=True), "after step 2"),
        (_adam(return_corrected=True), "you returned the corrected m_hat and v_hat as the state"),
    ],
    ids=["no-bias-correction-step", "no-bias-correction-named", "eps-inside-sqrt", "t-from-0-nan", "t-from-2",
         "returns-corrected-state-step", "returns-corrected-state-named"],
)
def test_ex5_2_typical_mistakes_are_named(capsys, variant, expected):
    verdict, out = _verdict(capsys, check_ex5_2, variant)
    assert not verdict
    assert expected in out


def test_ex5_2_a_near_miss_shows_enough_digits(capsys):
    verdict, out = _verdict(capsys, check_ex5_2, _adam(scale=1 + 1e-6))  # just outside the tolerance
    assert not verdict
    assert "after step 1" in out and "greatest absolute difference" in out


def test_ex5_2_nan_from_another_cause_is_named(capsys):
    def sqrt_of_m(p, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        return p - lr * (m / (1 - b1**t)) / ((m / (1 - b1**t)).sqrt() + eps), m, v  # sqrt of a negative m

    verdict, out = _verdict(capsys, check_ex5_2, sqrt_of_m)
    assert not verdict and "NaN (not a number" in out


def test_ex5_2_in_place_updates_are_refused(capsys):
    def in_place(p, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        m.mul_(b1).add_((1 - b1) * g)
        v.mul_(b2).add_((1 - b2) * g**2)
        return p - lr * (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + eps), m, v

    verdict, out = _verdict(capsys, check_ex5_2, in_place)
    assert not verdict and "changed the caller's `m` in place" in out


def test_ex5_2_eps_position_only_shows_with_tiny_gradients(capsys):
    """The tiny-gradient case is what makes eps-inside-the-sqrt fail loudly, not just by 3e-7."""
    verdict, out = _verdict(capsys, check_ex5_2, _adam(eps_inside=True))
    assert not verdict
    p = torch.zeros(3, dtype=torch.float64)
    g = torch.full((3,), 1e-6, dtype=torch.float64)
    args = (torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), 1, 1e-3, (0.9, 0.999), 1e-8)
    right, wrong = solution_ex5_2(p, g, *args)[0], _adam(eps_inside=True)(p, g, *args)[0]
    assert (right / wrong).min() > 50  # with g = 1e-6, sqrt(v + eps) ~ 1e-4 instead of 1e-6


def test_ex5_2_wrong_tuple_length_is_reported(capsys):
    verdict, out = _verdict(capsys, check_ex5_2, lambda p, g, m, v, t, lr, betas, eps: (p, m))
    assert not verdict
    assert "it returned a tuple of 2 items, expected the tuple (p, m, v)" in out


# ------------------------------------------------------------ Exercise 5.3


def test_solution_ex5_3_end_points_and_middle():
    assert solution_ex5_3(0, 10, 0.1, 0.01) == pytest.approx(0.1)
    assert solution_ex5_3(5, 10, 0.1, 0.01) == pytest.approx(0.055)
    assert solution_ex5_3(10, 10, 0.1, 0.01) == pytest.approx(0.01)


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(math.pi * s / (T - 1))) / 2,
         "total_steps=10, base_lr=0.1, min_lr=0.0, step 1: got 0.09698463104, CosineAnnealingLR gives "
         "0.09755282581: you divide by total_steps - 1"),
        (lambda s, T, b, mn: b * (1 + math.cos(math.pi * s / T)) / 2,
         "min_lr=1e-05, step 1: got"),  # min_lr forgotten: right only while min_lr is 0
        (lambda s, T, b, mn: b * (1 + math.cos(math.pi * s / T)) / 2, "falls to 0 instead of min_lr"),
        (lambda s, T, b, mn: mn + (b - mn) * math.cos(math.pi * s / T), "(1 + cos) / 2 runs from 1 down to 0"),
        (lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(s / T)) / 2, "not to pi"),
        (lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(math.pi * (s // T))) / 2, "step // total_steps is 0"),
        (lambda s, T, b, mn: solution_ex5_3(s, T, b, mn) * (1 + 1e-7),
         "step 0: got 0.10000001, CosineAnnealingLR gives 0.1 (off by 1e-08)"),  # just outside the tolerance
    ],
    ids=["off-by-one", "no-min-lr-where", "no-min-lr-named", "no-half-cosine", "no-pi", "integer-division",
         "off-by-1e-7"],
)
def test_ex5_3_typical_mistakes_are_named(capsys, wrong, expected):
    verdict, out = _verdict(capsys, check_ex5_3, wrong)
    assert not verdict
    assert expected in out
    assert "CosineAnnealingLR gives" in out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ex5_3_any_tensor_is_refused(capsys, dtype):
    def as_tensor(s, T, b, mn):
        return torch.tensor(solution_ex5_3(s, T, b, mn), dtype=dtype)

    verdict, out = _verdict(capsys, check_ex5_3, as_tensor)
    assert not verdict
    assert "expected a Python float" in out and "math.cos, not torch.cos" in out


def test_ex5_3_torch_cos_on_a_python_float_is_refused(capsys):
    def torch_cos(s, T, b, mn):
        return mn + (b - mn) * (1 + torch.cos(torch.tensor(math.pi * s / T))) / 2

    verdict, out = _verdict(capsys, check_ex5_3, torch_cos)
    assert not verdict and "expected a Python float" in out


def test_ex5_3_missing_return_is_reported(capsys):
    verdict, out = _verdict(capsys, check_ex5_3, lambda s, T, b, mn: None)
    assert not verdict
    assert "it returned None (is the `return` missing?)" in out


def test_ex5_3_division_by_zero_is_one_line(capsys):
    verdict, out = _verdict(capsys, check_ex5_3, lambda s, T, b, mn: b / s)
    assert not verdict
    assert "step 0: your code raised ZeroDivisionError" in out
