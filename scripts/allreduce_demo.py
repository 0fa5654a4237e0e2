"""All-reduce in one screen, then what DDP does when ranks have different numbers of batches.

    python -m torch.distributed.run --standalone --nproc_per_node=2 scripts/allreduce_demo.py

Part 1: every process holds a different tensor; after all_reduce every one holds the sum.
Part 2: a tiny DDP model where rank r has 2 + r batches. With `Join`, a rank that ran out of
batches stands in for the all-reduces the others still make, so every rank finishes. Without it,
the ranks with more batches wait in their next all-reduce for a rank that will never join it, until
the process group's timeout (here 3 seconds; by default 30 minutes with gloo, 10 with nccl).
Taught in notebooks/09_distributed.ipynb.
"""

import contextlib
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.algorithms.join import Join
from torch.nn.parallel import DistributedDataParallel as DDP


def say(text: str) -> None:
    # One write per line: both processes share the output, and print() would write the text and
    # its newline separately, so the two ranks' lines could interleave.
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def uneven(rank: int, use_join: bool) -> None:
    """Rank r trains on 2 + r batches of a one-weight model wrapped in DDP, with or without Join."""
    group = dist.new_group(backend="gloo", timeout=timedelta(seconds=3))  # a short timeout, for this demo
    torch.manual_seed(0)
    dist.barrier()  # start together
    model = DDP(nn.Linear(1, 1), process_group=group)
    batches = [torch.ones(4, 1)] * (2 + rank)  # rank 0: 2 batches, rank 1: 3, ...
    how = "with Join:   " if use_join else "without Join:"
    steps, start = 0, time.perf_counter()
    try:
        with Join([model]) if use_join else contextlib.nullcontext():
            for X in batches:
                model(X).sum().backward()  # the all-reduce of the gradients runs in here
                steps += 1
        say(f"uneven, {how} rank {rank} took {steps} steps and finished")
    except RuntimeError as err:
        why = "timed out" if "Timed out" in str(err) else str(err).splitlines()[0].split("] ")[-1]
        say(f"uneven, {how} rank {rank} took {steps} steps, then waited {time.perf_counter() - start:.0f} s "
            f"in the next all-reduce: {type(err).__name__}, {why}")
    dist.barrier()  # the ranks that finished wait here (the default group's barrier: no shadowing)


dist.init_process_group(backend="gloo")  # torchrun's variables say who we are and where to meet
try:
    rank, world_size = dist.get_rank(), dist.get_world_size()
    local = torch.tensor([1.0, 10.0]) * (rank + 1)  # rank 0: [1, 10], rank 1: [2, 20], ...
    summed = local.clone()
    dist.all_reduce(summed, op=dist.ReduceOp.SUM)  # in place: afterwards every rank holds the sum
    averaged = summed / world_size  # the mean, which is what DDP's gradients end up as
    say(f"rank {rank} of {world_size}: mine {local.tolist()} -> sum {summed.tolist()}, mean {averaged.tolist()}")
    uneven(rank, use_join=True)
    uneven(rank, use_join=False)
finally:
    dist.destroy_process_group()  # a clean exit; torchrun, not this, stops the others if one fails
