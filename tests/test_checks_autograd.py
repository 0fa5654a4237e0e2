"""Every checker of 02_autograd.ipynb passes its reference solution, holds a learner to the exercise's
contract, and names each listed misconception, given a wrong answer written as a learner would write it.

Misconceptions (each has a test below that a learner-written answer is rejected with its message):
- 2.1 neuron_grad: autograd used although the text says by hand (backward(), enable_grad, torch.func);
  the 1/N of the mean missing (exactly N×); the 2 of the square missing (1/2); the sign flipped (−1);
  the tanh link left out; tanh' taken at z (1 − z²); the transpose missing (shape error, translated);
  a finite-difference estimate (close, not exact: digits named).
- 2.2 sgd_step: `params[i] = ...` rebinds list entries (the model never changes); `p = p - ...`
  rebinds the loop name; `p.data = ...` swaps memory; no `torch.no_grad()` (error translated); lr
  missing (1/lr×) or doubled; the sign flipped; the gradient not cleared; requires_grad switched off;
  grad mode left off.
- 2.3 derivative: central difference (f called at shifted points); requires_grad_ on the caller's x;
  `.mean()` instead of `.sum()` (exactly 1/N); x used without requires_grad (error translated); no
  `gradient=` for a non-scalar (error translated); f(x) returned.
- 2.4 second_derivative: a difference of derivatives (x + h); a second difference of f; no
  `create_graph=True` (error translated, told apart from using x directly); `.mean()` (1/N, 1/N²);
  the first derivative returned; requires_grad_ on the caller's x.
"""

from __future__ import annotations

import pytest
import torch
from checker_calls import not_done, returns_none, run

