"""Checkers and reference solutions for the exercises of 07_devices.ipynb.

Each ``check_ex7_N(learner_fn)`` runs the learner's function on fixed inputs that work on
any machine (the ``meta`` device stands in for an accelerator; a simulated queue stands in
for a GPU's), prints one verdict line and returns a truthy/falsy Verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, describe_error, judged

# Exercise 7.1: which device to use, from what the machine has and what was asked for.


def solution_ex7_1(requested: str, cuda_available: bool, mps_available: bool) -> str:
    """"auto" -> CUDA, then MPS, then CPU; else ``requested`` if the machine has it, else a ValueError.

    E.g. ("auto", False, True) -> "mps"; ("cuda:1", True, False) -> "cuda:1". Introduced in: 07_devices.ipynb
    """
    available = {"cuda": cuda_available, "mps": mps_available, "cpu": True}
    if requested == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    kind = requested.split(":")[0]  # "cuda:1" -> "cuda"
    if not available.get(kind, False):
        raise ValueError(f"{requested!r} was asked for, but this machine has no {kind} device")
    return requested


_EX7_1_CASES = [
    ("auto", False, False),
    ("auto", True, False),
    ("auto", False, True),
    ("auto", True, True),  # both: CUDA comes first
    ("cpu", True, True),  # asking for the CPU always works, even with a GPU present
    ("mps", True, True),
    ("cuda:1", True, False),  # the index is kept
    ("cuda", False, True),  # no CUDA: an error, not a silent fallback
    ("mps", False, False),
    ("tpu", True, True),  # unknown kind: an error
]


def _outcome(fn: Callable[..., Any], args: tuple) -> tuple[str, Any]:
    """("value", result) or ("error", exception) of one call; NotImplementedError passes through."""
    try:
        return "value", fn(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - the learner's error is the outcome we judge
        return "error", err


def _device_name(value: Any) -> str | None:
    """ "cuda:1" for "cuda:1" or torch.device("cuda:1"); None for anything that names no device."""
    try:
        return str(torch.device(value)) if isinstance(value, (str, torch.device)) else None
    except RuntimeError:
        return None


def _judge_ex7_1(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for i, args in enumerate(_EX7_1_CASES, start=1):
        want_kind, want = _outcome(solution_ex7_1, args)
        try:
            got_kind, got = _outcome(learner_fn, args)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        call = f"resolve_device{args}"
        if want_kind == "error" and got_kind == "value":
            return Verdict(False, f"{FAIL} {name}: {call} returned {got!r}; it should raise a ValueError "
                                  f"(the machine has no {args[0].split(':')[0]} device).")
        if want_kind == "error" and not isinstance(got, ValueError):
            return Verdict(False, f"{FAIL} {name}: {call} raised {describe_error(got)}; raise a ValueError instead.")
        if want_kind == "value" and got_kind == "error":
            return Verdict(False, f"{FAIL} {name}: {call} raised {describe_error(got)}; expected {want!r}.")
        if want_kind == "value" and _device_name(got) != want:
            missing = " (is the `return` missing?)" if got is None else ""
            return Verdict(False, f"{FAIL} {name}: {call} returned {got!r}, expected {want!r}{missing}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX7_1_CASES)} test inputs.")


def check_ex7_1(learner_fn: Callable[[str, bool, bool], str]) -> Verdict:
    """Check ``resolve_device(requested, cuda_available, mps_available)``. Introduced in: 07_devices.ipynb"""
    name = "Exercise 7.1 (resolve_device)"
    return judged(name, learner_fn, _judge_ex7_1)


# Exercise 7.2: move a whole batch (a tensor, or tuples, lists and dicts of them) to a device.


def solution_ex7_2(batch: Any, device: torch.device | str) -> Any:
    """The same structure with every tensor moved to ``device``; anything else unchanged.

    Tuples stay tuples, lists lists, dicts dicts (same keys), nested to any depth.
    Introduced in: 07_devices.ipynb
    """
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: solution_ex7_2(value, device) for key, value in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(solution_ex7_2(value, device) for value in batch)
    return batch  # a string, a number, None: nothing to move


def _ex7_2_cases() -> list[tuple[Any, str]]:
    g = torch.Generator().manual_seed(7)
    X, y = torch.randn(4, 1, 28, 28, generator=g), torch.randint(0, 10, (4,), generator=g)
    return [
        ((X, y), "meta"),  # meta: a device every machine has, standing in for a GPU
        ([X, y], "meta"),
        ({"image": X, "label": y, "name": "digit"}, "meta"),  # the string stays as it is
        ({"inputs": (X, X[:, 0]), "target": y, "extra": [y, 3]}, "meta"),  # nested
        (X, "meta"),  # a bare tensor is a batch too
        ((X, {"label": y}), "cpu"),  # to the CPU: values must be kept
    ]


def _difference_ex7_2(got: Any, want: Any, where: str) -> str | None:
    """The first place where ``got`` differs from ``want`` (structure, device, shape, dtype, values)."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{where} is a {type(got).__name__}, expected a tensor"
        if got.device != want.device:
            hint = " (Tensor.to returns a new tensor: use what it returns)" if got.device.type == "cpu" else ""
            return f"{where} is on {got.device}, expected {want.device}{hint}"
        if got.shape != want.shape or got.dtype != want.dtype:
            return f"{where} is {tuple(got.shape)} {got.dtype}, expected {tuple(want.shape)} {want.dtype}"
        if want.device.type != "meta" and not torch.equal(got, want):
            return f"{where} has other values than the tensor given"
        return None
    if type(got) is not type(want):
        return f"{where} is a {type(got).__name__}, expected a {type(want).__name__}"
    if isinstance(want, dict):
        if list(got) != list(want):
            return f"{where} has keys {list(got)}, expected {list(want)}"
        pairs = [(got[k], want[k], f"{where}[{k!r}]") for k in want]
    elif isinstance(want, (tuple, list)):
        if len(got) != len(want):
            return f"{where} has {len(got)} items, expected {len(want)}"
        pairs = [(g, w, f"{where}[{i}]") for i, (g, w) in enumerate(zip(got, want))]
    else:
        return None if got == want else f"{where} is {got!r}, expected {want!r}"
    return next((p for p in (_difference_ex7_2(*pair) for pair in pairs) if p), None)


