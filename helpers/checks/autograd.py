"""Checkers and reference solutions for the exercises of 02_autograd.ipynb.

Each ``check_ex2_N(learner_fn)`` prints one ✅/❌ line and returns a
:class:`helpers.checks.Verdict`; ``solution_ex2_N`` is the reference answer that
the unit tests run through the same checker.

Each checker holds the learner to what the exercise text says, and names its usual mistakes:

- 2.1 (gradient by hand): autograd must record nothing while the learner's function runs (a
  ``backward()`` inside is refused, in words); a missing 1/N, 2 or sign is read off the numbers;
  the tanh link left out or taken at z is named; a finite-difference estimate fails the 12-digit
  tolerance and is named as such.
- 2.2 (an SGD step, in place): run on a real ``nn.Linear``'s parameters; rebinding list entries,
  ``.data =`` swaps, a missing or doubled ``lr``, a flipped sign, uncleared gradients are named.
- 2.3 / 2.4 (derivatives by autograd): ``f`` is instrumented, so finite differences (``f`` called
  on shifted points, or never on a tensor that requires grad) are named; ``.mean()`` is read off the
  numbers; the caller's ``x`` must not start recording; PyTorch's errors are translated for the
  mistake that caused them (no copy with ``requires_grad``, or no ``create_graph=True``).
  2.3 also counts the backward passes through f's output: one per point instead of one in all is named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Mistake,
    Verdict,
    _value_difference,
    argument_changes,
    describe_error,
    first_difference,
    judged,
    matching_mistake,
    measured_relation,
    snapshot_arguments,
    watching_global_state,
)

HINTS = {
    "2.1": (
        "A gradient by hand is the chain rule written as tensor code: keep every intermediate of the "
        "forward pass (z, then p), then walk back from L, multiplying one local derivative per link: "
        "dL/dp, then dL/dz, then dL/dw.",
        "Section 3's cell with `cmp` does it for linear regression: `dr = 2 / N * r`, then "
        "`dw = X.T @ dr`. Yours has one more link in between: tanh, whose local derivative is "
        "1 - p**2 (p = tanh(z), already computed).",
        "`p = torch.tanh(X @ w)`, `dp = ___ * (p - y)` (the mean's 1/N and the square's 2), "
        "`dz = dp * ___`, `return ___ @ dz` (shapes (D, N) @ (N,) -> (D,)).",
    ),
    "2.2": (
        "The model keeps references to its parameter tensors, so only a change made to those very "
        "tensors reaches it: `p -= ...` changes p itself; `p = p - ...` or `params[i] = ...` makes "
        "a new tensor that nobody else sees.",
        "Section 6 shows why the update needs `torch.no_grad()` (a leaf that requires grad refuses "
        "in-place changes while autograd records), and `fit_slope` in section 4 does exactly this "
        "update for one parameter.",
        "`with torch.no_grad():`, then `for p in params:`, `p ___ lr * p.grad` (in place), "
        "`p.grad = ___`; no return.",
    ),
    "2.3": (
        "For an elementwise f, y_i depends on x_i only, so the Jacobian is diagonal: one backward pass "
        "with a vector of ones picks out every f'(x_i) at once.",
        "Section 8's cell with `torch.ones_like(y)` does this for sin and gets cos; the exercise wraps "
        "it in a function that must leave the caller's x as it was.",
        "`x = x.___().clone().requires_grad_(True)`, `y = f(x)`, `y.backward(gradient=___)`, "
        "`return x.___`.",
    ),
    "2.4": (
        "A derivative computed with a recorded graph is itself a function of x that autograd can "
        "differentiate: differentiate once keeping the record, then differentiate that result.",
        "Section 9's first cell does it for x**3 at one point: `create_graph=True` on the first "
        "`torch.autograd.grad`, then a second call on `dy_dx`. For many points, sum before each call "
        "(f is elementwise).",
        "`x = x.detach().clone().requires_grad_(True)`, "
        "`(first,) = torch.autograd.grad(f(x).___(), x, create_graph=___)`, "
        "`(second,) = torch.autograd.grad(first.___(), x)`, `return second`.",
    ),
}

Elementwise = Callable[[torch.Tensor], torch.Tensor]
#: float64 results of an exact formula (or of autograd) agree with the reference to ~15 digits;
#: a finite-difference estimate agrees to 12 at best (Richardson: ~1e-11 relative, measured).
RTOL, ATOL = 1e-12, 1e-14


@dataclass(frozen=True)
class _Named:
    """An elementwise function that prints as its formula, so a verdict can say which one failed."""

    formula: str
    fn: Elementwise

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        return self.fn(t)

    def __repr__(self) -> str:
        return f"f(x) = {self.formula}"


@dataclass
class _Recorded:
    """``f`` handed to the learner: it computes f and notes how it was called.

    ``calls``: one (input requires grad, input equals the checker's x) pair per call. Finite
    differences call f on shifted points and never on a tensor that requires grad.
    """

    f: _Named
    x: torch.Tensor
    calls: list[tuple[bool, bool]] = field(default_factory=list)
    passes: int = 0  # backward passes that went through an output of f (its node's pre-hook counts them)

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        # float32 rounding of x (~6e-8 relative) is still x; a finite difference's x ± h is not
        same = (isinstance(t, torch.Tensor) and t.shape == self.x.shape
                and torch.allclose(t.detach().double(), self.x, rtol=1e-7, atol=0.0))
        self.calls.append((bool(getattr(t, "requires_grad", False)), same))
        out = self.f(t)
        if isinstance(out, torch.Tensor) and out.grad_fn is not None:
            out.grad_fn.register_prehook(self._count_pass)
        return out

    def _count_pass(self, grad_outputs: Any) -> None:
        self.passes += 1

    def __repr__(self) -> str:
        return repr(self.f)

    @property
    def recorded(self) -> bool:
        """Whether f was called on a tensor that requires grad: autograd could differentiate it."""
        return any(requires_grad for requires_grad, _ in self.calls)

    @property
    def shifted(self) -> bool:
        """Whether f was called on points other than x: the mark of a finite difference."""
        return any(not same for _, same in self.calls)


# Smooth elementwise functions whose first and second derivatives are not constant,
# so every case exercises both backward passes.
_FUNCTIONS = (
    _Named("sin(x)", torch.sin),
    _Named("tanh(x)", torch.tanh),
    _Named("x**3 - 2*x", lambda t: t**3 - 2 * t),
    _Named("exp(-x**2)", lambda t: torch.exp(-(t**2))),
)
#: "any shape", as the exercises say: a vector first (N = 9), then a scalar, a matrix, a 3-d tensor.
_SHAPES = ((9,), (), (3, 4), (2, 3, 2))


def _points(shape: int | tuple[int, ...]) -> torch.Tensor:
    """Distinct float64 points in [-2, 2] of the given shape (an int n means (n,))."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    n = math.prod(shape)
    values = torch.linspace(-2.0, 2.0, n, dtype=torch.float64) if n > 1 else torch.tensor([0.7], dtype=torch.float64)
    return values.reshape(shape)


def _derivative_cases() -> list[tuple[_Named, torch.Tensor]]:
    return [(f, _points(shape)) for shape in _SHAPES for f in _FUNCTIONS]


def _digits(got: torch.Tensor, want: torch.Tensor) -> float | None:
    """About how many significant digits ``got`` shares with ``want`` (None if not close at all)."""
    g, w = got.detach().double(), want.detach().double()
    if g.shape != w.shape or not torch.isfinite(g).all():
        return None
    scale = max(w.abs().max().item(), 1e-300)
    error = (g - w).abs().max().item() / scale
    return None if error == 0 or error > 1e-4 else -math.log10(error)


def _near_miss(got: Any, want: torch.Tensor, what: str) -> str | None:
    """The values' difference and how many digits agree, for a close but inexact result; else None.

    Close means within 1e-4 relative: what a finite-difference estimate or a float32 step gives. Its
    "offset" or "factor" (what :func:`measured_relation` would read) is noise, so it is not said.
    """
    if not isinstance(got, torch.Tensor) or got.shape != want.shape or got.dtype != want.dtype:
        return None
    digits = _digits(got, want)
    if digits is None:
        return None
    return (f"{_value_difference(got, want)}: it agrees with {what} to only about {digits:.0f} significant "
            "digits, where an exact computation in float64 agrees to about 15. A finite-difference estimate, "
            "or a step done in float32, lands here")


def _call(name: str, learner_fn: Callable[..., Any], args: Sequence[Any], where: str,
          errors: Callable[[], Sequence[tuple[str, str]]] = tuple) -> tuple[Any, Verdict | None, list[str]]:
    """Call the learner's function watching global state: (result, failing Verdict or None, state changes).

    ``errors`` is called only when the learner's code raised: which translation fits may depend on
    what the code did before it raised (e.g. whether it called f on a tensor that requires grad).
    """
    changes: list[str] = []
    with watching_global_state(changes):
        try:
            return learner_fn(*args), None, changes
        except NotImplementedError:
            return None, Verdict(False, f"{FAIL} {name}: {NOT_DONE}"), changes
        except Exception as err:  # a learner's bug, reported in one line
            at = f"{where} " if where else ""
            return None, Verdict(False, f"{FAIL} {name}: {at}your code raised {describe_error(err, errors())}"), changes


def _fail(name: str, text: str) -> Verdict:
    return Verdict(False, f"{FAIL} {name}: {text}")


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


MISTAKES_EX2_1 = (
    Mistake("the tanh link left out",
            lambda X, y, w: X.T @ (2 / X.shape[0] * (torch.tanh(X @ w) - y)),
            "the tanh link is missing: between dL/dp and dL/dz multiply by tanh'(z) = 1 - p**2, the local "
            "derivative of p = tanh(z) (hint(\"2.1\", 2))."),
    Mistake("tanh' taken at z",
            lambda X, y, w: X.T @ (2 / X.shape[0] * (torch.tanh(X @ w) - y) * (1 - (X @ w) ** 2)),
            "you multiplied by 1 - z**2, but tanh'(z) = 1 - tanh(z)**2 = 1 - p**2: the square of the tanh's "
            "output, not of its input (hint(\"2.1\", 2))."),
)

_BY_HAND = ("the exercise asks for the gradient by hand, and your function asked autograd for it{how}: "
            "write the chain rule with tensor operations (z, p, then dL/dp, dL/dz, dL/dw), with no "
            "`requires_grad`, `backward()` or `torch.autograd.grad` (hint(\"2.1\"))")

_ERRORS_EX2_1 = (
    (r"size mismatch, got input \(\d+\), mat \(\d+x\d+\), vec \(\d+\)",
     "a matrix-vector product whose sizes do not fit: the last link is `X.T @ dz`, (D, N) @ (N,) -> (D,); "
     "`X @ dz` would be (N, D) @ (N,)"),
    (r"don't yet support saved tensor hooks", _BY_HAND.format(how=" (torch.func)")),
)


def _factors_ex2_1(n: int) -> dict[float, str]:
    return {
        float(n): (f"the 1/N of the mean is missing (N = {n} here): L averages over the N rows, so "
                   "dL/dp = 2/N * (p - y)"),
        0.5: "the 2 from the derivative of the square is missing: d(p - y)**2/dp = 2 * (p - y)",
        n / 2: f"both the 2 of the square and the 1/N of the mean are missing (N = {n} here)",
        -1.0: "dL/dp = 2/N * (p - y), not (y - p)",
    }


def _judge_ex2_1(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    cases = _cases_ex2_1()
    for i, (X, y, w) in enumerate(cases, start=1):
        want = _neuron_grad_by_autograd(X, y, w)
        where = f"on input {i} (X of shape {tuple(X.shape)}, y of shape {tuple(y.shape)}, w of shape {tuple(w.shape)})"
        theirs = (X.clone(), y.clone(), w.clone())
        before = snapshot_arguments(theirs)
        saved: list[tuple[int, ...]] = []

        def pack(t: torch.Tensor) -> torch.Tensor:
            saved.append(tuple(t.shape))
            return t

        # Autograd watching: every tensor it saves for a backward pass passes through `pack`.
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            got, failed, changes = _call(name, learner_fn, theirs, where, lambda: _ERRORS_EX2_1)
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"{where} {changes[0]}.")
        if saved or (isinstance(got, torch.Tensor) and got.requires_grad):
            return _fail(name, f"{where} " + _BY_HAND.format(how=f" (autograd recorded {len(saved)} tensors for a "
                                                                 "backward pass while it ran)") + ".")
        problem = first_difference(got, want, RTOL, ATOL, _factors_ex2_1(X.shape[0]))
        if problem:
            mistake = matching_mistake(got, (X, y, w), MISTAKES_EX2_1, RTOL, ATOL)
            if mistake is not None:
                return _fail(name, f"{where} {mistake.message}")
            return _fail(name, f"{where} {_near_miss(got, want, 'the exact gradient') or problem}.")
        changed = argument_changes(theirs, before, ("X", "y", "w"))
        if changed:
            return _fail(name, f"{where} {changed}.")
    return Verdict(True, f"{PASS} {name}: matches autograd to 12 significant digits on all {len(cases)} "
                         "inputs, computed by hand.")


def check_ex2_1(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's hand-derived gradient of a tanh neuron's loss with autograd's, in float64.

    The learner's function runs with autograd watching (``saved_tensors_hooks``): if it records
    anything, it did not compute by hand. Prints one ✅/❌ line and returns the Verdict.
    Introduced in: 02_autograd.ipynb
    """
    return judged("Exercise 2.1 (neuron_grad)", learner_fn, _judge_ex2_1)


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


def _linear_with_grads(seed: int) -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    """A float64 nn.Linear(2, 3) after one backward() of an MSE loss: its .grad are filled, as in training."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # nn.Linear's own init draws from the global generator
        model = nn.Linear(2, 3, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64))
    X = torch.randn(4, 2, generator=generator, dtype=torch.float64)  # (4, 2)
    y = torch.randn(4, 3, generator=generator, dtype=torch.float64)  # (4, 3)
    ((model(X) - y) ** 2).mean().backward()
    return model, X, y


_ERRORS_EX2_2 = (
    (r"a (view of a )?leaf Variable that requires grad is being used in an in-place operation",
     "autograd refuses to change a leaf that requires grad in place while it records (section 6): do the "
     "update inside `with torch.no_grad():`"),
    (r"unsupported operand type\(s\) for \*: 'float' and 'NoneType'",
     "a `.grad` is None: every parameter's .grad is filled when your function is called, so this one was read "
     "after you cleared it (or belongs to another tensor); use each p's own p.grad, then set it to None"),
)


def _factors_ex2_2(lr: float) -> dict[float, str]:
    return {
        -1.0: "the step went uphill: the update is p - lr * grad, not p + lr * grad",
        1 / lr: f"is lr missing? The step is lr × grad (lr = {lr} here), not the gradient itself",
        lr: f"lr is applied twice: the step is lr × grad (lr = {lr} here), not lr² × grad",
    }


def _judge_ex2_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for seed, lr in ((22, 0.1), (23, 0.5)):
        model, X, y = _linear_with_grads(seed)
        params = list(model.parameters())  # what the learner gets: [weight (3, 2), bias (3,)]
        originals = list(params)
        memory = [p.data_ptr() for p in params]
        before = [p.detach().clone() for p in params]
        grads = [p.grad.clone() for p in params]
        where = f"with lr={lr} (an nn.Linear(2, 3)'s [weight, bias])"
        _, failed, changes = _call(name, learner_fn, (params, lr), where, lambda: _ERRORS_EX2_2)
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"{where} {changes[0]}.")
        replaced = [i for i, (p, q) in enumerate(zip(params, originals)) if p is not q]
        if len(params) != len(originals) or replaced:
            i = replaced[0] if replaced else len(params)
            return _fail(name, (
                f"{where} entry {i} of `params` is now another tensor: `params[i] = ...` fills the list's slot "
                "with a new tensor, while the model still holds the old one, whose values never changed and "
                "whose .grad was never cleared. Change each tensor itself, in place: `p -= lr * p.grad` inside "
                "`with torch.no_grad():` (section 6)."))
        for i, (p, start, g, ptr) in enumerate(zip(originals, before, grads, memory)):
            if torch.equal(p.detach(), start):
                return _fail(name, (
                    f"{where} parameter {i} did not change: it holds the values it had before the call. Update it "
                    "in place (`p -= ...`); `p = p - ...` only rebinds the loop's name to a new tensor."))
            problem = first_difference(p.detach(), start - lr * g, rtol=RTOL, atol=RTOL)
            if problem:
                relation = measured_relation(p.detach() - start, -lr * g, _factors_ex2_2(lr))
                said = f": the change you made is {relation}" if relation else ""
                return _fail(name, f"{where} parameter {i} after the step: {problem}{said}.")
            if p.data_ptr() != ptr:
                return _fail(name, (
                    f"{where} parameter {i} has the right values but in new memory: `p.data = ...` swaps the "
                    "tensor's storage instead of changing its values in place (and bypasses autograd's "
                    "checks); write `p -= lr * p.grad` inside `with torch.no_grad():`."))
            if not p.requires_grad:
                return _fail(name, (
                    f"{where} parameter {i} no longer requires grad after the step, so the next backward() "
                    "would give it no gradient: leave requires_grad alone; `torch.no_grad()` switches "
                    "recording off for the update only."))
            if p.grad is not None and bool(p.grad.any()):
                return _fail(name, (
                    f"{where} parameter {i} still has its gradient after the step: set `p.grad = None` so "
                    "that the next backward() does not add to it (section 4)."))
    return Verdict(True, f"{PASS} {name}: updates every parameter of the model in place and clears its gradient.")


