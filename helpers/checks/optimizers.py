"""Checkers and reference solutions for the exercises of 05_optimizers.ipynb.

Each ``check_ex5_N(learner_fn)`` prints one ✅/❌ line and returns a
:class:`helpers.checks.Verdict`; ``solution_ex5_N`` is the reference answer that the
unit tests run through the same checker. The checkers compare with PyTorch itself:
``torch.optim.SGD``, ``torch.optim.Adam`` and ``torch.optim.lr_scheduler.CosineAnnealingLR``
run on the same numbers, step after step. Each knows its exercise's usual mistakes by name
(the ``_MISTAKES_*`` tables): a wrong answer that behaves like one of them is told which.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Verdict,
    call_watched,
    describe_error,
    first_difference,
    judged,
    measured_relation,
    watching_global_state,
    wrong_type,
)

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


def _same(a: Any, b: Any) -> bool:
    """Equal within the checkers' float64 tolerance, NaN matching NaN (a mistake that makes NaN is that mistake)."""
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and a.dtype == b.dtype and torch.allclose(a, b, rtol=_RTOL, atol=_ATOL, equal_nan=True))


def _numbers(x: torch.Tensor, index: tuple[int, ...] | None = None, digits: int = 6) -> str:
    """A tensor for reading: all of it (when ``index`` is None), else the entry at ``index``."""
    if index is not None:
        return f"{x[index].item():.{digits}g}"
    return "[" + ", ".join(f"{v:.{digits}g}" for v in x.flatten().tolist()) + "]"


def _show(label: str, p0: torch.Tensor, got: torch.Tensor, want: torch.Tensor, t: int) -> str:
    """'starting from p = [...], after step t your p is [...], <label>'s is [...]' (or one entry of each)."""
    diff = (got - want).abs().nan_to_num(nan=float("inf"))
    index = None if p0.numel() <= 4 else tuple(int(i) for i in torch.unravel_index(diff.flatten().argmax(), got.shape))
    digits = 6 if _numbers(got, index) != _numbers(want, index) else 12  # a near miss needs more digits to show
    start, yours, theirs = (_numbers(x, index, digits) for x in (p0, got, want))
    if index is None:
        return f"starting from p = {start}, after step {t} your p is {yours}, {label}'s is {theirs}"
    return f"p{list(index)} starts at {start}; after step {t} yours is {yours}, {label}'s {theirs}"


#: A step function's mistake: (name, step function with the exercise's signature, message).
StepMistake = tuple[str, Callable[..., Any], str]


#: How a checker calls a step function: call(fn, p, grad, state, t) -> what fn returns.
StepCall = Callable[[Callable[..., Any], torch.Tensor, torch.Tensor, tuple, int], Any]


def _trajectory(step: Callable[..., Any], p0: torch.Tensor, grads: Sequence[torch.Tensor], zeros: int,
                call: StepCall) -> list[torch.Tensor]:
    """p after every step of a (mistaken) step function, each step continuing from its own returned state."""
    p, state, after = p0.clone(), tuple(torch.zeros_like(p0) for _ in range(zeros)), []
    for t, g in enumerate(grads, start=1):
        p, *state = call(step, p, g.clone(), tuple(state), t)
        after.append(p)
    return after


