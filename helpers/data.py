"""MNIST from the course's own checksummed files: never a download.

The four canonical gzip files ship in ``data/MNIST/raw/``. Every loader here
first verifies their SHA-256 sums, then extracts them where torchvision looks
(``<root>/MNIST/raw/train-images-idx3-ubyte`` ...), so torchvision never tries
to fetch anything. A missing or damaged file raises :class:`MNISTDataError`,
which says which file, what is wrong and how to fix it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

if TYPE_CHECKING:  # torchvision is imported where it is used: the tensor path (and every DDP worker) never needs it
    from PIL.Image import Image
    from torchvision import datasets
    from torchvision.transforms import v2

#: Mean and standard deviation of the 60000 training images (pixels in [0, 1]).
#: Computed in 06_datasets.ipynb (section 2) and 08_mnist_cnn.ipynb; used to normalize inputs
#: to ~zero mean, unit std.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: The source of truth for the shipped files (data/MNIST/SHA256SUMS repeats it;
#: a unit test keeps the two equal). Values are (SHA-256 of the .gz, size of the
#: extracted file in bytes).
MNIST_FILES: dict[str, tuple[str, int]] = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        16 + 60000 * 28 * 28,
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        8 + 60000,
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        16 + 10000 * 28 * 28,
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        8 + 10000,
    ),
}

_FIX = (
    "Restore the course's copy with `git checkout -- data/MNIST` (or re-clone the repository); "
    "the course never downloads MNIST."
)


class MNISTDataError(RuntimeError):
    """A shipped MNIST file is missing or is not the canonical file. Introduced in: 00_setup_check.ipynb"""


class MNISTTensors(NamedTuple):
    """The whole of MNIST as tensors in memory. Introduced in: 00_setup_check.ipynb"""

    X_train: torch.Tensor  # (60000, 1, 28, 28) float32
    y_train: torch.Tensor  # (60000,) int64
    X_test: torch.Tensor  # (10000, 1, 28, 28) float32
    y_test: torch.Tensor  # (10000,) int64


def default_data_root() -> Path:
    """The project's ``data/`` folder (holds ``MNIST/raw/*.gz``). Introduced in: 00_setup_check.ipynb"""
    return Path(__file__).resolve().parent.parent / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_mnist_files(root: str | Path | None = None) -> dict[str, str]:
    """Check the four MNIST .gz files under ``<root>/MNIST/raw`` against their SHA-256 sums.

    Returns {file name: sha256} when all four are intact; raises MNISTDataError naming
    the first file that is missing or altered. Introduced in: 00_setup_check.ipynb
    """
    raw = Path(root or default_data_root()) / "MNIST" / "raw"
    sums = {}
    for name, (expected, _) in MNIST_FILES.items():
        path = raw / name
        if not path.is_file():
            raise MNISTDataError(f"MNIST file {_shown(path)} is missing. {_FIX}")
        actual = _sha256(path)
        if actual != expected:
            raise MNISTDataError(
                f"MNIST file {_shown(path)} fails its checksum (SHA-256 {actual[:12]}..., "
                f"expected {expected[:12]}...; size {path.stat().st_size} bytes): it is damaged, "
                f"truncated or altered. {_FIX}"
            )
        sums[name] = actual
    return sums


