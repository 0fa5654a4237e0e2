"""Automatic feedback for the exercises, and help for a learner who is stuck.

Each notebook's checkers live in a module of their own beside this one
(``helpers.checks.tensors`` for 01, ...), next to their reference solutions
(``solution_exN_M``) and their hints (``HINTS = {"N.M": ("first hint", "more", ...)}``),
and call :func:`check_function`: it runs the learner's function and the reference on
fixed inputs and prints one friendly line, never a traceback from in here.
:func:`hint` and :func:`show_solution` print a module's hints and reference solutions.

A checker is a contract test of its exercise's text, so this module also holds what every
checker needs to hold a learner to that text and to name their mistake:

- :class:`Mistake`: a known wrong answer (its code and the misconception in words);
  :func:`matching_mistake` finds the one a learner's result matches;
- :func:`measured_relation`: what the numbers themselves say (exactly 5x, the negative, a
  transpose, a constant offset, NaN or inf);
- :func:`explain_error`: PyTorch's error messages translated into what to change;
- :func:`watching_global_state` and :func:`argument_changes`: side effects on grad mode, the
  default dtype/device, the random state, and the caller's own tensors (:func:`call_watched` calls
  a learner's function under the first);
- :func:`wrong_type`: a float where an int is asked, a tensor where a Python number is asked.

Hints form a ladder (``HINTS["N.M"]``, three or four rungs): the idea in other words than the
exercise, where to look in the notebook, a sketch with blanks; then :func:`show_solution`.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    "10": "speed",
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

    The rungs of the ladder: the idea in other words, where the notebook shows it, a sketch with
    blanks. The last points to :func:`show_solution`; asking past it says so.
    Introduced in: 00_setup_check.ipynb
    """
    module = _checker_module(exercise)
    hints = getattr(module, "HINTS", {}).get(str(exercise), ()) if module else ()
    if not hints:
        print(_unknown_exercise(exercise))
        return
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        print(f"{FAIL} Hints are numbered 1, 2, ...: try hint(\"{exercise}\", 1).")
        return
    if number > len(hints):
        print(f"💡 Exercise {exercise} has {len(hints)} hints, so there is no hint {number}. "
              f"show_solution(\"{exercise}\") shows a reference solution.")
        return
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


# torch, the checkers, and Python's own library (contextlib's frames sit between a learner's call and torch's)
_NOT_THE_LEARNERS = (str(Path(torch.__file__).parent), str(Path(__file__).parent), str(Path(contextlib.__file__).parent))

# ---------------------------------------------------------------- errors, translated

