"""Training speed on MNIST: the classic article's pipeline beside the course's, same machine.

    .venv/bin/python benchmarks/mnist_speed.py                          # 3 rounds x 60000 images each
    .venv/bin/python benchmarks/mnist_speed.py --images 6000 --rounds 1 # a quick smoke run
    .venv/bin/python benchmarks/mnist_speed.py --accuracy --seeds 0 1 2 # + test accuracy after 2 epochs
    .venv/bin/python benchmarks/mnist_speed.py --force-bf16             # bf16 row even where it is emulated

Both pipelines train the same layers (conv 1->32 3x3, max-pool 2, conv 32->64 3x3,
max-pool 2, fc 1600->128, fc 128->10, ReLUs) with Adam and cross-entropy:

- article: torchvision's MNIST dataset with ToTensor + Normalize((0.5,), (0.5,)) per image,
  a DataLoader with batch 64, ReLU before max-pool, ``x.view``, Adam defaults (lr 1e-3);
- course:  the whole dataset as one normalized tensor batched by index
  (``helpers.data.TensorBatches``), batch 128, ``channels_last``, max-pool before ReLU
  (the same function), Adam + OneCycleLR, ``helpers.training.train_one_epoch``;
- course-bf16: the course's pipeline under ``torch.autocast(dtype=torch.bfloat16)``, run only
  where the CPU computes bf16 natively (AVX512-BF16 or AMX, as ``helpers.devices.cpu_bf16_features``
  reports), or with ``--force-bf16`` (emulated bf16 is usually slower than float32).

Rounds alternate which pipeline goes first, each trains on the same number of images,
and the report gives the median images/s of each, each one's ratio to the article's, and the load average
before and after (a busy machine makes the numbers meaningless: run it on a quiet one).
Setup (reading the files, building datasets) and a short warm-up are not timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the checkout
from helpers.data import TensorBatches, load_mnist_tensors, mnist_datasets  # noqa: E402
from helpers.devices import cpu_bf16_features  # noqa: E402
from helpers.models import MnistCNN  # noqa: E402
from helpers.training import evaluate, train_one_epoch  # noqa: E402

ARTICLE_BATCH = 64


class ArticleCNN(MnistCNN):
    """The article's forward pass: ReLU before max-pool and ``view`` (same layers, same function)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (B, 1, 28, 28) -> (B, 32, 13, 13)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (B, 64, 5, 5)
        x = x.view(-1, 64 * 5 * 5)  # (B, 1600)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def article_loop(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer) -> int:
    """The article's training loop, as written there; returns the number of images seen."""
    criterion = nn.CrossEntropyLoss()
    model.train()
    seen, running_loss = 0, 0.0
    for inputs, labels in loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        seen += len(labels)
    return seen


class Article:
    """Per-image PIL -> tensor transforms in a DataLoader, batch 64, Adam defaults."""

    name = "article: torchvision dataset + ToTensor/Normalize, batch 64"

    def __init__(self, seed: int) -> None:
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        self.train, self.test = mnist_datasets(transform=transform)
        self.gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.model = ArticleCNN()
        self.optimizer = torch.optim.Adam(self.model.parameters())

    def run(self, images: int) -> int:
        idx = torch.randperm(len(self.train), generator=self.gen)[:images].tolist()
        loader = DataLoader(Subset(self.train, idx), batch_size=ARTICLE_BATCH, shuffle=True, generator=self.gen)
        return article_loop(self.model, loader, self.optimizer)

    def accuracy(self, epochs: int) -> float:
        loader = DataLoader(self.train, batch_size=ARTICLE_BATCH, shuffle=True, generator=self.gen)
        for _ in range(epochs):
            article_loop(self.model, loader, self.optimizer)
        return evaluate(self.model, DataLoader(self.test, batch_size=1000), "cpu")["accuracy"]


