"""Checkers and reference solutions for the exercises of 02_autograd.ipynb.

Each ``check_ex2_N(learner_fn)`` prints one ✅/❌ line and returns a
:class:`helpers.checks.Verdict`; ``solution_ex2_N`` is the reference answer that
the unit tests run through the same checker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Verdict,
    check_function,
    describe_error,
    first_difference,
    not_a_function,
)

HINTS = {
    "2.1": (
        "Follow the chain rule one link per line, forward then back: z = X @ w, p = tanh(z), "
        "L = mean((p - y)**2).",
        "dL/dp = 2 / N * (p - y); dL/dz = dL/dp * (1 - p**2), since tanh'(z) = 1 - tanh(z)**2. All (N,).",
        "The last link, from z = X @ w back to w, is a matrix product: `return X.T @ dz`, (D, N) @ (N,) -> (D,).",
    ),
    "2.2": (
        "Loop over `params`; for each p compute `p - lr * p.grad` and write it into p itself: `p -= ...`, "
        "not `p = p - ...` (that only rebinds the loop's name).",
        "Autograd refuses an in-place change to a leaf that requires grad: put the loop inside "
        "`with torch.no_grad():`, as `fit_slope` does.",
        "`with torch.no_grad():` then, for each p: `p -= lr * p.grad` and `p.grad = None`. Return nothing.",
    ),
    "2.3": (
        "Work on a copy that records: `x = x.detach().clone().requires_grad_(True)`, then `y = f(x)`.",
        "`y` has x's shape, not a scalar, so `y.backward()` needs `gradient=`: ones give every dy_i/dx_i at once "
        "because f is elementwise.",
        "`y.backward(gradient=torch.ones_like(y))`, then `return x.grad`.",
    ),
    "2.4": (
        "`torch.autograd.grad(f(x).sum(), x)` returns a tuple holding f'(x); summing is fine because f is elementwise.",
        "To differentiate f'(x) again its computation must be recorded: pass `create_graph=True` to the first call.",
        "`(first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)`, then "
        "`(second,) = torch.autograd.grad(first.sum(), x)` and `return second` (x a copy with requires_grad_(True)).",
    ),
}

Elementwise = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class _Named:
    """An elementwise function that prints as its formula, so a verdict can say which one failed."""

    formula: str
    fn: Elementwise

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        return self.fn(t)

    def __repr__(self) -> str:
        return f"f(x) = {self.formula}"


# Smooth elementwise functions whose first and second derivatives are not constant,
# so every case exercises both backward passes.
_FUNCTIONS = (
    _Named("sin(x)", torch.sin),
    _Named("tanh(x)", torch.tanh),
    _Named("x**3 - 2*x", lambda t: t**3 - 2 * t),
    _Named("exp(-x**2)", lambda t: torch.exp(-(t**2))),
)


def _points(n: int) -> torch.Tensor:
    return torch.linspace(-2.0, 2.0, n, dtype=torch.float64)  # (n,)


# ---------------------------------------------------------------- Exercise 2.1


def solution_ex2_1(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Hand-derived gradient of ``((torch.tanh(X @ w) - y) ** 2).mean()`` with respect to ``w``.

    ``X``: (N, D), ``y``: (N,), ``w``: (D,) -> (D,). The chain rule, one link per line.
    Introduced in: 02_autograd.ipynb
    """
    p = torch.tanh(X @ w)  # (N,) predictions
    dp = 2 / X.shape[0] * (p - y)  # dL/dp, (N,)
    dz = dp * (1 - p**2)  # dL/dz = dL/dp * dtanh(z)/dz, (N,)
    return X.T @ dz  # dL/dw: (D, N) @ (N,) -> (D,)


