"""Checkers and reference solutions for 09_distributed.ipynb."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, describe_error, first_difference, not_a_function

EX9_1 = "Exercise 9.1 (shard_for_rank)"
EX9_2 = "Exercise 9.2 (average_gradients)"
EX9_3 = "Exercise 9.3 (effective_batch_and_lr)"


def _run(name: str, fn: Callable[..., Any], args: tuple) -> tuple[Any, Verdict | None]:
    """Call a learner's function; a failing Verdict instead of a traceback when it raises."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
    except Exception as err:  # a learner's bug, reported in one line
        return None, Verdict(False, f"{FAIL} {name}: on input {args} your code raised {describe_error(err)}")


def _check(name: str, fn: Any, judge: Callable[[Callable[..., Any]], Verdict]) -> Verdict:
    """Refuse a non-function, else judge it; print the verdict and return it."""
    refused = not_a_function(name, fn)  # a Verdict is falsy when wrong: test for None
    verdict = refused if refused is not None else judge(fn)
    print(verdict.message)
    return verdict


# --- 9.1 ------------------------------------------------------------------------------------

def solution_ex9_1(n: int, rank: int, world_size: int) -> list[int]:
    """The indices rank ``rank`` of ``world_size`` reads from ``n`` samples (no shuffling).

    Introduced in: 09_distributed.ipynb
    """
    per_rank = math.ceil(n / world_size)  # every rank reads as many samples
    padded = [i % n for i in range(per_rank * world_size)]  # 0..n-1, then the start again
    return padded[rank::world_size]  # every world_size-th, starting at rank


#: (n, rank, world_size): an even split, a padded one, the last rank, more ranks than samples.
EX9_1_CASES = [(8, 0, 2), (8, 1, 2), (10, 0, 3), (10, 2, 3), (10, 1, 4), (3, 4, 5), (7, 0, 1)]


def _judge_ex9_1(fn: Callable[[int, int, int], Any]) -> Verdict:
    for n, rank, world_size in EX9_1_CASES:
        want = solution_ex9_1(n, rank, world_size)
        got, failed = _run(EX9_1, fn, (n, rank, world_size))
        if failed is not None:  # a Verdict that failed is falsy: test for None
            return failed
        where = f"for n={n}, rank={rank}, world_size={world_size}"
        if got is None:
            return Verdict(False, f"{FAIL} {EX9_1}: it returned None (is the `return` missing?).")
        try:
            got = [int(i) for i in (got.tolist() if isinstance(got, torch.Tensor) else got)]
        except (TypeError, ValueError):
            return Verdict(False, f"{FAIL} {EX9_1}: it returned a {type(got).__name__}, expected a list of ints.")
        if got == want:
            continue
        if len(got) != len(want):
            return Verdict(False, (
                f"{FAIL} {EX9_1}: {where} it returned {len(got)} indices, expected {len(want)} = ceil({n}/{world_size}). "
                "Every rank must read the same number of samples (pad by repeating the first indices), or the "
                "ranks take different numbers of steps and one waits for the others forever."
            ))
        block = [i % n for i in range(rank * len(want), (rank + 1) * len(want))]
        if got == block:
            return Verdict(False, (
                f"{FAIL} {EX9_1}: {where} it returned the contiguous block {got}; the rule takes every "
                f"world_size-th index starting at rank: {want}."
            ))
        return Verdict(False, f"{FAIL} {EX9_1}: {where} it returned {got}, expected {want}.")
    return Verdict(True, f"{PASS} {EX9_1}: correct on all {len(EX9_1_CASES)} test inputs, padding included.")


def check_ex9_1(shard_for_rank: Callable[[int, int, int], Any]) -> Verdict:
    """Compare a learner's ``shard_for_rank(n, rank, world_size) -> list[int]`` with the sampler's rule.

    Introduced in: 09_distributed.ipynb
    """
    return _check(EX9_1, shard_for_rank, _judge_ex9_1)


# --- 9.2 ------------------------------------------------------------------------------------

def solution_ex9_2(grads: list[torch.Tensor]) -> torch.Tensor:
    """What all-reduce then divide gives every rank: the element-wise mean of the ranks' gradients.

    Introduced in: 09_distributed.ipynb
    """
    return torch.stack(grads).sum(dim=0) / len(grads)  # (world_size, *shape) -> shape


def _ex9_2_cases() -> list[list[torch.Tensor]]:
    gen = torch.Generator().manual_seed(9)
    return [
        [torch.tensor([1.0, 10.0]), torch.tensor([2.0, 20.0])],  # the demo's tensors
        [torch.randn(3, 4, generator=gen, dtype=torch.float64) for _ in range(4)],  # float64 stays float64
        [torch.randn(5, generator=gen) for _ in range(3)],  # three ranks
        [torch.randn(2, 3, 3, generator=gen)],  # one rank: its own gradient
    ]


