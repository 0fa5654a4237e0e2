"""Training speed on MNIST: the classic article's pipeline beside the course's, same machine, same run.

    .venv/bin/python benchmarks/mnist_speed.py                          # 3 rounds x 60000 images each
    .venv/bin/python benchmarks/mnist_speed.py --images 6000 --rounds 3 # a quicker, noisier run
    .venv/bin/python benchmarks/mnist_speed.py --accuracy --seeds 0 1 2 # + test accuracy after 2 epochs
    .venv/bin/python benchmarks/mnist_speed.py --force-bf16             # bf16 row even where it is emulated
    .venv/bin/python benchmarks/mnist_speed.py --optimizer fused --compile inductor   # notebook 10's other knobs

All pipelines train the same layers (conv 1->32 3x3, max-pool 2, conv 32->64 3x3, max-pool 2,
fc 1600->128, fc 128->10, ReLUs) with Adam and cross-entropy, built by ``helpers.speed`` from a
``Recipe`` and trained by the course's loop (``helpers.training.train_one_epoch``):

- article: torchvision's MNIST dataset with ToTensor + Normalize((0.5,), (0.5,)) per image,
  a DataLoader with batch 64, ReLU before max-pool, Adam defaults (lr 1e-3);
- course:  the whole dataset as one normalized tensor batched by index
  (``helpers.data.TensorBatches``), batch 128, ``channels_last``, max-pool before ReLU
  (the same function), Adam + OneCycleLR: the pipeline notebook 08 trains;
- course-bf16: the course's pipeline under ``torch.autocast(dtype=torch.bfloat16)``, run only
  where the CPU computes bf16 natively (AVX512-BF16, AMX or Arm's BF16, as
  ``helpers.devices.cpu_bf16_features`` reports), or with ``--force-bf16`` (emulated bf16 is
  usually slower than float32).

The method is notebook 10's, by the same function (``helpers.speed.measure``): an untimed warm-up,
then rounds in which every pipeline trains one window of ``--images`` images (60000: a whole epoch),
the order reversed every other round; each pipeline's median and min–max over the rounds; each
ratio to the article's as the median of the per-round ratios, with their range; the machine named
and the load average before and after (a busy machine makes the numbers meaningless: run it on a
quiet one). ``--optimizer`` and ``--compile`` apply notebook 10's other changes to the course's rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the checkout
from helpers.data import load_mnist_tensors, mnist_datasets  # noqa: E402
from helpers.devices import cpu_bf16_features  # noqa: E402
from helpers.models import MnistCNN  # noqa: E402,F401  (the course's network; tests compare it with ArticleCNN)
from helpers.speed import (  # noqa: E402,F401  (ArticleCNN: the article's network, beside MnistCNN for the tests)
    ARTICLE, COURSE, ArticleCNN, Pipeline, article_transform, compile_problem, describe_load, machine_summary,
    measure, usable_cores,
)

#: Each pipeline's name in the report.
NAMES = {
    "article": "article: torchvision dataset + ToTensor/Normalize, batch 64",
    "course": "course: in-memory tensors + channels_last, batch {batch}",
    "course-bf16": "course-bf16: the course's pipeline + bf16 autocast, batch {batch}",
}


def build(kind: str, seed: int, args: argparse.Namespace, data=None, train_dataset=None) -> Pipeline:
    """The pipeline ``kind`` ("article", "course", "course-bf16") with the command line's options."""
    if kind == "article":
        return Pipeline(ARTICLE, "cpu", seed, train_dataset=train_dataset)
    recipe = COURSE.but(batch_size=args.batch_size, max_lr=args.max_lr, optimizer=args.optimizer,
                        compile=args.compile, autocast=torch.bfloat16 if kind == "course-bf16" else None)
    return Pipeline(recipe, "cpu", seed, data=data)