class Course:
    """The whole dataset as tensors, batched by index, channels_last, Adam + OneCycleLR."""

    def __init__(self, seed: int, batch_size: int, max_lr: float, autocast_dtype: torch.dtype | None = None) -> None:
        self.name = f"course: in-memory tensors + channels_last, batch {batch_size}"
        if autocast_dtype is not None:
            self.name = f"course-bf16: the course's pipeline + bf16 autocast, batch {batch_size}"
        self.autocast_dtype = autocast_dtype
        self.data = load_mnist_tensors()
        self.batch_size, self.max_lr = batch_size, max_lr
        self.gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.model = MnistCNN().to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=max_lr)
        self.loss_fn = nn.CrossEntropyLoss()

    def _train(self, X: torch.Tensor, y: torch.Tensor, epochs: int) -> int:
        loader = TensorBatches(X, y, self.batch_size, shuffle=True, generator=self.gen)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=self.max_lr, total_steps=epochs * len(loader)
        )
        return sum(
            train_one_epoch(self.model, loader, self.loss_fn, self.optimizer, "cpu", scheduler,
                            autocast_dtype=self.autocast_dtype)["samples"]
            for _ in range(epochs)
        )

    def run(self, images: int) -> int:
        idx = torch.randperm(len(self.data.X_train), generator=self.gen)[:images]
        return self._train(self.data.X_train[idx], self.data.y_train[idx], epochs=1)

    def accuracy(self, epochs: int) -> float:
        self._train(self.data.X_train, self.data.y_train, epochs)
        test = TensorBatches(self.data.X_test, self.data.y_test, 1000)
        return evaluate(self.model, test, "cpu", autocast_dtype=self.autocast_dtype)["accuracy"]


def timed(run: Callable[[int], int], images: int) -> float:
    """Images per second of one call of ``run(images)``."""
    start = time.perf_counter()
    seen = run(images)
    return seen / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=60000, help="training images per pipeline per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (the median is reported)")
    parser.add_argument("--batch-size", type=int, default=128, help="the course pipeline's batch size")
    parser.add_argument("--max-lr", type=float, default=1e-2, help="OneCycleLR's peak learning rate")
    parser.add_argument("--accuracy", action="store_true", help="also train each pipeline --epochs on all data")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds for --accuracy")
    parser.add_argument("--pipelines", nargs="+", choices=["article", "course", "course-bf16"],
                        default=["article", "course", "course-bf16"])
    parser.add_argument("--force-bf16", action="store_true",
                        help="run course-bf16 even where the CPU has no native bf16 (it is then emulated)")
    args = parser.parse_args()
    features = cpu_bf16_features()
    if "course-bf16" in args.pipelines and not features and not args.force_bf16:
        print("course-bf16: skipped: this CPU has neither AVX512-BF16 nor AMX, so bf16 would be emulated "
              "(usually slower than float32); --force-bf16 measures it anyway.")
        args.pipelines = [p for p in args.pipelines if p != "course-bf16"]

    cores = os.cpu_count() or 1
    load_before = os.getloadavg()
    print(f"machine: {cores} CPU cores, torch {torch.__version__} with {torch.get_num_threads()} threads, "
          f"load average {load_before[0]:.2f} (1 min) before the run")
    print(f"native bf16 on this CPU: {', '.join(features) if features else 'none (no AVX512-BF16, no AMX)'}")
    if load_before[0] > 0.5 * cores:
        print("warning: the machine is busy; throughput numbers will be low and noisy.")

    def build(kind: str, seed: int) -> Article | Course:
        if kind == "article":
            return Article(seed)
        return Course(seed, args.batch_size, args.max_lr, torch.bfloat16 if kind == "course-bf16" else None)

    pipelines = [build(kind, seed=0) for kind in args.pipelines]
    for p in pipelines:  # warm-up: first calls allocate and pick kernels; not timed
        p.run(4 * args.batch_size)
    rates: dict[str, list[float]] = {p.name: [] for p in pipelines}
    for r in range(args.rounds):
        order = pipelines if r % 2 == 0 else pipelines[::-1]  # alternate who goes first
        for p in order:
            rates[p.name].append(timed(p.run, args.images))
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n.split(':')[0]} {v[-1]:,.0f} images/s"
                                                           for n, v in rates.items()), flush=True)
    load_after = os.getloadavg()

    print(f"\ntraining throughput, {args.images} images per round, median of {args.rounds} round(s):")
    medians = {name: statistics.median(v) for name, v in rates.items()}
    article = next((m for name, m in medians.items() if name.startswith("article")), None)
    for name, median in medians.items():
        ratio = f"  {median / article:5.2f}x the article's" if article else ""
        print(f"  {name:<62} {median:>8,.0f} images/s{ratio}")
    for name, median in medians.items():
        if article and not name.startswith("article"):
            print(f"  speed-up ({name.split(':')[0]} / article): {median / article:.2f}x")
    print(f"load average (1 min): {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {cores} cores")

    if args.accuracy:
        print(f"\ntest accuracy after {args.epochs} epochs on all 60000 images:")
        for kind in args.pipelines:
            accs = []
            for seed in args.seeds:
                accs.append(build(kind, seed).accuracy(args.epochs))
                print(f"  {kind} seed {seed}: {accs[-1]:.2%}", flush=True)
            print(f"  {kind} mean over {len(accs)} seed(s): {statistics.mean(accs):.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
