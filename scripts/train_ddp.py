"""Train the course's MNIST CNN on several processes with DistributedDataParallel (DDP).

Start it with torchrun, one process per worker (per GPU on a GPU machine):

    python -m torch.distributed.run --standalone --nproc_per_node=2 scripts/train_ddp.py
    torchrun --standalone --nproc_per_node=gpu scripts/train_ddp.py          # every GPU of this machine
    torchrun --nnodes=2 --nproc_per_node=gpu --rdzv-backend=c10d \\
             --rdzv-endpoint=HOST:29400 --rdzv-id=mnist scripts/train_ddp.py  # on each of 2 machines

Every process builds the same model, wraps it in DDP and trains on its own shard of the
training images; DDP averages the gradients over all processes in backward(), so every
replica takes the same step. The backend is gloo on CPUs and nccl on CUDA GPUs. Only rank 0
prints, shows a progress bar and saves; with --report it writes a JSON file with each rank's
parameter digest and the accuracy and time of every epoch. Taught in notebooks/09_distributed.ipynb.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `helpers` even when not pip-installed
from helpers.data import TensorBatches, load_mnist_tensors  # noqa: E402
from helpers.distributed import (  # noqa: E402
    DistributedLaunchError,
    ShardedBatches,
    choose_backend,
    launch_info,
    parameter_digest,
    threads_per_process,
)
from helpers.models import MnistCNN  # noqa: E402
from helpers.training import evaluate, train_one_epoch  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64, help="per process; the effective batch is this x world size")
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate for an effective batch of --base-batch")
    parser.add_argument("--base-batch", type=int, default=128, help="the effective batch --lr was tuned for")
    parser.add_argument("--lr-scaling", choices=["linear", "none"], default="linear",
                        help="linear: lr x effective batch / base batch (Goyal et al., 2017); none: lr as given")
    parser.add_argument("--train-subset", type=int, default=None, help="train on the first N images (default: all 60000)")
    parser.add_argument("--test-subset", type=int, default=None, help="test on the first N images (default: all 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA GPUs if any")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: cores / processes)")
    parser.add_argument("--save", type=Path, default=None, help="rank 0 saves the model's state_dict here")
    parser.add_argument("--report", type=Path, default=None, help="rank 0 writes a JSON report here")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="rank 0's progress bar (default: only when writing to a terminal)")
    return parser.parse_args(argv)


def all_reduce(values: list[float], device: torch.device, op: dist.ReduceOp = dist.ReduceOp.SUM) -> list[float]:
    """Combine numbers over all ranks, element by element (every rank gets the result)."""
    t = torch.tensor(values, dtype=torch.float64, device=device)  # nccl needs them on the GPU
    dist.all_reduce(t, op=op)
    return t.tolist()


def train(args: argparse.Namespace, rank: int, world_size: int, device: torch.device) -> dict:
    """Build the data, model and optimizer; train; return what rank 0 reports."""
    is_main = rank == 0
    mnist = load_mnist_tensors()
    X_train, y_train = mnist.X_train[: args.train_subset], mnist.y_train[: args.train_subset]
    X_test, y_test = mnist.X_test[: args.test_subset], mnist.y_test[: args.test_subset]
    # Each rank reads its own shard: a new shuffle every epoch, disjoint across ranks.
    train_loader = ShardedBatches(X_train.to(device), y_train.to(device), args.batch_size, rank, world_size, args.seed)
    # Testing is split too (every world_size-th image, no padding), and the counts summed.
    test_loader = TensorBatches(X_test[rank::world_size].to(device), y_test[rank::world_size].to(device), 1000)

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also copies rank 0's)
    model = MnistCNN().to(device)
    ddp_model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)

    effective_batch = args.batch_size * world_size
    lr = args.lr * effective_batch / args.base_batch if args.lr_scaling == "linear" else args.lr
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))
    if is_main:
        print(f"{world_size} process(es) x batch {args.batch_size} = effective batch {effective_batch}, "
              f"peak lr {lr:.4g}, {len(train_loader)} steps per epoch, backend {dist.get_backend()}, "
              f"device {device.type}, {torch.get_num_threads()} thread(s) per process", flush=True)
    show_bar = is_main and (args.progress if args.progress is not None else sys.stderr.isatty())
    bar = tqdm(total=args.epochs * len(train_loader), unit="batch", disable=not show_bar)
    epochs = []
    for epoch in range(1, args.epochs + 1):
        train_loader.set_epoch(epoch)  # without it, every epoch would read the same order
        dist.barrier()  # start the clock together
        train = train_one_epoch(ddp_model, train_loader, F.cross_entropy, optimizer, device, scheduler,
                                progress=bar if show_bar else None)
        [seconds] = all_reduce([train["seconds"]], device, dist.ReduceOp.MAX)  # the slowest rank's time
        test = evaluate(model, test_loader, device)  # the plain model: no gradients, no all-reduce needed
        loss_sum, correct, samples, train_loss_sum, train_correct, train_samples = all_reduce(
            [test["loss"] * test["samples"], test["correct"], test["samples"],
             train["loss"] * train["samples"], train["accuracy"] * train["samples"], train["samples"]], device)
        epochs.append({"epoch": epoch, "train_loss": train_loss_sum / train_samples,
                       "train_accuracy": train_correct / train_samples, "test_loss": loss_sum / samples,
                       "test_accuracy": correct / samples, "test_samples": int(samples),
                       "seconds": seconds, "images_per_s": train_samples / seconds})
        if is_main:
            e = epochs[-1]
            tqdm.write(f"epoch {epoch}/{args.epochs}: train loss {e['train_loss']:.4f}, test accuracy "
                       f"{e['test_accuracy']:.2%} ({seconds:.1f} s, {e['images_per_s']:.0f} images/s)")
    bar.close()

    # Every rank reports its parameters' digest: identical digests = identical replicas.
    mine = {"rank": rank, "digest": parameter_digest(model),
            "checksum": sum(p.double().sum().item() for p in model.parameters()),
            "samples_per_epoch": train["samples"]}
    ranks = [None] * world_size
    dist.all_gather_object(ranks, mine)
    if is_main and args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        torch.save(ddp_model.module.state_dict(), args.save)  # .module: without DDP's "module." prefix
    return {"world_size": world_size, "backend": dist.get_backend(), "device": device.type,
            "threads_per_process": torch.get_num_threads(), "batch_size": args.batch_size,
            "effective_batch": effective_batch, "lr": lr, "steps_per_epoch": len(train_loader),
            "train_images": len(X_train), "epochs": epochs, "ranks": ranks}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        info = launch_info()
        backend, device = choose_backend(args.device, torch.cuda.device_count() if args.device != "cpu" else 0,
                                         info.local_rank, info.local_world_size)
    except DistributedLaunchError as err:
        print(f"train_ddp.py: {err}", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads or threads_per_process(info.local_world_size))  # share the cores
    if device.type == "cuda":
        torch.cuda.set_device(device)  # this process's GPU: local rank 0 -> cuda:0, 1 -> cuda:1, ...
    dist.init_process_group(backend=backend, device_id=device if device.type == "cuda" else None)
    try:
        start = time.perf_counter()
        report = train(args, info.rank, info.world_size, device)
        if info.rank == 0 and args.report:
            report["total_seconds"] = time.perf_counter() - start
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(json.dumps(report, indent=1))
    finally:
        dist.destroy_process_group()  # also when training failed: no process left waiting
    return 0


if __name__ == "__main__":
    sys.exit(main())