def _name(kind: str, args: argparse.Namespace) -> str:
    name = NAMES[kind].format(batch=args.batch_size)
    extras = [f"{args.optimizer} Adam"] if args.optimizer != "adam" and kind != "article" else []
    extras += [f"torch.compile ({args.compile})"] if args.compile != "off" and kind != "article" else []
    return name + (" + " + " + ".join(extras) if extras else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=60000, help="training images per pipeline per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (the median is reported; at least 3)")
    parser.add_argument("--batch-size", type=int, default=128, help="the course pipeline's batch size")
    parser.add_argument("--max-lr", type=float, default=1e-2, help="OneCycleLR's peak learning rate")
    parser.add_argument("--optimizer", choices=["adam", "foreach", "fused"], default="adam",
                        help="the course's Adam: torch's default for the device, foreach=True or fused=True")
    parser.add_argument("--compile", choices=["off", "inductor", "aot_eager"], default="off",
                        help="torch.compile the course's model with this backend")
    parser.add_argument("--accuracy", action="store_true", help="also train each pipeline --epochs on all data")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds for --accuracy")
    parser.add_argument("--pipelines", nargs="+", choices=list(NAMES), default=list(NAMES))
    parser.add_argument("--force-bf16", action="store_true",
                        help="run course-bf16 even where the CPU has no native bf16 (it is then emulated)")
    args = parser.parse_args()
    if args.rounds < 1 or args.images < 1:
        parser.error("--rounds and --images must be at least 1")
    features = cpu_bf16_features()
    if "course-bf16" in args.pipelines and not features and not args.force_bf16:
        print("course-bf16: skipped: this CPU has no native bf16 instructions (no AVX512-BF16 or AMX, no Arm "
              "BF16), so bf16 would be emulated (usually slower than float32); --force-bf16 measures it anyway.")
        args.pipelines = [p for p in args.pipelines if p != "course-bf16"]
    problem = compile_problem("cpu", args.compile) if args.compile != "off" else None
    if problem:
        print(f"--compile {args.compile}: {problem}")
        return 2

    print(f"machine: {machine_summary('cpu')}")
    print(f"native bf16 on this CPU: {', '.join(features) if features else 'none (no AVX512-BF16, no AMX)'}")
    data = load_mnist_tensors()
    article_train, article_test = mnist_datasets(transform=article_transform())
    pipelines = {_name(kind, args): build(kind, 0, args, data, article_train) for kind in args.pipelines}
    start = time.perf_counter()
    result = measure({name: p.run for name, p in pipelines.items()}, args.images, args.rounds,
                     warmup_images=4 * max(args.batch_size, 64))
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(
            f"{name.split(':')[0]} {rates[r]:,.0f} images/s" for name, rates in result.rates.items()))
    print(f"(measured in {time.perf_counter() - start:.0f} s; the first round's order: "
          f"{', '.join(n.split(':')[0] for n in result.names)}, then reversed every other round)")
    if args.compile != "off":
        for name, seconds in result.warmup_seconds.items():
            print(f"  warm-up (compiling included where compiled): {name.split(':')[0]} {seconds:.1f} s")

    print(f"\ntraining throughput, {args.images} images per round, median of {args.rounds} round(s):")
    article = next((n for n in result.names if n.startswith("article")), None)
    for name in result.names:
        low, high = result.spread(name)
        ratio = f"  {result.ratio(name, article)[0]:5.2f}x the article's" if article else ""
        print(f"  {name:<62} {result.median(name):>8,.0f} images/s (rounds {low:,.0f}–{high:,.0f}){ratio}")
    for name in result.names:
        if article and name != article:
            median, low, high = result.ratio(name, article)
            print(f"  speed-up ({name.split(':')[0]} / article): {median:.2f}x (per round {low:.2f}x–{high:.2f}x)")
    print(describe_load(result.load_before, result.load_after, usable_cores()))

    if args.accuracy:
        print(f"\ntest accuracy after {args.epochs} epochs on all 60000 images:")
        test_tensors = (data.X_test, data.y_test)
        for kind in args.pipelines:
            accs = []
            for seed in args.seeds:
                pipeline = build(kind, seed, args, data, article_train)
                test = DataLoader(article_test, batch_size=1000) if kind == "article" else test_tensors
                accs.append(pipeline.accuracy(args.epochs, test))
                print(f"  {kind} seed {seed}: {accs[-1]:.2%}", flush=True)
            print(f"  {kind} mean over {len(accs)} seed(s): {statistics.mean(accs):.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