from helpers.checks import check_function
from helpers.checks.autograd import (
    _FUNCTIONS,
    _SHAPES,
    _cases_ex2_1,
    _derivative_cases,
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

CHECKERS = [check_ex2_1, check_ex2_2, check_ex2_3, check_ex2_4]
NAMES = {check_ex2_1: "neuron_grad", check_ex2_2: "sgd_step", check_ex2_3: "derivative",
         check_ex2_4: "second_derivative"}


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """A wrong answer that switches grad mode off must not leak into the next test."""
    yield
    torch.set_grad_enabled(True)


def _rejects(capsys, checker, fn, *expected: str) -> str:
    ok, out = run(checker, fn, capsys)
    assert not ok, out
    for text in expected:
        assert text in out, f"{text!r} not in {out!r}"
    return out


@pytest.mark.parametrize(
    "checker, solution",
    [(check_ex2_1, solution_ex2_1), (check_ex2_2, solution_ex2_2), (check_ex2_3, solution_ex2_3),
     (check_ex2_4, solution_ex2_4)],
)
def test_solution_passes(capsys, checker, solution):
    ok, out = run(checker, solution, capsys)
    assert ok, out
    assert out.startswith("✅ Exercise 2.")


@pytest.mark.parametrize("checker", CHECKERS)
def test_stub_says_not_done_yet(capsys, checker):
    _rejects(capsys, checker, not_done, "not done yet")


@pytest.mark.parametrize("checker", [check_ex2_1, check_ex2_3, check_ex2_4])
def test_returning_none_is_reported(capsys, checker):
    _rejects(capsys, checker, returns_none, "returned None")


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("value", [None, torch.ones(2)], ids=["None", "a Tensor"])
def test_not_a_function_asks_for_the_function_itself(capsys, checker, value):
    _rejects(capsys, checker, value, "Pass the function itself", f"`{checker.__name__}({NAMES[checker]})`")


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


def test_ex2_1_other_correct_formulas_pass(capsys):
    def with_cosh(X, y, w):  # tanh'(z) written as 1 / cosh(z)**2: the same numbers up to rounding
        z = X @ w
        return X.T @ (2 / len(y) * (torch.tanh(z) - y) / torch.cosh(z) ** 2)

    def with_einsum(X, y, w):
        p = torch.tanh(X @ w)
        return torch.einsum("nd,n->d", X, (p - y) * (1 - p * p)) * 2 / X.shape[0]

    for answer in (with_cosh, with_einsum):
        ok, out = run(check_ex2_1, answer, capsys)
        assert ok, out


def test_ex2_1_backward_is_not_by_hand(capsys):
    def with_backward(X, y, w):
        w = w.clone().requires_grad_(True)
        ((torch.tanh(X @ w) - y) ** 2).mean().backward()
        return w.grad

    _rejects(capsys, check_ex2_1, with_backward, "asks for the gradient by hand",
             "autograd recorded", "no `requires_grad`, `backward()` or `torch.autograd.grad`")


def test_ex2_1_backward_inside_enable_grad_is_not_by_hand_either(capsys):
    def sneaky(X, y, w):
        with torch.enable_grad():
            w = w.clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(((torch.tanh(X @ w) - y) ** 2).mean(), w)
        return grad

    _rejects(capsys, check_ex2_1, sneaky, "asks for the gradient by hand")


def test_ex2_1_torch_func_is_not_by_hand(capsys):
    def with_func(X, y, w):
        return torch.func.grad(lambda v: ((torch.tanh(X @ v) - y) ** 2).mean())(w)

    out = _rejects(capsys, check_ex2_1, with_func, "asks for the gradient by hand", "(torch.func)")
    assert "torch.func.grad(lambda v" in out, "the verdict quotes the learner's line, not one inside Python's library"


def test_ex2_1_forgetting_the_mean_says_exactly_n(capsys):
    def summed(X, y, w):
        p = torch.tanh(X @ w)
        return X.T @ (2 * (p - y) * (1 - p**2))

    _rejects(capsys, check_ex2_1, summed, "exactly 5× the expected values", "the 1/N of the mean is missing (N = 5 here)")


def test_ex2_1_forgetting_the_two_says_half(capsys):
    def no_two(X, y, w):
        p = torch.tanh(X @ w)
        return X.T @ ((p - y) * (1 - p**2)) / X.shape[0]

    _rejects(capsys, check_ex2_1, no_two, "exactly 1/2 of the expected values", "the 2 from the derivative of the square")


def test_ex2_1_flipped_sign_is_named(capsys):
    def flipped(X, y, w):
        p = torch.tanh(X @ w)
        return X.T @ (2 / X.shape[0] * (y - p) * (1 - p**2))

    _rejects(capsys, check_ex2_1, flipped, "exactly the negative", "not (y - p)")


def test_ex2_1_forgetting_the_tanh_derivative_is_named(capsys):
    def no_tanh_factor(X, y, w):
        return 2 / X.shape[0] * X.T @ (torch.tanh(X @ w) - y)

    _rejects(capsys, check_ex2_1, no_tanh_factor, "on input 1 (X of shape (5, 3)", "the tanh link is missing",
             "1 - p**2")


def test_ex2_1_tanh_derivative_at_z_is_named(capsys):
    def at_z(X, y, w):
        z = X @ w
        return X.T @ (2 / X.shape[0] * (torch.tanh(z) - y) * (1 - z**2))

    _rejects(capsys, check_ex2_1, at_z, "you multiplied by 1 - z**2", "1 - tanh(z)**2 = 1 - p**2")


def test_ex2_1_forgetting_the_transpose_is_translated(capsys):
    def no_transpose(X, y, w):
        p = torch.tanh(X @ w)
        return 2 / X.shape[0] * X @ ((p - y) * (1 - p**2))  # (N, D) @ (N,): a shape error

    _rejects(capsys, check_ex2_1, no_transpose, "raised RuntimeError: size mismatch", "`X.T @ dz`, (D, N) @ (N,)")


def _central_difference_gradient(X, y, w, h=1e-6):
    """dL/dw estimated one coordinate at a time: off by rounding / h and h**2 terms."""
    loss = lambda v: ((torch.tanh(X @ v) - y) ** 2).mean()  # noqa: E731
    grad = torch.zeros_like(w)
    for i in range(len(w)):
        step = torch.zeros_like(w)
        step[i] = h
        grad[i] = (loss(w + step) - loss(w - step)) / (2 * h)
    return grad


def test_ex2_1_a_finite_difference_is_close_but_not_exact(capsys):
    _rejects(capsys, check_ex2_1, _central_difference_gradient, "agrees with the exact gradient to only about",
             "A finite-difference estimate")
    # Richardson extrapolation, the best estimate a learner might try: still not 12 digits
    rich = lambda X, y, w: (4 * _central_difference_gradient(X, y, w, 1e-4) - _central_difference_gradient(X, y, w, 2e-4)) / 3  # noqa: E731
    _rejects(capsys, check_ex2_1, rich, "significant digits")


def test_ex2_1_changing_the_callers_w_is_caught(capsys):
    def scales_w(X, y, w):
        w.mul_(1.0001)  # in place on the caller's tensor
        return solution_ex2_1(X, y, w / 1.0001)

    _rejects(capsys, check_ex2_1, scales_w, "changed the caller's `w`")


def test_ex2_1_grad_mode_left_off_is_caught(capsys):
    def switches_off(X, y, w):
        torch.set_grad_enabled(False)
        return solution_ex2_1(X, y, w)

    _rejects(capsys, check_ex2_1, switches_off, "left gradient recording switched off")
    assert torch.is_grad_enabled(), "the checker undoes what the learner left behind"


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


@pytest.mark.parametrize("answer", [
    "torch_sgd", "zero_in_place", "copy_in_place", "add_with_alpha", "data_in_place"])
def test_ex2_2_other_in_place_updates_pass(capsys, answer):
    def torch_sgd(params, lr):
        optimizer = torch.optim.SGD(params, lr=lr)
        optimizer.step()
        optimizer.zero_grad()

    def zero_in_place(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()  # zeroing instead of None: what zero_grad(set_to_none=False) does

    def copy_in_place(params, lr):
        with torch.no_grad():
            for p in params:
                p.copy_(p - lr * p.grad)
                p.grad = None

    def add_with_alpha(params, lr):
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-lr)
                p.grad = None

    def data_in_place(params, lr):
        for p in params:
            p.data -= lr * p.grad  # in place on the same memory (an old idiom, but in place)
            p.grad = None

    ok, out = run(check_ex2_2, locals()[answer], capsys)
    assert ok, out


def test_ex2_2_rebinding_list_entries_is_caught(capsys):
    def rebinds_entries(params, lr):
        for i, p in enumerate(params):
            params[i] = p - lr * p.grad  # the list holds a new tensor; the model still holds the old one

    _rejects(capsys, check_ex2_2, rebinds_entries, "entry 0 of `params` is now another tensor",
             "the model still holds the old one", "section 6")


def test_ex2_2_rebinding_entries_with_fresh_leaves_is_caught(capsys):
    def fresh_leaves(params, lr):
        for i, p in enumerate(params):
            params[i] = (p - lr * p.grad).detach().requires_grad_()  # right values, right flags: wrong tensors

    _rejects(capsys, check_ex2_2, fresh_leaves, "is now another tensor")


def test_ex2_2_rebinding_the_loop_name_is_caught(capsys):
    def rebinds(params, lr):
        for p in params:
            p = p - lr * p.grad  # noqa: F841 - the typical mistake: a new tensor, the parameter is untouched

    _rejects(capsys, check_ex2_2, rebinds, "did not change", "`p = p - ...` only rebinds the loop's name")


def test_ex2_2_swapping_data_is_caught(capsys):
    def swaps_data(params, lr):
        for p in params:
            p.data = p.data - lr * p.grad  # new memory behind the same tensor
            p.grad = None

    _rejects(capsys, check_ex2_2, swaps_data, "right values but in new memory", "`p.data = ...`")


def test_ex2_2_missing_no_grad_is_translated(capsys):
    def without_no_grad(params, lr):
        for p in params:
            p -= lr * p.grad

    _rejects(capsys, check_ex2_2, without_no_grad, "raised RuntimeError", "`with torch.no_grad():`", "(section 6)",
             "p -= lr * p.grad")  # the verdict quotes the learner's line, not one inside torch


def test_ex2_2_forgetting_lr_says_so(capsys):
    def no_lr(params, lr):
        with torch.no_grad():
            for p in params:
                p -= p.grad
                p.grad = None

    _rejects(capsys, check_ex2_2, no_lr, "exactly 10× the expected values", "is lr missing? The step is lr × grad (lr = 0.1 here)")


def test_ex2_2_lr_twice_says_so(capsys):
    def lr_squared(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * lr * p.grad
                p.grad = None

    _rejects(capsys, check_ex2_2, lr_squared, "exactly 1/10 of the expected values", "lr is applied twice")


def test_ex2_2_wrong_sign_is_named(capsys):
    def ascends(params, lr):
        with torch.no_grad():
            for p in params:
                p += lr * p.grad
                p.grad = None

    _rejects(capsys, check_ex2_2, ascends, "parameter 0 after the step: the values are wrong", "the step went uphill")


def test_ex2_2_forgetting_to_clear_the_gradient_is_caught(capsys):
    def keeps_grad(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    _rejects(capsys, check_ex2_2, keeps_grad, "still has its gradient", "p.grad = None")


def test_ex2_2_clearing_before_reading_is_translated(capsys):
    def clears_first(params, lr):
        with torch.no_grad():
            for p in params:
                p.grad = None
                p -= lr * p.grad

    _rejects(capsys, check_ex2_2, clears_first, "raised TypeError", "a `.grad` is None")


def test_ex2_2_switching_off_requires_grad_is_caught(capsys):
    def detaches(params, lr):
        for p in params:
            p.requires_grad_(False)  # "so autograd lets me": the next backward() gives it no gradient
            p -= lr * p.grad
            p.grad = None

    _rejects(capsys, check_ex2_2, detaches, "no longer requires grad")


def test_ex2_2_grad_mode_left_off_is_caught(capsys):
    def switches_off(params, lr):
        torch.set_grad_enabled(False)
        for p in params:
            p -= lr * p.grad
            p.grad = None

    _rejects(capsys, check_ex2_2, switches_off, "left gradient recording switched off")


def test_ex2_2_near_misses_are_caught(capsys):
    def all_but_last(params, lr):
        with torch.no_grad():
            for p in params[:-1]:  # off by one: the bias is never updated
                p -= lr * p.grad
                p.grad = None

    def slightly_short(params, lr):
        with torch.no_grad():
            for p in params:
                p -= 0.999 * lr * p.grad
                p.grad = None

    def in_float32(params, lr):
        with torch.no_grad():
            for p in params:
                p.copy_((p.float() - lr * p.grad.float()).double())  # float32 rounding in a float64 parameter
                p.grad = None

    _rejects(capsys, check_ex2_2, all_but_last, "with lr=0.1", "parameter 1 did not change")
    _rejects(capsys, check_ex2_2, slightly_short, "parameter 0 after the step: the values are wrong",
             "exactly 0.999× the expected values")
    _rejects(capsys, check_ex2_2, in_float32, "parameter 0 after the step: the values are wrong")


# ------------------------------------------------------------ Exercise 2.3


def test_the_cases_cover_every_promised_shape():
    shapes = {tuple(x.shape) for _, x in _derivative_cases()}
    assert shapes == {(9,), (), (3, 4), (2, 3, 2)} == set(_SHAPES)
    assert all(x.dtype == torch.float64 for _, x in _derivative_cases())
    assert tuple(_points(()).shape) == () and tuple(_points(9).shape) == (9,)


def test_solution_ex2_3_gives_cos_for_sin_and_leaves_x_alone():
    x = torch.linspace(-3, 3, 12, dtype=torch.float64).reshape(3, 4)
    torch.testing.assert_close(solution_ex2_3(torch.sin, x), torch.cos(x))
    assert not x.requires_grad and x.grad is None


def test_ex2_3_autograd_grad_passes_too(capsys):
    def with_grad(f, x):
        x = x.detach().clone().requires_grad_(True)
        return torch.autograd.grad(f(x).sum(), x)[0]

    ok, out = run(check_ex2_3, with_grad, capsys)
    assert ok, out


def test_ex2_3_a_central_difference_is_named(capsys):
    def central(f, x):
        h = 1e-6
        return (f(x + h) - f(x - h)) / (2 * h)  # error ~1e-10: once within a 1e-7 tolerance

    _rejects(capsys, check_ex2_3, central, "you evaluated f 2 times at shifted points", "finite-difference estimate")


def test_ex2_3_requires_grad_on_the_callers_x_is_named(capsys):
    def on_the_callers_x(f, x):
        x.requires_grad_(True)  # no copy: the caller's x records from now on
        y = f(x)
        y.backward(gradient=torch.ones_like(y))
        return x.grad

    _rejects(capsys, check_ex2_3, on_the_callers_x, "switched on requires_grad on the caller's x",
             "a second call would return 2·f'(x)")


def test_ex2_3_requires_grad_on_the_callers_x_really_doubles_on_a_second_call():
    """Why the checker refuses it: what the learner's notebook would see on the next call."""
    def on_the_callers_x(f, x):
        x.requires_grad_(True)
        f(x).sum().backward()
        return x.grad

    x = torch.linspace(-1, 1, 5, dtype=torch.float64)
    first = on_the_callers_x(torch.sin, x).clone()
    torch.testing.assert_close(on_the_callers_x(torch.sin, x), 2 * first)


def test_ex2_3_mean_is_nine_times_too_small(capsys):
    def with_mean(f, x):
        x = x.detach().clone().requires_grad_(True)
        f(x).mean().backward()
        return x.grad

    _rejects(capsys, check_ex2_3, with_mean, "x of shape (9,)", "exactly 1/9 of the expected values",
             "`.mean()` where `.sum()` belongs? The mean divides by N = 9")


def test_ex2_3_using_x_without_requires_grad_is_translated(capsys):
    def uses_x_directly(f, x):
        y = f(x)
        y.backward(gradient=torch.ones_like(y))
        return x.grad

    _rejects(capsys, check_ex2_3, uses_x_directly, "element 0 of tensors does not require grad",
             "f(x) was computed from an x that does not require grad", "x.detach().clone().requires_grad_(True)")


def test_ex2_3_backward_without_gradient_argument_is_translated(capsys):
    def no_gradient_argument(f, x):
        x = x.clone().requires_grad_(True)
        f(x).backward()  # not a scalar: raises
        return x.grad

    _rejects(capsys, check_ex2_3, no_gradient_argument, "grad can be implicitly created only for scalar outputs",
             "`gradient=torch.ones_like(y)`", "f(x) = sin(x)")


def test_ex2_3_returning_the_function_value_is_named(capsys):
    def returns_y(f, x):
        x = x.detach().clone().requires_grad_(True)
        y = f(x)
        y.backward(gradient=torch.ones_like(y))
        return y  # the values, not the slopes

    _rejects(capsys, check_ex2_3, returns_y, "these are the values f(x), not its derivative")


def test_ex2_3_never_using_autograd_is_named(capsys):
    _rejects(capsys, check_ex2_3, lambda f, x: f(x), "f was never called on a tensor that requires grad")


# ------------------------------------------------------------ Exercise 2.4


def test_solution_ex2_4_gives_minus_sin_for_sin_and_6x_for_a_cubic():
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    torch.testing.assert_close(solution_ex2_4(torch.sin, x), -torch.sin(x))
    torch.testing.assert_close(solution_ex2_4(lambda t: t**3 - 2 * t, x), 6 * x)
    assert not x.requires_grad and x.grad is None


def test_ex2_4_difference_of_derivatives_is_named(capsys):
    def difference_of_derivatives(f, x):
        h = 1e-4  # error ~2e-7: once within the default tolerance
        return (solution_ex2_3(f, x + h) - solution_ex2_3(f, x)) / h

    _rejects(capsys, check_ex2_4, difference_of_derivatives, "you evaluated f at points other than x",
             "a difference of derivatives is an estimate")


def test_ex2_4_second_difference_is_named(capsys):
    def second_difference(f, x):
        h = 1e-4
        return (f(x + h) - 2 * f(x) + f(x - h)) / h**2

    _rejects(capsys, check_ex2_4, second_difference, "you evaluated f 3 times at shifted points", "finite-difference")


def test_ex2_4_missing_create_graph_is_translated(capsys):
    def no_create_graph(f, x):
        x = x.detach().clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).sum(), x)
        (second,) = torch.autograd.grad(first.sum(), x)
        return second

    _rejects(capsys, check_ex2_4, no_create_graph, "element 0 of tensors does not require grad",
             "pass `create_graph=True` to the first `torch.autograd.grad` call")


def test_ex2_4_using_x_directly_is_translated_differently(capsys):
    def uses_x_directly(f, x):
        (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        (second,) = torch.autograd.grad(first.sum(), x)
        return second

    out = _rejects(capsys, check_ex2_4, uses_x_directly, "element 0 of tensors does not require grad",
                   "f(x) was computed from an x that does not require grad")
    assert "create_graph" not in out.split("What it means")[1]


def test_ex2_4_mean_is_named(capsys):
    def mean_twice(f, x):
        x = x.detach().clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).mean(), x, create_graph=True)
        (second,) = torch.autograd.grad(first.mean(), x)
        return second

    def mean_once(f, x):
        x = x.detach().clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).mean(), x, create_graph=True)
        (second,) = torch.autograd.grad(first.sum(), x)
        return second

    _rejects(capsys, check_ex2_4, mean_twice, "exactly 1/81 of the expected values", "`.mean()` in both calls?")
    _rejects(capsys, check_ex2_4, mean_once, "exactly 1/9 of the expected values", "N = 9")