def check_ex2_2(learner_fn: Callable[..., object]) -> Verdict:
    """Run the learner's ``sgd_step(params, lr)`` on a real ``nn.Linear``'s parameters after backward().

    Checks, in order: no exception and no global setting left changed; the list still holds the
    model's own tensors; each changed in place (same memory) by exactly ``-lr * grad``; still
    requires grad; ``.grad`` is None (or all zeros) afterwards. Prints one ✅/❌
    line and returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    return judged("Exercise 2.2 (sgd_step)", learner_fn, _judge_ex2_2)


# ---------------------------------------------------------------- Exercises 2.3 and 2.4: shared


def _where(f: _Named, x: torch.Tensor) -> str:
    return f"on {f!r} with x of shape {tuple(x.shape)}"


def _copy_changed(x_now: torch.Tensor, snapshot: Any, exercise: str) -> str | None:
    """What the learner did to the caller's x, in words, or None."""
    changed = argument_changes([x_now], [snapshot], ["x"])
    if changed is None:
        return None
    if x_now.requires_grad:
        return ("you switched on requires_grad on the caller's x: from now on x records, and every call adds into "
                "x.grad, so a second call would return 2·f'(x). Work on a copy: "
                f"`x = x.detach().clone().requires_grad_(True)` (hint(\"{exercise}\", 3))")
    return changed


