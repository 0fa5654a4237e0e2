"""Checkers and reference solutions for the exercises of 05_optimizers.ipynb.

Each ``check_ex5_N(learner_fn)`` prints one ✅/❌ line and returns a
:class:`helpers.checks.Verdict`; ``solution_ex5_N`` is the reference answer that the
unit tests run through the same checker. The checkers compare with PyTorch itself:
``torch.optim.SGD``, ``torch.optim.Adam`` and ``torch.optim.lr_scheduler.CosineAnnealingLR``
run on the same numbers, step after step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, describe_error, first_difference, not_a_function

# float64 everywhere: the only differences left between a right answer and torch's are rounding.
_RTOL, _ATOL = 1e-9, 1e-12
_STEPS = 6  # steps per case: enough for a forgotten state update or bias correction to show


def _gradients(seed: int, shape: tuple[int, ...], scale: float) -> list[torch.Tensor]:
    """``_STEPS`` fixed gradients of ``shape`` (float64), as backward() would have filled them."""
    generator = torch.Generator().manual_seed(seed)
    return [scale * torch.randn(shape, generator=generator, dtype=torch.float64) for _ in range(_STEPS)]


def _start(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed + 1000)
    return torch.randn(shape, generator=generator, dtype=torch.float64)


def _torch_trajectory(make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
                      p0: torch.Tensor, grads: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The parameter after every step of a torch optimizer fed the given gradients."""
    p = p0.clone().requires_grad_(True)
    optimizer = make_optimizer([p])
    after = []
    for g in grads:
        p.grad = g.clone()
        optimizer.step()
        after.append(p.detach().clone())
    return after


def _run_steps(name: str, step: Callable[[int, Any], Any], num_steps: int, case: str,
               want: Sequence[torch.Tensor]) -> Verdict | None:
    """Call ``step(t, state)`` for t = 1..num_steps, comparing its parameter with ``want[t-1]``.

    ``step`` returns (parameter, new state). A failing Verdict at the first problem, else None.
    """
    state = None
    for t in range(1, num_steps + 1):
        try:
            p, state = step(t, state)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except _WrongReturn as err:
            return Verdict(False, f"{FAIL} {name}: {case}, step {t}: {err}.")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {case}, step {t}: your code raised {describe_error(err)}")
        problem = first_difference(p, want[t - 1], _RTOL, _ATOL)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {case}, the parameter after step {t}: {problem}.")
    return None


class _WrongReturn(Exception):
    """The learner's function returned something else than the tuple asked for."""


def _unpack(result: Any, count: int, what: str) -> tuple:
    """The learner's tuple, or _WrongReturn saying what was expected."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        if result is None:
            got = "None (is the `return` missing?)"
        elif isinstance(result, (tuple, list)):
            got = f"a {type(result).__name__} of {len(result)} items"
        else:
            got = f"a {type(result).__name__}"
        raise _WrongReturn(f"it returned {got}, expected the tuple {what}")
    return tuple(result)


# ---------------------------------------------------------------- Exercise 5.1


def solution_ex5_1(p: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor, lr: float,
                   momentum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of SGD with momentum, as ``torch.optim.SGD(..., momentum=momentum)`` does it.

    ``p``, ``grad``, ``velocity``: same shape (velocity starts at zeros). Returns the new
    ``(p, velocity)``: ``velocity = momentum * velocity + grad``, ``p = p - lr * velocity``.
    Introduced in: 05_optimizers.ipynb
    """
    velocity = momentum * velocity + grad  # a running sum of past gradients, older ones shrunk
    return p - lr * velocity, velocity


_CASES_EX5_1 = [  # (seed, shape, gradient scale, lr, momentum)
    (51, (3,), 1.0, 0.1, 0.9),
    (52, (2, 3), 0.5, 0.05, 0.5),
    (53, (4,), 2.0, 0.01, 0.99),
]