def test_ex2_4_returning_the_first_derivative_is_named(capsys):
    def first_only(f, x):
        x = x.detach().clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).sum(), x)
        return first

    _rejects(capsys, check_ex2_4, first_only, "these are f'(x), the first derivative")


def test_ex2_4_requires_grad_on_the_callers_x_is_named(capsys):
    def on_the_callers_x(f, x):
        x.requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        return torch.autograd.grad(first.sum(), x)[0]

    _rejects(capsys, check_ex2_4, on_the_callers_x, "switched on requires_grad on the caller's x")


def test_ex2_4_backward_twice_with_a_reset_passes(capsys):
    def with_backward(f, x):
        x = x.detach().clone().requires_grad_(True)
        (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        first.sum().backward()
        return x.grad

    ok, out = run(check_ex2_4, with_backward, capsys)
    assert ok, out


# ------------------------------------------------------------ near misses
# Just outside the tolerance, float32 where float64 is required, one element off. The tolerance
# ones also pass under a loosened tolerance, so they prove the tolerance is what catches them:
# 2.1's rtol drifting from 1e-12 to 0.2 would fail these tests.


def _in_float32(X, y, w):
    """The right formula, computed in float32 and handed back as float64: off by float32 rounding."""
    return solution_ex2_1(X.float(), y.float(), w.float()).double()


@pytest.mark.parametrize(
    "checker, reference, cases, answer, expected",
    [
        (check_ex2_1, _neuron_grad_by_autograd, _cases_ex2_1(), _in_float32,
         "on input 1 (X of shape (5, 3), y of shape (5,), w of shape (3,)) the values are wrong "
         "(greatest absolute difference 2.69e-08"),
        (check_ex2_1, _neuron_grad_by_autograd, _cases_ex2_1(), lambda X, y, w: solution_ex2_1(X, y, w) * (1 + 1e-9),
         "agrees with the exact gradient to only about 9 significant digits"),
        (check_ex2_3, solution_ex2_3, _derivative_cases(), lambda f, x: solution_ex2_3(f, x) * (1 + 1e-10),
         "on f(x) = sin(x) with x of shape (9,) the values are wrong"),
        (check_ex2_4, solution_ex2_4, _derivative_cases(), lambda f, x: solution_ex2_4(f, x) + 1e-11,
         "on f(x) = sin(x) with x of shape (9,) the values are wrong"),
    ],
    ids=["2.1 float32 rounding", "2.1 one part in 1e9", "2.3 one part in 1e10", "2.4 off by 1e-11"],
)
def test_near_miss_just_outside_the_tolerance_is_rejected(capsys, checker, reference, cases, answer, expected):
    _rejects(capsys, checker, answer, expected)
    assert check_function("loose", answer, reference, cases, rtol=0.2, atol=1e-3)  # a near miss indeed
    capsys.readouterr()


@pytest.mark.parametrize(
    "checker, answer",
    [
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X.float(), y.float(), w.float())),
        (check_ex2_3, lambda f, x: solution_ex2_3(f, x.float())),
        (check_ex2_4, lambda f, x: solution_ex2_4(f, x.float())),
    ],
)
def test_near_miss_float32_where_float64_is_required(capsys, checker, answer):
    _rejects(capsys, checker, answer, "the dtype is torch.float32, expected torch.float64")


