"""All-reduce in one screen: every process holds a different tensor, all end with the sum.

    python -m torch.distributed.run --standalone --nproc_per_node=2 scripts/allreduce_demo.py
"""

import sys

import torch
import torch.distributed as dist

dist.init_process_group(backend="gloo")  # torchrun's variables say who we are and where to meet
try:
    rank, world_size = dist.get_rank(), dist.get_world_size()
    local = torch.tensor([1.0, 10.0]) * (rank + 1)  # rank 0: [1, 10], rank 1: [2, 20], ...
    summed = local.clone()
    dist.all_reduce(summed, op=dist.ReduceOp.SUM)  # in place: afterwards every rank holds the sum
    averaged = summed / world_size  # what DDP does with gradients: the sum, divided by the world size
    # One write per line: both processes share the output, and print() would write the text and
    # its newline separately, so the two ranks' lines could interleave.
    sys.stdout.write(f"rank {rank} of {world_size}: mine {local.tolist()} -> sum {summed.tolist()}, "
                     f"mean {averaged.tolist()}\n")
finally:
    dist.destroy_process_group()
