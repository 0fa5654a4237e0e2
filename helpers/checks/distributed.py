"""Checkers and reference solutions for the exercises of 09_distributed.ipynb.

Each ``check_ex9_N(learner_fn)`` prints one ✅/❌ line and returns a :class:`helpers.checks.Verdict`.
A checker holds the learner to what the exercise text says (the return type, the caller's inputs
left as they are) and knows the exercise's usual mistakes by name (the ``MISTAKES_EX9_N`` tables):
a wrong answer that computes what one of them computes is told which, and where the notebook
explains it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from helpers.checks import (
    FAIL,
    PASS,
    Mistake,
    Verdict,
    call_watched,
    first_difference,
    judged,
    wrong_type,
)

EX9_1 = "Exercise 9.1 (shard_for_rank)"
EX9_2 = "Exercise 9.2 (average_gradients)"
EX9_3 = "Exercise 9.3 (effective_batch_and_lr)"


def _fail(name: str, message: str) -> Verdict:
    return Verdict(False, f"{FAIL} {name}: {message}")


def _first_mistake(got: Any, args: Sequence[Any], mistakes: Sequence[Mistake],
                   same: Callable[[Any, Any], bool]) -> Mistake | None:
    """The first mistake whose result on ``args`` is ``same`` as the learner's, or None."""
    for mistake in mistakes:
        try:
            wrong = mistake.fn(*args)
        except Exception:  # a mistake that cannot run on these inputs is not the learner's
            continue
        if same(got, wrong):
            return mistake
    return None


# ---------------------------------------------------------------- 9.1: shard_for_rank


def solution_ex9_1(n: int, rank: int, world_size: int) -> list[int]:
    """The indices rank ``rank`` of ``world_size`` reads from ``n`` samples (DistributedSampler, no shuffle).

    Introduced in: 09_distributed.ipynb
    """
    per_rank = math.ceil(n / world_size)  # every rank reads as many samples
    padded = [i % n for i in range(per_rank * world_size)]  # 0..n-1, then the start again
    return padded[rank::world_size]  # every world_size-th, starting at rank


#: (n, rank, world_size): even splits, padded ones, the last rank, more ranks than samples, one rank,
#: and padding longer than the order itself (2 samples for 5 ranks: 0, 1, 0, 1, 0).
EX9_1_CASES = [(8, 0, 2), (8, 1, 2), (10, 0, 3), (10, 2, 3), (10, 1, 4), (3, 4, 5), (7, 0, 1), (2, 4, 5)]


def _floor_count(n: int, rank: int, world_size: int) -> list[int]:
    per_rank = n // world_size
    return [i % n for i in range(per_rank * world_size)][rank::world_size]


def _blocks(n: int, rank: int, world_size: int) -> list[int]:
    per_rank = math.ceil(n / world_size)
    return [i % n for i in range(per_rank * world_size)][rank * per_rank:(rank + 1) * per_rank]


def _no_padding(n: int, rank: int, world_size: int) -> list[int]:
    return list(range(n))[rank::world_size]


def _padded_once(n: int, rank: int, world_size: int) -> list[int]:
    order = list(range(n))
    return (order + order[: math.ceil(n / world_size) * world_size - n])[rank::world_size]


def _pad_with_last(n: int, rank: int, world_size: int) -> list[int]:
    total = math.ceil(n / world_size) * world_size
    return [min(i, n - 1) for i in range(total)][rank::world_size]


MISTAKES_EX9_1 = (  # in the order they are tried: on (10, 2, 3) "padding missing" and "floor" agree
    Mistake("padded only once", _padded_once,  # first: it differs from the rule only where the others fail earlier
            "the start of the order was appended once, which is too short when the padding is longer than the "
            "order itself (2 samples for 5 ranks need 3 repeats: 0, 1, 0, 1, 0). Continue the order 0, 1, ... "
            "as many times as needed, `i % n` (hint(\"9.1\", 3))."),
    Mistake("padding missing", _no_padding,
            "without padding, the ranks get different numbers of samples, so they take different numbers of "
            "steps, and the ones with more wait in an all-reduce that the others never join (section 4, uneven "
            "inputs). Continue the order with 0, 1, ... until every rank gets `ceil(n / world_size)` "
            "(hint(\"9.1\", 2))."),
    Mistake("floor instead of ceil", _floor_count,
            "you rounded the per-rank count down (`n // world_size`): that skips the last `n % world_size` "
            "samples, which is what `drop_last=True` does. This rule rounds up, `math.ceil(n / world_size)`, "
            "and pads, so every sample is read (section 3, the cell comparing drop_last; hint(\"9.1\", 2))."),
    Mistake("contiguous blocks", _blocks,
            "you gave each rank a contiguous block of the order. The sampler deals the indices out like cards: "
            "rank r takes positions r, r + world_size, r + 2 * world_size, ... (`padded[rank::world_size]`; "
            "section 3, the first cell)."),
    Mistake("padding with the last index", _pad_with_last,
            "the padding repeats the wrong samples: the order continues from its start (0, 1, ...), "
            "`i % n`, not by repeating the last index."),
)