@pytest.mark.parametrize(
    "checker, answer, expected",
    [
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X, y, w)[:-1], "on input 1 (X of shape (5, 3), y of shape (5,), "
         "w of shape (3,)) the shape is (2,), expected (3,)"),
        (check_ex2_3, lambda f, x: solution_ex2_3(f, x).flatten()[1:], "the shape is (8,), expected (9,)"),
        # the mean over N - 1 samples instead of N: every value a little too large
        (check_ex2_1, lambda X, y, w: solution_ex2_1(X, y, w) * X.shape[0] / (X.shape[0] - 1), "exactly 1.25×"),
    ],
    ids=["2.1 one entry short", "2.3 one point short", "2.1 divides by N - 1"],
)
def test_near_miss_one_element_off(capsys, checker, answer, expected):
    _rejects(capsys, checker, answer, expected)


def test_the_functions_have_non_constant_second_derivatives():
    x = _points(9)
    for f in _FUNCTIONS:
        second = solution_ex2_4(f, x)
        assert second.unique().numel() > 1, f"{f!r}: a constant f'' would not tell a right answer from a wrong one"


def test_ex2_3_one_backward_pass_per_point_is_named(capsys):
    def per_point(f, x):  # right values, but n backward passes where the exercise asks for one
        x = x.detach().clone().requires_grad_(True)
        y = f(x)
        return torch.stack([torch.autograd.grad(y[i], x, retain_graph=True)[0][i] for i in range(len(x))])

    ok, out = run(check_ex2_3, per_point, capsys)
    assert not ok and "backward passes through f's output" in out and "one pass with a vector of ones" in out
