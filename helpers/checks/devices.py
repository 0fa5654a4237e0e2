"""Checkers and reference solutions for the exercises of 07_devices.ipynb.

Each ``check_ex7_N(learner_fn)`` runs the learner's function on fixed inputs that work on
any machine (the ``meta`` device stands in for an accelerator; simulated devices on a simulated
clock stand in for a GPU's queue and for the CPU), prints one verdict line and returns a
truthy/falsy Verdict. Each knows its exercise's usual misconceptions by name (``EX7_N_MISTAKES``).
"""

from __future__ import annotations

import contextlib
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Verdict,
    call_watched,
    describe_error,
    judged,
    wrong_type,
)

# ---------------------------------------------------------------- Exercise 7.1: which device


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

#: The misconceptions Exercise 7.1's checker names, and what it tells a learner.
EX7_1_MISTAKES = {
    "MPS before CUDA": (
        "with both a CUDA GPU and MPS, 'auto' returned 'mps': the course's order is CUDA, then MPS, then the "
        "CPU (section 2), so test cuda_available first."),
    "silent fallback": (
        "{call} returned {got!r}; it should raise a ValueError: this machine has no {kind} device, and "
        "quietly using another one hides the problem (the training would run elsewhere, slower, unnoticed)."),
    "index dropped": (
        "{call} returned {got!r}, expected {want!r}: return `requested` itself, so 'cuda:1' keeps its index "
        "(the second GPU); only the check uses the kind before the colon."),
    "whole name as the kind": (
        "{call} raised ValueError although the machine has CUDA: the kind of 'cuda:1' is the part before the "
        "colon, `requested.split(\":\")[0]`, not the whole name (hint 2)."),
}


