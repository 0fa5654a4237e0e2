"""The checkers of 07_devices.ipynb: right answers pass, typical wrong answers fail and say why."""

from __future__ import annotations

import time

import pytest
import torch

from helpers.checks import hint, show_solution
from helpers.checks.devices import (
    _EX7_1_CASES,
    HINTS,
    _SimulatedQueue,
    check_ex7_1,
    check_ex7_2,
    check_ex7_3,
    solution_ex7_1,
    solution_ex7_2,
    solution_ex7_3,
)
from helpers.devices import synchronize

from checker_calls import not_done, returns_none, run


CHECKERS = [check_ex7_1, check_ex7_2, check_ex7_3]


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


def test_solution_ex7_2_moves_every_tensor_and_keeps_the_rest():
    X, y = torch.ones(2, 3), torch.arange(2)
    batch = {"inputs": (X, [y, "name"]), "n": 2}
    moved = solution_ex7_2(batch, "meta")
    assert moved["inputs"][0].device.type == "meta" and moved["inputs"][1][0].device.type == "meta"
    assert type(moved["inputs"]) is tuple and type(moved["inputs"][1]) is list
    assert moved["inputs"][1][1] == "name" and moved["n"] == 2
    assert X.device.type == "cpu", "the input batch is not changed"
    assert solution_ex7_2(X, "cpu") is X, "Tensor.to returns the same tensor when nothing changes"


def test_solution_ex7_3_measures_the_work_not_the_launch():
    queue = _SimulatedQueue(0.05, already_queued=0.3)
    seconds = solution_ex7_3(queue.launch, queue.synchronize, 3)
    assert 0.05 <= seconds < 0.08 and queue.launches == 3


def test_simulated_queue_is_asynchronous():
    """What the 7.3 checker relies on: a launch returns at once; synchronize waits for the work."""
    queue = _SimulatedQueue(0.1, already_queued=0.0)
    start = time.perf_counter()
    queue.launch()
    launched = time.perf_counter() - start
    queue.synchronize()
    assert launched < 0.05 and time.perf_counter() - start >= 0.1


# --- every checker passes its solution and other correct ways ----------------------------------


def resolve_with_devices(requested, cuda_available, mps_available):
    """Correct, written differently: returns torch.device objects, checks in another order."""
    if requested != "auto":
        device = torch.device(requested) if requested.split(":")[0] in ("cpu", "cuda", "mps") else None
        ok = device is not None and {"cpu": True, "cuda": cuda_available, "mps": mps_available}[device.type]
        if not ok:
            raise ValueError(requested)
        return device
    for name, ok in (("cuda", cuda_available), ("mps", mps_available), ("cpu", True)):
        if ok:
            return torch.device(name)


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


def time_with_sync_in_the_loop(fn, synchronize, repeats):
    synchronize()
    total = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize()
        total += time.perf_counter() - start
    return total / repeats


@pytest.mark.parametrize(
    "checker, fn",
    [
        (check_ex7_1, solution_ex7_1),
        (check_ex7_1, resolve_with_devices),
        (check_ex7_2, solution_ex7_2),
        (check_ex7_2, to_device_with_match),
        (check_ex7_3, solution_ex7_3),
        (check_ex7_3, time_with_sync_in_the_loop),
    ],
)
def test_checker_accepts_correct_answers(checker, fn, capsys):
    ok, out = run(checker, fn, capsys)
    assert ok, out
    assert out.startswith("✅") and "correct on all" in out


# --- and reports typical wrong answers, saying what is wrong -----------------------------------


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


def test_ex7_1_mps_before_cuda_is_wrong(capsys):
    def mps_first(requested, cuda, mps):
        if requested == "auto":
            return "mps" if mps else "cuda" if cuda else "cpu"
        return solution_ex7_1(requested, cuda, mps)

    ok, out = run(check_ex7_1, mps_first, capsys)
    assert not ok and "resolve_device('auto', True, True) returned 'mps', expected 'cuda'" in out


def test_ex7_1_silent_fallback_is_wrong(capsys):
    def falls_back(requested, cuda, mps):
        try:
            return solution_ex7_1(requested, cuda, mps)
        except ValueError:
            return "cpu"  # hides the problem instead of saying so

    ok, out = run(check_ex7_1, falls_back, capsys)
    assert not ok and "resolve_device('cuda', False, True) returned 'cpu'; it should raise a ValueError" in out


def test_ex7_1_dropping_the_index_is_wrong(capsys):
    def drops_index(requested, cuda, mps):
        return solution_ex7_1(requested, cuda, mps).split(":")[0]

    ok, out = run(check_ex7_1, drops_index, capsys)
    assert not ok and "returned 'cuda', expected 'cuda:1'" in out


def test_ex7_1_other_exception_types_are_named(capsys):
    def key_error(requested, cuda, mps):
        if requested == "auto":
            return solution_ex7_1(requested, cuda, mps)
        if not {"cpu": True, "cuda": cuda, "mps": mps}[requested.split(":")[0]]:  # KeyError for "tpu"
            raise ValueError(requested)
        return requested

    ok, out = run(check_ex7_1, key_error, capsys)
    assert not ok and "raised KeyError" in out and "raise a ValueError instead" in out


