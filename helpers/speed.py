"""Training speed, measured one way: notebook 10 and ``benchmarks/mnist_speed.py`` share this code.

The method (:func:`measure`): every pipeline trains for a window of images (a whole epoch, or
thousands of images) after an untimed warm-up; the pipelines take turns within a round, the
order reversed every other round, so that a slow minute on a shared machine hits all of them;
each is reported as the median of three or more rounds with every round shown; a change is
judged by its per-round ratios to the pipeline it changes (:func:`speedup`), and called noise
when they straddle 1; the machine is named and its load average noted before and after.

A pipeline is a :class:`Recipe` (data path, batch size, memory layout, layer order, precision,
optimizer, schedule, ``torch.compile``, threads) built into a :class:`Pipeline` that trains the
course's MNIST CNN. Also here: FLOPs of a network (:func:`forward_flops`), the rate of a large
matrix product (:func:`matmul_flops_per_second`), a profiled training step grouped by layer kind
(:func:`profile_step`, :func:`grouped_shares`), and the pictures notebook 10 draws.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import platform
import statistics
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

from helpers.data import MNISTTensors, TensorBatches, mnist_datasets
from helpers.devices import cpu_bf16_features, synchronize
from helpers.models import MnistCNN
from helpers.plotting import OKABE_ITO
from helpers.training import evaluate, train_one_epoch

# ---------------------------------------------------------------- the machine


def cpu_name() -> str:
    """The CPU's model name: what torch's cpuinfo reports, else /proc/cpuinfo, else ``platform``.

    Introduced in: 10_making_it_fast.ipynb
    """
    try:
        name = str(torch.cpu.get_capabilities().get("cpu_name") or "").strip()
    except (AttributeError, RuntimeError):
        name = ""
    if not name:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                name = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
        except OSError:
            name = ""
    return name or platform.processor() or platform.machine() or "unknown CPU"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity where the OS reports it). Introduced in: 10_making_it_fast.ipynb"""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def load_average() -> float | None:
    """The 1-minute load average (runnable processes, averaged), or None where the OS has none (Windows).

    Introduced in: 10_making_it_fast.ipynb
    """
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def machine_summary(device: torch.device | str = "cpu") -> str:
    """One line naming the machine a measurement ran on: CPU, cores, torch threads, bf16, GPU, torch.

    Introduced in: 10_making_it_fast.ipynb
    """
    device = torch.device(device)
    bf16 = ", ".join(cpu_bf16_features()) or "none"
    parts = [f"{cpu_name()}, {usable_cores()} usable cores, torch uses {torch.get_num_threads()} threads",
             f"native bf16 instructions: {bf16}"]
    if device.type == "cuda":
        parts.append(f"GPU: {torch.cuda.get_device_name(device)}")
    parts.append(f"torch {torch.__version__}")
    return "; ".join(parts)


def describe_load(before: float | None, after: float | None, cores: int | None = None,
                  own_threads: int | None = None) -> str:
    """The load average before and after a measurement, and whether it makes the numbers doubtful.

    The load counts runnable threads, so the load after includes the measurement's own threads
    (``own_threads``, the most it ran at once; default torch's): only what is left above them counts
    against the machine. The load before is shown but not judged: it may still hold an earlier
    measurement a moment ago, and it fades during this one. Introduced in: 10_making_it_fast.ipynb
    """
    cores = cores or usable_cores()
    own = torch.get_num_threads() if own_threads is None else own_threads
    if before is None or after is None:
        return "load average: not reported by this operating system"
    text = f"load average (1 min): {before:.2f} before, {after:.2f} after (with this measurement's own threads), on {cores} cores"
    if after - own > 0.5 * cores:
        text += (" (busy: the load was above what this measurement's own threads explain, so other programs"
                 " took CPU time and rates are low and noisy)")
    return text


# ---------------------------------------------------------------- the method