def _shown(path: Path) -> str:
    """A path as a learner should read it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(default_data_root().parent))
    except ValueError:
        return str(path)


def prepare_mnist(root: str | Path | None = None) -> Path:
    """Verify the .gz files, extract them beside themselves for torchvision; return the root.

    Extraction writes to a temporary file and renames it, so an interrupted run
    never leaves a half-written file behind. Introduced in: 00_setup_check.ipynb
    """
    root = Path(root or default_data_root())
    verify_mnist_files(root)
    raw = root / "MNIST" / "raw"
    for name, (_, size) in MNIST_FILES.items():
        target = raw / name.removesuffix(".gz")
        if target.is_file() and target.stat().st_size == size:
            continue
        tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
        with gzip.open(raw / name, "rb") as src, tmp.open("wb") as dst:
            dst.write(src.read())
        os.replace(tmp, target)
    return root


def default_transform() -> v2.Compose:
    """PIL image -> (1, 28, 28) float32 tensor, pixels / 255 normalized with MNIST_MEAN and MNIST_STD.

    The current API (``transforms.v2``), in place of the deprecated v1 ``ToTensor()``: the same
    values up to float32 rounding (ToDtype multiplies by 1/255 where ToTensor divided by 255, at most
    one unit in the last place apart before Normalize), and a plain ``torch.Tensor`` as before.
    Introduced in: 06_datasets.ipynb
    """
    from torchvision.transforms import v2

    return v2.Compose([
        v2.ToImage(),  # PIL -> uint8 (1, 28, 28), channels first
        v2.ToDtype(torch.float32, scale=True),  # -> float32 in [0, 1]
        v2.Normalize(mean=[MNIST_MEAN], std=[MNIST_STD]),  # -> about mean 0, std 1
        v2.ToPureTensor(),  # torchvision's Image subclass -> a plain torch.Tensor
    ])


def mnist_datasets(
    root: str | Path | None = None, transform: Callable[[Image], Any] | None = None
) -> tuple[datasets.MNIST, datasets.MNIST]:
    """The verified MNIST (train, test) as torchvision datasets; never downloads.

    Default transform (:func:`default_transform`): ``transforms.v2``'s ToImage, ToDtype(float32,
    scale=True), Normalize(MNIST_MEAN, MNIST_STD), ToPureTensor, so one item is ((1, 28, 28) float32
    torch.Tensor, int label). Introduced in: 00_setup_check.ipynb
    """
    from torchvision import datasets

    root = prepare_mnist(root)
    if transform is None:
        transform = default_transform()
    train = datasets.MNIST(root, train=True, transform=transform, download=False)
    test = datasets.MNIST(root, train=False, transform=transform, download=False)
    return train, test


def _read_idx(path: Path, offset: int) -> np.ndarray:
    return np.fromfile(path, dtype=np.uint8, offset=offset)


def load_mnist_tensors(root: str | Path | None = None, normalize: bool = True) -> MNISTTensors:
    """All of MNIST as tensors in memory, in about a second (no per-image transforms).

    Images are float32 (N, 1, 28, 28): pixels/255, then (x - MNIST_MEAN) / MNIST_STD
    when ``normalize``. Labels are int64 (N,). Introduced in: 00_setup_check.ipynb
    """
    raw = prepare_mnist(root) / "MNIST" / "raw"
    parts = []
    for split in ("train", "t10k"):
        pixels = _read_idx(raw / f"{split}-images-idx3-ubyte", offset=16)
        images = torch.from_numpy(pixels).reshape(-1, 1, 28, 28).float().div_(255)
        if normalize:
            images.sub_(MNIST_MEAN).div_(MNIST_STD)
        labels = torch.from_numpy(_read_idx(raw / f"{split}-labels-idx1-ubyte", offset=8)).long()
        parts += [images, labels]
    return MNISTTensors(*parts)


class TensorBatches:
    """Mini-batches ``(X[idx], y[idx])`` of tensors already in memory: a fast DataLoader.

    ``X``: (N, ...) inputs, ``y``: (N,) targets, on any device (the batches stay there).
    Each pass (``for X, y in batches``) yields ``len(batches)`` pairs of shapes
    (batch_size, ...) and (batch_size,), the last one smaller unless ``drop_last``.
    With ``shuffle`` every pass draws a new order from ``generator``, which you must
    pass (``torch.Generator().manual_seed(seed)``), so the order is reproducible.
    No per-image Python work: one gather per batch instead of ``batch_size`` transforms.
    Introduced in: 08_mnist_cnn.ipynb
    """

    def __init__(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        drop_last: bool = False,
    ) -> None:
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} items but y has {len(y)}: they must pair up one to one.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        if shuffle and generator is None:
            raise ValueError(
                "shuffle=True needs an explicit generator, e.g. "
                "generator=torch.Generator().manual_seed(seed), so the order is reproducible."
            )
        self.X, self.y = X, y
        self.batch_size, self.shuffle, self.generator, self.drop_last = batch_size, shuffle, generator, drop_last

    def __len__(self) -> int:
        """Batches per pass."""
        full, rest = divmod(len(self.X), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.X)
        if self.shuffle:
            # The permutation is drawn on the CPU (the generator lives there), then moved once.
            order = torch.randperm(n, generator=self.generator).to(self.X.device)
        else:
            order = None
        for i in range(len(self)):
            start = i * self.batch_size
            if order is None:  # in order: slices are views, no copy at all
                yield self.X[start : start + self.batch_size], self.y[start : start + self.batch_size]
            else:
                idx = order[start : start + self.batch_size]
                yield self.X[idx], self.y[idx]