#: PyTorch's (and Python's) error messages a learner meets in the exercises, each with what it
#: means for their code. Matched in order against "Type: message"; the first match is used.
ERROR_MEANINGS: tuple[tuple[str, str], ...] = (
    (r"element 0 of tensors does not require grad", (
        "the tensor you differentiate was not computed from anything that requires grad: compute it "
        "from a tensor made with `.requires_grad_(True)` (a copy: `x.detach().clone().requires_grad_(True)`), "
        "outside `torch.no_grad()`; to differentiate a derivative again, the first "
        "`torch.autograd.grad` call needs `create_graph=True`")),
    (r"grad can be implicitly created only for scalar outputs", (
        "`backward()` with no argument needs a scalar (one number): reduce first (`.sum()`) or pass "
        "`gradient=torch.ones_like(y)`")),
    (r"a (view of a )?leaf Variable that requires grad is being used in an in-place operation", (
        "autograd refuses to change a tensor that requires grad in place while it records: do the update "
        "inside `with torch.no_grad():`")),
    (r"Trying to backward through the graph a second time", (
        "the first `backward()` already freed the tensors this graph saved: run the forward pass again, or "
        "pass `retain_graph=True` to the first call")),
    (r"modified by an inplace operation", (
        "a tensor that backward() needs was changed in place after it was used: write `x = x + 1` instead "
        "of `x += 1`, or change a clone")),
    (r"One of the differentiated Tensors appears to not have been used in the graph", (
        "the tensor you ask the gradient for was not used to compute the output: compute the output from "
        "that very tensor (not from the original or from a copy made later)")),
    (r"Inference tensors cannot be saved for backward", (
        "a tensor made under `torch.inference_mode()` was used where autograd must save it: make it "
        "outside inference mode, or `.clone()` it first")),
    (r"mat1 and mat2 shapes cannot be multiplied", (
        "the inner sizes of a matrix product differ: check the order of the operands and whether one of "
        "them needs `.T`")),
    (r"The size of tensor a \(\d+\) must match the size of tensor b", (
        "two shapes do not broadcast: line them up from the right; each pair of sizes must be equal or 1 "
        "(01, section 5)")),
    (r"Expected all tensors to be on the same device|is not on the expected device", (
        "the tensors of one operation live on different devices: move them with `.to(device)` first "
        "(07, section 3)")),
    (r"can't convert .* device type tensor to numpy", "`.numpy()` needs a CPU tensor: call `.cpu()` first"),
    (r"Can't call numpy\(\) on Tensor that requires grad", "call `.detach()` before `.numpy()`"),
    (r"only one element tensors can be converted to Python scalars", (
        "`.item()`, `int()` and `float()` need a tensor with exactly one element")),
    (r"Boolean value of Tensor with more than one (value|element)", (
        "`if` and `and`/`or` need one True/False, not a tensor of them: use `.all()` or `.any()`")),
    (r"view size is not compatible with input tensor's size and stride", (
        "`.view()` needs memory laid out in order: use `.reshape()` (it copies when it must)")),
    (r"expected (scalar type|m1 and m2 to have the same dtype)|found dtype", (
        "the dtypes of one operation differ (float32 vs float64?): convert with `.to(dtype)` or create "
        "with the same `dtype=`")),
    (r"index -?\d+ is out of bounds for dimension", "an index is past the end: valid indices run from 0 to size - 1"),
    (r"'NoneType' object has no attribute", (
        "something you used is None where a tensor or node was expected: `.grad` is None before "
        "`backward()` and after clearing, `grad_fn` is None on a leaf, and `next_functions` holds "
        "(None, 0) for inputs that need no gradient")),
    (r"object is not callable", "a value was called like a function: a name shadowed by a variable?"),
    (r"missing \d+ required positional argument", "the function was called with fewer arguments than it takes"),
    (r"takes \d+ positional arguments? but \d+ (was|were) given", (
        "your function takes a different number of arguments than the exercise's signature: keep the "
        "stub's `def` line as it is")),
)


def explain_error(err: BaseException, extra: Sequence[tuple[str, str]] = ()) -> str | None:
    """What an error raised by a learner's code means for that code, or None when not known.

    ``extra``: the exercise's own (regex, meaning) pairs, tried before the shared ones.
    Introduced in: 00_setup_check.ipynb
    """
    text = f"{type(err).__name__}: {err}"
    for pattern, meaning in (*extra, *ERROR_MEANINGS):
        if re.search(pattern, text):
            return meaning
    return None


def describe_error(err: BaseException, extra: Sequence[tuple[str, str]] = ()) -> str:
    """``"Type: message (line N: code)"``, quoting the learner's own line that raised, and what it means.

    The innermost frame outside torch and the checkers, so an error raised deep inside
    torch still points at the learner's call; a known PyTorch message is followed by what to
    change (:func:`explain_error`). Introduced in: 00_setup_check.ipynb
    """
    frames = traceback.extract_tb(err.__traceback__)
    theirs = [f for f in frames if not f.filename.startswith(_NOT_THE_LEARNERS)]
    where = (theirs or frames)[-1] if frames else None
    at = f" (line {where.lineno}: {where.line})" if where and where.line else ""
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    meaning = explain_error(err, extra)
    return f"{type(err).__name__}: {message}{at}" + (f". What it means: {meaning}" if meaning else "")


# ---------------------------------------------------------------- what the numbers say


def _factor_words(k: float, single: bool) -> str | None:
    """"exactly 5x", "exactly 1/5 of", "exactly the negative of" the expected values.

    For a single number any ratio is "exact", so only a whole factor (or its inverse) is telling.
    """
    if math.isclose(k, -1.0, rel_tol=1e-6):
        return "exactly the negative of the expected values (a flipped sign?)"
    n = round(k)
    if n != 0 and math.isclose(k, n, rel_tol=1e-6):
        return f"exactly {n}× the expected values"
    n = round(1 / k) if k else 0
    if n != 0 and math.isclose(1 / k, n, rel_tol=1e-6):
        return f"exactly 1/{n} of the expected values" if n > 0 else f"exactly -1/{-n} of the expected values"
    near = abs(k - round(k)) / abs(k)  # 1.00001 must not print as "1": show the digits where it differs
    digits = 4 if near > 1e-3 else 2 + math.ceil(-math.log10(near))
    return None if single else f"exactly {k:.{digits}g}× the expected values"