def speedup(baseline: Sequence[float], new: Sequence[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) of the per-round ratios ``new[r] / baseline[r]``.

    Rates measured in the same round share that round's conditions, so their ratio is steadier
    than a ratio of two medians. Introduced in: 10_making_it_fast.ipynb
    """
    if len(baseline) != len(new) or not baseline:
        raise ValueError(f"need the same number of rounds (got {len(baseline)} and {len(new)}), at least one")
    ratios = [n / b for b, n in zip(baseline, new)]
    return statistics.median(ratios), min(ratios), max(ratios)


def verdict(median: float, low: float, high: float, noise: float = 0.0) -> str:
    """"faster" when every round's ratio is above 1, "slower" when every one is below, else "noise".

    ``noise``: how far from 1 two identical pipelines' ratio strayed in the same measurement (see
    :meth:`Measurement.yardstick`); a median closer to 1 than that is "noise" too.
    Introduced in: 10_making_it_fast.ipynb
    """
    if low > 1 and median - 1 > noise:
        return "faster"
    if high < 1 and 1 - median > noise:
        return "slower"
    return "noise"


@dataclass
class Measurement:
    """Images per second of several pipelines, round by round, as :func:`measure` took them.

    ``rates[name]``: one rate per round, in round order. Introduced in: 10_making_it_fast.ipynb
    """

    rates: dict[str, list[float]]
    window: int
    warmup_seconds: dict[str, float] = field(default_factory=dict)
    load_before: float | None = None
    load_after: float | None = None

    @property
    def names(self) -> list[str]:
        return list(self.rates)

    @property
    def rounds(self) -> int:
        return len(next(iter(self.rates.values()), []))

    def median(self, name: str) -> float:
        return statistics.median(self.rates[name])

    def spread(self, name: str) -> tuple[float, float]:
        return min(self.rates[name]), max(self.rates[name])

    def ratio(self, name: str, baseline: str) -> tuple[float, float, float]:
        """(median, lowest, highest) per-round ratio of ``name`` to ``baseline`` (:func:`speedup`)."""
        return speedup(self.rates[baseline], self.rates[name])

    def yardstick(self, name: str, twin: str) -> float:
        """How far from 1 the per-round ratios of two identical pipelines strayed: the noise of this run."""
        _, low, high = self.ratio(name, twin)
        return max(abs(low - 1), abs(high - 1))

    def change(self, name: str, baseline: str, noise: float = 0.0) -> str:
        """``name`` against ``baseline`` in words: "+4% (rounds +2%, +7%, -1%): noise".

        ``noise``: the :meth:`yardstick` of this run (0: judge by the rounds alone).
        """
        median, low, high = self.ratio(name, baseline)
        rounds = ", ".join(f"{r - 1:+.0%}" for r in (n / b for b, n in zip(self.rates[baseline], self.rates[name])))
        word = verdict(median, low, high, noise)
        if word != "noise":
            word += " in every round"
        elif (low > 1 or high < 1) and noise:
            word = f"every round agrees, but by less than identical twins differ here ({noise:.0%}): noise"
        else:
            word = "the rounds straddle 1: noise"
        return f"{median - 1:+.0%} (rounds {rounds}): {word}"

    def table(self, baseline: str | None = None) -> str:
        """One line per pipeline: median images/s, the rounds' min–max, and the ratio to ``baseline``."""
        width = max(map(len, self.names)) + 2
        lines = [f"{'pipeline':<{width}} {'median':>8}   {'rounds (min–max)':<17}" + ("   ratio" if baseline else "")]
        for name in self.names:
            low, high = self.spread(name)
            line = f"{name:<{width}} {self.median(name):>8,.0f}   {f'{low:,.0f}–{high:,.0f}':<17}"
            if baseline is not None:
                line += f"   {self.ratio(name, baseline)[0]:.2f}x"
            lines.append(line)
        return "\n".join(lines) + f"\n(images/s; {self.rounds} interleaved rounds of {self.window:,} images each)"