def _judge_steps(name: str, learner_fn: Callable[..., Any], *, case: str, p0: torch.Tensor,
                 grads: Sequence[torch.Tensor], want: Sequence[torch.Tensor], label: str, state_names: Sequence[str],
                 call: StepCall, mistakes: Sequence[StepMistake],
                 factors: Callable[[int], dict[float, str]]) -> Verdict | None:
    """Run the learner's step function for every gradient, beside the torch trajectory ``want``.

    A failing Verdict at the first problem, else None. The learner gets the very tensors a caller
    would hand over; changing them in place is reported (the exercise returns new ones).
    """
    p, state = p0.clone(), tuple(torch.zeros_like(p0) for _ in state_names)
    names = ("p", "grad", *state_names)
    for t, g in enumerate(grads, start=1):
        given = (p, g.clone(), *state)
        kept = [x.clone() for x in given]
        changes: list[str] = []
        try:
            with watching_global_state(changes):
                new_p, *new_state = _unpack(call(learner_fn, *given[:2], tuple(given[2:]), t), 1 + len(state_names),
                                            "(" + ", ".join(("p", *state_names)) + ")")
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except _WrongReturn as err:
            return Verdict(False, f"{FAIL} {name}: {case}, step {t}: {err}.")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {case}, step {t}: your code raised {describe_error(err)}")
        if changes:
            return Verdict(False, f"{FAIL} {name}: {case}, step {t}: {changes[0]}.")
        for arg, before, arg_name in zip(given, kept, names):
            if not torch.equal(arg.nan_to_num(), before.nan_to_num()):
                return Verdict(False, (
                    f"{FAIL} {name}: {case}, step {t}: your function changed the caller's `{arg_name}` in place "
                    f"(`{arg_name} -= ...`, `{arg_name}.mul_(...)`): return new tensors, "
                    f"`{arg_name} = {arg_name} ...`, and leave the ones you are given as they were."))
        problem = first_difference(new_p, want[t - 1], _RTOL, _ATOL)
        if problem:
            shown = _show(label, p0, new_p, want[t - 1], t) if isinstance(new_p, torch.Tensor) and \
                new_p.shape == p0.shape and new_p.dtype == p0.dtype else None
            if shown is None:
                return Verdict(False, f"{FAIL} {name}: {case}, the parameter after step {t}: {problem}.")
            for _, wrong, message in mistakes:
                try:
                    theirs = _trajectory(wrong, p0, grads, len(state_names), call)
                except Exception:
                    continue
                if _same(new_p, theirs[t - 1]):
                    return Verdict(False, f"{FAIL} {name}: {case}, {shown}: {message}.")
            words = measured_relation(new_p, want[t - 1])  # names NaN and inf
            if words is None or not ("NaN" in words or "inf" in words):
                step = measured_relation(new_p - p, want[t - 1] - p, factors(t))  # what the step itself says
                words = f"your step is {step.replace('the expected values', 'the expected step')}" if step else words
            return Verdict(False, f"{FAIL} {name}: {case}, {shown}" + (f": {words}." if words else f" ({problem})."))
        p, state = new_p, tuple(new_state)
    return None


# ---------------------------------------------------------------- Exercise 5.1


def solution_ex5_1(p: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor, lr: float,
                   momentum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of SGD with momentum, as ``torch.optim.SGD(..., momentum=momentum)`` does it.

    ``p``, ``grad``, ``velocity``: same shape (velocity starts at zeros). Returns new tensors
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


def _old_velocity(p, g, v, lr, m):
    return p - lr * v, m * v + g  # moves p first, with the velocity of the step before


def _dampened(p, g, v, lr, m):
    v = m * v + (1 - m) * g  # an exponential moving average
    return p - lr * v, v


def _uphill(p, g, v, lr, m):
    v = m * v + g
    return p + lr * v, v


def _momentum_on_p(p, g, v, lr, m):
    v = m * v - lr * g  # Nesterov-style sign convention, but then added with the wrong sign
    return p - v, v


#: 5.1's misconceptions: (name, step function as a learner writes it, message).
_MISTAKES_5_1: tuple[StepMistake, ...] = (
    ("plain SGD", lambda p, g, v, lr, m: (p - lr * g, v), (
        "that is plain SGD: the velocity never changes, so every step uses only the newest gradient. Update it "
        "first, velocity = momentum * velocity + grad, and move p along it (hint(\"5.1\", 2))")),
    ("old velocity", _old_velocity, (
        "p is moved with the velocity of the step before (zeros at step 1, so p did not move at all): compute "
        "the new velocity first, then p = p - lr * velocity with that new velocity")),
    ("dampened", _dampened, (
        "that is an exponential moving average, (1 - momentum) * grad: torch's SGD adds the whole gradient, "
        "velocity = momentum * velocity + grad, so its first step is 1/(1 - momentum) times yours (section 2's "
        "formula)")),
    ("uphill", _uphill, (
        "p moves uphill, along +velocity: the step is p - lr * velocity (the gradient points uphill)")),
    ("sign of the velocity", _momentum_on_p, (
        "the velocity holds -lr * grad and is then subtracted, so p moves uphill: with velocity = momentum * "
        "velocity + grad, the step is p - lr * velocity")),
)


def _call_5_1(lr: float, momentum: float):
    def call(fn, p, g, state, t):
        return fn(p, g, state[0], lr, momentum)
    return call


def _judge_ex5_1(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for seed, shape, scale, lr, momentum in _CASES_EX5_1:
        p0, grads = _start(seed, shape), _gradients(seed, shape, scale)
        want = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum), p0, grads)
        verdict = _judge_steps(
            name, learner_fn, case=f"with lr={lr}, momentum={momentum} (shape {shape})", p0=p0, grads=grads,
            want=want, label="torch.optim.SGD", state_names=("velocity",), call=_call_5_1(lr, momentum),
            mistakes=_MISTAKES_5_1,
            factors=lambda t: {-1: "p moved uphill: subtract lr * velocity",
                               1 - momentum: "a (1 - momentum) factor too many on the gradient?"})
        if verdict is not None:  # a failing Verdict is falsy
            return verdict
    return Verdict(True, (
        f"{PASS} {name}: {_STEPS} steps match torch.optim.SGD with momentum in all {len(_CASES_EX5_1)} cases."
    ))