def _factor_meaning(k: float, factors: Mapping[float, str] | None) -> str:
    for factor, meaning in (factors or {}).items():
        if math.isclose(k, factor, rel_tol=1e-6):
            return f": {meaning}"
    return ""


def measured_relation(got: Any, want: Any, factors: Mapping[float, str] | None = None) -> str | None:
    """What a wrong result's numbers say about the mistake, in words, or None when they say nothing.

    NaN or inf where the expected values are finite; every value the same multiple of the
    expected one (5x, 1/5, the negative); a constant offset; the transpose. ``factors`` maps a
    telling factor to its likely cause, e.g. ``{5: "is the 1/N of the mean missing? N = 5 here"}``.
    Introduced in: 02_autograd.ipynb
    """
    try:
        g = torch.as_tensor(got).detach().cpu().double()
        w = torch.as_tensor(want).detach().cpu().double()
    except (TypeError, ValueError, RuntimeError):
        return None
    if g.dim() == 2 and w.dim() == 2 and g.shape == w.T.shape and g.shape != w.shape and torch.allclose(g, w.T):
        return "it is exactly the transpose of the expected result (operands swapped, or a `.T` too many?)"
    if g.shape != w.shape or g.numel() == 0:
        return None
    for bad, words in ((torch.isnan, "NaN (not a number: 0/0, or sqrt/log of a negative?)"),
                       (torch.isinf, "inf (infinity: a division by zero or an overflow?)")):
        found = bad(g) & ~bad(w)
        if found.any():
            first = tuple(int(i) for i in found.nonzero()[0]) if g.dim() else ()
            return f"your result holds {words} in {int(found.sum())} of {g.numel()} places, first at index {first}"
    if not torch.isfinite(w).all():
        return None
    scale = w.abs().max().item()
    nonzero = w.abs() > 1e-12 * max(scale, 1e-300)
    if nonzero.any() and bool((g[~nonzero].abs() <= 1e-9 * max(scale, 1e-300)).all()):
        ratios = g[nonzero] / w[nonzero]
        k = ratios[0].item()
        if k != 0 and not math.isclose(k, 1.0, rel_tol=1e-6) and bool(((ratios - k).abs() <= 1e-6 * abs(k)).all()):
            words = _factor_words(k, single=g.numel() == 1)
            if words:
                return words + _factor_meaning(k, factors)
    offset = g - w
    first = offset.flatten()[0].item()
    if g.numel() > 1 and first != 0 and bool(((offset - first).abs() <= 1e-9 * max(abs(first), 1.0)).all()):
        return f"every value is off by the same amount ({first:+.4g}): a term added or left out?"
    return None


# ---------------------------------------------------------------- comparing a result with the reference


def wrong_type(got: Any, want: Any) -> str | None:
    """A sentence when ``got`` is not the kind of Python value ``want`` is (int, float, bool), else None.

    An int asked for takes only an int (``26``, not ``26.0``, ``tensor(26)`` or ``np.int64(26)``); a
    float asked for takes a float or an int, never a tensor. Introduced in: 00_setup_check.ipynb
    """
    if isinstance(want, bool):
        if not isinstance(got, bool):
            return f"it returned {got!r} ({type(got).__name__}), expected True or False (a Python bool)"
        return None
    if isinstance(want, int) and (isinstance(got, bool) or not isinstance(got, int)):
        how = "`int(...)`" if not isinstance(got, torch.Tensor) else "`.item()` (or `int(...)`)"
        return (f"it returned {got!r} ({type(got).__name__}), expected a Python int such as {want!r}: "
                f"convert with {how}, or compute with `//` so it stays an int")
    if isinstance(want, float) and (isinstance(got, bool) or not isinstance(got, (int, float))):
        how = " with `.item()`" if isinstance(got, torch.Tensor) else ""
        return f"it returned {got!r} ({type(got).__name__}), expected a Python float{how}"
    return None


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