def _judge_ex7_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for i, (batch, device) in enumerate(_ex7_2_cases(), start=1):
        want = solution_ex7_2(batch, device)
        try:
            got = learner_fn(batch, device)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # noqa: BLE001 - a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: on input {i} (a {type(batch).__name__}, to {device!r}) "
                                  f"your code raised {describe_error(err)}")
        if got is None:
            return Verdict(False, f"{FAIL} {name}: on input {i} it returned None (is the `return` missing?).")
        problem = _difference_ex7_2(got, want, "the result")
        if problem:
            return Verdict(False, f"{FAIL} {name}: on input {i} (a {type(batch).__name__}, to {device!r}) {problem}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_ex7_2_cases())} test inputs.")


def check_ex7_2(learner_fn: Callable[[Any, torch.device | str], Any]) -> Verdict:
    """Check ``to_device(batch, device)`` on tuples, lists, dicts, nested. Introduced in: 07_devices.ipynb"""
    name = "Exercise 7.2 (to_device)"
    return judged(name, learner_fn, _judge_ex7_2)


# Exercise 7.3: time work on an asynchronous device correctly.


def solution_ex7_3(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    """Seconds per call of ``fn()``, averaged over ``repeats`` calls, on a device that runs asynchronously.

    ``synchronize()`` waits until the device has finished all queued work (``torch.cuda.synchronize``
    on a GPU; a function that does nothing on the CPU). Introduced in: 07_devices.ipynb
    """
    synchronize()  # work queued earlier must not be counted
    start = time.perf_counter()
    for _ in range(repeats):
        fn()  # on a GPU this only queues the work and returns
    synchronize()  # wait for the work itself, not just its launch
    return (time.perf_counter() - start) / repeats


class _SimulatedQueue:
    """A device that runs asynchronously: ``launch`` queues ``seconds`` of work and returns at once;
    ``synchronize`` waits until the queued work is done."""

    def __init__(self, seconds_per_launch: float, already_queued: float) -> None:
        self.seconds_per_launch = seconds_per_launch
        self.busy_until = time.perf_counter() + already_queued  # work from before the measurement
        self.launches = 0

    def launch(self) -> None:
        self.launches += 1
        self.busy_until = max(self.busy_until, time.perf_counter()) + self.seconds_per_launch

    def synchronize(self) -> None:
        time.sleep(max(0.0, self.busy_until - time.perf_counter()))


# (repeats, seconds per launch, seconds already queued when the measurement starts)
_EX7_3_CASES = [(4, 0.05, 0.4), (2, 0.08, 0.0)]


def _judge_ex7_3(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for i, (repeats, seconds, queued) in enumerate(_EX7_3_CASES, start=1):
        device = _SimulatedQueue(seconds, queued)
        what = f"on input {i} ({repeats} calls of {seconds * 1000:.0f} ms of queued work)"
        try:
            got = learner_fn(device.launch, device.synchronize, repeats)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # noqa: BLE001 - a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {what} your code raised {describe_error(err)}")
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {what} it returned None (is the `return` missing?).")
        if not isinstance(got, (int, float)):
            return Verdict(False, f"{FAIL} {name}: {what} it returned a {type(got).__name__}, expected a float (seconds).")
        if device.launches < repeats:
            return Verdict(False, f"{FAIL} {name}: {what} fn was called {device.launches} times, expected {repeats}.")
        if got < 0.8 * seconds:
            return Verdict(False, (
                f"{FAIL} {name}: {what} it measured {got * 1000:.1f} ms per call: the launch, not the work. "
                "Call synchronize() before reading the clock at the end."
            ))
        if got > 1.6 * seconds:
            return Verdict(False, (
                f"{FAIL} {name}: {what} it measured {got * 1000:.0f} ms per call, expected about "
                f"{seconds * 1000:.0f} ms: work queued before the start was counted (call synchronize() "
                "before starting the clock), or the total was not divided by `repeats`."
            ))
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX7_3_CASES)} test inputs.")


