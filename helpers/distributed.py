"""Training on several processes: shards, backends, launching, and checking that replicas agree.

``torchrun`` starts one process per worker and tells each its place through environment
variables (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ...). These helpers read them,
pick the backend (``gloo`` on CPUs, ``nccl`` on CUDA GPUs), split the data so every rank
reads its own shard (the rule of ``torch.utils.data.DistributedSampler``, for tensors in
memory), take optimizer steps from several micro-batches with one all-reduce each, count
those all-reduces, write and check snapshots a restarted job resumes from, and launch
``torchrun`` from Python without a shell, on any operating system (also killing one of its
workers on purpose, to watch the job survive). Nothing here starts a process group by itself,
except :func:`single_process_group`, a group of one process for trying DDP in a notebook;
``scripts/train_ddp.py`` does the real thing.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.distributed as dist
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


# ---------------------------------------------------------------- shards


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


# ---------------------------------------------------------------- a group of one, and counting all-reduces


@contextlib.contextmanager
def single_process_group(backend: str = "gloo") -> Iterator[None]:
    """A process group of this one process (rank 0 of world size 1), destroyed on leaving the block.

    Enough to wrap a model in ``DistributedDataParallel`` inside a notebook or a test: DDP's
    hooks, ``no_sync()`` and comm hooks all run, with a world of one. The rendezvous is an
    in-memory ``HashStore``, so nothing listens on the network. Introduced in: 09_distributed.ipynb
    """
    dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


class AllReduceCounter:
    """A DDP communication hook that all-reduces exactly as DDP's default does, and counts.

    ``allreduces``: buckets all-reduced (in torch 2.14 DDP puts all gradients in one bucket for the
    first backward, then in a first bucket of up to 1 MiB and further ones of up to 25 MiB; the
    MNIST CNN's 900 KB fit in one); ``syncs``: backward passes that all-reduced (the last
    bucket of each one). Register it with :meth:`attach`. The hook is torch's own
    ``allreduce_hook``: divide the bucket by the world size, then all-reduce with a sum. (With
    no hook registered, DDP does the same arithmetic, fusing the division into the copy into
    the bucket.) Introduced in: 09_distributed.ipynb
    """

    def __init__(self) -> None:
        self.allreduces = 0
        self.syncs = 0

    def attach(self, ddp_model: nn.parallel.DistributedDataParallel) -> AllReduceCounter:
        """Register this counter as ``ddp_model``'s communication hook (before its first backward)."""
        ddp_model.register_comm_hook(ddp_model.process_group, self._hook)
        return self

    def _hook(self, process_group, bucket):  # no annotations: DDP checks them against its own types
        from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

        self.allreduces += 1
        self.syncs += int(bucket.is_last())
        return allreduce_hook(process_group, bucket)


def settle_buckets(ddp_model: nn.parallel.DistributedDataParallel, X: torch.Tensor) -> None:
    """One throwaway backward, so that DDP lays out its gradient buckets as a running job has them.

    DDP's first backward uses an initial layout (in torch 2.14 by default one bucket, in parameter
    order); after it, DDP re-lays the buckets in the order the gradients became ready (fc2's bias
    before its weight, a conv layer's weight before its bias). With three or more ranks, gloo's
    all-reduce adds the ranks' values in an order that depends on where a gradient sits in its
    bucket, so a job resumed with fresh buckets would round its first step differently from the job
    that never stopped. Run on every rank right after
    wrapping a resumed model: a forward and backward of ``X`` (any batch) in eval mode (no dropout
    draws, no batch-norm statistics updated), then the gradients are dropped; nothing changes but the
    layout. Introduced in: 09_distributed.ipynb
    """
    was_training = ddp_model.training
    ddp_model.eval()
    ddp_model(X).float().sum().backward()  # all-reduces once; DDP records the order the gradients came in
    ddp_model.zero_grad(set_to_none=True)
    ddp_model.train(was_training)


# ---------------------------------------------------------------- optimizer steps from micro-batches


def optimizer_steps(loader: Iterable[Any], accumulate: int) -> Iterator[list[Any]]:
    """The batches of ``loader`` grouped ``accumulate`` at a time: one list per optimizer step.

    The last list holds fewer when the number of batches is not a multiple of ``accumulate``.
    Introduced in: 09_distributed.ipynb
    """
    if accumulate < 1:
        raise ValueError(f"accumulate must be at least 1, got {accumulate}.")
    step: list[Any] = []
    for batch in loader:
        step.append(batch)
        if len(step) == accumulate:
            yield step
            step = []
    if step:
        yield step