def _not_autograd(recorder: _Recorded, exercise: str) -> str | None:
    """The finite-difference message when f was never evaluated where autograd could follow it."""
    if recorder.recorded:
        return None
    if recorder.shifted or len(recorder.calls) > 1:
        shifted = " at shifted points (x ± h)" if recorder.shifted else ""
        how = f"you evaluated f {len(recorder.calls)} times{shifted}"
        return (f"{how} and never on a tensor that requires grad: that is a finite-difference estimate, off "
                "by its step size, and the exercise asks for autograd's exact derivative. Call f once on a copy "
                f"of x made with `requires_grad_(True)` (hint(\"{exercise}\", 3))")
    return ("f was never called on a tensor that requires grad, so autograd had nothing to differentiate: call "
            f"f on a copy of x made with `requires_grad_(True)` (hint(\"{exercise}\", 3))")


def _judge_derivative(name: str, learner_fn: Callable[..., Any], exercise: str,
                      reference: Callable[[Elementwise, torch.Tensor], torch.Tensor],
                      errors: Callable[[_Recorded], Sequence[tuple[str, str]]],
                      factors: Callable[[int], dict[float, str]], mistakes: Sequence[Mistake],
                      extra: Callable[[_Recorded], str | None]) -> Verdict:
    cases = _derivative_cases()
    for f, x in cases:
        want = reference(f, x)
        where = _where(f, x)
        theirs = x.clone()
        before = snapshot_arguments([theirs])[0]
        recorder = _Recorded(f, x)
        got, failed, changes = _call(name, learner_fn, (recorder, theirs), where, lambda: errors(recorder))
        if failed is not None:
            return failed
        if changes:
            return _fail(name, f"{where} {changes[0]}.")
        changed = _copy_changed(theirs, before, exercise)
        if changed:
            return _fail(name, f"{where} {changed}.")
        if got is None:
            return _fail(name, f"{where} it returned None (is the `return` missing?).")
        not_autograd = _not_autograd(recorder, exercise) or extra(recorder)
        if not_autograd:
            return _fail(name, f"{where} {not_autograd}.")
        problem = first_difference(got, want, RTOL, ATOL, factors(x.numel()))
        if problem:
            mistake = matching_mistake(got, (f, x), mistakes, RTOL, ATOL)
            if mistake is not None:
                return _fail(name, f"{where} {mistake.message}")
            return _fail(name, f"{where} {_near_miss(got, want, 'the exact derivative') or problem}.")
        second = _Recorded(f, x)
        again, failed, changes = _call(name, learner_fn, (second, theirs), f"{where}, called a second time,",
                                       lambda: errors(second))
        if failed is not None:
            return failed
        if changes or first_difference(again, want, RTOL, ATOL) is not None:
            return _fail(name, f"{where} a second call on the same x returned something else: does your function "
                               "keep state between calls, or change x?")
    return Verdict(True, f"{PASS} {name}: exact on all {len(cases)} inputs ({len(_FUNCTIONS)} functions, "
                         f"shapes {', '.join(str(s) for s in _SHAPES)}), and x left as it was.")