def first_difference(got: Any, want: Any, rtol: float | None = None, atol: float | None = None,
                     factors: Mapping[float, str] | None = None) -> str | None:
    """The first thing that differs between ``got`` and ``want`` as a short sentence, or None.

    Checks in the order a learner should fix them: None, type, shape, dtype, device,
    values (``torch.testing.assert_close`` with the given tolerances); a value difference says
    what the numbers show (:func:`measured_relation`, with ``factors``). A Python int or float
    asked for must be one (:func:`wrong_type`). Introduced in: 01_tensors.ipynb
    """
    if got is None and want is not None:
        return "it returned None (is the `return` missing?)"
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"it returned a {type(got).__name__}, expected a torch.Tensor"
        if got.shape != want.shape:
            relation = measured_relation(got, want)
            return f"the shape is {tuple(got.shape)}, expected {tuple(want.shape)}" + (f": {relation}" if relation else "")
        if got.dtype != want.dtype:
            return f"the dtype is {got.dtype}, expected {want.dtype}"
        if got.device != want.device:
            return f"the device is {got.device}, expected {want.device}"
    elif isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"it returned {type(got).__name__}, expected a {type(want).__name__} of {len(want)} items"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = first_difference(g, w, rtol, atol, factors)
            if problem:
                return f"item {i}: {problem}"
        return None
    elif isinstance(want, (bool, int, float)):
        problem = wrong_type(got, want)
        if problem:
            return problem
    try:
        torch.testing.assert_close(
            torch.as_tensor(got).detach(), torch.as_tensor(want).detach(), rtol=rtol, atol=atol,
            check_dtype=False,
        )
    except (AssertionError, TypeError, ValueError, RuntimeError):
        relation = measured_relation(got, want, factors)
        if not isinstance(want, torch.Tensor):
            return f"it returned {got!r}, expected {want!r}" + (f": {relation}" if relation else "")
        return _value_difference(got, want) + (f": {relation}" if relation else "")
    return None


# ---------------------------------------------------------------- known mistakes, by name


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer to an exercise: the wrong code, and what to tell a learner who wrote it.

    ``fn`` takes the reference solution's arguments and computes what the mistaken answer
    computes; ``message`` names the misconception in a learner's words and says where the
    notebook (or which hint) explains it. Introduced in: 00_setup_check.ipynb
    """

    name: str
    fn: Callable[..., Any]
    message: str


def matching_mistake(got: Any, args: Sequence[Any], mistakes: Sequence[Mistake],
                     rtol: float | None = None, atol: float | None = None) -> Mistake | None:
    """The first known mistake whose result on ``args`` equals the learner's ``got``, or None.

    Introduced in: 00_setup_check.ipynb
    """
    for mistake in mistakes:
        try:
            wrong = mistake.fn(*_copy(args))
        except Exception:  # a mistake that cannot run on these inputs is not the learner's
            continue
        if first_difference(got, wrong, rtol, atol) is None:
            return mistake
    return None


# ---------------------------------------------------------------- side effects


def _default_device_context() -> Any:
    return getattr(getattr(torch, "_GLOBAL_DEVICE_CONTEXT", None), "device_context", None)


def _global_state(rng: bool) -> dict[str, Any]:
    state = {
        "grad mode": torch.is_grad_enabled(),
        "inference mode": torch.is_inference_mode_enabled(),
        "default dtype": torch.get_default_dtype(),
        "default device": (torch.get_default_device(), _default_device_context()),
    }
    if rng:
        state["random state"] = torch.random.get_rng_state()
    return state


_STATE_MESSAGES = {
    "grad mode": ("your function left gradient recording switched {now} for all the code after it: use "
                  "`with torch.no_grad():` (it switches back by itself), not `torch.set_grad_enabled(...)`"),
    "inference mode": ("your function left inference mode {now} for all the code after it: use "
                       "`with torch.inference_mode():` so it ends with the block"),
    "default dtype": ("your function changed the default dtype to {now} for every tensor made after it: "
                      "pass `dtype=` to the call that creates the tensor instead"),
    "default device": ("your function changed the default device to {now} for every tensor made after it: "
                       "pass `device=` to the call that creates the tensor, or move with `.to(device)`"),
    "random state": ("your function drew random numbers from the global generator, which changes every "
                     "random draw after it: use the `generator=` given, or none"),
}


def _restore(key: str, value: Any) -> None:
    if key == "grad mode":
        torch.set_grad_enabled(value)
    elif key == "inference mode":
        # inference mode can only be left by exiting its context; nothing to restore from here
        pass
    elif key == "default dtype":
        torch.set_default_dtype(value)
    elif key == "default device":
        device, context = value
        torch.set_default_device(None if context is None else device)
    elif key == "random state":
        torch.random.set_rng_state(value)


@contextlib.contextmanager
def watching_global_state(changes: list[str], rng: bool = False) -> Iterator[None]:
    """Run a learner's code; append to ``changes`` a sentence per global setting it left changed, and undo it.

    Watches grad mode, inference mode, the default dtype and device, and with ``rng=True`` the
    global random state. Undoing keeps the learner's notebook as it was before the check.
    Introduced in: 03_computational_graphs.ipynb
    """
    before = _global_state(rng)
    try:
        yield
    finally:
        after = _global_state(rng)
        for key, old in before.items():
            new = after[key]
            same = torch.equal(old, new) if key == "random state" else (
                old[0] == new[0] and old[1] is new[1] if key == "default device" else old == new)
            if not same:
                # chosen per key: `not new` of the random state (a tensor) would raise
                now = ("on" if new else "off") if key in ("grad mode", "inference mode") else (
                    new[0] if key == "default device" else new)
                changes.append(_STATE_MESSAGES[key].format(now=now))
                _restore(key, old)


def _snapshot(value: Any) -> Any:
    """What :func:`argument_changes` compares: a tensor's values, requires_grad and .grad."""
    if isinstance(value, torch.Tensor):
        grad = value.grad if value.is_leaf else None
        return ("tensor", value.detach().clone(), value.requires_grad, None if grad is None else grad.clone())
    if isinstance(value, (list, tuple)):
        return (type(value), len(value), [_snapshot(v) for v in value], list(value))
    return ("other", value)


