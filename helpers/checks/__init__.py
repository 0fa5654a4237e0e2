"""Automatic feedback for the exercises, and help for a learner who is stuck.

Each notebook's checkers live in a module of their own beside this one
(``helpers.checks.tensors`` for 01, ...), next to their reference solutions
(``solution_exN_M``) and their hints (``HINTS = {"N.M": ("first hint", "more", ...)}``),
and call :func:`check_function`: it runs the learner's function and the reference on
fixed inputs and prints one friendly line, never a traceback from in here.
:func:`hint` and :func:`show_solution` print a module's hints and reference solutions.
"""

from __future__ import annotations

import importlib
import inspect
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

PASS, FAIL = "✅", "❌"
#: What every checker says about an untouched stub.
NOT_DONE = "not done yet: replace the `raise NotImplementedError` with your code."

#: The checker module of each notebook, by the first part of its exercise numbers ("1" of "1.2").
EXERCISE_MODULES = {
    "0": "setup",
    "1": "tensors",
    "2": "autograd",
    "3": "graphs",
    "4": "modules",
    "5": "optimizers",
    "6": "datasets",
    "7": "devices",
    "8": "mnist_cnn",
    "9": "distributed",
}


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


def _checker_module(exercise: str) -> Any | None:
    """The module holding exercise ``"N.M"``'s solution and hints, or None if there is no such exercise."""
    if not isinstance(exercise, str):  # 1.10 as a float would be 1.1: only a string names one exercise
        return None
    chapter, _, number = exercise.partition(".")
    module_name = EXERCISE_MODULES.get(chapter)
    if not number or module_name is None:
        return None
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError:
        return None
    return module if hasattr(module, f"solution_ex{chapter}_{number}") else None


def _unknown_exercise(exercise: str) -> str:
    return f"{FAIL} There is no exercise {exercise!r}: write its number as a string, e.g. hint(\"1.2\")."


def hint(exercise: str, number: int = 1) -> None:
    """Print hint ``number`` (1, 2, ...) of an exercise such as ``"1.2"``; each says more than the last.

    The last hint points to :func:`show_solution`. Introduced in: 00_setup_check.ipynb
    """
    module = _checker_module(exercise)
    hints = getattr(module, "HINTS", {}).get(str(exercise), ()) if module else ()
    if not hints:
        print(_unknown_exercise(exercise))
        return
    number = min(max(int(number), 1), len(hints))
    print(f"💡 Exercise {exercise}, hint {number} of {len(hints)}: {hints[number - 1]}")
    if number < len(hints):
        print(f"   Still stuck? hint(\"{exercise}\", {number + 1})")
    else:
        print(f"   Still stuck? show_solution(\"{exercise}\") shows a reference solution.")


def show_solution(exercise: str) -> None:
    """Print the reference solution of an exercise such as ``"1.2"``. Introduced in: 00_setup_check.ipynb

    It is the very function the checker compares your answer with.
    """
    module = _checker_module(exercise)
    if module is None:
        print(_unknown_exercise(exercise))
        return
    chapter, _, number = str(exercise).partition(".")
    print(f"# A reference solution of Exercise {exercise}; yours may differ and still be right.")
    print(inspect.getsource(getattr(module, f"solution_ex{chapter}_{number}")).rstrip())


_TITLE = re.compile(r"Exercise (\d+)\.(\d+) \((\w+)\)")


def not_a_function(name: str, value: Any) -> Verdict | None:
    """A failing Verdict when a checker got something other than a function, else None.

    ``name`` is the exercise's title, ``"Exercise 1.2 (pairwise_distances)"``: the message shows the
    call to write, ``check_ex1_2(pairwise_distances)``. Introduced in: 01_tensors.ipynb
    """
    if callable(value):
        return None
    title = _TITLE.fullmatch(name)
    example = f"check_ex{title[1]}_{title[2]}({title[3]})" if title else "check_exN_M(your_function)"
    got = "None" if value is None else f"a {type(value).__name__}"
    return Verdict(False, (
        f"{FAIL} {name}: the checker got {got}, not a function. Pass the function itself, without "
        f"calling it, e.g. `{example}`."
    ))


def judged(name: str, learner_fn: Any, judge: Callable[[str, Any], Verdict]) -> Verdict:
    """A custom checker's one line: refuse a non-function, else ``judge(name, learner_fn)``; print, return.

    Introduced in: 00_setup_check.ipynb
    """
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else judge(name, learner_fn)
    print(verdict.message)
    return verdict


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
    got_value, want_value = g[index].item(), w[index].item()
    digits = 4 if f"{got_value:.4g}" != f"{want_value:.4g}" else 8  # a near miss needs more digits to show
    return (
        f"the values are wrong (greatest absolute difference {diff.flatten()[flat]:.4g} at index "
        f"{index}: got {got_value:.{digits}g}, expected {want_value:.{digits}g})"
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
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else _judge(name, learner_fn, reference_fn, cases, rtol, atol)
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