def _judge_ex5_1(learner_fn: Callable[..., Any]) -> Verdict:
    name = "Exercise 5.1 (momentum_step)"
    for seed, shape, scale, lr, momentum in _CASES_EX5_1:
        p0, grads = _start(seed, shape), _gradients(seed, shape, scale)
        want = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum), p0, grads)

        def step(t: int, state: Any) -> tuple[torch.Tensor, Any]:
            p, velocity = state or (p0.clone(), torch.zeros_like(p0))
            p, velocity = _unpack(learner_fn(p, grads[t - 1].clone(), velocity, lr, momentum), 2,
                                  "(p, velocity)")
            return p, (p, velocity)

        case = f"with lr={lr}, momentum={momentum} (shape {shape})"
        verdict = _run_steps(name, step, _STEPS, case, want)
        if verdict is not None:  # a failing Verdict is falsy
            return verdict
    return Verdict(True, (
        f"{PASS} {name}: {_STEPS} steps match torch.optim.SGD with momentum in all {len(_CASES_EX5_1)} cases."
    ))


def check_ex5_1(learner_fn: Callable[..., Any]) -> Verdict:
    """Run the learner's ``momentum_step`` for several steps beside ``torch.optim.SGD(momentum=...)``.

    The same start and the same gradients go to both; the parameter is compared after every
    step (float64). Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    refused = not_a_function("Exercise 5.1 (momentum_step)", learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else _judge_ex5_1(learner_fn)
    print(verdict.message)
    return verdict


# ---------------------------------------------------------------- Exercise 5.2


def solution_ex5_2(p: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
                   lr: float, betas: tuple[float, float], eps: float
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Step ``t`` (1, 2, ...) of Adam, as ``torch.optim.Adam(..., lr, betas, eps)`` does it.

    ``p``, ``grad``, ``m``, ``v``: same shape (``m`` and ``v`` start at zeros). Returns the new
    ``(p, m, v)``. Introduced in: 05_optimizers.ipynb
    """
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * grad  # running mean of the gradients
    v = beta2 * v + (1 - beta2) * grad**2  # running mean of their squares
    m_hat = m / (1 - beta1**t)  # bias correction: m and v start at 0, so early means are too small
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


_CASES_EX5_2 = [  # (seed, shape, gradient scale, lr, betas, eps)
    (61, (3,), 1.0, 0.1, (0.9, 0.999), 1e-8),
    (62, (2, 3), 1e-6, 1e-3, (0.9, 0.999), 1e-8),  # tiny gradients: where eps goes matters
    (63, (4,), 3.0, 0.01, (0.8, 0.99), 1e-3),
]


def _judge_ex5_2(learner_fn: Callable[..., Any]) -> Verdict:
    name = "Exercise 5.2 (adam_step)"
    for seed, shape, scale, lr, betas, eps in _CASES_EX5_2:
        p0, grads = _start(seed, shape), _gradients(seed, shape, scale)
        want = _torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps), p0, grads)

        def step(t: int, state: Any) -> tuple[torch.Tensor, Any]:
            p, m, v = state or (p0.clone(), torch.zeros_like(p0), torch.zeros_like(p0))
            p, m, v = _unpack(learner_fn(p, grads[t - 1].clone(), m, v, t, lr, betas, eps), 3, "(p, m, v)")
            return p, (p, m, v)

        case = f"with lr={lr}, betas={betas}, eps={eps}, gradients about {scale:g} (shape {shape})"
        verdict = _run_steps(name, step, _STEPS, case, want)
        if verdict is not None:  # a failing Verdict is falsy
            return verdict
    return Verdict(True, (
        f"{PASS} {name}: {_STEPS} steps match torch.optim.Adam in all {len(_CASES_EX5_2)} cases."
    ))


