"""Every checker of 02_autograd.ipynb passes its reference solution and catches typical mistakes."""

from __future__ import annotations

import pytest
import torch

from helpers.checks import Verdict, check_function
from helpers.checks.autograd import (
    _FUNCTIONS,
    _cases_ex2_1,
    _neuron_grad_by_autograd,
    _points,
    check_ex2_1,
    check_ex2_2,
    check_ex2_3,
    check_ex2_4,
    solution_ex2_1,
    solution_ex2_2,
    solution_ex2_3,
    solution_ex2_4,
)


def _stub(*args):
    raise NotImplementedError


def _verdict(capsys, checker, fn) -> tuple[Verdict, str]:
    """Run a checker and return its verdict and the one line it printed."""
    verdict = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints exactly one line, got {out!r}"
    assert verdict.message == out.strip()
    return verdict, out


@pytest.mark.parametrize(
    "checker, solution",
    [(check_ex2_1, solution_ex2_1), (check_ex2_2, solution_ex2_2), (check_ex2_3, solution_ex2_3),
     (check_ex2_4, solution_ex2_4)],
)
def test_solution_passes(capsys, checker, solution):
    verdict, out = _verdict(capsys, checker, solution)
    assert verdict
    assert out.startswith("✅ Exercise 2.")


@pytest.mark.parametrize("checker", [check_ex2_1, check_ex2_2, check_ex2_3, check_ex2_4])
def test_stub_says_not_done_yet(capsys, checker):
    verdict, out = _verdict(capsys, checker, _stub)
    assert not verdict
    assert out.startswith("❌ Exercise 2.")
    assert "not done yet" in out


@pytest.mark.parametrize("checker", [check_ex2_1, check_ex2_3, check_ex2_4])
def test_returning_none_is_reported(capsys, checker):
    verdict, out = _verdict(capsys, checker, lambda *args: None)
    assert not verdict
    assert "returned None" in out


# ------------------------------------------------------------ Exercise 2.1


def test_solution_ex2_1_matches_the_formula_on_a_small_case():
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)  # (2, 2)
    y = torch.tensor([1.0, 0.0], dtype=torch.float64)
    w = torch.tensor([0.5, -0.5], dtype=torch.float64)
    # z = X @ w = [-0.5, -0.5]; p = tanh(z); dL/dz_i = (p_i - y_i) * (1 - p_i**2) (2/N = 1)
    p = torch.tanh(torch.tensor(-0.5, dtype=torch.float64))
    dz = torch.stack([(p - 1) * (1 - p**2), p * (1 - p**2)])
    want = torch.stack([dz[0] * 1 + dz[1] * 3, dz[0] * 2 + dz[1] * 4])
    torch.testing.assert_close(solution_ex2_1(X, y, w), want)


def test_ex2_1_forgetting_the_tanh_derivative_is_wrong_values(capsys):
    def no_tanh_factor(X, y, w):
        return 2 / X.shape[0] * X.T @ (torch.tanh(X @ w) - y)

    verdict, out = _verdict(capsys, check_ex2_1, no_tanh_factor)
    assert not verdict
    assert "the values are wrong" in out
    assert "on input 1 (tensor of shape (5, 3)" in out


def test_ex2_1_forgetting_the_transpose_is_reported_not_raised(capsys):
    def no_transpose(X, y, w):
        p = torch.tanh(X @ w)
        return 2 / X.shape[0] * X @ ((p - y) * (1 - p**2))  # (N, D) @ (N,): a shape error

    verdict, out = _verdict(capsys, check_ex2_1, no_transpose)
    assert not verdict
    assert "raised RuntimeError" in out


def test_ex2_1_summing_instead_of_mean_is_wrong_values(capsys):
    def summed(X, y, w):
        p = torch.tanh(X @ w)
        return 2 * X.T @ ((p - y) * (1 - p**2))

    verdict, out = _verdict(capsys, check_ex2_1, summed)
    assert not verdict
    assert "the values are wrong" in out


# ------------------------------------------------------------ Exercise 2.2


def test_solution_ex2_2_matches_torch_optim_sgd():
    torch.manual_seed(0)
    ours = [torch.randn(3, 2, requires_grad=True), torch.randn(3, requires_grad=True)]
    theirs = [p.detach().clone().requires_grad_(True) for p in ours]
    for group in (ours, theirs):
        (group[0].sum() ** 2 + (group[1] ** 3).sum()).backward()
    optimizer = torch.optim.SGD(theirs, lr=0.1)
    optimizer.step()
    optimizer.zero_grad()
    solution_ex2_2(ours, 0.1)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b)
        assert a.grad is None and b.grad is None
        assert a.requires_grad


