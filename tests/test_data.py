"""helpers.data: checksums, clear errors on damaged files, no download, the fast path."""

import hashlib
import shutil
from pathlib import Path

import pytest
import torch
from torchvision import datasets

from helpers import data
from helpers.data import MNIST_FILES, MNISTDataError

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def mnist_copy(tmp_path: Path) -> Path:
    """A private copy of the four shipped .gz files, safe to damage."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        shutil.copy(PROJECT / "data" / "MNIST" / "raw" / name, raw / name)
    return tmp_path


def test_sha256sums_file_matches_the_code():
    lines = (PROJECT / "data" / "MNIST" / "SHA256SUMS").read_text().split("\n")
    listed = {line.split()[1].removeprefix("raw/"): line.split()[0] for line in lines if line.strip()}
    assert listed == {name: sha for name, (sha, _) in MNIST_FILES.items()}


def test_shipped_files_verify_and_report_their_real_hashes():
    # The hashes, not just the names: recomputed here with hashlib, independently of helpers.data,
    # and compared with both the code's table and data/MNIST/SHA256SUMS.
    raw = PROJECT / "data" / "MNIST" / "raw"
    recomputed = {name: hashlib.sha256((raw / name).read_bytes()).hexdigest() for name in MNIST_FILES}
    sums = data.verify_mnist_files()
    assert sums == recomputed
    assert sums == {name: sha for name, (sha, _) in MNIST_FILES.items()}
    lines = (PROJECT / "data" / "MNIST" / "SHA256SUMS").read_text().splitlines()
    listed = {name.removeprefix("raw/"): sha for sha, name in (line.split() for line in lines if line.strip())}
    assert listed == recomputed


def test_missing_file_names_it_and_the_fix(mnist_copy: Path):
    (mnist_copy / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MNISTDataError) as err:
        data.verify_mnist_files(mnist_copy)
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "is missing" in message
    assert "git checkout -- data/MNIST" in message


def test_truncated_file_fails_its_checksum(mnist_copy: Path):
    path = mnist_copy / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(MNISTDataError, match=r"train-images-idx3-ubyte\.gz fails its checksum.*size 1000 bytes"):
        data.verify_mnist_files(mnist_copy)


def test_altered_byte_fails_its_checksum(mnist_copy: Path):
    path = mnist_copy / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF  # one flipped byte, same size
    path.write_bytes(bytes(blob))
    with pytest.raises(MNISTDataError, match="train-labels-idx1-ubyte.gz fails its checksum"):
        data.verify_mnist_files(mnist_copy)


def test_damaged_file_stops_every_loader_before_torchvision(mnist_copy: Path):
    path = mnist_copy / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    for loader in (data.mnist_datasets, data.load_mnist_tensors, data.prepare_mnist):
        with pytest.raises(MNISTDataError):
            loader(mnist_copy)
    assert not (mnist_copy / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists()


def test_datasets_never_download(mnist_copy: Path, monkeypatch):
    def no_download(self):
        raise AssertionError("torchvision tried to download MNIST")

    monkeypatch.setattr(datasets.MNIST, "download", no_download)
    train, test = data.mnist_datasets(mnist_copy)
    assert (len(train), len(test)) == (60000, 10000)
    X, y = train[0]
    assert X.shape == (1, 28, 28) and X.dtype == torch.float32 and y == 5


def test_extraction_repairs_a_damaged_extracted_file(mnist_copy: Path):
    data.prepare_mnist(mnist_copy)
    extracted = mnist_copy / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    extracted.write_bytes(b"half")  # e.g. an interrupted copy
    data.prepare_mnist(mnist_copy)
    assert extracted.stat().st_size == 8 + 60000
    assert not list(extracted.parent.glob("*.tmp*"))


def test_tensor_fast_path_matches_torchvision(mnist_copy: Path):
    mnist = data.load_mnist_tensors(mnist_copy)
    assert mnist.X_train.shape == (60000, 1, 28, 28) and mnist.X_test.shape == (10000, 1, 28, 28)
    assert mnist.X_train.dtype == torch.float32 and mnist.y_train.dtype == torch.int64
    assert mnist.y_test[:5].tolist() == [7, 2, 1, 0, 4]
    # Normalized with the training set's own statistics: ~zero mean, ~unit std.
    assert abs(mnist.X_train.mean().item()) < 1e-3 and abs(mnist.X_train.std().item() - 1) < 1e-3
    _, test = data.mnist_datasets(mnist_copy)
    X, y = test[123]
    torch.testing.assert_close(mnist.X_test[123], X)
    assert mnist.y_test[123].item() == y


def test_unnormalized_pixels_are_in_unit_range(mnist_copy: Path):
    mnist = data.load_mnist_tensors(mnist_copy, normalize=False)
    assert mnist.X_test.min().item() == 0.0 and mnist.X_test.max().item() == 1.0
    assert abs(mnist.X_train.mean().item() - data.MNIST_MEAN) < 1e-4
    assert abs(mnist.X_train.std().item() - data.MNIST_STD) < 1e-4


def test_default_transform_is_v2_and_warns_nothing(mnist_copy: Path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated transform (v1 or v2 ToTensor) would fail here
        train, test = data.mnist_datasets(mnist_copy)
        X, y = train[7]
    assert type(X) is torch.Tensor and X.shape == (1, 28, 28) and X.dtype == torch.float32 and y == 3
    names = [type(step).__name__ for step in data.default_transform().transforms]
    assert names == ["ToImage", "ToDtype", "Normalize", "ToPureTensor"]


def test_default_transform_gives_the_old_v1_values_up_to_float32_rounding(mnist_copy: Path):
    """v1 ToTensor divided by 255; v2 ToDtype(scale=True) multiplies by 1/255: at most 1 ulp apart."""
    import warnings

    from torchvision import transforms
    from torchvision.transforms import v2

    pixels = torch.arange(256, dtype=torch.uint8).reshape(1, 16, 16)  # every value a pixel can take
    new = v2.ToDtype(torch.float32, scale=True)(v2.ToImage()(pixels)).as_subclass(torch.Tensor)
    old = pixels.float().div(255)  # what v1 ToTensor computes
    ulp_up = torch.nextafter(old, torch.full_like(old, 2.0))
    ulp_down = torch.nextafter(old, torch.full_like(old, -1.0))
    assert bool(((new == old) | (new == ulp_up) | (new == ulp_down)).all())
    assert (new == old).sum() > 100  # most pixel values agree bit for bit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the v1 pipeline, as it was
        v1 = transforms.Compose([transforms.ToTensor(), transforms.Normalize((data.MNIST_MEAN,), (data.MNIST_STD,))])
    raw, _ = data.mnist_datasets(mnist_copy, transform=v2.Identity())
    current, _ = data.mnist_datasets(mnist_copy)
    mnist = data.load_mnist_tensors(mnist_copy)
    for i in (0, 1, 7, 59999):
        X = current[i][0]
        torch.testing.assert_close(X, v1(raw[i][0]), rtol=0, atol=4e-7)  # 1 ulp of [0, 1], / MNIST_STD
        torch.testing.assert_close(X, mnist.X_train[i], rtol=0, atol=4e-7)