def check_ex5_2(learner_fn: Callable[..., Any]) -> Verdict:
    """Run the learner's ``adam_step`` for several steps beside ``torch.optim.Adam``.

    The same start and the same gradients go to both; the parameter is compared after every
    step (float64), including a case with tiny gradients where the place of ``eps`` shows.
    Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    refused = not_a_function("Exercise 5.2 (adam_step)", learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else _judge_ex5_2(learner_fn)
    print(verdict.message)
    return verdict


# ---------------------------------------------------------------- Exercise 5.3


def solution_ex5_3(step: int, total_steps: int, base_lr: float, min_lr: float) -> float:
    """The learning rate of cosine annealing at ``step`` (0 .. total_steps).

    Falls from ``base_lr`` at step 0 to ``min_lr`` at ``total_steps`` along half a cosine,
    as ``CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=min_lr)`` with an optimizer
    of learning rate ``base_lr``. Introduced in: 05_optimizers.ipynb
    """
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2


def _torch_cosine(total_steps: int, base_lr: float, min_lr: float) -> list[float]:
    """``get_last_lr()`` of CosineAnnealingLR at steps 0 .. total_steps."""
    probe = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(probe, T_max=total_steps, eta_min=min_lr)
    lrs = []
    for _ in range(total_steps + 1):
        lrs.append(schedule.get_last_lr()[0])
        probe.step()  # no gradients: changes nothing, but the scheduler expects a step first
        schedule.step()
    return lrs


_CASES_EX5_3 = [(10, 0.1, 0.0), (37, 1e-3, 1e-5), (100, 0.5, 0.05)]  # (total_steps, base_lr, min_lr)


def _judge_ex5_3(learner_fn: Callable[..., Any]) -> Verdict:
    name = "Exercise 5.3 (cosine_lr)"
    for total_steps, base_lr, min_lr in _CASES_EX5_3:
        want = _torch_cosine(total_steps, base_lr, min_lr)
        case = f"total_steps={total_steps}, base_lr={base_lr}, min_lr={min_lr}"
        for step in range(total_steps + 1):
            try:
                got = learner_fn(step, total_steps, base_lr, min_lr)
            except NotImplementedError:
                return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
            except Exception as err:  # a learner's bug, reported in one line
                return Verdict(False, f"{FAIL} {name}: with {case}, step {step}: your code raised {describe_error(err)}")
            if isinstance(got, torch.Tensor) and got.numel() == 1:
                if got.dtype != torch.float64:
                    return Verdict(False, (
                        f"{FAIL} {name}: with {case}, step {step}: it returned a {got.dtype} tensor, which "
                        "keeps only about 7 digits: return a Python float (math.cos, not torch.cos)."
                    ))
                got = got.item()
            if not isinstance(got, (int, float)) or isinstance(got, bool):
                return Verdict(False, (
                    f"{FAIL} {name}: with {case}, step {step}: it returned "
                    f"{'None (is the `return` missing?)' if got is None else 'a ' + type(got).__name__}, "
                    "expected a number."
                ))
            if not math.isclose(got, want[step], rel_tol=_RTOL, abs_tol=_ATOL):
                return Verdict(False, (
                    f"{FAIL} {name}: with {case}, step {step}: got {got:.10g}, CosineAnnealingLR "
                    f"gives {want[step]:.10g}."
                ))
    return Verdict(True, (
        f"{PASS} {name}: matches CosineAnnealingLR's get_last_lr() at every step of "
        f"{len(_CASES_EX5_3)} schedules."
    ))


def check_ex5_3(learner_fn: Callable[..., Any]) -> Verdict:
    """Compare the learner's ``cosine_lr(step, total_steps, base_lr, min_lr)`` with PyTorch's
    ``CosineAnnealingLR`` at every step 0 .. total_steps of three schedules.

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    refused = not_a_function("Exercise 5.3 (cosine_lr)", learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else _judge_ex5_3(learner_fn)
    print(verdict.message)
    return verdict


HINTS = {
    "5.1": (
        "Momentum keeps a velocity: a running sum of past gradients in which each old gradient "
        "is multiplied by `momentum` once per step. The step moves p along the velocity, not along "
        "the gradient.",
        "First the velocity: `velocity = momentum * velocity + grad`. Then the parameter: "
        "`p = p - lr * velocity`. Return both, new values: `return p, velocity`.",
    ),
    "5.2": (
        "Adam keeps two running means: `m` of the gradients (weight beta1 on the old value) and "
        "`v` of the squared gradients (beta2). Each is `beta * old + (1 - beta) * new`.",
        "Both means start at 0, so early on they are too small: divide by `1 - beta1**t` and "
        "`1 - beta2**t` (t counts from 1) to get m_hat and v_hat.",
        "`p = p - lr * m_hat / (v_hat.sqrt() + eps)`: eps goes outside the square root. "
        "Return `p, m, v` (the uncorrected m and v: they are the state of the next step).",
    ),
    "5.3": (
        "The schedule is half a cosine wave: cos goes from 1 to -1 as its argument goes from 0 "
        "to pi, so use `math.cos(math.pi * step / total_steps)`.",
        "Map cos's range [-1, 1] onto [min_lr, base_lr]: `(1 + cos) / 2` goes from 1 to 0; "
        "`min_lr + (base_lr - min_lr) * (1 + cos) / 2`.",
    ),
}