def measure(
    runs: Mapping[str, Callable[[int], int]],
    images: int,
    rounds: int = 3,
    warmup_images: int = 256,
    progress: bool = False,
) -> Measurement:
    """Time every ``run(images) -> images trained`` in interleaved rounds; the benchmark's method.

    Each run first trains ``warmup_images`` untimed (first calls allocate memory, pick kernels,
    compile); then, round after round, every run trains one window of ``images``, the order
    reversed every other round. Rates are images trained per second of wall time, the device
    synchronized by the run itself. Introduced in: 10_making_it_fast.ipynb
    """
    if rounds < 1 or images < 1:
        raise ValueError(f"need at least one round and one image (got rounds={rounds}, images={images})")
    from tqdm.auto import tqdm

    load_before = load_average()
    warmup: dict[str, float] = {}
    for name, run in runs.items():
        start = time.perf_counter()
        run(warmup_images)
        warmup[name] = time.perf_counter() - start
    rates: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    bar = tqdm(total=rounds * len(names), unit="window", disable=not progress)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:  # who goes first alternates
            start = time.perf_counter()
            seen = runs[name](images)
            rates[name].append(seen / (time.perf_counter() - start))
            bar.update(1)
    bar.close()
    return Measurement(rates, images, warmup, load_before, load_average())


# ---------------------------------------------------------------- the pipelines

#: The article's batch size, and the course's.
ARTICLE_BATCH, COURSE_BATCH = 64, 128


class ArticleCNN(MnistCNN):
    """The article's forward pass: ReLU before max-pool (the same layers, the same function).

    The article flattens with ``x.view(-1, 64 * 7 * 7)``, which 08 shows failing; with 08's fix
    that is ``x.view(-1, 64 * 5 * 5)``. Here ``torch.flatten``: the same view on a contiguous tensor,
    and it also runs on a ``channels_last`` one (where ``view`` fails). Introduced in: 10_making_it_fast.ipynb
    """

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = F.max_pool2d(F.relu(self.conv1(X)), 2)  # (B, 1, 28, 28) -> (B, 32, 26, 26) -> (B, 32, 13, 13)
        X = F.max_pool2d(F.relu(self.conv2(X)), 2)  # -> (B, 64, 11, 11) -> (B, 64, 5, 5)
        X = torch.flatten(X, 1)  # (B, 1600)
        X = F.relu(self.fc1(X))
        return self.fc2(X)


def article_transform() -> transforms.Compose:
    """The article's per-image transform: PIL image -> ``ToTensor`` -> ``Normalize((0.5,), (0.5,))``.

    Pixels end in [-1, 1]. Introduced in: 10_making_it_fast.ipynb
    """
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])


@dataclass(frozen=True)
class Recipe:
    """One way to train the MNIST CNN; each field is one change notebook 10 measures.

    - ``data``: "per-image" (torchvision's MNIST, :func:`article_transform` per image, a
      ``DataLoader`` with ``workers`` worker processes) or "tensors" (the whole dataset in memory,
      ``helpers.data.TensorBatches``: one gather per batch);
    - ``batch_size``; ``channels_last`` (the memory layout of the model and its activations);
    - ``pool_first``: max-pool before ReLU (``MnistCNN``) or after (:class:`ArticleCNN`);
    - ``autocast``: None (float32) or ``torch.bfloat16`` (``torch.autocast``);
    - ``optimizer``: "adam" (torch's default implementation for the device: a loop over the
      parameters on a CPU, ``foreach`` on CUDA), "foreach" or "fused" (``torch.optim.Adam(fused=True)``);
    - ``schedule``: "constant" (lr 1e-3, Adam's default) or "onecycle" (OneCycleLR to ``max_lr``);
    - ``compile``: "off", or a ``torch.compile`` backend ("inductor" generates code, "aot_eager"
      only traces); ``threads``: ``torch.set_num_threads`` while it trains (None: as set).

    Introduced in: 10_making_it_fast.ipynb
    """

    data: str = "tensors"
    workers: int = 0
    batch_size: int = COURSE_BATCH
    channels_last: bool = True
    pool_first: bool = True
    autocast: torch.dtype | None = None
    optimizer: str = "adam"
    schedule: str = "onecycle"
    max_lr: float = 1e-2
    compile: str = "off"
    threads: int | None = None

    def but(self, **changes: Any) -> Recipe:
        """This recipe with some fields changed: ``COURSE.but(batch_size=256)``."""
        return replace(self, **changes)