def _neuron_grad_by_autograd(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """What the learner's formula is compared with: autograd's gradient of the same loss."""
    w = w.detach().clone().requires_grad_(True)
    loss = ((torch.tanh(X @ w) - y) ** 2).mean()
    loss.backward()
    return w.grad


def _cases_ex2_1() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(21)
    cases = []
    for n, d in [(5, 3), (8, 1), (16, 4)]:
        X = torch.randn(n, d, generator=generator, dtype=torch.float64)
        y = torch.randn(n, generator=generator, dtype=torch.float64)
        w = torch.randn(d, generator=generator, dtype=torch.float64)
        cases.append((X, y, w))
    return cases


def check_ex2_1(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's hand-derived gradient of a tanh neuron's loss with autograd's, in float64.

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    return check_function(
        "Exercise 2.1 (neuron_grad)", learner_fn, _neuron_grad_by_autograd, _cases_ex2_1(),
        rtol=1e-7, atol=1e-9,
    )


# ---------------------------------------------------------------- Exercise 2.2


def solution_ex2_2(params: Sequence[torch.Tensor], lr: float) -> None:
    """One step of plain gradient descent, in place: ``p -= lr * p.grad``, then ``p.grad = None``.

    ``params``: leaf tensors with ``.grad`` filled by ``backward()``; any shapes.
    Returns nothing: like ``optimizer.step()`` + ``optimizer.zero_grad()``.
    Introduced in: 02_autograd.ipynb
    """
    with torch.no_grad():  # the update itself must not be recorded in the graph
        for p in params:
            p -= lr * p.grad
            p.grad = None


def _params_with_grads(generator: torch.Generator) -> list[torch.Tensor]:
    """A (3, 2) weight and a (3,) bias, as nn.Linear(2, 3) would have, with gradients filled."""
    params = [
        torch.randn(3, 2, generator=generator, dtype=torch.float64).requires_grad_(True),
        torch.randn(3, generator=generator, dtype=torch.float64).requires_grad_(True),
    ]
    for p in params:
        p.grad = torch.randn(p.shape, generator=generator, dtype=torch.float64)
    return params


def _judge_ex2_2(learner_fn: Callable[..., object]) -> Verdict:
    name = "Exercise 2.2 (sgd_step)"
    generator = torch.Generator().manual_seed(22)
    for lr in (0.1, 0.5):
        params = _params_with_grads(generator)
        before = [p.detach().clone() for p in params]
        grads = [p.grad.clone() for p in params]
        try:
            learner_fn(params, lr)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            hint = ""
            if "leaf Variable" in str(err):
                hint = " (wrap the update in `with torch.no_grad():`)"
            return Verdict(False, f"{FAIL} {name}: with lr={lr} your code raised {describe_error(err)}{hint}")
        for i, (p, b, g) in enumerate(zip(params, before, grads)):
            if torch.equal(p.detach(), b):
                return Verdict(False, (
                    f"{FAIL} {name}: with lr={lr} parameter {i} did not change: update it in place "
                    "(`p -= ...`); `p = p - ...` only rebinds the loop's name."
                ))
            # float64 parameters: only rounding may differ (1e-12), not a float32 detour (~1e-8)
            problem = first_difference(p.detach(), b - lr * g, rtol=1e-12, atol=1e-12)
            if problem:
                return Verdict(False, f"{FAIL} {name}: with lr={lr} parameter {i} after the step: {problem}.")
            if not p.requires_grad:
                return Verdict(False, f"{FAIL} {name}: parameter {i} no longer requires grad after the step.")
            if p.grad is not None and bool(p.grad.any()):
                return Verdict(False, (
                    f"{FAIL} {name}: parameter {i} still has its gradient after the step: set "
                    "`p.grad = None` so that the next backward() does not add to it."
                ))
    return Verdict(True, f"{PASS} {name}: updates every parameter in place and clears its gradient.")


def check_ex2_2(learner_fn: Callable[..., object]) -> Verdict:
    """Run the learner's ``sgd_step(params, lr)`` on parameters with known gradients.

    Checks, in order: no exception, each parameter changed in place by ``-lr * grad``,
    still requires grad, and ``.grad`` is None (or all zeros) afterwards. Prints one ✅/❌ line and
    returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    refused = not_a_function("Exercise 2.2 (sgd_step)", learner_fn)  # a Verdict is falsy when wrong
    verdict = refused if refused is not None else _judge_ex2_2(learner_fn)
    print(verdict.message)
    return verdict


# ---------------------------------------------------------------- Exercise 2.3


def solution_ex2_3(f: Elementwise, x: torch.Tensor) -> torch.Tensor:
    """f'(x) at every point of ``x`` for an elementwise ``f``, with one backward pass.

    ``x``: any shape -> same shape. ``x`` itself is left untouched (no grad is attached to it).
    Introduced in: 02_autograd.ipynb
    """
    x = x.detach().clone().requires_grad_(True)
    y = f(x)  # same shape as x: not a scalar, so backward needs a `gradient`
    y.backward(gradient=torch.ones_like(y))  # ones: each x_i only affects y_i, so we get dy_i/dx_i
    return x.grad


def check_ex2_3(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's ``derivative(f, x)`` with the reference on four functions.

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    cases = [(f, _points(9)) for f in _FUNCTIONS]
    return check_function("Exercise 2.3 (derivative)", learner_fn, solution_ex2_3, cases)


# ---------------------------------------------------------------- Exercise 2.4


def solution_ex2_4(f: Elementwise, x: torch.Tensor) -> torch.Tensor:
    """f''(x) at every point of ``x`` for an elementwise ``f``, with ``torch.autograd.grad`` twice.

    ``x``: any shape -> same shape. ``create_graph=True`` records the first derivative's
    own graph so that it can be differentiated again. Introduced in: 02_autograd.ipynb
    """
    x = x.detach().clone().requires_grad_(True)
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)  # f'(x), same shape as x
    (second,) = torch.autograd.grad(first.sum(), x)  # f''(x)
    return second


def check_ex2_4(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's ``second_derivative(f, x)`` with the reference on four functions.

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    cases = [(f, _points(9)) for f in _FUNCTIONS]
    return check_function("Exercise 2.4 (second_derivative)", learner_fn, solution_ex2_4, cases)