def snapshot_arguments(args: Sequence[Any]) -> list[Any]:
    """Remember a call's arguments (values, requires_grad, .grad, list entries) for :func:`argument_changes`.

    Introduced in: 02_autograd.ipynb
    """
    return [_snapshot(a) for a in args]


def _changed(now: Any, before: Any) -> str | None:
    kind = before[0]
    if kind == "tensor":
        _, values, requires_grad, grad = before
        if now.requires_grad != requires_grad:
            return "now requires grad" if now.requires_grad else "no longer requires grad"
        if now.shape != values.shape or not torch.equal(now.detach().nan_to_num(), values.nan_to_num()):
            return "its values were changed in place"
        now_grad = now.grad if now.is_leaf else None
        if (now_grad is None) != (grad is None) or (grad is not None and not torch.equal(now_grad, grad)):
            return "its .grad was changed"
        return None
    if kind in (list, tuple):
        _, length, inner, items = before
        if len(now) != length or any(a is not b for a, b in zip(now, items)):
            return "its entries were replaced"
        for i, (item, snap) in enumerate(zip(now, inner)):
            problem = _changed(item, snap)
            if problem:
                return f"entry {i} {problem}"
    return None


def argument_changes(args: Sequence[Any], snapshots: Sequence[Any], names: Sequence[str]) -> str | None:
    """A sentence naming the first argument a learner's function changed (after :func:`snapshot_arguments`).

    Introduced in: 02_autograd.ipynb
    """
    for value, snap, name in zip(args, snapshots, names):
        problem = _changed(value, snap)
        if problem:
            return (f"your function changed the caller's `{name}` ({problem}): the exercise leaves its "
                    f"inputs as they are, so work on a copy, e.g. `{name}.detach().clone()`")
    return None


def _parameter_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return (names + [f"argument {i + 1}" for i in range(len(names), count)])[:count]


# ---------------------------------------------------------------- the checker most exercises use