def _as_index_list(got: Any) -> tuple[list[int] | None, str | None]:
    """The learner's result as a list of ints, or a sentence saying why it is not one."""
    if got is None:
        return None, "it returned None (is the `return` missing?)"
    if isinstance(got, torch.Tensor):
        return None, "it returned a tensor; the exercise asks for a Python list of ints: add `.tolist()`"
    if not isinstance(got, list):
        return None, f"it returned a {type(got).__name__}; the exercise asks for a Python list of ints"
    for item in got:
        if isinstance(item, bool) or not isinstance(item, int):
            return None, (f"it returned a list holding {item!r} ({type(item).__name__}); every index must be a "
                          "Python int, e.g. `i % n` of ints, or `int(...)`")
    return got, None


def _judge_ex9_1(name: str, fn: Callable[[int, int, int], Any]) -> Verdict:
    for n, rank, world_size in EX9_1_CASES:
        where = f"for n={n}, rank={rank}, world_size={world_size}"
        got, failed = call_watched(name, fn, (n, rank, world_size), where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        indices, problem = _as_index_list(got)
        if problem:
            return _fail(name, f"{where} {problem}.")
        want = solution_ex9_1(n, rank, world_size)
        if indices == want:
            continue
        mistake = _first_mistake(indices, (n, rank, world_size), MISTAKES_EX9_1, lambda a, b: a == b)
        if mistake is not None:
            return _fail(name, f"{where} it returned {indices}, expected {want}: {mistake.message}")
        if len(indices) != len(want):
            return _fail(name, f"{where} it returned {len(indices)} indices, expected {len(want)} = "
                               f"ceil({n} / {world_size}): every rank reads that many.")
        return _fail(name, f"{where} it returned {indices}, expected {want}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(EX9_1_CASES)} test inputs, padding included.")


def check_ex9_1(shard_for_rank: Callable[[int, int, int], Any]) -> Verdict:
    """Check ``shard_for_rank(n, rank, world_size) -> list[int]`` against DistributedSampler's rule.

    Introduced in: 09_distributed.ipynb
    """
    return judged(EX9_1, shard_for_rank, _judge_ex9_1)


# ---------------------------------------------------------------- 9.2: average_gradients


def solution_ex9_2(grads: list[torch.Tensor]) -> torch.Tensor:
    """What DDP leaves on every rank after its all-reduce: the element-wise mean of the ranks' gradients.

    Introduced in: 09_distributed.ipynb
    """
    return torch.stack(grads).sum(dim=0) / len(grads)  # (world_size, *shape) -> shape


def _ex9_2_cases() -> list[list[torch.Tensor]]:
    gen = torch.Generator().manual_seed(9)
    return [
        [torch.tensor([1.0, 10.0]), torch.tensor([2.0, 20.0])],  # the all-reduce demo's tensors
        [torch.randn(3, 4, generator=gen, dtype=torch.float64) for _ in range(4)],  # float64 stays float64
        [torch.randn(5, generator=gen) for _ in range(3)],  # three ranks
        [torch.randn(4, 4, generator=gen) for _ in range(4)],  # square: the wrong dimension keeps the shape
        [torch.randn(2, 3, 3, generator=gen)],  # one rank: its own gradient
    ]


MISTAKES_EX9_2 = (
    Mistake("the sum, not the mean", lambda grads: torch.stack(grads).sum(dim=0),
            "this is the sum of the ranks' gradients, world_size times the mean. all_reduce with ReduceOp.SUM "
            "leaves the sum; DDP divides by the world size too, so that the step matches one large batch "
            "(section 4; hint(\"9.2\", 1))."),
    Mistake("divided twice", lambda grads: torch.stack(grads).mean(dim=0) / len(grads),
            "this is the mean divided by the world size once more: DDP divides each gradient by the world "
            "size and then sums, so the result is the mean once (section 4, how exactly DDP averages)."),
    Mistake("mean over the wrong dimension", lambda grads: torch.stack(grads).mean(dim=1),
            "you averaged over the wrong dimension: `torch.stack(grads)` has shape (world_size, *shape), so the "
            "ranks are dim 0; average over that one (hint(\"9.2\", 2))."),
    Mistake("mean of everything", lambda grads: torch.stack(grads).mean(),
            "you averaged every number into one: the result must keep the gradient's shape, averaging only "
            "across the ranks, `dim=0` of `torch.stack(grads)` (hint(\"9.2\", 2))."),
)


def _judge_ex9_2(name: str, fn: Callable[[list[torch.Tensor]], Any]) -> Verdict:
    cases = _ex9_2_cases()
    for i, grads in enumerate(cases, start=1):
        where = f"on input {i} ({len(grads)} ranks, gradients of shape {tuple(grads[0].shape)}, {grads[0].dtype})"
        theirs = [g.clone() for g in grads]
        entries = list(theirs)  # the very tensors, to see whether the list's entries were replaced
        got, failed = call_watched(name, fn, (theirs,), where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        want = solution_ex9_2(grads)
        same = lambda a, b: (isinstance(a, torch.Tensor) and a.shape == b.shape  # noqa: E731
                             and first_difference(a, b, rtol=1e-6, atol=1e-7) is None)
        problem = first_difference(got, want, rtol=1e-6, atol=1e-7,
                                   factors={float(len(grads)): "the sum of the ranks, not their mean?",
                                            1 / len(grads): "divided by the world size twice?"})
        if problem:
            mistake = _first_mistake(got, (grads,), MISTAKES_EX9_2, same) if len(grads) > 1 else None
            return _fail(name, f"{where} {mistake.message if mistake else problem + '.'}")
        if len(theirs) != len(entries) or any(a is not b for a, b in zip(theirs, entries)):
            return _fail(name, f"{where} your function replaced entries of the caller's list `grads`: leave it "
                               "as it is and build the result as a new tensor.")
        changed = [r for r, (g, original) in enumerate(zip(theirs, grads)) if not torch.equal(g, original)]
        if len(changed) > 1:
            return _fail(name, (
                f"{where} your function changed the gradients of ranks {', '.join(map(str, changed))} in the caller's "
                "list: an in-place operation (`div_`, `/=`, `add_`) on the caller's tensors changes every rank's own "
                "gradient. Compute on new tensors: `torch.stack(grads)`, or `g / len(grads)`."))
        if changed:
            return _fail(name, (
                f"{where} your function changed rank {changed[0]}'s gradient in the caller's list: each entry is a "
                "rank's own gradient. `total = grads[0]` is not a copy, so `total += g` adds into rank 0's "
                "gradient; start from `torch.zeros_like(grads[0])`, or use `torch.stack(grads)`."))
        if got is theirs[0] or any(got is g for g in theirs):
            return _fail(name, f"{where} it returned one of the caller's own tensors; return a new tensor.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(cases)} test inputs, the caller's gradients untouched.")


def check_ex9_2(average_gradients: Callable[[list[torch.Tensor]], Any]) -> Verdict:
    """Check ``average_gradients(grads) -> tensor``: the ranks' mean, a new tensor, the inputs untouched.

    Introduced in: 09_distributed.ipynb
    """
    return judged(EX9_2, average_gradients, _judge_ex9_2)


# ---------------------------------------------------------------- 9.3: effective_batch_and_lr


def solution_ex9_3(per_process_batch: int, world_size: int, accumulate: int, base_lr: float,
                   base_batch: int) -> tuple[int, float]:
    """The effective batch of one optimizer step, and the learning rate the linear scaling rule gives it.

    ``base_lr`` was tuned for batches of ``base_batch``. Introduced in: 09_distributed.ipynb
    """
    effective_batch = per_process_batch * world_size * accumulate  # every rank's micro-batches
    return effective_batch, base_lr * effective_batch / base_batch


#: (per_process_batch, world_size, accumulate, base_lr, base_batch)
EX9_3_CASES = [(64, 2, 1, 0.05, 128), (32, 2, 4, 0.05, 128), (16, 4, 2, 0.01, 64), (100, 1, 1, 0.2, 50),
               (32, 8, 1, 0.1, 64), (48, 2, 1, 0.05, 128)]  # the last: a ratio that is not whole, 96 / 128

MISTAKES_EX9_3 = (
    Mistake("learning rate scaled the wrong way",
            lambda b, w, a, lr, base: (b * w * a, lr * base / (b * w * a)),
            "the learning rate went the wrong way: a larger batch gets a larger rate. The rule keeps "
            "lr / effective_batch equal to base_lr / base_batch, so lr = base_lr * effective_batch / base_batch "
            "(section 7; hint(\"9.3\", 1))."),
    Mistake("world size left out", lambda b, w, a, lr, base: (b * a, lr * b * a / base),
            "the effective batch leaves out the other ranks: one optimizer step averages the gradients of "
            "every rank's samples, so multiply by world_size too (section 7)."),
    Mistake("accumulation left out", lambda b, w, a, lr, base: (b * w, lr * b * w / base),
            "the effective batch leaves out the accumulated micro-batches: with accumulate micro-batches per "
            "step, one step averages accumulate times as many samples (section 7, gradient accumulation)."),
    Mistake("learning rate times the world size", lambda b, w, a, lr, base: (b * w * a, lr * w),
            "the learning rate was multiplied by the world size: right only when per_process_batch * accumulate "
            "equals base_batch. Scale by effective_batch / base_batch (hint(\"9.3\", 2))."),
    Mistake("learning rate unchanged", lambda b, w, a, lr, base: (b * w * a, lr),
            "the learning rate is base_lr unchanged: the linear scaling rule scales it with the effective batch "
            "(section 7)."),
    Mistake("integer division", lambda b, w, a, lr, base: (b * w * a, lr * (b * w * a // base)),
            "the ratio effective_batch / base_batch was taken with `//`, which rounds it down (96 // 128 = 0): "
            "divide with `/`, lr = base_lr * effective_batch / base_batch."),
)


def _judge_ex9_3(name: str, fn: Callable[..., Any]) -> Verdict:
    for args in EX9_3_CASES:
        per_process_batch, world_size, accumulate, base_lr, base_batch = args
        where = (f"for per_process_batch={per_process_batch}, world_size={world_size}, accumulate={accumulate}, "
                 f"base_lr={base_lr}, base_batch={base_batch}")
        got, failed = call_watched(name, fn, args, where)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if not isinstance(got, tuple) or len(got) != 2:
            what = f"a {type(got).__name__}" + (f" of {len(got)} items" if isinstance(got, (list, tuple)) else "")
            return _fail(name, f"{where} it returned {what} ({got!r}); return the tuple `effective_batch, lr`.")
        want = solution_ex9_3(*args)
        for label, value, expected in (("effective batch", got[0], want[0]), ("learning rate", got[1], want[1])):
            problem = wrong_type(value, expected)
            if problem:
                return _fail(name, f"{where} the {label}: {problem}.")
        if got[0] == want[0] and math.isclose(got[1], want[1], rel_tol=1e-9):
            continue
        mistake = _first_mistake(got, args, MISTAKES_EX9_3,
                                 lambda a, b: a[0] == b[0] and math.isclose(a[1], b[1], rel_tol=1e-9))
        said = f"it returned ({got[0]!r}, {got[1]:.6g}), expected ({want[0]}, {want[1]:.6g})"
        if mistake is not None:
            return _fail(name, f"{where} {said}: {mistake.message}")
        return _fail(name, f"{where} {said}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(EX9_3_CASES)} test inputs.")


def check_ex9_3(effective_batch_and_lr: Callable[..., Any]) -> Verdict:
    """Check ``effective_batch_and_lr(per_process_batch, world_size, accumulate, base_lr, base_batch)``.

    It must return the tuple ``(effective_batch, lr)``: an int and a float. Introduced in: 09_distributed.ipynb
    """
    return judged(EX9_3, effective_batch_and_lr, _judge_ex9_3)


HINTS = {
    "9.1": (
        "Picture a dealer with a deck numbered 0, 1, 2, ... and world_size players: card 0 to player 0, card 1 "
        "to player 1, and round again; when the deck runs out before the last round is full, the dealer starts "
        "the deck over, so every player ends with the same number of cards.",
        "The first cell of section 3 prints what DistributedSampler gives for 10 samples and 3 ranks; the cell "
        "after it shows the padding (drop_last=False) next to drop_last=True. Python's slice `a[start::step]` "
        "takes every step-th element from start.",
        "per_rank = math.ceil(n / ___); padded = [i % ___ for i in range(per_rank * world_size)]; "
        "return padded[___::___]",
    ),
    "9.2": (
        "After an all-reduce with a sum every rank holds the same total; DDP then has the mean, the total over "
        "the number of ranks. Here the list plays all the ranks at once: grads[r] is rank r's gradient.",
        "The cell of section 4 with g_rank0 and g_rank1 does this for two ranks by hand: (g_rank0 + g_rank1) / 2. "
        "For any number of ranks, `torch.stack(grads)` puts them along a new dim 0 of size world_size.",
        "return torch.stack(___).___(dim=___)  # or: the sum over that dim, divided by len(grads)",
    ),
    "9.3": (
        "Count the images behind one optimizer step: each rank's micro-batch, times the micro-batches added up "
        "before the step, times the ranks whose gradients are averaged. The rate then grows in proportion.",
        "The table of runs in section 7 prints world size x batch x micro-batches = effective batch next to the "
        "peak lr the script used, and the prose above it states the linear scaling rule: lr / effective batch "
        "kept constant.",
        "effective_batch = ___ * ___ * ___; lr = base_lr * ___ / ___; return effective_batch, lr",
    ),
}