def _mean_factors(levels: int) -> Callable[[int], dict[float, str]]:
    def factors(n: int) -> dict[float, str]:
        found = {1 / n: (f"is it `.mean()` where `.sum()` belongs? The mean divides by N = {n} (the number of "
                         "points here), so every derivative comes out N times too small")}
        if levels == 2 and n > 1:
            found[1 / n**2] = (f"`.mean()` in both calls? Each divides by N = {n}, so every second derivative "
                               "comes out N² times too small")
        return found
    return factors


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


def _errors_ex2_3(recorder: _Recorded) -> tuple[tuple[str, str], ...]:
    copy = ("f(x) was computed from an x that does not require grad, so nothing was recorded to differentiate: "
            "work on a copy made with `x.detach().clone().requires_grad_(True)` and call f on that copy")
    return (
        (r"element 0 of tensors does not require grad", copy if not recorder.recorded else (
            "the tensor you call backward() on was not computed from the copy that requires grad: call f on "
            "that copy")),
        (r"grad can be implicitly created only for scalar outputs", (
            "f(x) has x's shape, not one number: `backward()` needs `gradient=torch.ones_like(y)` (section 8)")),
        (r"can't retain_grad on Tensor that has requires_grad=False|does not require grad and does not have a grad_fn",
         copy),
    )