#: The article's pipeline: per-image transforms in a DataLoader, batch 64, NCHW, ReLU before pool, Adam defaults.
ARTICLE = Recipe(data="per-image", batch_size=ARTICLE_BATCH, channels_last=False, pool_first=False,
                 schedule="constant")
#: The course's pipeline (notebook 08): tensors in memory, batch 128, channels_last, pool before ReLU, one-cycle.
COURSE = Recipe()


class _Batches:
    """The first ``count`` batches of one pass of ``loader`` (for train_one_epoch: len and iter)."""

    def __init__(self, loader: Any, count: int) -> None:
        self.loader, self.count = loader, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        return itertools.islice(iter(self.loader), self.count)  # takes no batch beyond the count


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Pipeline:
    """A :class:`Recipe` built: the model, its optimizer and its data, ready to train windows of images.

    ``data``: the MNIST tensors (on ``device`` already, for a GPU) for "tensors" recipes;
    ``train_dataset``: torchvision's MNIST with :func:`article_transform` for "per-image" ones
    (built when not given). The model's initial weights come from ``seed`` without touching the
    global random state; the order of the images from a generator seeded with ``seed``.
    Introduced in: 10_making_it_fast.ipynb
    """

    def __init__(self, recipe: Recipe, device: torch.device | str, seed: int,
                 data: MNISTTensors | None = None, train_dataset: Any = None) -> None:
        self.recipe, self.device = recipe, torch.device(device)
        if recipe.data == "tensors" and data is None:
            raise ValueError("a 'tensors' recipe needs data=helpers.data.load_mnist_tensors()")
        if recipe.data == "per-image" and train_dataset is None:
            train_dataset = mnist_datasets(transform=article_transform())[0]
        self.data, self.train_dataset = data, train_dataset
        self.generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):  # the weights from `seed`; the caller's random state untouched
            torch.manual_seed(seed)
            model = (MnistCNN if recipe.pool_first else ArticleCNN)()
        layout = torch.channels_last if recipe.channels_last else torch.contiguous_format
        self.model = model.to(self.device, memory_format=layout)
        kind = {"adam": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[recipe.optimizer]
        lr = recipe.max_lr if recipe.schedule == "onecycle" else 1e-3
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr, **kind)
        self.trained = self.model if recipe.compile == "off" else torch.compile(self.model, backend=recipe.compile)
        self.loss_fn = nn.CrossEntropyLoss()

    def batches(self, images: int) -> _Batches:
        """One window: ``images`` training images in a fresh random order, rounded up to whole batches
        (and to at most one epoch, whose last batch may be smaller).

        A compiled model gets whole batches only, rounded down (a last, smaller batch would be a new
        shape, and compile again).
        """
        size = self.recipe.batch_size
        count = images // size if self.recipe.compile != "off" else math.ceil(images / size)
        if self.recipe.data == "tensors":
            X, y = self.data.X_train, self.data.y_train
            order = TensorBatches(X, y, size, shuffle=True, generator=self.generator)
            return _Batches(order, min(count, len(order)))
        picked = torch.randperm(len(self.train_dataset), generator=self.generator)[: count * size].tolist()
        loader = DataLoader(Subset(self.train_dataset, picked), batch_size=size, num_workers=self.recipe.workers,
                            drop_last=self.recipe.compile != "off")
        return _Batches(loader, min(count, len(loader)))

    def _scheduler(self, steps: int) -> torch.optim.lr_scheduler.LRScheduler | None:
        if self.recipe.schedule != "onecycle" or steps < 2:
            return None
        return torch.optim.lr_scheduler.OneCycleLR(self.optimizer, max_lr=self.recipe.max_lr, total_steps=steps)

    def train(self, batches: Any, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None) -> int:
        """Train on ``batches`` with the course's loop (``train_one_epoch``); return the images trained."""
        with _threads(self.recipe.threads):
            result = train_one_epoch(self.trained, batches, self.loss_fn, self.optimizer, self.device,
                                     scheduler, autocast_dtype=self.recipe.autocast)
            synchronize(self.device)
        return result["samples"]

    def run(self, images: int) -> int:
        """Train one window of about ``images`` images (:meth:`batches`; a one-cycle schedule spans the
        window); return how many it trained on."""
        batches = self.batches(images)
        return self.train(batches, self._scheduler(len(batches)))

    def race(self, num_epochs: int, test: tuple[torch.Tensor, torch.Tensor], checkpoints_per_epoch: int = 4,
             train_images: int | None = None) -> list[dict[str, float]]:
        """Train ``num_epochs`` epochs, testing ``checkpoints_per_epoch`` times per epoch, off the clock.

        ``test``: (X_test, y_test). The one-cycle schedule spans all epochs. Returns one dict per
        checkpoint: "images" trained so far, "seconds" of training since the previous checkpoint
        (testing not counted), "test_accuracy". Only for "tensors" recipes.
        """
        if self.recipe.data != "tensors":
            raise ValueError("race() trains from tensors in memory only")
        X, y = self.data.X_train[:train_images], self.data.y_train[:train_images]
        per_epoch = TensorBatches(X, y, self.recipe.batch_size, shuffle=True, generator=self.generator)
        scheduler = self._scheduler(num_epochs * len(per_epoch))
        bounds = sorted({round(len(per_epoch) * k / checkpoints_per_epoch) for k in range(checkpoints_per_epoch + 1)})
        history, images = [], 0
        for _ in range(num_epochs):
            stream = iter(per_epoch)
            for first, last in zip(bounds, bounds[1:]):
                start = time.perf_counter()
                images += self.train(_Batches(_Take(stream), last - first), scheduler)
                seconds = time.perf_counter() - start
                test_batches = TensorBatches(*test, 1000)
                accuracy = evaluate(self.trained, test_batches, self.device, autocast_dtype=self.recipe.autocast)
                history.append({"images": images, "seconds": seconds, "test_accuracy": accuracy["accuracy"]})
        return history

    def accuracy(self, num_epochs: int, test: tuple[torch.Tensor, torch.Tensor] | Any) -> float:
        """Test accuracy after ``num_epochs`` epochs on all training images (one schedule over all).

        ``test``: (X_test, y_test) tensors, or a loader of test batches.
        """
        count = len(self.data.X_train) if self.recipe.data == "tensors" else len(self.train_dataset)
        steps = num_epochs * math.ceil(count / self.recipe.batch_size)
        scheduler = self._scheduler(steps)
        for _ in range(num_epochs):
            self.train(self.batches(count), scheduler)
        loader = TensorBatches(*test, 1000) if isinstance(test, tuple) else test
        return evaluate(self.trained, loader, self.device, autocast_dtype=self.recipe.autocast)["accuracy"]