def _outcome(fn: Callable[..., Any], args: tuple) -> tuple[str, Any]:
    """("value", result) or ("error", exception) of one call; NotImplementedError passes through."""
    try:
        return "value", fn(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - the learner's error is the outcome we judge
        return "error", err


def _judge_ex7_1(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for args in _EX7_1_CASES:
        want_kind, want = _outcome(solution_ex7_1, args)
        try:
            got_kind, got = _outcome(learner_fn, args)
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        call, kind = f"resolve_device{args}", args[0].split(":")[0]
        if want_kind == "error" and got_kind == "value":
            return Verdict(False, f"{FAIL} {name}: " + EX7_1_MISTAKES["silent fallback"].format(call=call, got=got, kind=kind))
        if want_kind == "error" and not isinstance(got, ValueError):
            return Verdict(False, f"{FAIL} {name}: {call} raised {describe_error(got)}; raise a ValueError instead.")
        if want_kind == "value" and got_kind == "error":
            if isinstance(got, ValueError) and ":" in args[0]:
                return Verdict(False, f"{FAIL} {name}: " + EX7_1_MISTAKES["whole name as the kind"].format(call=call))
            return Verdict(False, f"{FAIL} {name}: {call} raised {describe_error(got)}; expected {want!r}.")
        if want_kind == "error":
            continue
        if isinstance(got, torch.device):
            return Verdict(False, f"{FAIL} {name}: {call} returned {got!r}, a torch.device; the exercise asks for the "
                                  f"name as a string, {want!r} (`str(device)` converts).")
        if got == "mps" and want == "cuda":
            return Verdict(False, f"{FAIL} {name}: {call}: " + EX7_1_MISTAKES["MPS before CUDA"])
        if got == want.split(":")[0] != want:
            return Verdict(False, f"{FAIL} {name}: " + EX7_1_MISTAKES["index dropped"].format(call=call, got=got, want=want))
        if got != want:
            missing = " (is the `return` missing?)" if got is None else ""
            return Verdict(False, f"{FAIL} {name}: {call} returned {got!r}, expected {want!r}{missing}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX7_1_CASES)} test inputs.")


def check_ex7_1(learner_fn: Callable[[str, bool, bool], str]) -> Verdict:
    """Check ``resolve_device(requested, cuda_available, mps_available)``. Introduced in: 07_devices.ipynb"""
    return judged("Exercise 7.1 (resolve_device)", learner_fn, _judge_ex7_1)


# ---------------------------------------------------------------- Exercise 7.2: move a whole batch


def solution_ex7_2(batch: Any, device: torch.device | str) -> Any:
    """The same structure with every tensor moved to ``device``; anything else unchanged.

    Tuples stay tuples, lists lists, dicts dicts (same keys), nested to any depth; new
    containers, so the caller's batch stays as it was. Introduced in: 07_devices.ipynb
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


#: The misconceptions Exercise 7.2's checker names, and what it tells a learner.
EX7_2_MISTAKES = {
    "only the top level moved": (
        "only the top level was moved: {where} sits inside a nested container and stayed on {got_device}, "
        "while the tensors directly in the batch moved. A container inside the batch needs the same treatment "
        "as the batch itself: call to_device on each of its elements, whatever the depth (hint 3)."),
    "the result of .to() thrown away": (
        "{where} stayed on {got_device}: `tensor.to(device)` does not move the tensor you call it on, it "
        "returns a moved copy (section 3), so build the result from what `.to` returns."),
    "container type changed": (
        "{where} is a {got}, expected a {want}: build the same kind of container as the one you got "
        "(`type(batch)(...)` for a tuple or a list), since code downstream may unpack or index it as it was."),
    "caller's batch changed": (
        "your function changed the batch it was given ({what}): build new containers and leave the caller's "
        "batch as it was, since the caller may still use it (e.g. a DataLoader's batch, or your own X on the CPU)."),
}

#: PyTorch's (and Python's) messages a learner meets in 7.2, and what to change.
EX7_2_ERRORS = (
    (r"'(str|int|float|NoneType)' object has no attribute 'to'", (
        "only tensors have `.to()`: return anything that is not a tensor, list, tuple or dict unchanged")),
)


def _depths(batch: Any, depth: int = 0, where: str = "the result") -> Iterator[tuple[int, str, Any]]:
    """(depth, where, tensor) for every tensor in a batch; depth 0 is the batch itself."""
    if isinstance(batch, torch.Tensor):
        yield depth, where, batch
    elif isinstance(batch, dict):
        for key, value in batch.items():
            yield from _depths(value, depth + 1, f"{where}[{key!r}]")
    elif isinstance(batch, (tuple, list)):
        for i, value in enumerate(batch):
            yield from _depths(value, depth + 1, f"{where}[{i}]")


def _structure(batch: Any) -> Any:
    """What the caller's batch is made of: every container's identity and items (to see in-place edits)."""
    if isinstance(batch, dict):
        return ("dict", id(batch), [(k, id(v), _structure(v)) for k, v in batch.items()])
    if isinstance(batch, (tuple, list)):
        return (type(batch).__name__, id(batch), [(id(v), _structure(v)) for v in batch])
    if isinstance(batch, torch.Tensor):
        return ("tensor", id(batch), batch.device)
    return ("other", id(batch))


def _difference_ex7_2(got: Any, want: Any, where: str) -> tuple[str, str] | None:
    """(kind, sentence) for the first place where ``got`` differs from ``want``; kind "device" or "other"."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return "other", f"{where} is a {type(got).__name__}, expected a tensor"
        if got.device != want.device:
            return "device", f"{where} is on {got.device}, expected {want.device}"
        if got.shape != want.shape or got.dtype != want.dtype:
            return "other", f"{where} is {tuple(got.shape)} {got.dtype}, expected {tuple(want.shape)} {want.dtype}"
        if want.device.type != "meta" and not torch.equal(got, want):
            return "other", f"{where} has other values than the tensor given"
        return None
    if type(got) is not type(want):
        if isinstance(got, (tuple, list)) and isinstance(want, (tuple, list)):
            return "container", EX7_2_MISTAKES["container type changed"].format(
                where=where, got=type(got).__name__, want=type(want).__name__)
        return "other", f"{where} is a {type(got).__name__}, expected a {type(want).__name__}"
    if isinstance(want, dict):
        if list(got) != list(want):
            return "other", f"{where} has keys {list(got)}, expected {list(want)}"
        pairs = [(got[k], want[k], f"{where}[{k!r}]") for k in want]
    elif isinstance(want, (tuple, list)):
        if len(got) != len(want):
            return "other", f"{where} has {len(got)} items, expected {len(want)}"
        pairs = [(g, w, f"{where}[{i}]") for i, (g, w) in enumerate(zip(got, want))]
    else:
        return None if got == want else ("other", f"{where} is {got!r}, expected {want!r}")
    return next((p for p in (_difference_ex7_2(*pair) for pair in pairs) if p), None)


def _name_ex7_2(got: Any, want: Any, device: str, kind: str, sentence: str) -> str:
    """The message for a wrong result: a named misconception where the tensors' places show one."""
    if kind == "container":
        return sentence
    if kind != "device":
        return sentence + "."
    stayed = [(d, w, t.device) for d, w, t in _depths(got) if t.device != torch.device(device)]
    moved = [d for d, _, t in _depths(got) if t.device == torch.device(device)]
    depth, where, got_device = stayed[0]
    if depth >= 2 and moved and min(moved) < depth:
        return EX7_2_MISTAKES["only the top level moved"].format(where=where, got_device=got_device)
    return EX7_2_MISTAKES["the result of .to() thrown away"].format(where=where, got_device=got_device)


def _judge_ex7_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    cases = _ex7_2_cases()
    for i, (batch, device) in enumerate(cases, start=1):
        want = solution_ex7_2(batch, device)
        where = f"on input {i} (a {type(batch).__name__}, to {device!r})"
        before = _structure(batch)
        got, failed = call_watched(name, learner_fn, (batch, device), where, EX7_2_ERRORS)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {where} it returned None (is the `return` missing?).")
        if _structure(batch) != before:
            what = "a container in it now holds other objects" if got is not batch else "it returned the batch itself, edited"
            return Verdict(False, f"{FAIL} {name}: {where} " + EX7_2_MISTAKES["caller's batch changed"].format(what=what))
        problem = _difference_ex7_2(got, want, "the result")
        if problem:
            return Verdict(False, f"{FAIL} {name}: {where} {_name_ex7_2(got, want, device, *problem)}")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs, the caller's batches unchanged.")


def check_ex7_2(learner_fn: Callable[[Any, torch.device | str], Any]) -> Verdict:
    """Check ``to_device(batch, device)`` on tuples, lists, dicts, nested. Introduced in: 07_devices.ipynb"""
    return judged("Exercise 7.2 (to_device)", learner_fn, _judge_ex7_2)


# ---------------------------------------------------------------- Exercise 7.3: timing a device


def solution_ex7_3(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    """Seconds per call of ``fn()``, averaged over ``repeats`` timed calls after one untimed warm-up call.

    ``synchronize()`` waits until the device has finished all queued work (``torch.cuda.synchronize``
    on a GPU; a function that does nothing on the CPU). Introduced in: 07_devices.ipynb
    """
    fn()  # warm-up: the first call also loads libraries and picks kernels; not timed
    synchronize()  # the warm-up and anything queued earlier must finish before the clock starts
    start = time.perf_counter()
    for _ in range(repeats):
        fn()  # on a GPU this only queues the work; the next call is queued while it runs
    synchronize()  # wait for the work itself, not just its launch
    return (time.perf_counter() - start) / repeats


class _SimulatedDevice:
    """A device on a simulated clock, so timing it is exact and instant.

    Asynchronous (a GPU): ``launch()`` costs ``launch_s`` of the CPU's time and queues its work (the
    first call ``first_s``, the warm-up; each later one ``work_s``); ``synchronize()`` moves the clock
    on to when the queue is empty; ``queued_s`` of work is queued before the measurement starts.
    Synchronous (a CPU): ``launch()`` does its work before it returns; ``synchronize()`` has nothing
    to wait for. ``clock()`` is what the learner's ``time.perf_counter()`` reads during the check.
    """

    def __init__(self, work_s: float, first_s: float, launch_s: float, queued_s: float, asynchronous: bool) -> None:
        self.work_s, self.first_s, self.launch_s, self.asynchronous = work_s, first_s, launch_s, asynchronous
        self.now, self.busy_until = 0.0, queued_s
        self.calls, self.events = 0, []

    def launch(self) -> None:
        work = self.first_s if self.calls == 0 else self.work_s
        self.calls += 1
        self.events.append("fn()")
        if self.asynchronous:
            self.now += self.launch_s
            self.busy_until = max(self.busy_until, self.now) + work
        else:
            self.now += work

    def synchronize(self) -> None:
        self.events.append("synchronize()")
        self.now = max(self.now, self.busy_until)

    def clock(self) -> float:
        self.events.append("clock")
        return self.now


_CLOCKS = ("perf_counter", "monotonic", "time")


@contextlib.contextmanager
def _simulated_clock(fn: Any, device: _SimulatedDevice) -> Iterator[None]:
    """While the learner's ``fn`` runs, its ``time.perf_counter()`` (and monotonic, time, their _ns forms)
    read ``device``'s clock: the names in fn's own globals are swapped, and put back afterwards."""
    namespace = getattr(fn, "__globals__", None)
    clocks = {name: device.clock for name in _CLOCKS}
    clocks.update({f"{name}_ns": (lambda: int(device.clock() * 1e9)) for name in _CLOCKS})
    originals = {getattr(time, name): name for name in clocks}
    swapped = {}
    if isinstance(namespace, dict):
        for key, value in list(namespace.items()):
            if value is time:
                proxy = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if not k.startswith("__")})
                for name, clock in clocks.items():
                    setattr(proxy, name, clock)
                swapped[key] = value
                namespace[key] = proxy
            else:
                clock = next((clocks[n] for original, n in originals.items() if value is original), None)
                if clock is not None:  # `from time import perf_counter`
                    swapped[key] = value
                    namespace[key] = clock
    try:
        yield
    finally:
        if isinstance(namespace, dict):
            namespace.update(swapped)


# (repeats, seconds of work per call, of the first call, of CPU time per launch, queued before, asynchronous)
_EX7_3_CASES = [
    (4, 0.050, 0.300, 0.010, 0.200, True),
    (3, 0.030, 0.250, 0.020, 0.0, True),
    (5, 0.040, 0.200, 0.0, 0.0, False),  # a synchronous device, as the CPU: each call works before it returns
]


def _no_final_sync(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    fn()
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def _no_sync_before_start(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def _sync_in_loop(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    fn()
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
        synchronize()
    return (time.perf_counter() - start) / repeats


def _warm_up_timed(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    synchronize()
    start = time.perf_counter()
    fn()
    for _ in range(repeats):
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def _start_in_loop(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    fn()
    synchronize()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def _total(fn: Callable[[], Any], synchronize: Callable[[], None], repeats: int) -> float:
    return solution_ex7_3(fn, synchronize, repeats) * repeats


#: The misconceptions Exercise 7.3's checker names: (name, what the mistaken code does, the message).
EX7_3_MISTAKES = (
    ("no synchronize before reading the clock", _no_final_sync, (
        "that is the time to LAUNCH the calls, not to run them: the device was still working when you read the "
        "clock. Call synchronize() after the loop, before reading the clock (section 4).")),
    ("no synchronize before starting the clock", _no_sync_before_start, (
        "the warm-up call's work (and work queued before it) was still running when the clock started, and "
        "was counted: call synchronize() after the warm-up, before reading the start time.")),
    ("synchronize inside the loop", _sync_in_loop, (
        "waiting after every call adds each launch to the time and stops the CPU from queueing the next call "
        "while the device works, which is not how the calls run in training: synchronize once before the "
        "start and once after the loop.")),
    ("warm-up inside the timing", _warm_up_timed, (
        "the warm-up call was timed with the others: its one-off costs (loading libraries, choosing kernels) "
        "are not what a call costs. Make the warm-up call before reading the start time.")),
    ("start inside the loop", _start_in_loop, (
        "`start` was read again in every pass of the loop, so only the last call (and whatever was still "
        "queued) was timed: read the start time once, before the loop.")),
    ("total instead of per call", _total, (
        "that is the total for all the timed calls: divide by `repeats` to get the time per call.")),
)


def _run_on(fn: Callable[..., Any], case: tuple) -> tuple[Any, _SimulatedDevice, BaseException | None]:
    repeats, work, first, launch, queued, asynchronous = case
    device = _SimulatedDevice(work, first, launch, queued, asynchronous)
    with _simulated_clock(fn, device):
        try:
            return fn(device.launch, device.synchronize, repeats), device, None
        except Exception as err:  # noqa: BLE001 - reported by the caller
            return None, device, err


def _calls(events: list[str]) -> str:
    """"fn(), synchronize(), clock, fn() ×4, ...": a learner's calls in order, runs compressed."""
    runs: list[list[Any]] = []
    for event in events:
        if runs and runs[-1][0] == event:
            runs[-1][1] += 1
        else:
            runs.append([event, 1])
    return ", ".join(f"{e} ×{n}" if n > 1 else e for e, n in runs)


def _judge_ex7_3(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for i, case in enumerate(_EX7_3_CASES, start=1):
        repeats, work, first, launch, queued, asynchronous = case
        kind = "an asynchronous device, like a GPU" if asynchronous else "a synchronous device, like the CPU"
        what = (f"on input {i} ({kind}, simulated: {repeats} timed calls of {work * 1000:.0f} ms of work after "
                f"a {first * 1000:.0f} ms first call)")
        want, reference, _ = _run_on(solution_ex7_3, case)
        got, device, err = _run_on(learner_fn, case)
        if isinstance(err, NotImplementedError):
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        if err is not None:
            return Verdict(False, f"{FAIL} {name}: {what} your code raised {describe_error(err)}")
        if got is None:
            return Verdict(False, f"{FAIL} {name}: {what} it returned None (is the `return` missing?).")
        problem = wrong_type(got, want)
        if problem:
            return Verdict(False, f"{FAIL} {name}: {what} {problem}.")
        yours = f" (what your function did: {_calls(device.events)})"
        if "clock" not in device.events:
            return Verdict(False, (
                f"{FAIL} {name}: {what} your function read no clock the checker could see: read it with "
                f"`time.perf_counter()` (with `import time` at the top of the notebook); the checker gives that "
                f"name a simulated clock while it runs{yours}."))
        if device.calls != repeats + 1:
            return Verdict(False, (
                f"{FAIL} {name}: {what} fn was called {device.calls} times, expected {repeats + 1}: one untimed "
                f"warm-up call, then `repeats` = {repeats} timed calls{yours}."))
        if abs(got - want) <= 1e-6 * abs(want):
            continue
        measured = f"it measured {got * 1000:.1f} ms per call, expected {want * 1000:.1f} ms"
        for mistake, wrong_fn, message in EX7_3_MISTAKES:
            wrong, _, _ = _run_on(wrong_fn, case)
            if wrong is not None and abs(got - wrong) <= 1e-6 * abs(wrong):
                return Verdict(False, f"{FAIL} {name}: {what} {measured}: {message}{yours}")
        return Verdict(False, (
            f"{FAIL} {name}: {what} {measured}{yours}. The order that measures the work: fn() (warm-up), "
            f"synchronize(), clock, fn() ×{repeats}, synchronize(), clock, then divide by repeats."))
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX7_3_CASES)} test inputs (asynchronous and synchronous).")


def check_ex7_3(learner_fn: Callable[[Callable[[], Any], Callable[[], None], int], float]) -> Verdict:
    """Check ``time_per_call(fn, synchronize, repeats)`` on simulated devices with a simulated clock.

    Introduced in: 07_devices.ipynb
    """
    return judged("Exercise 7.3 (time_per_call)", learner_fn, _judge_ex7_3)


HINTS = {
    "7.1": (
        "Two different questions share one function: for \"auto\", walk down a fixed order of preference; "
        "for anything else, only check that the machine has that kind and hand the name back as it was.",
        "Section 2's choose_device_by_hand cell is the \"auto\" half. For the check, the kind is the part "
        "before a colon (\"cuda:1\".split(\":\")[0] is \"cuda\"), looked up in a dict of what the machine has.",
        "if requested == \"auto\":\n       return ___  # CUDA, else MPS, else the CPU\n"
        "   available = {\"cuda\": cuda_available, \"mps\": mps_available, \"cpu\": True}\n"
        "   if not available.get(___, False):\n       raise ValueError(...)\n   return ___",
    ),
    "7.2": (
        "Recursion: a batch is either a tensor (move it), a container (treat each element as a batch of its "
        "own) or anything else (keep it). Nested containers then need no extra code.",
        "Section 3's first cell shows that `x.to(device)` returns the moved tensor and leaves x where it was: "
        "use the value it returns, and build new containers rather than filling the old ones.",
        "if isinstance(batch, torch.Tensor):  return ___\n"
        "   if isinstance(batch, dict):  return {k: to_device(___, device) for k, v in batch.items()}\n"
        "   if isinstance(batch, (tuple, list)):  return type(batch)(to_device(___, device) for v in batch)\n"
        "   return batch",
    ),
    "7.3": (
        "A stopwatch measures honestly only when the device is idle at both clicks: idle when you start (earlier "
        "work done), and idle again when you stop (your work done). Between the clicks, let the calls queue freely.",
        "Section 4's SimulatedGPU cell shows both readings: without synchronize() the clock stops at the launch; "
        "with it, at the end of the work. The first call is slower than the rest: keep it out of the timing.",
        "fn()\n   synchronize()\n   start = time.perf_counter()\n   for _ in range(___):\n       ___\n"
        "   ___\n   return (time.perf_counter() - start) / ___",
    ),
}