def call_learner(name: str, learner_fn: Callable[..., Any], args: Sequence[Any], where: str = "",
                 errors: Sequence[tuple[str, str]] = ()) -> tuple[Any, Verdict | None]:
    """Call a learner's function: (result, None), or (None, a failing Verdict) when it raised.

    An untouched stub gets :data:`NOT_DONE`; any other exception one line quoting the learner's
    line and what the error means (``errors``: the exercise's own translations).
    ``where`` ("on input 2 (...)") prefixes the message. Introduced in: 00_setup_check.ipynb
    """
    try:
        return learner_fn(*args), None
    except NotImplementedError:
        return None, Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
    except Exception as err:  # a learner's bug, reported in one line
        at = f"{where} " if where else ""
        return None, Verdict(False, f"{FAIL} {name}: {at}your code raised {describe_error(err, errors)}")


def call_watched(name: str, learner_fn: Callable[..., Any], args: Sequence[Any], where: str = "",
                 errors: Sequence[tuple[str, str]] = ()) -> tuple[Any, Verdict | None]:
    """:func:`call_learner` under :func:`watching_global_state`: also a failing Verdict for a global
    setting the learner's code left changed (grad mode, the default dtype or device), which is undone.

    Introduced in: 00_setup_check.ipynb
    """
    changes: list[str] = []
    with watching_global_state(changes):
        got, failed = call_learner(name, learner_fn, args, where, errors)
    if failed is None and changes:  # a failing Verdict is falsy: test for None
        failed = Verdict(False, f"{FAIL} {name}: {where} {changes[0]}.")
    return got, failed


def check_function(
    name: str,
    learner_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    cases: Sequence[Sequence[Any]],
    rtol: float | None = None,
    atol: float | None = None,
    mistakes: Sequence[Mistake] = (),
    factors: Mapping[float, str] | None = None,
    errors: Sequence[tuple[str, str]] = (),
) -> Verdict:
    """Run ``learner_fn`` and ``reference_fn`` on every case; print one verdict line.

    ``cases``: argument tuples. Beyond the values, the contract every such exercise states:
    the caller's arguments stay as they were, no global setting is left changed, and a second
    call on the same inputs gives the same result. A wrong result is named by the first of
    ``mistakes`` it matches, else described with what its numbers show (``factors``); an
    exception is translated (``errors``). Prints "✅ name: ..." or "❌ name: <first problem>"
    and returns the Verdict (truthy when all cases pass); never a traceback.
    Introduced in: 01_tensors.ipynb
    """
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else _judge(
        name, learner_fn, reference_fn, cases, rtol, atol, mistakes, factors, errors)
    print(verdict.message)
    return verdict


def _judge(
    name: str,
    learner_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    cases: Sequence[Sequence[Any]],
    rtol: float | None,
    atol: float | None,
    mistakes: Sequence[Mistake] = (),
    factors: Mapping[float, str] | None = None,
    errors: Sequence[tuple[str, str]] = (),
) -> Verdict:
    for i, args in enumerate(cases, start=1):
        want = reference_fn(*_copy(args))  # outside the try: a failing reference is our bug, not theirs
        where = f"on input {i} ({_describe(args)})"
        theirs = _copy(args)
        before = snapshot_arguments(theirs)
        got, failed = call_watched(name, learner_fn, theirs, where, errors)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        problem = first_difference(got, want, rtol, atol, factors)
        if problem:
            mistake = matching_mistake(got, args, mistakes, rtol, atol)
            if mistake is not None:
                said = "" if isinstance(want, torch.Tensor) else f"it returned {got!r}, expected {want!r}: "
                return Verdict(False, f"{FAIL} {name}: {where} {said}{mistake.message}")  # numbers, then why
            return Verdict(False, f"{FAIL} {name}: {where} {problem}.")
        changed = argument_changes(theirs, before, _parameter_names(reference_fn, len(theirs)))
        if changed:
            return Verdict(False, f"{FAIL} {name}: {where} {changed}.")
        again, failed = call_watched(name, learner_fn, theirs, f"{where}, called a second time,", errors)
        if failed is not None:
            return failed
        if first_difference(again, got, rtol, atol) is not None:
            return Verdict(False, (
                f"{FAIL} {name}: {where} a second call with the same inputs returned something else "
                f"({first_difference(again, want, rtol, atol, factors) or 'the right result only the second time'}): "
                "does your function keep state between calls, or change its inputs?"
            ))
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs.")