MISTAKES_EX2_3 = (
    Mistake("f(x) itself", lambda f, x: f(x.detach()),
            "these are the values f(x), not its derivative: return `x.grad` after the backward pass."),
)


def check_ex2_3(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's ``derivative(f, x)`` with the reference on 4 functions × 4 shapes (0-d to 3-d).

    ``f`` is instrumented: a function that never calls it on a tensor that requires grad, or calls it
    on shifted points, is estimating, not using autograd. Prints one ✅/❌ line and returns the
    Verdict. Introduced in: 02_autograd.ipynb
    """
    return judged("Exercise 2.3 (derivative)", learner_fn, lambda name, fn: _judge_derivative(
        name, fn, "2.3", solution_ex2_3, _errors_ex2_3, _mean_factors(1), MISTAKES_EX2_3, _passes_ex2_3))


def _passes_ex2_3(recorder: _Recorded) -> str | None:
    """The named mistake when the derivative took more than the one backward pass the exercise asks for."""
    if recorder.passes <= 1:
        return None
    return (f"your code ran {recorder.passes} backward passes through f's output (one per point?), and the "
            "exercise asks for one: f is elementwise, so one pass with a vector of ones, "
            "`backward(gradient=torch.ones_like(y))`, gives every f'(x_i) at once (section 8)")


# ---------------------------------------------------------------- Exercise 2.4


def solution_ex2_4(f: Elementwise, x: torch.Tensor) -> torch.Tensor:
    """f''(x) at every point of ``x`` for an elementwise ``f``, with ``torch.autograd.grad`` twice.

    ``x``: any shape -> same shape; the caller's ``x`` is left untouched (a copy records).
    ``create_graph=True`` records the first derivative's own graph so that it can be
    differentiated again. Introduced in: 02_autograd.ipynb
    """
    x = x.detach().clone().requires_grad_(True)
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)  # f'(x), same shape as x
    (second,) = torch.autograd.grad(first.sum(), x)  # f''(x)
    return second


def _errors_ex2_4(recorder: _Recorded) -> tuple[tuple[str, str], ...]:
    if recorder.recorded:  # f ran on a copy that records: the second call is what failed
        meaning = ("the first derivative was computed without recording its own graph, so it cannot be "
                   "differentiated again: pass `create_graph=True` to the first `torch.autograd.grad` call "
                   "(section 9)")
    else:
        meaning = ("f(x) was computed from an x that does not require grad: work on a copy made with "
                   "`x.detach().clone().requires_grad_(True)` and call f on that copy")
    return (
        (r"element 0 of tensors does not require grad", meaning),
        (r"grad can be implicitly created only for scalar outputs", (
            "`torch.autograd.grad` needs one number to differentiate: pass `f(x).sum()` (f is elementwise, "
            "so the sum's gradient holds every f'(x_i)), or `grad_outputs=torch.ones_like(...)`")),
    )


MISTAKES_EX2_4 = (
    Mistake("the first derivative", lambda f, x: solution_ex2_3(f, x),
            "these are f'(x), the first derivative: differentiate it once more, with a second "
            "`torch.autograd.grad` call on `first.sum()`."),
)


def _shifted_ex2_4(recorder: _Recorded) -> str | None:
    if recorder.shifted:
        return ("you evaluated f at points other than x (x ± h): a difference of derivatives is an estimate, off "
                "by its step size; differentiate the first derivative itself, with `create_graph=True` "
                "(hint(\"2.4\", 2))")
    return None


def check_ex2_4(learner_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Compare the learner's ``second_derivative(f, x)`` with the reference on 4 functions × 4 shapes.

    ``f`` is instrumented as in 2.3; a difference of two derivatives (f called at x + h) is named.
    Prints one ✅/❌ line and returns the Verdict. Introduced in: 02_autograd.ipynb
    """
    return judged("Exercise 2.4 (second_derivative)", learner_fn, lambda name, fn: _judge_derivative(
        name, fn, "2.4", solution_ex2_4, _errors_ex2_4, _mean_factors(2), MISTAKES_EX2_4, _shifted_ex2_4))
