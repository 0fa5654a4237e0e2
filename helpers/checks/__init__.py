"""Automatic feedback for the exercises.

Each notebook's checkers live in a module of their own beside this one
(``helpers.checks.tensors`` for 01, ...), next to their reference solutions, and
call :func:`check_function`: it runs the learner's function and the reference on
fixed inputs and prints one friendly line, never a traceback from in here.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

PASS, FAIL = "✅", "❌"
#: What every checker says about an untouched stub.
NOT_DONE = "not done yet: replace the `raise NotImplementedError` with your code."


@dataclass(frozen=True)
class Verdict:
    """A checker's result: truthy when right. Introduced in: 00_setup_check.ipynb

    The message is printed by the checker already, so as a cell's last value it
    displays nothing more (no stray ``True``/``False`` under the message).
    """

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def _ipython_display_(self) -> None:
        pass


def _copy(value: Any) -> Any:
    """Clone tensors so a learner's in-place edit cannot change the reference's inputs."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone().requires_grad_(value.requires_grad)
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


_NOT_THE_LEARNERS = (str(Path(torch.__file__).parent), str(Path(__file__).parent))


def describe_error(err: BaseException) -> str:
    """``"Type: message (line N: code)"``, quoting the learner's own line that raised.

    The innermost frame outside torch and the checkers, so an error raised deep inside
    torch still points at the learner's call. Introduced in: 00_setup_check.ipynb
    """
    frames = traceback.extract_tb(err.__traceback__)
    theirs = [f for f in frames if not f.filename.startswith(_NOT_THE_LEARNERS)]
    where = (theirs or frames)[-1] if frames else None
    at = f" (line {where.lineno}: {where.line})" if where and where.line else ""
    return f"{type(err).__name__}: {err}{at}"


def _value_difference(got: torch.Tensor, want: torch.Tensor) -> str:
    """Where two same-shaped tensors differ most, with both values, rounded for reading."""
    g, w = got.detach().cpu().double(), want.detach().cpu().double()
    diff = (g - w).abs().nan_to_num(nan=float("inf"))
    flat = int(diff.flatten().argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), g.shape)) if g.dim() else ()
    return (
        f"the values are wrong (greatest absolute difference {diff.flatten()[flat]:.4g} at index "
        f"{index}: got {g[index].item():.4g}, expected {w[index].item():.4g})"
    )


def _describe(args: Sequence[Any]) -> str:
    parts = [f"tensor of shape {tuple(a.shape)}" if isinstance(a, torch.Tensor) else repr(a) for a in args]
    return ", ".join(parts)


def first_difference(got: Any, want: Any, rtol: float | None = None, atol: float | None = None) -> str | None:
    """The first thing that differs between ``got`` and ``want`` as a short sentence, or None.

    Checks in the order a learner should fix them: None, type, shape, dtype, device,
    values (``torch.testing.assert_close`` with the given tolerances). Introduced in: 01_tensors.ipynb
    """
    if got is None and want is not None:
        return "it returned None (is the `return` missing?)"
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"it returned a {type(got).__name__}, expected a torch.Tensor"
        if got.shape != want.shape:
            return f"the shape is {tuple(got.shape)}, expected {tuple(want.shape)}"
        if got.dtype != want.dtype:
            return f"the dtype is {got.dtype}, expected {want.dtype}"
        if got.device != want.device:
            return f"the device is {got.device}, expected {want.device}"
    elif isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"it returned {type(got).__name__}, expected a {type(want).__name__} of {len(want)} items"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = first_difference(g, w, rtol, atol)
            if problem:
                return f"item {i}: {problem}"
        return None
    try:
        torch.testing.assert_close(
            torch.as_tensor(got).detach(), torch.as_tensor(want).detach(), rtol=rtol, atol=atol,
            check_dtype=False,
        )
    except (AssertionError, TypeError, ValueError, RuntimeError) as err:
        if not isinstance(want, torch.Tensor):
            return f"it returned {got!r}, expected {want!r}"
        return _value_difference(got, want)
    return None


def check_function(
    name: str,
    learner_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    cases: Sequence[Sequence[Any]],
    rtol: float | None = None,
    atol: float | None = None,
) -> Verdict:
    """Run ``learner_fn`` and ``reference_fn`` on every case; print one verdict line.

    ``cases``: argument tuples. Prints "✅ name: ..." or "❌ name: <first problem>"
    and returns the Verdict (truthy when all cases pass); a learner's exception
    becomes part of the message, never a traceback. Introduced in: 01_tensors.ipynb
    """
    verdict = _judge(name, learner_fn, reference_fn, cases, rtol, atol)
    print(verdict.message)
    return verdict


def _judge(
    name: str,
    learner_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    cases: Sequence[Sequence[Any]],
    rtol: float | None,
    atol: float | None,
) -> Verdict:
    for i, args in enumerate(cases, start=1):
        want = reference_fn(*_copy(args))  # outside the try: a failing reference is our bug, not theirs
        try:
            got = learner_fn(*_copy(args))
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: on input {i} ({_describe(args)}) your code raised {describe_error(err)}")
        problem = first_difference(got, want, rtol, atol)
        if problem:
            return Verdict(False, f"{FAIL} {name}: on input {i} ({_describe(args)}) {problem}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs.")