class _Take:
    """An iterator that a :class:`_Batches` can take batches from, continuing where it stopped."""

    def __init__(self, stream: Iterator[Any]) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[Any]:
        return self.stream


def time_to_accuracy(history: Sequence[Mapping[str, float]], target: float) -> float | None:
    """Training seconds until test accuracy first reached ``target``, or None if it never did.

    ``history``: checkpoints in order, each with "seconds" (training since the previous one) and
    "test_accuracy" (a fraction, 0.985 for 98.5%), as :meth:`Pipeline.race` returns them.
    Introduced in: 10_making_it_fast.ipynb
    """
    elapsed = 0.0
    for point in history:
        elapsed += point["seconds"]
        if point["test_accuracy"] >= target:
            return elapsed
    return None


# ---------------------------------------------------------------- torch.compile, where it can run


def compile_problem(device: torch.device | str, backend: str = "inductor") -> str | None:
    """Why ``torch.compile(backend=backend)`` cannot run on ``device`` here, in a sentence; None when it can.

    Inductor turns a CPU model into C++ and needs a C++ compiler (``g++``/``clang++``, ``$CXX``,
    MSVC's ``cl`` on Windows: torch/_inductor/cpp_builder.py ``get_cpp_compiler``); on CUDA it
    writes Triton kernels. Other backends ("aot_eager", "eager") only trace and need neither.
    Introduced in: 10_making_it_fast.ipynb
    """
    device = torch.device(device)
    if backend != "inductor":
        return None
    if device.type == "cpu":
        try:
            from torch._inductor.cpp_builder import get_cpp_compiler  # what inductor itself calls

            get_cpp_compiler()
        except (ImportError, AttributeError):
            return None  # another torch: let torch.compile itself decide
        except Exception as err:  # InvalidCxxCompiler, or the compiler failing to start
            return (f"torch.compile's inductor backend needs a C++ compiler on a CPU and found none here "
                    f"({type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else 'no compiler'}); "
                    "install one (Linux: g++, macOS: Xcode's command line tools, Windows: Visual Studio's "
                    "C++ build tools) or set $CXX")
        return None
    if device.type == "cuda":
        try:
            from torch.utils._triton import has_triton
        except ImportError:
            return None
        if not has_triton():
            return "torch.compile's inductor backend writes Triton kernels on a GPU, and Triton is not installed"
    return None