def test_ex7_1_a_name_that_is_no_device_is_reported_not_raised(capsys):
    ok, out = run(check_ex7_1, lambda requested, cuda, mps: "gpu", capsys)
    assert not ok and "returned 'gpu', expected 'cpu'" in out


def test_ex7_1_cases_cover_every_branch():
    outcomes = set()
    for args in _EX7_1_CASES:
        try:
            outcomes.add(solution_ex7_1(*args))
        except ValueError:
            outcomes.add("error")
    assert outcomes == {"cpu", "cuda", "mps", "cuda:1", "error"}


def test_ex7_2_moving_in_place_is_caught(capsys):
    def forgets_the_result(batch, device):
        for t in batch:
            t.to(device)  # returns a new tensor, which is thrown away
        return batch

    ok, out = run(check_ex7_2, forgets_the_result, capsys)
    assert not ok and "is on cpu, expected meta" in out and "returns a new tensor" in out


def test_ex7_2_tuple_becomes_list_is_caught(capsys):
    def always_a_list(batch, device):
        if isinstance(batch, (tuple, list)):
            return [always_a_list(v, device) for v in batch]
        return solution_ex7_2(batch, device)

    ok, out = run(check_ex7_2, always_a_list, capsys)
    assert not ok and "on input 1" in out and "is a list, expected a tuple" in out


def test_ex7_2_not_recursing_is_caught(capsys):
    def one_level(batch, device):
        if isinstance(batch, torch.Tensor):
            return batch.to(device)
        if isinstance(batch, dict):
            return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        return type(batch)(v.to(device) if isinstance(v, torch.Tensor) else v for v in batch)

    ok, out = run(check_ex7_2, one_level, capsys)
    assert not ok and "on input 4" in out and "the result['inputs'][0] is on cpu, expected meta" in out


def test_ex7_2_dropping_non_tensors_is_caught(capsys):
    def tensors_only(batch, device):
        if isinstance(batch, dict):
            return {k: solution_ex7_2(v, device) for k, v in batch.items() if isinstance(v, torch.Tensor)}
        return solution_ex7_2(batch, device)

    ok, out = run(check_ex7_2, tensors_only, capsys)
    assert not ok and "on input 3" in out and "has keys ['image', 'label'], expected ['image', 'label', 'name']" in out


def test_ex7_2_calling_to_on_everything_is_one_line(capsys):
    def moves_everything(batch, device):
        if isinstance(batch, dict):
            return {k: v.to(device) for k, v in batch.items()}  # "digit".to(...) fails
        return solution_ex7_2(batch, device)

    ok, out = run(check_ex7_2, moves_everything, capsys)
    assert not ok and "on input 3" in out and "raised AttributeError" in out and "Traceback" not in out


def test_ex7_2_changed_values_are_caught(capsys):
    ok, out = run(check_ex7_2, lambda b, d: solution_ex7_2(b, d) if d == "meta" else (b[0] * 1.5, b[1]), capsys)
    assert not ok and "on input 6" in out and "other values" in out


def test_ex7_2_changed_dtype_is_caught(capsys):
    def as_float64(batch, device):
        moved = solution_ex7_2(batch, device)
        return (moved[0].double(), moved[1]) if isinstance(moved, tuple) else moved

    ok, out = run(check_ex7_2, as_float64, capsys)
    assert not ok and "torch.float64, expected (4, 1, 28, 28) torch.float32" in out


def test_ex7_3_without_final_synchronize_measures_the_launch(capsys):
    def no_final_sync(fn, synchronize, repeats):
        synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - start) / repeats

    ok, out = run(check_ex7_3, no_final_sync, capsys)
    assert not ok and "the launch, not the work" in out and "before reading the clock" in out


def test_ex7_3_without_first_synchronize_counts_earlier_work(capsys):
    def no_first_sync(fn, synchronize, repeats):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        synchronize()
        return (time.perf_counter() - start) / repeats

    ok, out = run(check_ex7_3, no_first_sync, capsys)
    assert not ok and "on input 1" in out and "before starting the clock" in out


def test_ex7_3_total_instead_of_per_call_is_wrong(capsys):
    ok, out = run(check_ex7_3, lambda fn, sync, repeats: solution_ex7_3(fn, sync, repeats) * repeats, capsys)
    assert not ok and "divided by `repeats`" in out


def test_ex7_3_milliseconds_instead_of_seconds_is_wrong(capsys):
    ok, out = run(check_ex7_3, lambda fn, sync, repeats: 1000 * solution_ex7_3(fn, sync, repeats), capsys)
    assert not ok and "expected about 50 ms" in out


def test_ex7_3_calling_fn_once_is_caught(capsys):
    def once(fn, synchronize, repeats):
        return solution_ex7_3(fn, synchronize, 1)

    ok, out = run(check_ex7_3, once, capsys)
    assert not ok and "fn was called 1 times, expected 4" in out


def test_ex7_3_a_tensor_result_is_not_seconds(capsys):
    ok, out = run(check_ex7_3, lambda fn, sync, repeats: torch.tensor(solution_ex7_3(fn, sync, repeats)), capsys)
    assert not ok and "returned a Tensor, expected a float" in out


# --- hints and solutions -----------------------------------------------------------------------


@pytest.mark.parametrize("exercise", ["7.1", "7.2", "7.3"])
def test_every_exercise_has_hints_and_a_solution(exercise, capsys):
    assert 2 <= len(HINTS[exercise]) <= 3
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
