"""The checkers of 07_devices.ipynb: right answers pass; every named misconception, written as a learner
would write it, is rejected with its own message; other wrong answers fail and say why."""

from __future__ import annotations

import time
from time import perf_counter

import pytest
import torch

from checker_calls import not_done, returns_none, run
from helpers.checks import hint, show_solution
from helpers.checks.devices import (
    _EX7_1_CASES,
    _EX7_3_CASES,
    EX7_1_MISTAKES,
    EX7_2_MISTAKES,
    EX7_3_MISTAKES,
    HINTS,
    _run_on,
    _SimulatedDevice,
    check_ex7_1,
    check_ex7_2,
    check_ex7_3,
    solution_ex7_1,
    solution_ex7_2,
    solution_ex7_3,
)
from helpers.devices import synchronize

CHECKERS = [check_ex7_1, check_ex7_2, check_ex7_3]


def _start(message: str) -> str:
    """The fixed opening words of a message template (before its first placeholder)."""
    return message.split("{")[0][:60]


# --- the reference solutions do what the notebook says ---------------------------------------


def test_solution_ex7_1_order_and_errors():
    assert solution_ex7_1("auto", False, False) == "cpu"
    assert solution_ex7_1("auto", False, True) == "mps"
    assert solution_ex7_1("auto", True, True) == "cuda"
    assert solution_ex7_1("cuda:1", True, False) == "cuda:1"
    assert solution_ex7_1("cpu", True, True) == "cpu"
    for args in [("cuda", False, True), ("mps", True, False), ("tpu", True, True)]:
        with pytest.raises(ValueError):
            solution_ex7_1(*args)


def test_solution_ex7_1_agrees_with_helpers_choose_device(monkeypatch):
    """The exercise's decision is the one helpers.devices.choose_device makes (mocked machines)."""
    from helpers import devices

    monkeypatch.delenv(devices.DEVICE_ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: "Test GPU")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    for cuda in (False, True):
        for mps in (False, True):
            monkeypatch.setattr(torch.cuda, "is_available", lambda cuda=cuda: cuda)
            monkeypatch.setattr(devices, "_mps_available", lambda mps=mps: mps)
            assert str(devices.choose_device("auto").device) == solution_ex7_1("auto", cuda, mps)
            for requested in ("cpu", "cuda", "cuda:1", "mps"):
                try:
                    want = solution_ex7_1(requested, cuda, mps)
                except ValueError:
                    with pytest.raises(devices.DeviceUnavailableError):
                        devices.choose_device(requested)
                else:
                    assert str(devices.choose_device(requested).device) == want


def test_ex7_1_cases_cover_every_branch():
    outcomes = set()
    for args in _EX7_1_CASES:
        try:
            outcomes.add(solution_ex7_1(*args))
        except ValueError:
            outcomes.add("error")
    assert outcomes == {"cpu", "cuda", "mps", "cuda:1", "error"}


def test_solution_ex7_2_moves_every_tensor_and_keeps_the_rest():
    X, y = torch.ones(2, 3), torch.arange(2)
    batch = {"inputs": (X, [y, "name"]), "n": 2}
    moved = solution_ex7_2(batch, "meta")
    assert moved["inputs"][0].device.type == "meta" and moved["inputs"][1][0].device.type == "meta"
    assert type(moved["inputs"]) is tuple and type(moved["inputs"][1]) is list
    assert moved["inputs"][1][1] == "name" and moved["n"] == 2
    assert X.device.type == "cpu" and batch["inputs"][0] is X, "the input batch is not changed"
    assert solution_ex7_2(X, "cpu") is X, "Tensor.to returns the same tensor when nothing changes"


def test_the_simulated_device_runs_like_a_gpus_queue():
    """What the 7.3 checker relies on: a launch costs the CPU little and queues the work; synchronize waits."""
    device = _SimulatedDevice(work_s=0.05, first_s=0.3, launch_s=0.01, queued_s=0.2, asynchronous=True)
    device.launch()
    assert device.clock() == pytest.approx(0.01)  # the launch returned; the work (after the queued 0.2 s) runs on
    device.synchronize()
    assert device.clock() == pytest.approx(0.2 + 0.3)  # the queue first, then the warm-up's work
    cpu = _SimulatedDevice(work_s=0.04, first_s=0.2, launch_s=0.0, queued_s=0.0, asynchronous=False)
    cpu.launch()
    assert cpu.clock() == pytest.approx(0.2)  # synchronous: the call returns when its work is done
    cpu.synchronize()
    assert cpu.clock() == pytest.approx(0.2)