# ---------------------------------------------------------------- where the time goes, and the floor


def _layer_macs(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> int:
    per_output = 0
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        per_output = module.in_channels // module.groups * kh * kw
    elif isinstance(module, nn.Linear):
        per_output = module.in_features
    return output[0].numel() * per_output  # one image: the output of the first item of the batch


def layer_flops(model: nn.Module, input_shape: Sequence[int]) -> list[dict[str, Any]]:
    """Per conv/linear layer, for ONE image of ``input_shape`` (C, H, W): its forward FLOPs and more.

    Each multiply-add counts 2 FLOPs (bias additions, pooling, ReLU and the loss are not counted:
    they are a small share of the arithmetic). Returns [{"name", "forward", "input_grad"}] where
    "input_grad" says whether backward computes this layer's input gradient (not for the first
    layer: the images need none). Introduced in: 10_making_it_fast.ipynb
    """
    found: list[dict[str, Any]] = []
    names = {m: n for n, m in model.named_modules()}

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        macs = _layer_macs(module, inputs, output)
        if macs:
            found.append({"name": names[module], "forward": 2 * macs, "input_grad": inputs[0].requires_grad})

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        param = next(model.parameters())
        model(torch.zeros(1, *input_shape, device=param.device, dtype=param.dtype))  # grad on: marks input_grad
    finally:
        for handle in handles:
            handle.remove()
    return found


def forward_flops(model: nn.Module, input_shape: Sequence[int]) -> int:
    """FLOPs of one image's forward pass through the conv and linear layers (2 per multiply-add).

    Introduced in: 10_making_it_fast.ipynb
    """
    return sum(layer["forward"] for layer in layer_flops(model, input_shape))


def training_flops(model: nn.Module, input_shape: Sequence[int]) -> int:
    """FLOPs of one image's training step: forward, plus backward's weight gradients (as many as
    forward) and input gradients (as many again, except the first layer's). About 3x forward.

    Introduced in: 10_making_it_fast.ipynb
    """
    layers = layer_flops(model, input_shape)
    return sum(2 * layer["forward"] + (layer["forward"] if layer["input_grad"] else 0) for layer in layers)


def matmul_flops_per_second(dtype: torch.dtype, device: torch.device | str, n: int = 1024,
                            seconds: float = 0.5) -> float:
    """The measured rate of an (n x n) @ (n x n) product in ``dtype`` (2n^3 FLOPs each), repeated for
    about ``seconds``: an estimate of the machine's peak for large, friendly matrices.

    Introduced in: 10_making_it_fast.ipynb
    """
    device = torch.device(device)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=gen).to(device, dtype)
    b = torch.randn(n, n, generator=gen).to(device, dtype)
    for _ in range(2):  # warm-up: the first calls pick kernels
        a @ b
    synchronize(device)
    count, start = 0, time.perf_counter()
    while True:
        a @ b
        count += 1
        if count % 4 == 0:
            synchronize(device)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return 2 * n**3 * count / elapsed