def check_ex7_3(learner_fn: Callable[[Callable[[], Any], Callable[[], None], int], float]) -> Verdict:
    """Check ``time_per_call(fn, synchronize, repeats)`` on a simulated GPU queue. Introduced in: 07_devices.ipynb"""
    name = "Exercise 7.3 (time_per_call)"
    return judged(name, learner_fn, _judge_ex7_3)


HINTS = {
    "7.1": (
        "Handle \"auto\" first: check cuda_available, then mps_available, else \"cpu\". For any other "
        "request, its kind is the part before a colon: \"cuda:1\".split(\":\")[0] is \"cuda\".",
        "Put what the machine has in a dict, {\"cuda\": cuda_available, \"mps\": mps_available, \"cpu\": True}; "
        "an unknown kind (\"tpu\") is simply not in it.",
        "If available.get(kind, False) is False, `raise ValueError(...)`; otherwise return `requested` "
        "unchanged, so \"cuda:1\" keeps its index.",
    ),
    "7.2": (
        "Handle one case per type: a tensor is moved with `.to(device)` (which returns the moved tensor), "
        "anything that is not a tensor, list, tuple or dict is returned as it is.",
        "For containers, call to_device on each element (recursion handles any nesting): "
        "`{k: to_device(v, device) for k, v in batch.items()}` for a dict.",
        "For a tuple or list, `type(batch)(to_device(v, device) for v in batch)` builds the same kind of "
        "container; check dict before tuple/list, and tensor first of all.",
    ),
    "7.3": (
        "On a GPU, fn() only queues the work: the clock must be read after the work is done, "
        "and synchronize() is what waits for that.",
        "Call synchronize() once before start = time.perf_counter() (earlier work must not count), "
        "then run fn() `repeats` times.",
        "After the loop call synchronize() again, then return (time.perf_counter() - start) / repeats.",
    ),
}