def test_solution_ex7_3_measures_the_work_per_call():
    for case in _EX7_3_CASES:
        repeats, work, first, launch, queued, asynchronous = case
        seconds, device, err = _run_on(solution_ex7_3, case)
        assert err is None and device.calls == repeats + 1
        # the timed calls queue behind each other: one launch, then `repeats` works back to back
        assert seconds == pytest.approx(work + launch / repeats if asynchronous else work)


def test_every_ex7_3_mistake_gives_its_own_number_on_an_asynchronous_case():
    for case in _EX7_3_CASES[:2]:
        values = [_run_on(solution_ex7_3, case)[0]] + [_run_on(fn, case)[0] for _, fn, _ in EX7_3_MISTAKES]
        assert len({round(v, 9) for v in values}) == len(values), (case, values)


def test_solution_ex7_3_times_real_work_too():
    """On a real synchronous function (it sleeps), with the real clock and a no-op synchronize."""
    seconds = solution_ex7_3(lambda: time.sleep(0.02), lambda: None, 3)
    assert 0.02 <= seconds < 0.2


# --- every checker passes its solution and other correct ways ----------------------------------


def resolve_in_another_order(requested, cuda_available, mps_available):
    """Correct, written differently: the check first, then "auto" by a loop."""
    have = {"cpu": True, "cuda": cuda_available, "mps": mps_available}
    if requested != "auto":
        if not have.get(requested.partition(":")[0]):
            raise ValueError(f"no {requested}")
        return requested
    for name in ("cuda", "mps", "cpu"):
        if have[name]:
            return name


def to_device_with_match(batch, device):
    match batch:
        case torch.Tensor():
            return batch.to(device)
        case dict():
            return {k: to_device_with_match(v, device) for k, v in batch.items()}
        case list():
            return [to_device_with_match(v, device) for v in batch]
        case tuple():
            return tuple(to_device_with_match(v, device) for v in batch)
        case _:
            return batch


def time_with_perf_counter_imported(fn, synchronize, repeats):
    """Correct: `from time import perf_counter` (the checker swaps that name too), sync before warm-up too."""
    synchronize()
    fn()
    synchronize()
    start = perf_counter()
    for _ in range(repeats):
        fn()
    synchronize()
    return (perf_counter() - start) / repeats


def time_in_nanoseconds(fn, synchronize, repeats):
    fn()
    synchronize()
    start = time.perf_counter_ns()
    for _ in range(repeats):
        fn()
    synchronize()
    return (time.perf_counter_ns() - start) / 1e9 / repeats


@pytest.mark.parametrize(
    "checker, fn",
    [
        (check_ex7_1, solution_ex7_1),
        (check_ex7_1, resolve_in_another_order),
        (check_ex7_2, solution_ex7_2),
        (check_ex7_2, to_device_with_match),
        (check_ex7_3, solution_ex7_3),
        (check_ex7_3, time_with_perf_counter_imported),
        (check_ex7_3, time_in_nanoseconds),
    ],
)
def test_checker_accepts_correct_answers(checker, fn, capsys):
    ok, out = run(checker, fn, capsys)
    assert ok, out
    assert out.startswith("✅") and "correct on all" in out


def test_the_simulated_clock_is_put_back(capsys):
    run(check_ex7_3, time_with_perf_counter_imported, capsys)
    assert time.perf_counter is perf_counter and globals()["time"] is time
    assert globals()["perf_counter"] is perf_counter


# --- 7.1: each misconception by name, as a learner writes it -----------------------------------


def mps_first(requested, cuda_available, mps_available):  # "MPS before CUDA"
    if requested == "auto":
        return "mps" if mps_available else "cuda" if cuda_available else "cpu"
    return solution_ex7_1(requested, cuda_available, mps_available)


def falls_back(requested, cuda_available, mps_available):  # "silent fallback"
    available = {"cuda": cuda_available, "mps": mps_available, "cpu": True}
    if requested == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    return requested if available.get(requested.split(":")[0]) else "cpu"