#: How notebook 10 groups a profiled step's operations: (group, words in an op's name or its callers').
OP_GROUPS = (
    ("Adam's update", ("Optimizer.step", "_fused_adam")),
    ("convolutions", ("convolution", "Convolution", "conv2d")),
    ("matrix products (fc layers)", ("addmm", "aten::mm", "AddmmBackward", "MmBackward", "aten::linear")),
    ("max-pool", ("max_pool", "MaxPool")),
    ("ReLU", ("relu", "Relu", "threshold", "clamp_min")),
    ("loss", ("cross_entropy", "log_softmax", "nll_loss", "LogSoftmax", "NllLoss")),
    ("the batch (gather)", ("aten::index",)),
    ("dtype casts and copies", ("aten::to", "aten::_to_copy", "aten::copy_")),
)


def profile_step(pipeline: Pipeline, warmup_steps: int = 3, steps: int = 1) -> Any:
    """Profile ``steps`` training steps of ``pipeline`` (one by default; taking each batch included),
    after ``warmup_steps`` untimed steps in the same precision; returns the ``torch.profiler.profile``.

    Introduced in: 10_making_it_fast.ipynb
    """
    from torch.profiler import ProfilerActivity, profile

    size = pipeline.recipe.batch_size
    pipeline.run(warmup_steps * size)  # the same recipe: the same precision, the same kernels
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if pipeline.device.type == "cuda" else [])
    if pipeline.recipe.data == "tensors":
        X, y = pipeline.data.X_train, pipeline.data.y_train
        order = torch.randperm(len(X), generator=pipeline.generator).to(X.device)  # drawn once per epoch
        chosen = [order[k * size:(k + 1) * size] for k in range(steps)]
        batches: Any = ((X[i], y[i]) for i in chosen)  # each gather runs inside the profile, as in training
    else:
        batches = pipeline.batches(steps * size)  # the batches' per-image transforms
    with profile(activities=activities) as profiler:
        pipeline.train(batches)
    return profiler


def _group(event: Any) -> str:
    chain = []
    while event is not None:
        chain.append(event.name)
        event = event.cpu_parent
    for group, words in OP_GROUPS:
        if any(word in name for name in chain for word in words):
            return group
    return "other"


def grouped_shares(profiler: Any, device: torch.device | str = "cpu") -> dict[str, float]:
    """Each group of :data:`OP_GROUPS` (and "other") as a fraction of the step's time, largest first.

    Self time (an operation's own, without the operations it calls), attributed to the group of
    the operation or of the nearest caller that names one; CPU time on a CPU, device time on a GPU.
    Introduced in: 10_making_it_fast.ipynb
    """
    on_gpu = torch.device(device).type == "cuda"
    totals: dict[str, float] = {}
    for event in profiler.events():
        spent = event.self_device_time_total if on_gpu else event.self_cpu_time_total
        if spent > 0:
            group = _group(event)
            totals[group] = totals.get(group, 0.0) + spent
    whole = sum(totals.values()) or 1.0
    return dict(sorted(((g, t / whole) for g, t in totals.items()), key=lambda item: -item[1]))


def profile_table(profiler: Any, device: torch.device | str = "cpu", rows: int = 10) -> str:
    """The profiler's table of the most expensive operations by self time (device time on a GPU).

    Introduced in: 10_making_it_fast.ipynb
    """
    key = "self_device_time_total" if torch.device(device).type == "cuda" else "self_cpu_time_total"
    return profiler.key_averages().table(sort_by=key, row_limit=rows, max_name_column_width=38)


# ---------------------------------------------------------------- pictures

_ROUND_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")