def accumulated_step(
    model: nn.Module,
    micro_batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    autocast_dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> dict[str, Any]:
    """One optimizer step from several micro-batches, with one all-reduce (under DDP) instead of one each.

    Each micro-batch ``(X, y)`` ((B_i, ...), (B_i,), already on the model's device) adds the
    gradient of its mean loss, weighted by ``B_i / sum(B)``, to ``.grad``: together the gradient of
    the mean loss over all of them, the same as one batch of all their samples. Under DDP every
    backward but the last runs inside ``model.no_sync()``, so the gradients pile up locally
    and only the last backward all-reduces them. Then ``optimizer.step()`` (through ``scaler``
    for float16) and ``optimizer.zero_grad()``. ``autocast_dtype``: the forward passes run
    under ``torch.autocast`` in it (None: plain).

    Returns {"loss": summed loss of the samples (0-d tensor, on the device), "correct": right
    answers (0-d tensor), "samples": sum(B)}. Introduced in: 09_distributed.ipynb
    """
    total = sum(len(y) for _, y in micro_batches)
    loss_sum = correct = None
    for i, (X, y) in enumerate(micro_batches):
        last = i == len(micro_batches) - 1
        syncing = contextlib.nullcontext() if last or not hasattr(model, "no_sync") else model.no_sync()
        with syncing:
            with _autocast(X.device, autocast_dtype):
                logits = model(X)  # (B_i, C)
                loss = loss_fn(logits, y)  # the mean over this micro-batch
            weighted = loss * (len(y) / total)  # its share of the mean over the whole step
            (scaler.scale(weighted) if scaler is not None else weighted).backward()  # .grad += ...
        batch_loss = loss.detach().float() * len(y)
        batch_correct = (logits.argmax(dim=1) == y).sum()
        loss_sum = batch_loss if loss_sum is None else loss_sum + batch_loss
        correct = batch_correct if correct is None else correct + batch_correct
    if scaler is not None:
        scaler.step(optimizer)  # skips the step if a gradient is inf/NaN: the same decision on every rank
        scaler.update()
    else:
        optimizer.step()
    optimizer.zero_grad()
    return {"loss": loss_sum, "correct": correct, "samples": total}


def _autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    if dtype is None or dtype in (torch.float32, torch.float64):
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def train_one_epoch_ddp(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    accumulate: int = 1,
    autocast_dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
    on_step: Callable[[int, torch.Tensor], None] | None = None,
) -> dict[str, Any]:
    """One pass over ``loader``: an :func:`accumulated_step` per ``accumulate`` batches, then ``scheduler.step()``.

    With ``accumulate=1`` it takes exactly the steps of ``helpers.training.train_one_epoch``
    (08). ``on_step(step, mean_loss)`` is called after every optimizer step (1, 2, ...; the
    mean loss of that step's samples as a 0-d tensor) for logging or progress bars.

    Returns {"loss": mean loss per sample read, "accuracy": fraction right while training,
    "samples": samples read (padding repeats included), "steps": optimizer steps,
    "backward_passes": micro-batches, "seconds": wall time}. Introduced in: 09_distributed.ipynb
    """
    device = torch.device(device)
    model.train()
    start = time.perf_counter()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    samples = steps = backward_passes = 0
    for micro_batches in optimizer_steps(loader, accumulate):
        moved = [(X.to(device, non_blocking=True), y.to(device, non_blocking=True)) for X, y in micro_batches]
        result = accumulated_step(model, moved, loss_fn, optimizer, autocast_dtype, scaler)
        if scheduler is not None:
            scheduler.step()  # a per-step schedule (OneCycleLR): one step per optimizer step
        loss_sum += result["loss"]
        correct += result["correct"]
        samples += result["samples"]
        steps += 1
        backward_passes += len(moved)
        if on_step is not None:
            on_step(steps, result["loss"] / result["samples"])
    if samples == 0:
        raise ValueError("The loader yielded no batches: is the dataset empty?")
    return {"loss": loss_sum.item() / samples, "accuracy": correct.item() / samples, "samples": samples,
            "steps": steps, "backward_passes": backward_passes, "seconds": time.perf_counter() - start}


# ---------------------------------------------------------------- snapshots: surviving a failure

#: Written into every snapshot, so a file of another kind is recognised as one.
SNAPSHOT_FORMAT = "train_ddp snapshot, version 1"


class SnapshotError(RuntimeError):
    """A snapshot cannot be resumed from (damaged, or written by another run); the message says what to do.

    Introduced in: 09_distributed.ipynb
    """


def save_snapshot(path: str | Path, snapshot: Mapping[str, Any]) -> None:
    """Write ``snapshot`` to ``path`` atomically: a crash at any moment leaves the previous file intact.

    ``torch.save`` writes to ``<path>.partial``, which is flushed to disk (``fsync``) and only
    then renamed over ``path`` with ``os.replace`` (atomic on POSIX and Windows). Until the
    rename, ``path`` still holds the previous snapshot. Introduced in: 09_distributed.ipynb
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        torch.save(dict(snapshot), f)
        f.flush()
        os.fsync(f.fileno())  # the bytes are on disk before the name points to them
    os.replace(partial, path)
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable too
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def load_snapshot(path: str | Path) -> dict[str, Any]:
    """Read a snapshot written by :func:`save_snapshot` (tensors on the CPU), or raise SnapshotError.

    A file that is damaged (cut short, overwritten) or is not such a snapshot gets a message
    that names the file and says how to go on; the file is left as it is.
    Introduced in: 09_distributed.ipynb
    """
    path = Path(path)
    keep = (f"It was left as it is: delete it to start from scratch, or pass another --snapshot path. "
            f"(Snapshots are replaced atomically, so a crash while writing leaves the previous one.)")
    try:
        snapshot = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # any failure to read is "damaged": say which, in one line
        reason = (str(err).strip().splitlines() or [""])[0].split(". ")[0][:200]  # its first sentence
        raise SnapshotError(f"snapshot {path} cannot be read: it is damaged or not a snapshot "
                            f"({type(err).__name__}: {reason}). {keep}") from None
    if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(f"snapshot {path} is not a snapshot of scripts/train_ddp.py (no "
                            f"{SNAPSHOT_FORMAT!r} inside). {keep}")
    return snapshot


def check_snapshot(snapshot: Mapping[str, Any], path: str | Path, config: Mapping[str, Any],
                   model: nn.Module) -> None:
    """Raise SnapshotError unless ``snapshot`` was written by a run with this ``config`` and ``model``'s parameters.

    ``config``: the settings a resumed run must share with the run that wrote the snapshot
    (world size, batch, epochs, learning rate, seed, precision, ...); every one that differs
    is named, with both values. The parameters must have ``model``'s names and shapes.
    Introduced in: 09_distributed.ipynb
    """
    keep = "It was left as it is: resume with the same settings, or pass another --snapshot path to start anew."
    theirs = snapshot.get("config", {})
    differ = [f"{key} {theirs.get(key)!r} there, {value!r} here" for key, value in config.items()
              if theirs.get(key) != value]
    if differ:
        raise SnapshotError(f"snapshot {path} was written by a different run: {'; '.join(differ)}. {keep}")
    state, mine = snapshot.get("model", {}), model.state_dict()
    missing = [k for k in mine if k not in state]
    unexpected = [k for k in state if k not in mine]
    reshaped = [f"{k} {tuple(state[k].shape)} there, {tuple(v.shape)} here" for k, v in mine.items()
                if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or reshaped:
        parts = ([f"missing {', '.join(missing[:4])}"] if missing else []) + (
            [f"not in this model: {', '.join(unexpected[:4])}"] if unexpected else []) + reshaped[:4]
        raise SnapshotError(f"snapshot {path} holds another model's parameters ({'; '.join(parts)}). {keep}")


# ---------------------------------------------------------------- launching torchrun


def torchrun_command(script: str | Path, nproc_per_node: int | str, args: Sequence[str] = (),
                     max_restarts: int | None = None) -> list[str]:
    """``[python, -m, torch.distributed.run, --standalone, --nproc_per_node, N, script, *args]``.

    ``torch.distributed.run`` is what the ``torchrun`` command runs; started through this
    Python it uses the same environment, on any OS. ``--standalone``: one machine, a free
    port chosen automatically. ``max_restarts``: adds ``--max-restarts K``, so torchrun
    restarts the whole group up to K times when a process fails. Introduced in: 09_distributed.ipynb
    """
    restarts = ["--max-restarts", str(max_restarts)] if max_restarts is not None else []
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc_per_node),
            *restarts, str(script), *map(str, args)]


def _torchrun_env() -> dict[str, str]:
    env = dict(os.environ)
    if sys.platform == "win32":
        env.setdefault("USE_LIBUV", "0")
    return env


def run_torchrun(script: str | Path, nproc_per_node: int | str, args: Sequence[str] = (),
                 cwd: str | Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run :func:`torchrun_command` without a shell and wait; returns its exit code and text output.

    On Windows it sets ``USE_LIBUV=0`` (PyTorch's Windows builds lack the libuv store that
    torchrun uses by default). Introduced in: 09_distributed.ipynb
    """
    return subprocess.run(torchrun_command(script, nproc_per_node, args), cwd=cwd, env=_torchrun_env(),
                          capture_output=True, text=True, timeout=timeout)


#: How a script tells which process is which rank: ``rank 0 pid 123, rank 1 pid 124`` (scripts/train_ddp.py).
RANK_PID = re.compile(r"\brank (\d+) pid (\d+)\b")

#: The environment a job that may restart needs in torch 2.14: a new rendezvous store for every attempt.
#: By default torchrun's c10d rendezvous shares one store with the workers across restarts, and a
#: restarted group can read the previous attempt's addresses from it and fail to connect
#: (``Gloo connectFullMesh failed ... Connection refused``, or a hang; pytorch/pytorch#135712).
RESTART_SAFE_ENV = {"TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1"}


class TimedLine(NamedTuple):
    """One line a launched job printed, and when (seconds after the launch). Introduced in: 09_distributed.ipynb"""

    seconds: float
    text: str


class KilledRun(NamedTuple):
    """What :func:`run_torchrun_and_kill` saw. Introduced in: 09_distributed.ipynb"""

    returncode: int
    lines: list[TimedLine]  # stdout and stderr of torchrun and its workers, as they came
    killed_rank: int | None  # the rank killed, None when the trigger line never came
    killed_pid: int | None
    killed_at: float | None  # seconds after the launch


def _kill_tree(proc: subprocess.Popen, pids: Iterable[int]) -> None:
    """Stop torchrun and every worker it started (workers run in sessions of their own)."""
    victims = set(pids)
    if hasattr(signal, "SIGSTOP"):  # freeze torchrun first, so that it starts no process while we look
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGSTOP)
    try:
        import psutil  # installed with Jupyter's kernel; without it, the workers whose pids were printed

        victims |= {child.pid for child in psutil.Process(proc.pid).children(recursive=True)}
    except Exception:  # psutil missing, or torchrun already gone
        pass
    for pid in victims:
        with contextlib.suppress(OSError):
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    proc.kill()


