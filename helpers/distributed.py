"""Training on several processes: shards, backends, launching, and checking that replicas agree.

``torchrun`` starts one process per worker and tells each its place through environment
variables (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ...). These helpers read them,
pick the backend (``gloo`` on CPUs, ``nccl`` on CUDA GPUs), split the data so every rank
reads its own shard (the rule of ``torch.utils.data.DistributedSampler``, for tensors in
memory), and launch ``torchrun`` from Python without a shell, on any operating system.
Nothing here starts a process group by itself: ``scripts/train_ddp.py`` does that.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

#: What torchrun sets in every process it starts; a process without them was not started by it.
TORCHRUN_VARIABLES = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


class DistributedLaunchError(RuntimeError):
    """A distributed script was started the wrong way; the message says how to start it.

    Introduced in: 09_distributed.ipynb
    """


class LaunchInfo(NamedTuple):
    """Where this process stands among all of them (read from torchrun's variables).

    Introduced in: 09_distributed.ipynb
    """

    rank: int  # 0 .. world_size - 1, unique across all machines
    local_rank: int  # 0 .. local_world_size - 1, unique on this machine: picks the GPU
    world_size: int  # processes in total
    local_world_size: int  # processes on this machine


def launch_info(environ: dict[str, str] | None = None, script: str = "scripts/train_ddp.py") -> LaunchInfo:
    """This process's rank, local rank, world size and local world size, from torchrun's variables.

    Raises DistributedLaunchError saying how to launch ``script`` when they are missing
    (the script was started with plain ``python``). Introduced in: 09_distributed.ipynb
    """
    env = os.environ if environ is None else environ
    missing = [name for name in TORCHRUN_VARIABLES if name not in env]
    if missing:
        raise DistributedLaunchError(
            f"{script} must be started by torchrun, which starts one process per worker and tells each "
            f"its rank (missing: {', '.join(missing)}). Run, for example:\n"
            f"    python -m torch.distributed.run --standalone --nproc_per_node=2 {script}\n"
            f"(`torchrun` is the same command; --nproc_per_node=1 trains in one process)."
        )
    return LaunchInfo(int(env["RANK"]), int(env["LOCAL_RANK"]), int(env["WORLD_SIZE"]), int(env["LOCAL_WORLD_SIZE"]))


def choose_backend(requested: str, cuda_devices: int, local_rank: int, local_world_size: int) -> tuple[str, torch.device]:
    """The process group backend and this process's device: ``("nccl", cuda:local_rank)`` or ``("gloo", cpu)``.

    ``requested``: "auto" (CUDA when ``cuda_devices`` > 0, else the CPU), "cuda" or "cpu".
    One GPU per process: with CUDA, ``local_world_size`` processes on this machine need as
    many GPUs, else DistributedLaunchError says what to run instead.
    Introduced in: 09_distributed.ipynb
    """
    kind = ("cuda" if cuda_devices > 0 else "cpu") if requested == "auto" else requested
    if kind == "cpu":
        return "gloo", torch.device("cpu")
    if kind != "cuda":
        raise DistributedLaunchError(f"Unknown device {requested!r}: use 'auto', 'cuda' or 'cpu'.")
    if cuda_devices == 0:
        raise DistributedLaunchError("--device cuda was asked for, but this machine has no CUDA GPU: use --device auto or cpu.")
    if local_world_size > cuda_devices:
        raise DistributedLaunchError(
            f"torchrun started {local_world_size} processes on this machine, but it has {cuda_devices} CUDA "
            f"GPU(s) and nccl needs one GPU per process. Use --nproc_per_node=gpu (one process per GPU) or "
            f"--nproc_per_node={cuda_devices}, or train on the CPU with --device cpu (backend gloo)."
        )
    return "nccl", torch.device("cuda", local_rank)


def threads_per_process(local_world_size: int, cpus: int | None = None) -> int:
    """CPU threads each of ``local_world_size`` processes should use so they do not fight over cores.

    ``cpus``: the cores this process may run on (default: what the OS allows it).
    At least 1. Introduced in: 09_distributed.ipynb
    """
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cpus // max(1, local_world_size))


def shard_indices(n: int, rank: int, world_size: int, shuffle: bool = False, seed: int = 0, epoch: int = 0) -> torch.Tensor:
    """The sample indices rank ``rank`` of ``world_size`` reads in one epoch: (ceil(n / world_size),) int64.

    The rule of ``DistributedSampler(drop_last=False)``: the order ``0..n-1`` (or, with
    ``shuffle``, a permutation drawn from a generator seeded with ``seed + epoch``, the same
    on every rank), padded by repeating its start until every rank gets as many, then every
    ``world_size``-th index starting at ``rank``. Introduced in: 09_distributed.ipynb
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in 0..{world_size - 1}, got {rank}.")
    if shuffle:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
    else:
        order = torch.arange(n)
    total = math.ceil(n / world_size) * world_size
    padded = order.repeat(math.ceil(total / n))[:total]  # repeat the start to fill the last round
    return padded[rank::world_size]


class ShardedBatches:
    """``TensorBatches`` for one rank: mini-batches of this rank's shard, a new shuffle per epoch.

    ``X``: (N, ...) inputs, ``y``: (N,) targets, in memory on any device. Each pass yields
    ``len(self)`` pairs ``(X[idx], y[idx])`` of at most ``batch_size`` samples, where the
    indices follow :func:`shard_indices` with shuffling: the same as a ``DataLoader`` over
    ``DistributedSampler(dataset, world_size, rank, seed=seed)``. Call ``set_epoch(epoch)``
    before each epoch, as with the sampler, or every epoch repeats the same order.
    Introduced in: 09_distributed.ipynb
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, batch_size: int, rank: int, world_size: int,
                 seed: int = 0) -> None:
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} items but y has {len(y)}: they must pair up one to one.")
        self.X, self.y, self.batch_size = X, y, batch_size
        self.rank, self.world_size, self.seed, self.epoch = rank, world_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Draw the next epoch's order (the same ``epoch`` on every rank gives disjoint shards)."""
        self.epoch = epoch

    def indices(self) -> torch.Tensor:
        """This rank's indices for the current epoch, in the order they are read: (samples,) int64."""
        return shard_indices(len(self.X), self.rank, self.world_size, True, self.seed, self.epoch)

    def __len__(self) -> int:
        """Batches per epoch: the same on every rank (every shard has the same size)."""
        return math.ceil(math.ceil(len(self.X) / self.world_size) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        idx = self.indices().to(self.X.device)
        for start in range(0, len(idx), self.batch_size):
            batch = idx[start : start + self.batch_size]
            yield self.X[batch], self.y[batch]


def parameter_digest(model: nn.Module) -> str:
    """SHA-256 of all parameters' bytes, in order: equal digests mean bit-identical replicas.

    Introduced in: 09_distributed.ipynb
    """
    digest = hashlib.sha256()
    for p in model.parameters():
        digest.update(p.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def torchrun_command(script: str | Path, nproc_per_node: int | str, args: Sequence[str] = ()) -> list[str]:
    """``[python, -m, torch.distributed.run, --standalone, --nproc_per_node, N, script, *args]``.

    ``torch.distributed.run`` is what the ``torchrun`` command runs; started through this
    Python it uses the same environment, on any OS. ``--standalone``: one machine, a free
    port chosen automatically. Introduced in: 09_distributed.ipynb
    """
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc_per_node),
            str(script), *map(str, args)]


def run_torchrun(script: str | Path, nproc_per_node: int | str, args: Sequence[str] = (),
                 cwd: str | Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run :func:`torchrun_command` without a shell and wait; returns its exit code and text output.

    On Windows it sets ``USE_LIBUV=0`` (PyTorch's Windows builds lack the libuv store that
    torchrun uses by default). Introduced in: 09_distributed.ipynb
    """
    env = dict(os.environ)
    if sys.platform == "win32":
        env.setdefault("USE_LIBUV", "0")
    return subprocess.run(torchrun_command(script, nproc_per_node, args), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