def check_ex5_1(learner_fn: Callable[..., Any]) -> Verdict:
    """Run the learner's ``momentum_step`` for several steps beside ``torch.optim.SGD(momentum=...)``.

    The same start and the same gradients go to both; the parameter is compared after every
    step (float64), and the tensors handed to the learner must come back unchanged.
    Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    return judged("Exercise 5.1 (momentum_step)", learner_fn, _judge_ex5_1)


# ---------------------------------------------------------------- Exercise 5.2


def solution_ex5_2(p: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
                   lr: float, betas: tuple[float, float], eps: float
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Step ``t`` (1, 2, ...) of Adam, as ``torch.optim.Adam(..., lr, betas, eps)`` does it.

    ``p``, ``grad``, ``m``, ``v``: same shape (``m`` and ``v`` start at zeros). Returns new
    tensors ``(p, m, v)``. Introduced in: 05_optimizers.ipynb
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


def _adam(bias_correction: bool = True, eps_inside: bool = False, t_shift: int = 0,
          return_corrected: bool = False, sqrt: bool = True, one_minus_beta: bool = True):
    """A variant of Adam with one typical mistake switched on, written as a learner would."""
    def step(p, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        t = t + t_shift
        m = b1 * m + ((1 - b1) * g if one_minus_beta else g)
        v = b2 * v + ((1 - b2) * g**2 if one_minus_beta else g**2)
        m_hat = m / (1 - b1**t) if bias_correction else m
        v_hat = v / (1 - b2**t) if bias_correction else v
        if not sqrt:
            denom = v_hat + eps
        else:
            denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        p = p - lr * m_hat / denom
        return (p, m_hat, v_hat) if return_corrected else (p, m, v)
    return step


#: 5.2's misconceptions: (name, step function as a learner writes it, message).
_MISTAKES_5_2: tuple[StepMistake, ...] = (
    ("t from 0", _adam(t_shift=-1), (
        "your p is NaN (not a number) at step 1: with t counted from 0, 1 - beta1**0 = 0 and the bias "
        "correction divides 0 by 0. t counts the steps from 1: use it as it is given")),
    ("bias correction missing", _adam(bias_correction=False), (
        "this is Adam without bias correction: m and v start at 0, so divide m by (1 - beta1**t) and v by "
        "(1 - beta2**t) before the update (section 4; hint(\"5.2\", 2))")),
    ("eps inside the square root", _adam(eps_inside=True), (
        "eps is inside the square root, sqrt(v_hat + eps): PyTorch adds it outside, sqrt(v_hat) + eps. With "
        "gradients near 1e-6 that changes the step a hundredfold")),
    ("returns m_hat and v_hat", _adam(return_corrected=True), (
        "you returned the corrected m_hat and v_hat as the state: the next step then corrects them again. "
        "Return the running means m and v themselves (step 1 was right, step 2 is not)")),
    ("t from 2", _adam(t_shift=1), (
        "the bias correction uses t + 1: t is given counted from 1 already, so use beta1**t and beta2**t")),
    ("no square root", _adam(sqrt=False), (
        "you divide by v_hat, not by its square root: the step is lr * m_hat / (sqrt(v_hat) + eps)")),
    ("no (1 - beta)", _adam(one_minus_beta=False), (
        "the running means add the whole new value: m = beta1 * m + (1 - beta1) * grad (and likewise v with "
        "beta2 and grad**2)")),
)


def _call_5_2(lr: float, betas: tuple[float, float], eps: float):
    def call(fn, p, g, state, t):
        return fn(p, g, state[0], state[1], t, lr, betas, eps)
    return call


def _judge_ex5_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for seed, shape, scale, lr, betas, eps in _CASES_EX5_2:
        p0, grads = _start(seed, shape), _gradients(seed, shape, scale)
        want = _torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps), p0, grads)
        verdict = _judge_steps(
            name, learner_fn, case=f"with lr={lr}, betas={betas}, eps={eps}, gradients about {scale:g} (shape {shape})",
            p0=p0, grads=grads, want=want, label="torch.optim.Adam", state_names=("m", "v"),
            call=_call_5_2(lr, betas, eps), mistakes=_MISTAKES_5_2,
            factors=lambda t: {-1: "p moved uphill: subtract the step"})
        if verdict is not None:  # a failing Verdict is falsy
            return verdict
    return Verdict(True, (
        f"{PASS} {name}: {_STEPS} steps match torch.optim.Adam in all {len(_CASES_EX5_2)} cases."
    ))


def check_ex5_2(learner_fn: Callable[..., Any]) -> Verdict:
    """Run the learner's ``adam_step`` for several steps beside ``torch.optim.Adam``.

    The same start and the same gradients go to both; the parameter is compared after every
    step (float64), including a case with tiny gradients where the place of ``eps`` shows, and
    the tensors handed to the learner must come back unchanged.
    Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    return judged("Exercise 5.2 (adam_step)", learner_fn, _judge_ex5_2)