def run_torchrun_and_kill(
    script: str | Path,
    nproc_per_node: int,
    args: Sequence[str],
    kill_rank: int,
    kill_when: str,
    max_restarts: int = 1,
    cwd: str | Path | None = None,
    timeout: float = 600,
) -> KilledRun:
    """Run ``script`` under ``torchrun --max-restarts``; kill rank ``kill_rank`` from outside, once.

    The script must print its ranks' process ids as ``rank R pid P`` (:data:`RANK_PID`) when it
    starts. When a line matching the regex ``kill_when`` appears, that rank's process gets
    ``SIGKILL`` (``TerminateProcess`` on Windows): no chance to clean up, as when a machine dies.
    torchrun notices, stops the other workers and, while restarts are left, starts the whole
    group again (with :data:`RESTART_SAFE_ENV`, so the new group meets in a fresh store). Every
    line is kept with its time. After ``timeout`` seconds the job is stopped.
    Introduced in: 09_distributed.ipynb
    """
    trigger = re.compile(kill_when)
    proc = subprocess.Popen(torchrun_command(script, nproc_per_node, args, max_restarts), cwd=cwd,
                            env={**_torchrun_env(), **RESTART_SAFE_ENV}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    start = time.perf_counter()
    lines: list[TimedLine] = []
    pids: dict[int, int] = {}
    kills: list[tuple[int, int, float]] = []

    def read() -> None:  # in a thread of its own, so that a job that hangs cannot hang the caller
        assert proc.stdout is not None
        for text in proc.stdout:
            now = time.perf_counter() - start
            lines.append(TimedLine(now, text.rstrip("\n")))
            pids.update({int(r): int(p) for r, p in RANK_PID.findall(text)})
            if not kills and kill_rank in pids and trigger.search(text):
                with contextlib.suppress(ProcessLookupError):  # it may have ended by itself a moment ago
                    os.kill(pids[kill_rank], getattr(signal, "SIGKILL", signal.SIGTERM))
                    kills.append((kill_rank, pids[kill_rank], now))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)  # until every process has closed the output, or the time is up
    if reader.is_alive():
        _kill_tree(proc, pids.values())
        reader.join(10)
        lines.append(TimedLine(time.perf_counter() - start, f"(stopped after {timeout:g} s: the job hung)"))
    returncode = proc.wait()
    killed = kills[0] if kills else None
    rank, pid, at = killed if killed else (None, None, None)
    return KilledRun(returncode, lines, rank, pid, at)