def drops_index(requested, cuda_available, mps_available):  # "index dropped"
    available = {"cuda": cuda_available, "mps": mps_available, "cpu": True}
    if requested == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    kind = requested.split(":")[0]
    if not available.get(kind, False):
        raise ValueError(requested)
    return kind


def whole_name(requested, cuda_available, mps_available):  # "whole name as the kind"
    available = {"cuda": cuda_available, "mps": mps_available, "cpu": True}
    if requested == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    if not available.get(requested, False):
        raise ValueError(requested)
    return requested


@pytest.mark.parametrize("fn, mistake, detail", [
    (mps_first, "MPS before CUDA", "resolve_device('auto', True, True): with both"),
    (falls_back, "silent fallback", "resolve_device('cuda', False, True) returned 'cpu'; it should raise a ValueError"),
    (drops_index, "index dropped", "resolve_device('cuda:1', True, False) returned 'cuda', expected 'cuda:1'"),
    (whole_name, "whole name as the kind", "resolve_device('cuda:1', True, False) raised ValueError although"),
])
def test_check_ex7_1_names_each_misconception(fn, mistake, detail, capsys):
    ok, out = run(check_ex7_1, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 7.1 (resolve_device): ")
    assert _start(EX7_1_MISTAKES[mistake]) in out and detail in out, out


def test_ex7_1_other_exception_types_are_named(capsys):
    def key_error(requested, cuda, mps):
        if requested == "auto":
            return solution_ex7_1(requested, cuda, mps)
        if not {"cpu": True, "cuda": cuda, "mps": mps}[requested.split(":")[0]]:  # KeyError for "tpu"
            raise ValueError(requested)
        return requested

    ok, out = run(check_ex7_1, key_error, capsys)
    assert not ok and "raised KeyError" in out and "raise a ValueError instead" in out


def test_ex7_1_a_device_object_is_not_the_string_asked_for(capsys):
    ok, out = run(check_ex7_1, lambda requested, cuda, mps: torch.device(solution_ex7_1(requested, cuda, mps)), capsys)
    assert not ok and "returned device(type='cpu'), a torch.device; the exercise asks for the name as a string" in out


def test_ex7_1_a_name_that_is_no_device_is_reported_not_raised(capsys):
    ok, out = run(check_ex7_1, lambda requested, cuda, mps: "gpu", capsys)
    assert not ok and "returned 'gpu', expected 'cpu'" in out


# --- 7.2: each misconception by name, as a learner writes it -----------------------------------


def one_level(batch, device):  # "only the top level moved"
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    return type(batch)(v.to(device) if isinstance(v, torch.Tensor) else v for v in batch)


def forgets_the_result(batch, device):  # "the result of .to() thrown away"
    if isinstance(batch, torch.Tensor):
        batch.to(device)
        return batch
    for t in batch:
        t.to(device)  # returns a new tensor, which is thrown away
    return batch


def always_a_list(batch, device):  # "container type changed"
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: always_a_list(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [always_a_list(v, device) for v in batch]
    return batch


def moves_in_place(batch, device):  # "caller's batch changed"
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for key, value in batch.items():
            batch[key] = moves_in_place(value, device)
        return batch
    if isinstance(batch, list):
        for i, value in enumerate(batch):
            batch[i] = moves_in_place(value, device)
        return batch
    if isinstance(batch, tuple):
        return tuple(moves_in_place(v, device) for v in batch)
    return batch


@pytest.mark.parametrize("fn, mistake, detail", [
    (one_level, "only the top level moved", "on input 4 (a dict, to 'meta') only the top level was moved: the result['inputs'][0]"),
    (forgets_the_result, "the result of .to() thrown away", "on input 1 (a tuple, to 'meta') the result[0] stayed on cpu"),
    (always_a_list, "container type changed", "on input 1 (a tuple, to 'meta') the result is a list, expected a tuple"),
    (moves_in_place, "caller's batch changed", "on input 2 (a list, to 'meta') your function changed the batch it was given"),
])
def test_check_ex7_2_names_each_misconception(fn, mistake, detail, capsys):
    ok, out = run(check_ex7_2, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 7.2 (to_device): ")
    assert _start(EX7_2_MISTAKES[mistake]) in out and detail in out, out


def test_ex7_2_calling_to_on_everything_is_translated(capsys):
    def moves_everything(batch, device):
        if isinstance(batch, dict):
            return {k: v.to(device) for k, v in batch.items()}  # "digit".to(...) fails
        return solution_ex7_2(batch, device)

    ok, out = run(check_ex7_2, moves_everything, capsys)
    assert not ok and "on input 3" in out and "raised AttributeError: 'str' object has no attribute 'to'" in out
    assert "only tensors have `.to()`" in out and "Traceback" not in out


def test_ex7_2_dropping_non_tensors_is_caught(capsys):
    def tensors_only(batch, device):
        if isinstance(batch, dict):
            return {k: solution_ex7_2(v, device) for k, v in batch.items() if isinstance(v, torch.Tensor)}
        return solution_ex7_2(batch, device)

    ok, out = run(check_ex7_2, tensors_only, capsys)
    assert not ok and "on input 3" in out and "has keys ['image', 'label'], expected ['image', 'label', 'name']" in out


def test_ex7_2_changed_values_are_caught(capsys):
    ok, out = run(check_ex7_2, lambda b, d: solution_ex7_2(b, d) if d == "meta" else (b[0] * 1.5, b[1]), capsys)
    assert not ok and "on input 6" in out and "other values" in out


def test_ex7_2_changed_dtype_is_caught(capsys):
    def as_float64(batch, device):
        moved = solution_ex7_2(batch, device)
        return (moved[0].double(), moved[1]) if isinstance(moved, tuple) else moved

    ok, out = run(check_ex7_2, as_float64, capsys)
    assert not ok and "torch.float64, expected (4, 1, 28, 28) torch.float32" in out


# --- 7.3: each misconception by name, as a learner writes it -----------------------------------


def no_final_sync(fn, synchronize, repeats):  # "no synchronize before reading the clock"
    fn()
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def no_sync_after_warm_up(fn, synchronize, repeats):  # "no synchronize before starting the clock"
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def sync_every_call(fn, synchronize, repeats):  # "synchronize inside the loop"
    fn()
    synchronize()
    total = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize()
        total += time.perf_counter() - start
    return total / repeats


def warm_up_timed(fn, synchronize, repeats):  # "warm-up inside the timing"
    synchronize()
    start = time.perf_counter()
    fn()  # the warm-up, inside the measurement
    for _ in range(repeats):
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def start_in_the_loop(fn, synchronize, repeats):  # "start inside the loop"
    fn()
    synchronize()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
    synchronize()
    return (time.perf_counter() - start) / repeats


def returns_the_total(fn, synchronize, repeats):  # "total instead of per call"
    fn()
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    synchronize()
    return time.perf_counter() - start


@pytest.mark.parametrize("fn, mistake, detail", [
    (no_final_sync, "no synchronize before reading the clock", "it measured 10.0 ms per call, expected 52.5 ms"),
    (no_sync_after_warm_up, "no synchronize before starting the clock", "it measured 172.5 ms per call"),
    (sync_every_call, "synchronize inside the loop", "it measured 60.0 ms per call"),
    (warm_up_timed, "warm-up inside the timing", "it measured 127.5 ms per call"),
    (start_in_the_loop, "start inside the loop", "it measured 45.0 ms per call"),
    (returns_the_total, "total instead of per call", "it measured 210.0 ms per call"),
])
def test_check_ex7_3_names_each_misconception(fn, mistake, detail, capsys):
    ok, out = run(check_ex7_3, fn, capsys)
    message = next(m for name, _, m in EX7_3_MISTAKES if name == mistake)
    assert not ok and out.startswith("❌ Exercise 7.3 (time_per_call): on input 1 (an asynchronous device, like a GPU")
    assert message in out and detail in out and "what your function did: " in out, out


def test_ex7_3_start_inside_the_loop_fails_on_a_synchronous_function_too(capsys):
    """Without a queue (the CPU), the loop-start mistake still times only the last call."""
    case = _EX7_3_CASES[2]
    assert not case[-1], "the third case is synchronous"
    assert _run_on(start_in_the_loop, case)[0] == pytest.approx(case[1] / case[0])  # one call's work / repeats
    assert _run_on(solution_ex7_3, case)[0] == pytest.approx(case[1])


def test_ex7_3_forgetting_the_warm_up_is_counted(capsys):
    def no_warm_up(fn, synchronize, repeats):
        synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        synchronize()
        return (time.perf_counter() - start) / repeats

    ok, out = run(check_ex7_3, no_warm_up, capsys)
    assert not ok and "fn was called 4 times, expected 5: one untimed warm-up call" in out


def test_ex7_3_a_clock_the_checker_cannot_see_is_named(capsys):
    import datetime

    def wall_clock(fn, synchronize, repeats):
        fn()
        synchronize()
        start = datetime.datetime.now()
        for _ in range(repeats):
            fn()
        synchronize()
        return (datetime.datetime.now() - start).total_seconds() / repeats

    ok, out = run(check_ex7_3, wall_clock, capsys)
    assert not ok and "read no clock the checker could see" in out and "time.perf_counter()" in out


def test_ex7_3_milliseconds_instead_of_seconds_is_wrong(capsys):
    def in_milliseconds(fn, synchronize, repeats):
        fn()
        synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        synchronize()
        return (time.perf_counter() - start) * 1000 / repeats

    ok, out = run(check_ex7_3, in_milliseconds, capsys)
    assert not ok and "it measured 52500.0 ms per call, expected 52.5 ms" in out


def test_ex7_3_a_tensor_result_is_not_seconds(capsys):
    ok, out = run(check_ex7_3, lambda fn, sync, repeats: torch.tensor(solution_ex7_3(fn, sync, repeats)), capsys)
    assert not ok and "expected a Python float with `.item()`" in out


# --- all three ---------------------------------------------------------------------------------


@pytest.mark.parametrize("checker", CHECKERS)
def test_unfinished_stub_is_not_done_yet(checker, capsys):
    ok, out = run(checker, not_done, capsys)
    assert not ok and out.startswith("❌") and "not done yet" in out


@pytest.mark.parametrize("checker", CHECKERS)
def test_missing_return_is_reported(checker, capsys):
    ok, out = run(checker, returns_none, capsys)
    assert not ok and "returned None" in out and "return" in out


@pytest.mark.parametrize("checker, title", [
    (check_ex7_1, "check_ex7_1(resolve_device)"),
    (check_ex7_2, "check_ex7_2(to_device)"),
    (check_ex7_3, "check_ex7_3(time_per_call)"),
])
@pytest.mark.parametrize("value", [None, torch.ones(2)])
def test_not_a_function_says_pass_the_function(checker, title, value, capsys):
    ok, out = run(checker, value, capsys)
    assert not ok and "Pass the function itself" in out and title in out


def test_every_named_misconception_has_a_test():
    source = open(__file__, encoding="utf-8").read().split("def test_every_named_misconception")[0]
    names = [*EX7_1_MISTAKES, *EX7_2_MISTAKES, *(name for name, _, _ in EX7_3_MISTAKES)]
    missing = [name for name in names if f'"{name}"' not in source]
    assert not missing, f"misconceptions without a learner-written wrong answer in these tests: {missing}"


@pytest.mark.parametrize("exercise", ["7.1", "7.2", "7.3"])
def test_every_exercise_has_a_ladder_and_a_solution(exercise, capsys):
    assert 3 <= len(HINTS[exercise]) <= 4
    for number in range(1, len(HINTS[exercise]) + 1):
        hint(exercise, number)
        assert HINTS[exercise][number - 1] in capsys.readouterr().out
    show_solution(exercise)
    out = capsys.readouterr().out
    assert f"def solution_ex7_{exercise[-1]}(" in out and "return" in out


# --- helpers.devices.synchronize: the right call per device (CUDA and MPS mocked) ---------------


def test_synchronize_calls_cuda_for_a_cuda_device(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(("cuda", device)))
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append(("mps", None)))
    synchronize("cuda:1")
    synchronize(torch.device("mps"))
    synchronize("cpu")  # the CPU queues nothing: no call
    synchronize("meta")
    assert calls == [("cuda", torch.device("cuda:1")), ("mps", None)]


def test_ex7_2_a_default_device_left_behind_is_named(capsys):
    def sets_the_default(batch, device):
        torch.set_default_device(device)  # "then everything goes there"
        return solution_ex7_2(batch, device)

    try:
        ok, out = run(check_ex7_2, sets_the_default, capsys)
    finally:
        torch.set_default_device(None)
    assert not ok and "changed the default device to meta" in out