def _judge_ex9_2(fn: Callable[[list[torch.Tensor]], Any]) -> Verdict:
    for i, grads in enumerate(_ex9_2_cases(), start=1):
        want = solution_ex9_2(grads)
        got, failed = _run(EX9_2, fn, ([g.clone() for g in grads],))
        if failed is not None:  # a Verdict that failed is falsy: test for None
            return failed
        where = f"on input {i} ({len(grads)} ranks, gradients of shape {tuple(grads[0].shape)})"
        problem = first_difference(got, want, rtol=1e-6, atol=1e-6)
        if problem is None:
            continue
        if isinstance(got, torch.Tensor) and got.shape == want.shape and len(grads) > 1 and \
                torch.allclose(got.double(), want.double() * len(grads), rtol=1e-5, atol=1e-6):
            return Verdict(False, (
                f"{FAIL} {EX9_2}: {where} it returned the sum, {len(grads)} times the mean. all_reduce with "
                "ReduceOp.SUM gives the sum; DDP then divides by the world size, so the step matches one "
                "large batch."
            ))
        return Verdict(False, f"{FAIL} {EX9_2}: {where} {problem}.")
    return Verdict(True, f"{PASS} {EX9_2}: correct on all {len(_ex9_2_cases())} test inputs.")


def check_ex9_2(average_gradients: Callable[[list[torch.Tensor]], Any]) -> Verdict:
    """Compare a learner's ``average_gradients(grads) -> tensor`` with the all-reduce mean.

    Introduced in: 09_distributed.ipynb
    """
    return _check(EX9_2, average_gradients, _judge_ex9_2)


# --- 9.3 ------------------------------------------------------------------------------------

def solution_ex9_3(per_process_batch: int, world_size: int, base_lr: float, base_batch: int) -> tuple[int, float]:
    """The effective batch and the linearly scaled learning rate for it.

    ``base_lr`` was tuned for batches of ``base_batch``. Introduced in: 09_distributed.ipynb
    """
    effective_batch = per_process_batch * world_size  # one step averages over all ranks' samples
    return effective_batch, base_lr * effective_batch / base_batch


#: (per_process_batch, world_size, base_lr, base_batch)
EX9_3_CASES = [(64, 2, 0.05, 128), (128, 2, 0.05, 128), (32, 8, 0.1, 256), (64, 4, 0.01, 64), (100, 1, 0.2, 50)]


def _judge_ex9_3(fn: Callable[[int, int, float, int], Any]) -> Verdict:
    for args in EX9_3_CASES:
        per_process_batch, world_size, base_lr, base_batch = args
        effective, lr = solution_ex9_3(*args)
        got, failed = _run(EX9_3, fn, args)
        if failed is not None:  # a Verdict that failed is falsy: test for None
            return failed
        where = (f"for per_process_batch={per_process_batch}, world_size={world_size}, base_lr={base_lr}, "
                 f"base_batch={base_batch}")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return Verdict(False, f"{FAIL} {EX9_3}: it returned {got!r}; return two numbers: (effective_batch, lr).")
        got_batch, got_lr = got
        if got_batch != effective:
            extra = " (it is the per-process batch times the world size)" if got_batch == per_process_batch else ""
            return Verdict(False, f"{FAIL} {EX9_3}: {where} the effective batch is {got_batch!r}, expected {effective}{extra}.")
        try:
            right = math.isclose(float(got_lr), lr, rel_tol=1e-9)
        except (TypeError, ValueError):
            return Verdict(False, f"{FAIL} {EX9_3}: {where} the learning rate is {got_lr!r}, not a number.")
        if right:
            continue
        if math.isclose(float(got_lr), base_lr * world_size, rel_tol=1e-9):
            why = (": that multiplies by the world size, which is right only when the per-process batch equals "
                   "base_batch; scale by effective_batch / base_batch")
        elif math.isclose(float(got_lr), base_lr, rel_tol=1e-9):
            why = ": that is base_lr unchanged; the rule scales it with the batch"
        else:
            why = ""
        return Verdict(False, f"{FAIL} {EX9_3}: {where} the learning rate is {got_lr!r}, expected {lr:.4g}{why}.")
    return Verdict(True, f"{PASS} {EX9_3}: correct on all {len(EX9_3_CASES)} test inputs.")


def check_ex9_3(effective_batch_and_lr: Callable[[int, int, float, int], Any]) -> Verdict:
    """Compare a learner's ``effective_batch_and_lr(...) -> (batch, lr)`` with the linear scaling rule.

    Introduced in: 09_distributed.ipynb
    """
    return _check(EX9_3, effective_batch_and_lr, _judge_ex9_3)


HINTS = {
    "9.1": (
        "Every rank reads ceil(n / world_size) samples. Think of the indices 0, 1, 2, ... dealt out like "
        "cards: index 0 to rank 0, index 1 to rank 1, ..., then round again.",
        "Make a list of per_rank * world_size indices that goes 0..n-1 and then starts again at 0 (i % n), "
        "so the last round is full; then take every world_size-th element, starting at position rank.",
        "per_rank = math.ceil(n / world_size); padded = [i % n for i in range(per_rank * world_size)]; "
        "return padded[rank::world_size]",
    ),
    "9.2": (
        "all_reduce(SUM) leaves every rank holding the sum of all ranks' tensors; DDP then divides by the "
        "number of ranks. Do both here, on a list with one gradient per rank.",
        "torch.stack(grads) puts the gradients along a new first dimension: (world_size, *shape). "
        "Reduce over that dimension.",
        "return torch.stack(grads).mean(dim=0)  (or the sum over dim 0 divided by len(grads))",
    ),
    "9.3": (
        "One optimizer step averages the gradients of every rank's batch: how many samples is that?",
        "effective_batch = per_process_batch * world_size. The linear scaling rule keeps lr / batch constant: "
        "lr / effective_batch == base_lr / base_batch.",
        "return effective_batch, base_lr * effective_batch / base_batch",
    ),
}
