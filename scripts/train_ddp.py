"""Train the course's MNIST CNN on several processes with DistributedDataParallel (DDP).

Start it with torchrun, one process per worker (per GPU on a GPU machine):

    python -m torch.distributed.run --standalone --nproc_per_node=2 scripts/train_ddp.py
    torchrun --standalone --nproc_per_node=gpu scripts/train_ddp.py          # every GPU of this machine
    torchrun --nnodes=2 --nproc_per_node=gpu --rdzv-backend=c10d \\
             --rdzv-endpoint=HOST:29400 --rdzv-id=mnist scripts/train_ddp.py  # on each of 2 machines
    TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 torchrun --standalone --nproc_per_node=2 --max-restarts=3 \\
             scripts/train_ddp.py --snapshot build/ddp/snapshot.pt            # survives a killed worker

Every process builds the same model, wraps it in DDP and trains on its own shard of the
training images; DDP averages the gradients over all processes in backward(), so every
replica takes the same step. The backend is gloo on CPUs and nccl on CUDA GPUs. Only rank 0
prints, shows a progress bar and saves.

  --loader tensors|dataloader   how each rank reads its shard (the same indices either way)
  --precision auto|...          the precision helpers.devices.choose_precision picks (as in 08)
  --accumulate N                N micro-batches per optimizer step, one all-reduce per step
  --snapshot PATH               save a snapshot after every epoch and resume from it at start:
                                with `torchrun --max-restarts=K` the job survives a killed worker
  --report PATH                 a JSON file: each rank's parameter digest, the learning rate used,
                                shard orders, all-reduces per step, every epoch's accuracy and time

Taught in notebooks/09_distributed.ipynb.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `helpers` even when not pip-installed
from helpers.data import TensorBatches, load_mnist_tensors  # noqa: E402
from helpers.devices import PrecisionUnavailableError, choose_precision  # noqa: E402
from helpers.distributed import (  # noqa: E402
    SNAPSHOT_FORMAT,
    AllReduceCounter,
    DistributedLaunchError,
    ShardedBatches,
    SnapshotError,
    check_snapshot,
    choose_backend,
    launch_info,
    load_snapshot,
    parameter_digest,
    save_snapshot,
    settle_buckets,
    threads_per_process,
    train_one_epoch_ddp,
)
from helpers.models import MnistCNN  # noqa: E402
from helpers.training import evaluate  # noqa: E402

#: How many of each rank's first indices per epoch the report keeps (enough to see a new order).
SHARD_HEAD = 8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="per process and micro-batch; the effective batch is this x world size x --accumulate")
    parser.add_argument("--accumulate", type=int, default=1,
                        help="micro-batches per optimizer step: their gradients add up locally (no_sync) and "
                             "are all-reduced once, at the last one")
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate for an effective batch of --base-batch")
    parser.add_argument("--base-batch", type=int, default=128, help="the effective batch --lr was tuned for")
    parser.add_argument("--lr-scaling", choices=["linear", "none"], default="linear",
                        help="linear: lr x effective batch / base batch (Goyal et al., 2017); none: lr as given")
    parser.add_argument("--train-subset", type=int, default=None, help="train on the first N images (default: all 60000)")
    parser.add_argument("--test-subset", type=int, default=None, help="test on the first N images (default: all 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA GPUs if any")
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16", "float16", "float64"], default="auto",
                        help="auto: bfloat16 autocast where the device runs it natively, else float32 (as notebook "
                             "08 decides); float64: model and data in float64, for checking arithmetic, not speed")
    parser.add_argument("--loader", choices=["tensors", "dataloader"], default="tensors",
                        help="tensors (default): every rank indexes the images already in memory, one gather per "
                             "batch, the fastest for MNIST; dataloader: the standard idiom, DataLoader with a "
                             "DistributedSampler, for data that must be read or transformed per sample. Both read "
                             "exactly the same indices, so both train the same model")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: cores / processes)")
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="save a snapshot here after every epoch (rank 0 writes, atomically) and resume from it "
                             "at start; it must be a path every machine of the job can read")
    parser.add_argument("--save", type=Path, default=None, help="rank 0 saves the model's state_dict here")
    parser.add_argument("--report", type=Path, default=None, help="rank 0 writes a JSON report here")
    parser.add_argument("--log-every", type=int, default=0, help="rank 0 prints the loss every N optimizer steps (0: never)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="rank 0's progress bar (default: only when writing to a terminal)")
    return parser.parse_args(argv)


def all_reduce(values: list[float], device: torch.device, op: dist.ReduceOp = dist.ReduceOp.SUM) -> list[float]:
    """Combine numbers over all ranks, element by element (every rank gets the result)."""
    t = torch.tensor(values, dtype=torch.float64, device=device)  # nccl needs them on the GPU
    dist.all_reduce(t, op=op)
    return t.tolist()


def run_config(args: argparse.Namespace, world_size: int, precision: str, train_images: int) -> dict[str, Any]:
    """What a resumed run must share with the run that wrote its snapshot (else the steps would differ)."""
    return {"model": "MnistCNN", "world_size": world_size, "batch_size": args.batch_size,
            "accumulate": args.accumulate, "epochs": args.epochs, "lr": args.lr, "base_batch": args.base_batch,
            "lr_scaling": args.lr_scaling, "seed": args.seed, "train_images": train_images, "precision": precision}


def make_loader(kind: str, X: torch.Tensor, y: torch.Tensor, batch_size: int, rank: int, world_size: int,
                seed: int, device: torch.device) -> tuple[Any, Any]:
    """This rank's training batches, and the object whose set_epoch() draws each epoch's order."""
    if kind == "dataloader":  # the standard idiom: a sampler picks this rank's indices, DataLoader batches them
        sampler = DistributedSampler(TensorDataset(X, y), num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
        loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, sampler=sampler,
                            pin_memory=device.type == "cuda")
        return loader, sampler
    loader = ShardedBatches(X.to(device), y.to(device), batch_size, rank, world_size, seed)  # the same rule, as tensors
    return loader, loader


def shard_head(order_source: Any) -> list[int]:
    """The first indices this rank reads in the current epoch (DistributedSampler or ShardedBatches)."""
    order = order_source.indices().tolist() if isinstance(order_source, ShardedBatches) else list(iter(order_source))
    return [int(i) for i in order[:SHARD_HEAD]]


def train(args: argparse.Namespace, rank: int, world_size: int, device: torch.device, dtype: torch.dtype,
          precision: str, autocast_dtype: torch.dtype | None, snapshot: dict | None) -> dict:
    """Build the data, model and optimizer; resume from ``snapshot`` if given; train; return the report."""
    is_main = rank == 0
    mnist = load_mnist_tensors()
    X_train, y_train = mnist.X_train[: args.train_subset].to(dtype), mnist.y_train[: args.train_subset]
    X_test, y_test = mnist.X_test[: args.test_subset].to(dtype), mnist.y_test[: args.test_subset]
    # Each rank reads its own shard: a new shuffle every epoch, disjoint across ranks.
    train_loader, sampler = make_loader(args.loader, X_train, y_train, args.batch_size, rank, world_size, args.seed, device)
    # Testing is split too (every world_size-th image, no padding), and the counts summed.
    test_loader = TensorBatches(X_test[rank::world_size].to(device), y_test[rank::world_size].to(device), 1000)

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also copies rank 0's)
    model = MnistCNN().to(device, dtype)
    effective_batch = args.batch_size * world_size * args.accumulate  # samples behind one optimizer step
    lr = args.lr * effective_batch / args.base_batch if args.lr_scaling == "linear" else args.lr
    steps_per_epoch = -(-len(train_loader) // args.accumulate)  # ceil: a last, shorter step if needed
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=args.epochs,
                                                    steps_per_epoch=steps_per_epoch)
    scaler = torch.amp.GradScaler(device.type) if autocast_dtype == torch.float16 else None
    history, done = [], 0
    if snapshot is not None:  # resume: every state the next steps depend on
        model.load_state_dict(snapshot["model"])
        optimizer.load_state_dict(snapshot["optimizer"])  # momentum buffers
        scheduler.load_state_dict(snapshot["scheduler"])  # the position in the one-cycle schedule
        if scaler is not None and snapshot.get("scaler"):
            scaler.load_state_dict(snapshot["scaler"])
        torch.set_rng_state(snapshot["rng"][rank]["cpu"])  # each rank's own random state
        if device.type == "cuda" and snapshot["rng"][rank].get("cuda") is not None:
            torch.cuda.set_rng_state(snapshot["rng"][rank]["cuda"], device)
        history, done = list(snapshot["history"]), snapshot["epoch"]  # the sampler's order follows from the epoch
    ddp_model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    counter = AllReduceCounter().attach(ddp_model)  # DDP's own all-reduce, counted
    if snapshot is not None:  # the bucket layout of a job that never stopped (matters from 3 ranks on)
        settle_buckets(ddp_model, X_train[: args.batch_size].to(device))
        counter.allreduces = counter.syncs = 0  # count only the training's all-reduces

    pids = [None] * world_size
    dist.all_gather_object(pids, os.getpid())
    attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))  # torchrun's restart number
    if is_main:
        print(f"{world_size} process(es) x batch {args.batch_size} x {args.accumulate} micro-batch(es) = effective "
              f"batch {effective_batch}, peak lr {lr:.4g}, {steps_per_epoch} steps per epoch, precision {precision}, "
              f"loader {args.loader}, backend {dist.get_backend()}, device {device.type}, "
              f"{torch.get_num_threads()} thread(s) per process", flush=True)
        print(f"attempt {attempt}: " + ", ".join(f"rank {r} pid {p}" for r, p in enumerate(pids)), flush=True)
        if snapshot is not None:
            print(f"resumed from snapshot {args.snapshot}: epoch {done} of {args.epochs} done", flush=True)
    show_bar = is_main and (args.progress if args.progress is not None else sys.stderr.isatty())
    bar = tqdm(total=(args.epochs - done) * steps_per_epoch, unit="step", disable=not show_bar)
    heads, steps_taken, backward_passes = [], 0, 0
    for epoch in range(done + 1, args.epochs + 1):
        sampler.set_epoch(epoch)  # without it, every epoch would read the same order
        heads.append(shard_head(sampler))

        def on_step(step: int, loss: torch.Tensor, epoch: int = epoch) -> None:
            bar.update(1)
            if is_main and args.log_every and step % args.log_every == 0:
                print(f"epoch {epoch}/{args.epochs} step {step}/{steps_per_epoch}: loss {loss.item():.4f}", flush=True)

        dist.barrier()  # start the clock together
        train = train_one_epoch_ddp(ddp_model, train_loader, F.cross_entropy, optimizer, device, scheduler,
                                    args.accumulate, autocast_dtype, scaler, on_step)
        steps_taken += train["steps"]
        backward_passes += train["backward_passes"]
        [seconds] = all_reduce([train["seconds"]], device, dist.ReduceOp.MAX)  # the slowest rank's time
        test = evaluate(model, test_loader, device, autocast_dtype=autocast_dtype)  # no gradients: no all-reduce
        loss_sum, correct, samples, train_loss_sum, train_correct, train_samples = all_reduce(
            [test["loss"] * test["samples"], test["correct"], test["samples"],
             train["loss"] * train["samples"], train["accuracy"] * train["samples"], train["samples"]], device)
        history.append({"epoch": epoch, "attempt": attempt, "train_loss": train_loss_sum / train_samples,
                        "train_accuracy": train_correct / train_samples, "test_loss": loss_sum / samples,
                        "test_accuracy": correct / samples, "test_samples": int(samples), "seconds": seconds,
                        "samples_read": int(train_samples),  # padding repeats included
                        "images_per_s": len(X_train) / seconds})  # distinct images: padding not counted
        if is_main:
            e = history[-1]
            tqdm.write(f"epoch {epoch}/{args.epochs}: train loss {e['train_loss']:.4f}, test accuracy "
                       f"{e['test_accuracy']:.2%} ({seconds:.1f} s, {e['images_per_s']:.0f} images/s)")
        if args.snapshot:
            write_snapshot(args.snapshot, epoch, model, optimizer, scheduler, scaler, history, rank, world_size,
                           device, run_config(args, world_size, precision, len(X_train)))
    bar.close()

    # Every rank reports its parameters' digest: identical digests = identical replicas.
    mine = {"rank": rank, "digest": parameter_digest(model),
            "checksum": sum(p.double().sum().item() for p in model.parameters()),
            "samples_per_epoch": -(-len(X_train) // world_size), "shard_heads": heads,
            "allreduces": counter.allreduces, "syncs": counter.syncs}
    ranks = [None] * world_size
    dist.all_gather_object(ranks, mine)
    if is_main and args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        torch.save(ddp_model.module.state_dict(), args.save)  # .module: without DDP's "module." prefix
    return {"world_size": world_size, "backend": dist.get_backend(), "device": device.type,
            "threads_per_process": torch.get_num_threads(), "batch_size": args.batch_size,
            "accumulate": args.accumulate, "effective_batch": effective_batch, "lr": lr,
            "peak_lr": optimizer.param_groups[0]["max_lr"],  # what the optimizer's schedule actually peaks at
            "precision": precision, "loader": args.loader, "steps_per_epoch": steps_per_epoch,
            "train_images": len(X_train), "attempt": attempt, "resumed_from_epoch": done,
            "optimizer_steps": steps_taken, "backward_passes": backward_passes,
            "syncs": counter.syncs, "allreduces": counter.allreduces,
            "epochs": history, "ranks": ranks}


def write_snapshot(path: Path, epoch: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                   scheduler: Any, scaler: Any, history: list, rank: int, world_size: int, device: torch.device,
                   config: dict) -> None:
    """Rank 0 writes everything a restarted job needs to take exactly the next steps; the others wait."""
    rng = {"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None}
    states = [None] * world_size
    dist.all_gather_object(states, rng)  # every rank's random state, so each gets its own back
    if rank == 0:
        save_snapshot(path, {"format": SNAPSHOT_FORMAT, "config": config, "epoch": epoch,
                             "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                             "scheduler": scheduler.state_dict(),
                             "scaler": scaler.state_dict() if scaler is not None else None,
                             "rng": states, "history": history})
        print(f"snapshot after epoch {epoch} saved to {path}", flush=True)
    dist.barrier()  # nobody goes on until the snapshot is on disk


def resume_point(args: argparse.Namespace, world_size: int, precision: str) -> dict | None:
    """The snapshot to resume from (None: start from scratch), checked against this run; SnapshotError if unusable."""
    if args.snapshot is None or not args.snapshot.exists():
        return None
    snapshot = load_snapshot(args.snapshot)
    mnist_train = 60000 if args.train_subset is None else min(args.train_subset, 60000)
    check_snapshot(snapshot, args.snapshot, run_config(args, world_size, precision, mnist_train), MnistCNN())
    return snapshot


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        info = launch_info()
        backend, device = choose_backend(args.device, torch.cuda.device_count() if args.device != "cpu" else 0,
                                         info.local_rank, info.local_world_size)
        if args.precision == "float64":
            dtype, autocast_dtype, precision = torch.float64, None, "float64"
        else:
            choice = choose_precision(device, args.precision)  # the same decision as notebook 08
            dtype, autocast_dtype, precision = torch.float32, choice.autocast_dtype, str(choice.dtype).removeprefix("torch.")
        snapshot = resume_point(args, info.world_size, precision)  # checked before any process group exists
    except (DistributedLaunchError, PrecisionUnavailableError, SnapshotError) as err:
        if int(os.environ.get("LOCAL_RANK", "0")) == 0:  # one message per machine, not one per process
            print(f"train_ddp.py: {err}", file=sys.stderr)
        return 2
    if info.rank == 0 and int(os.environ.get("TORCHELASTIC_MAX_RESTARTS", "0")) > 0 and \
            os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True":
        print("train_ddp.py: note: torchrun shares one rendezvous store across restarts here, and in torch 2.14 a "
              "restarted group can read the previous attempt's addresses from it and fail to connect "
              "(pytorch/pytorch#135712). Start torchrun with TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 in its "
              "environment to give every attempt a fresh store.", file=sys.stderr, flush=True)
    torch.set_num_threads(args.threads or threads_per_process(info.local_world_size))  # share the cores
    if device.type == "cuda":
        torch.cuda.set_device(device)  # this process's GPU: local rank 0 -> cuda:0, 1 -> cuda:1, ...
    dist.init_process_group(backend=backend, device_id=device if device.type == "cuda" else None)
    try:
        start = time.perf_counter()
        report = train(args, info.rank, info.world_size, device, dtype, precision, autocast_dtype, snapshot)
        if info.rank == 0 and args.report:
            report["total_seconds"] = time.perf_counter() - start
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(json.dumps(report, indent=1))
    finally:
        # A clean exit, also when training raised: this process leaves the group and frees its
        # resources. It does not stop the other processes: when one fails, torchrun stops the
        # rest of the group (and restarts it, with --max-restarts).
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