def plot_chain(measurement: Measurement, names: Sequence[str] | None = None, applied: int | None = None,
               show_rounds: bool = True, noise: float = 0.0) -> Figure:
    """One bar per pipeline of a chain (each adds one change to the one before), at its median rate.

    ``names``: the chain, in order (default: every pipeline measured). Bars after ``applied``
    (0 = only the first) are drawn as dashed outlines: changes not applied. A whisker spans the
    rounds' min–max; with ``show_rounds`` each round is a marker of its own shape. Each applied bar
    is labelled with its ratio to the first and its step's :func:`verdict` (with ``noise``); the title
    gives the applied changes' ratio the same way, per round. Introduced in: 10_making_it_fast.ipynb
    """
    names = list(names or measurement.names)
    applied = len(names) - 1 if applied is None else max(0, min(applied, len(names) - 1))
    medians = [measurement.median(n) for n in names]
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for i, (name, median) in enumerate(zip(names, medians)):
        on = i <= applied
        low, high = measurement.spread(name)
        ax.bar(i, median, color=OKABE_ITO["blue"] if on else "none", edgecolor=OKABE_ITO["blue"],
               linestyle="-" if on else "--", hatch=None if on else "//", alpha=1 if on else 0.5, linewidth=1.2)
        ax.errorbar(i, median, yerr=[[median - low], [high - median]], color=OKABE_ITO["black"], capsize=4)
        if show_rounds:
            for r, rate in enumerate(measurement.rates[name]):
                ax.plot(i + 0.25, rate, _ROUND_MARKERS[r % len(_ROUND_MARKERS)], color=OKABE_ITO["orange"],
                        markersize=4, markeredgecolor=OKABE_ITO["black"], markeredgewidth=0.4)
        if on:
            label = f"{median:,.0f}\n{measurement.ratio(name, names[0])[0]:.2f}x"
            if i > 0:
                label += "\n" + verdict(*measurement.ratio(name, names[i - 1]), noise)
            ax.annotate(label, (i, high), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                        fontsize=8)
    ax.set_xticks(range(len(names)), [textwrap.fill(n, 16) for n in names], fontsize=8)
    ax.set_ylabel("training images / s")
    ax.set_ylim(0, max(max(measurement.rates[n]) for n in names) * 1.45)
    total = measurement.ratio(names[applied], names[0])[0]  # per-round ratios, as the bars' labels
    ax.set_title(f"{applied} change(s) applied: {total:.2f}x the first bar (median of the {measurement.rounds} "
                 "rounds' ratios; bars: median rates; whiskers: min–max)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_floor(rows: Mapping[str, tuple[float, float]]) -> Figure:
    """Achieved training FLOP/s against the measured matmul peak, one pair of bars per precision.

    ``rows``: {label: (achieved FLOP/s, peak FLOP/s)}; each pair is labelled with the share.
    Introduced in: 10_making_it_fast.ipynb
    """
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.9 * len(rows)))
    for i, (label, (achieved, peak)) in enumerate(rows.items()):
        ax.barh(i + 0.2, peak / 1e9, height=0.38, color="none", edgecolor=OKABE_ITO["black"], hatch="//",
                label="peak: a large matmul" if i == 0 else None)
        ax.barh(i - 0.2, achieved / 1e9, height=0.38, color=OKABE_ITO["bluish green"],
                label="training the CNN" if i == 0 else None)
        ax.annotate(f"{achieved / peak:.0%} of peak", (achieved / 1e9, i - 0.2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_xlabel("GFLOP/s (billions of floating-point operations per second)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("The compute floor: how much of the machine's arithmetic the training uses", fontsize=10)
    fig.tight_layout()
    return fig


_RACE_STYLES = (("o", "-", "blue"), ("s", "--", "vermillion"), ("^", ":", "bluish green"), ("D", "-.", "orange"))


def plot_race(histories: Mapping[str, Sequence[Mapping[str, float]]], target: float) -> Figure:
    """Test accuracy against training seconds, one line (own marker and dash) per recipe; the target dashed.

    Introduced in: 10_making_it_fast.ipynb
    """
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for (name, history), (marker, dash, colour) in zip(histories.items(), _RACE_STYLES * 4):
        elapsed = 0.0
        xs, ys = [], []
        for point in history:
            elapsed += point["seconds"]
            xs.append(elapsed)
            ys.append(100 * point["test_accuracy"])
        ax.plot(xs, ys, marker=marker, linestyle=dash, color=OKABE_ITO[colour], label=name)
    ax.axhline(100 * target, color=OKABE_ITO["black"], linestyle=(0, (1, 3)), linewidth=1,
               label=f"target {target:.1%}")
    low = min([100 * p["test_accuracy"] for h in histories.values() for p in h] + [100 * target])
    ax.set_ylim(max(low - 0.5, 0), 100)
    ax.set_xlabel("training seconds (testing not counted)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