# ---------------------------------------------------------------- Exercise 5.3


def solution_ex5_3(step: int, total_steps: int, base_lr: float, min_lr: float) -> float:
    """The learning rate of cosine annealing at ``step`` (0 .. total_steps), a Python float.

    ``min_lr + (base_lr - min_lr) * (1 + cos(pi * step / total_steps)) / 2``: from ``base_lr`` at
    step 0 to ``min_lr`` at ``total_steps``, as ``CosineAnnealingLR(optimizer, T_max=total_steps,
    eta_min=min_lr)`` with an optimizer of learning rate ``base_lr``. Introduced in: 05_optimizers.ipynb
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

#: 5.3's misconceptions: (name, fn(step, total_steps, base_lr, min_lr), message).
_MISTAKES_5_3: tuple[tuple[str, Callable[[int, int, float, float], float], str], ...] = (
    ("off by one", lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(math.pi * s / (T - 1))) / 2, (
        "you divide by total_steps - 1: the half cosine reaches min_lr exactly at step total_steps, so the "
        "angle is pi * step / total_steps")),
    ("min_lr forgotten", lambda s, T, b, mn: b * (1 + math.cos(math.pi * s / T)) / 2, (
        "the schedule falls to 0 instead of min_lr: scale the half cosine to the range from min_lr to base_lr, "
        "min_lr + (base_lr - min_lr) * (1 + cos) / 2")),
    ("no (1 + cos) / 2", lambda s, T, b, mn: mn + (b - mn) * math.cos(math.pi * s / T), (
        "cos runs from 1 down to -1 over the half turn, so your rate goes below min_lr: (1 + cos) / 2 "
        "runs from 1 down to 0")),
    ("no pi", lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(s / T)) / 2, (
        "the angle runs from 0 to 1 radian, not to pi: use math.cos(math.pi * step / total_steps)")),
    ("rising", lambda s, T, b, mn: mn + (b - mn) * (1 - math.cos(math.pi * s / T)) / 2, (
        "your rate rises from min_lr: cosine annealing starts at base_lr and falls, (1 + cos) / 2")),
    ("integer division", lambda s, T, b, mn: mn + (b - mn) * (1 + math.cos(math.pi * (s // T))) / 2, (
        "step // total_steps is 0 until the last step: use `/`, which gives the fraction of the way")),
)


def _judge_ex5_3(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for total_steps, base_lr, min_lr in _CASES_EX5_3:
        want = _torch_cosine(total_steps, base_lr, min_lr)
        case = f"total_steps={total_steps}, base_lr={base_lr}, min_lr={min_lr}"
        for step in range(total_steps + 1):
            where = f"with {case}, step {step}"
            got, failed = call_watched(name, learner_fn, (step, total_steps, base_lr, min_lr), f"{where}:")
            if failed is not None:  # a failing Verdict is falsy: test for None
                return failed
            if got is None:
                return Verdict(False, f"{FAIL} {name}: {where}: it returned None (is the `return` missing?).")
            problem = wrong_type(got, want[step])
            if problem:
                if isinstance(got, torch.Tensor):
                    problem += " (math.cos, not torch.cos, keeps it a float)"
                return Verdict(False, f"{FAIL} {name}: {where}: {problem}.")
            if math.isclose(got, want[step], rel_tol=_RTOL, abs_tol=_ATOL):
                continue
            shown = f"{where}: got {got:.10g}, CosineAnnealingLR gives {want[step]:.10g}"
            if math.isnan(got) or math.isinf(got):
                return Verdict(False, f"{FAIL} {name}: {shown}: {'NaN (not a number)' if math.isnan(got) else 'inf'} "
                                      "(a division by zero?).")
            for _, wrong, message in _MISTAKES_5_3:
                try:
                    theirs = wrong(step, total_steps, base_lr, min_lr)
                except Exception:
                    continue
                if math.isclose(got, theirs, rel_tol=_RTOL, abs_tol=_ATOL):
                    return Verdict(False, f"{FAIL} {name}: {shown}: {message}.")
            return Verdict(False, f"{FAIL} {name}: {shown} (off by {abs(got - want[step]):.2g}).")
    return Verdict(True, (
        f"{PASS} {name}: matches CosineAnnealingLR's get_last_lr() at every step of "
        f"{len(_CASES_EX5_3)} schedules."
    ))


def check_ex5_3(learner_fn: Callable[..., Any]) -> Verdict:
    """Compare the learner's ``cosine_lr(step, total_steps, base_lr, min_lr)`` with PyTorch's
    ``CosineAnnealingLR`` at every step 0 .. total_steps of three schedules; a Python float is asked.

    Prints one ✅/❌ line and returns the Verdict. Introduced in: 05_optimizers.ipynb
    """
    return judged("Exercise 5.3 (cosine_lr)", learner_fn, _judge_ex5_3)


HINTS = {
    "5.1": (
        "Think of a ball rolling downhill: the velocity is its speed, the gradient a push. Each step the old "
        "speed fades a little (times momentum) and the new push adds on; then the ball moves by lr times its "
        "speed. Pushes that keep their direction add up; pushes that alternate cancel.",
        "Section 2's cell with `velocity = 0.9 * velocity + w.grad` does exactly this beside torch.optim.SGD, "
        "in the same order; section 1 shows the plain SGD line it extends.",
        "A sketch to complete: `velocity = ___ * velocity + ___`, then `p = p - ___ * velocity`, then "
        "`return p, velocity` (new tensors: no `-=`).",
    ),
    "5.2": (
        "Adam is momentum's running mean (m) and RMSprop's running mean of squares (v), both started at 0 and "
        "so too small early on; dividing by 1 - beta**t undoes that start. At step 1 the corrected means are "
        "exactly g and g², so every weight moves by about lr.",
        "Section 4's formulas give the order: update m and v, correct them into m_hat and v_hat, then step; "
        "section 3's RMSprop cell shows where eps sits (added to the square root, not under it).",
        "A sketch to complete: `m = beta1 * m + (1 - beta1) * ___`, `v = beta2 * v + (1 - beta2) * ___`, "
        "`m_hat = m / (1 - beta1**___)`, `v_hat = v / (1 - beta2**___)`, "
        "`return p - lr * m_hat / (___ + eps), m, v`.",
    ),
    "5.3": (
        "Picture the top half of a cosine wave, from its crest to its trough: the learning rate follows it "
        "from base_lr down to min_lr, fast in the middle, slow at both ends. Half-way (step = total_steps / 2) "
        "it is exactly the mean of the two.",
        "The formula is written out in section 7, under the three schedules, and the CosineAnnealingLR line in "
        "its picture is what the check compares with: read a few of its values with schedule_lrs to test yours.",
        "A sketch to complete: `cos = math.cos(math.pi * ___ / ___)`, then "
        "`return min_lr + (___ - min_lr) * (1 + cos) / 2`.",
    ),
}