def test_ex2_2_rebinding_is_caught(capsys):
    def rebinds(params, lr):
        for p in params:
            p = p - lr * p.grad  # noqa: F841 - the typical mistake: a new tensor, the parameter is untouched

    verdict, out = _verdict(capsys, check_ex2_2, rebinds)
    assert not verdict
    assert "did not change" in out
    assert "in place" in out


def test_ex2_2_missing_no_grad_is_reported_with_a_hint(capsys):
    def without_no_grad(params, lr):
        for p in params:
            p -= lr * p.grad

    verdict, out = _verdict(capsys, check_ex2_2, without_no_grad)
    assert not verdict
    assert "raised RuntimeError" in out
    assert "torch.no_grad()" in out
    assert "p -= lr * p.grad" in out, "the verdict quotes the learner's line, not one inside torch"


def test_ex2_2_forgetting_to_clear_the_gradient_is_caught(capsys):
    def keeps_grad(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    verdict, out = _verdict(capsys, check_ex2_2, keeps_grad)
    assert not verdict
    assert "still has its gradient" in out


def test_ex2_2_zeroing_in_place_is_accepted(capsys):
    def zeroes(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()

    verdict, _ = _verdict(capsys, check_ex2_2, zeroes)
    assert verdict


def test_ex2_2_wrong_sign_is_wrong_values(capsys):
    def ascends(params, lr):
        with torch.no_grad():
            for p in params:
                p += lr * p.grad
                p.grad = None

    verdict, out = _verdict(capsys, check_ex2_2, ascends)
    assert not verdict
    assert "parameter 0 after the step: the values are wrong" in out


# ------------------------------------------------------------ Exercise 2.3


def test_solution_ex2_3_gives_cos_for_sin_and_leaves_x_alone():
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    torch.testing.assert_close(solution_ex2_3(torch.sin, x), torch.cos(x))
    assert not x.requires_grad and x.grad is None


def test_ex2_3_backward_without_gradient_argument_is_reported(capsys):
    def no_gradient_argument(f, x):
        x = x.clone().requires_grad_(True)
        f(x).backward()  # not a scalar: raises
        return x.grad

    verdict, out = _verdict(capsys, check_ex2_3, no_gradient_argument)
    assert not verdict
    assert "grad can be implicitly created only for scalar outputs" in out
    assert "f(x) = sin(x)" in out, "the verdict names the function it failed on"


def test_ex2_3_returning_the_function_value_is_wrong_values(capsys):
    verdict, out = _verdict(capsys, check_ex2_3, lambda f, x: f(x))
    assert not verdict
    assert "the values are wrong" in out


# ------------------------------------------------------------ Exercise 2.4


def test_solution_ex2_4_gives_minus_sin_for_sin_and_6x_for_a_cubic():
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    torch.testing.assert_close(solution_ex2_4(torch.sin, x), -torch.sin(x))
    torch.testing.assert_close(solution_ex2_4(lambda t: t**3 - 2 * t, x), 6 * x)


def test_ex2_4_missing_create_graph_is_reported(capsys):
    def no_create_graph(f, x):
        x = x.clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).sum(), x)
        (second,) = torch.autograd.grad(first.sum(), x)
        return second

    verdict, out = _verdict(capsys, check_ex2_4, no_create_graph)
    assert not verdict
    assert "raised RuntimeError" in out
    assert "does not require grad" in out


def test_ex2_4_returning_the_first_derivative_is_wrong_values(capsys):
    verdict, out = _verdict(capsys, check_ex2_4, solution_ex2_3)
    assert not verdict
    assert "the values are wrong" in out


# ------------------------------------------------------------ near misses
# Just outside the tolerance, float32 where float64 is required, one element off. The tolerance
# ones also pass under a loosened tolerance, so they prove the tolerance is what catches them:
# 2.1's rtol drifting from 1e-7 to 0.2 would fail these tests.


def _in_float32(X, y, w):
    """The right formula, computed in float32 and handed back as float64: off by float32 rounding."""
    return solution_ex2_1(X.float(), y.float(), w.float()).double()


def _forward_difference(f, x):
    """f'(x) estimated as (f(x + h) - f(x)) / h: off by about h * f''(x) / 2."""
    h = 1e-6
    return (f(x + h) - f(x)) / h


def _difference_of_derivatives(f, x):
    """The second derivative estimated from two autograd derivatives: off by about h / 2 times the third."""
    h = 1e-4
    return (solution_ex2_3(f, x + h) - solution_ex2_3(f, x)) / h


@pytest.mark.parametrize(
    "checker, reference, cases, answer, expected",
    [
        (check_ex2_1, _neuron_grad_by_autograd, _cases_ex2_1(), _in_float32,
         "on input 1 (tensor of shape (5, 3), tensor of shape (5,), tensor of shape (3,)) the values are wrong "
         "(greatest absolute difference 2.69e-08"),
        (check_ex2_1, _neuron_grad_by_autograd, _cases_ex2_1(), lambda X, y, w: solution_ex2_1(X, y, w) * (1 + 1e-5),
         "on input 1 (tensor of shape (5, 3), tensor of shape (5,), tensor of shape (3,)) the values are wrong"),
        (check_ex2_3, solution_ex2_3, [(f, _points(9)) for f in _FUNCTIONS], _forward_difference,
         "on input 1 (f(x) = sin(x), tensor of shape (9,)) the values are wrong (greatest absolute difference 4.988e-07"),
        (check_ex2_4, solution_ex2_4, [(f, _points(9)) for f in _FUNCTIONS], _difference_of_derivatives,
         "on input 1 (f(x) = sin(x), tensor of shape (9,)) the values are wrong (greatest absolute difference 5e-05"),
    ],
    ids=["2.1 float32 rounding", "2.1 one part in 1e5", "2.3 forward difference", "2.4 difference of derivatives"],
)
def test_near_miss_just_outside_the_tolerance_is_rejected(capsys, checker, reference, cases, answer, expected):
    verdict, out = _verdict(capsys, checker, answer)
    assert not verdict
    assert expected in out, out
    assert check_function("loose", answer, reference, cases, rtol=0.2, atol=1e-3)  # a near miss indeed


@pytest.mark.parametrize(
    "checker, answer",
    [
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X.float(), y.float(), w.float())),
        (check_ex2_3, lambda f, x: solution_ex2_3(f, x.float())),
        (check_ex2_4, lambda f, x: solution_ex2_4(f, x.float())),
    ],
)
def test_near_miss_float32_where_float64_is_required(capsys, checker, answer):
    verdict, out = _verdict(capsys, checker, answer)
    assert not verdict
    assert "on input 1" in out and "the dtype is torch.float32, expected torch.float64" in out, out


@pytest.mark.parametrize(
    "checker, answer, expected",
    [
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X, y, w)[:-1], "on input 1 (tensor of shape (5, 3), tensor of shape (5,), "
         "tensor of shape (3,)) the shape is (2,), expected (3,)"),
        (check_ex2_3, lambda f, x: solution_ex2_3(f, x)[1:], "the shape is (8,), expected (9,)"),
        # the mean over N - 1 samples instead of N: every value a little too large
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X, y, w) * X.shape[0] / (X.shape[0] - 1), "the values are wrong"),
    ],
    ids=["2.1 one entry short", "2.3 one point short", "2.1 divides by N - 1"],
)
def test_near_miss_one_element_off(capsys, checker, answer, expected):
    verdict, out = _verdict(capsys, checker, answer)
    assert not verdict
    assert expected in out, out


def test_ex2_2_skipping_the_last_parameter_is_caught(capsys):
    def all_but_last(params, lr):
        with torch.no_grad():
            for p in params[:-1]:  # off by one: the bias is never updated
                p -= lr * p.grad
                p.grad = None

    verdict, out = _verdict(capsys, check_ex2_2, all_but_last)
    assert not verdict
    assert "with lr=0.1 parameter 1 did not change" in out


def test_ex2_2_a_step_a_little_too_short_is_caught(capsys):
    def slightly_short(params, lr):
        with torch.no_grad():
            for p in params:
                p -= 0.999 * lr * p.grad
                p.grad = None

    verdict, out = _verdict(capsys, check_ex2_2, slightly_short)
    assert not verdict
    assert "with lr=0.1 parameter 0 after the step: the values are wrong" in out


def test_ex2_2_a_float32_step_is_caught(capsys):
    def in_float32(params, lr):
        with torch.no_grad():
            for p in params:
                p.copy_((p.float() - lr * p.grad.float()).double())  # float32 rounding in a float64 parameter
                p.grad = None

    verdict, out = _verdict(capsys, check_ex2_2, in_float32)
    assert not verdict
    assert "parameter 0 after the step: the values are wrong" in out


@pytest.mark.parametrize("checker", [check_ex2_1, check_ex2_2, check_ex2_3, check_ex2_4])
@pytest.mark.parametrize("value", [None, torch.ones(2)], ids=["None", "a Tensor"])
def test_not_a_function_asks_for_the_function_itself(capsys, checker, value):
    name = {check_ex2_1: "neuron_grad", check_ex2_2: "sgd_step", check_ex2_3: "derivative",
            check_ex2_4: "second_derivative"}[checker]
    verdict, out = _verdict(capsys, checker, value)
    assert not verdict
    assert "Pass the function itself" in out and f"`{checker.__name__}({name})`" in out


def test_ex2_2_torch_optim_sgd_itself_passes(capsys):
    def with_torch_sgd(params, lr):
        optimizer = torch.optim.SGD(params, lr=lr)
        optimizer.step()
        optimizer.zero_grad()

    verdict, _ = _verdict(capsys, check_ex2_2, with_torch_sgd)
    assert verdict
