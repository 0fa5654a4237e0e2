"""The checkers of 06_datasets.ipynb: right answers pass, typical wrong answers fail and say why."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split

from checker_calls import run
from helpers.checks import hint, show_solution
from helpers.checks.datasets import (
    _EX6_1_CASES,
    _EX6_2_CASES,
    _EX6_3_CASES,
    HINTS,
    check_ex6_1,
    check_ex6_2,
    check_ex6_3,
    solution_ex6_1,
    solution_ex6_2,
    solution_ex6_3,
)
from helpers.data import MNIST_MEAN, MNIST_STD, load_mnist_tensors


# --- the reference solutions agree with PyTorch's own tools ---------------------------------

def test_solution_ex6_1_matches_filtering_by_hand():
    for X, y, digit in _EX6_1_CASES:
        dataset = solution_ex6_1(X, y, digit)
        keep = [j for j in range(len(y)) if int(y[j]) == digit]
        assert len(dataset) == len(keep)
        for i, j in enumerate(keep):
            image, label = dataset[i]
            assert torch.equal(image, X[j]) and int(label) == digit
    assert len(solution_ex6_1(*_EX6_1_CASES[-1])) == 0, "one case must be an empty dataset"


def test_solution_ex6_1_works_in_a_dataloader():
    X, y, digit = _EX6_1_CASES[0]
    X_batch, y_batch = next(iter(DataLoader(solution_ex6_1(X, y, digit), batch_size=3)))
    assert X_batch.shape == (3, 1, 2, 2) and y_batch.tolist() == [3, 3, 3]
    assert torch.equal(X_batch, X[[0, 2, 5]])


def test_solution_ex6_2_matches_normalizing_the_whole_mnist_tensors():
    raw = load_mnist_tensors(normalize=False)  # pixels / 255
    normalized = load_mnist_tensors()
    batch = [((raw.X_train[i] * 255).round().to(torch.uint8), int(raw.y_train[i])) for i in range(4)]
    X, y = solution_ex6_2(batch)
    assert X.dtype == torch.float32 and y.dtype == torch.int64 and X.shape == (4, 1, 28, 28)
    torch.testing.assert_close(X, normalized.X_train[:4], rtol=1e-5, atol=1e-5)
    assert y.tolist() == normalized.y_train[:4].tolist()
    X1, _ = solution_ex6_2(_EX6_2_CASES[0])
    expected = (torch.tensor([0.0, 1.0, 0.2, 0.4]) - MNIST_MEAN) / MNIST_STD
    torch.testing.assert_close(X1.flatten(), expected)


def test_solution_ex6_3_is_what_random_split_picks():
    for n, n_val, seed in _EX6_3_CASES:
        train_part, val_part = random_split(range(n), [n - n_val, n_val], generator=torch.Generator().manual_seed(seed))
        train_idx, val_idx = solution_ex6_3(n, n_val, seed)
        assert train_idx.dtype == val_idx.dtype == torch.int64
        assert train_idx.tolist() == train_part.indices and val_idx.tolist() == val_part.indices
    assert any(n == 2 * n_val for n, n_val, _ in _EX6_3_CASES), "a halves case catches swapped parts"


# --- every checker passes its solution and other correct ways ---------------------------------


class IndexListDigits(Dataset):
    """Correct too: a Python list of positions, int labels."""

    def __init__(self, X, y, digit):
        self.X, self.y = X, y
        self.keep = [j for j, label in enumerate(y.tolist()) if label == digit]

    def __len__(self):
        return len(self.keep)

    def __getitem__(self, i):
        return self.X[self.keep[i]], int(self.y[self.keep[i]])


class BooleanMaskDigits:
    """Correct, without subclassing Dataset: copies of the selected rows."""

    def __init__(self, X, y, digit):
        mask = y == digit
        self.X, self.y = X[mask], y[mask]

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.X[i], self.y[i])


@pytest.mark.parametrize("cls", [solution_ex6_1, IndexListDigits, BooleanMaskDigits])
def test_check_ex6_1_passes_correct_classes(cls, capsys):
    ok, out = run(check_ex6_1, cls, capsys)
    assert ok and out.startswith("✅ Exercise 6.1 (DigitDataset): correct on all 4")


def collate_in_steps(batch):
    X = torch.stack([image for image, _ in batch]).to(torch.float32).div(255).sub(MNIST_MEAN).div(MNIST_STD)
    return X, torch.tensor([label for _, label in batch], dtype=torch.int64)


def collate_per_image(batch):
    """Correct but slow: per-image work, then a stack."""
    images = [(image.float() / 255 - MNIST_MEAN) / MNIST_STD for image, _ in batch]
    return torch.stack(images), torch.as_tensor([label for _, label in batch])


@pytest.mark.parametrize("fn", [solution_ex6_2, collate_in_steps, collate_per_image])
def test_check_ex6_2_passes_correct_functions(fn, capsys):
    ok, out = run(check_ex6_2, fn, capsys)
    assert ok and out.startswith("✅ Exercise 6.2 (collate_normalize): correct on all 3")


def split_with_global_seed(n, n_val, seed):
    torch.manual_seed(seed)  # the same numbers as a fresh generator seeded alike (but changes global state)
    order = torch.randperm(n)
    return order[: n - n_val], order[n - n_val :]


def split_with_random_split(n, n_val, seed):
    parts = random_split(range(n), [n - n_val, n_val], generator=torch.Generator().manual_seed(seed))
    return tuple(torch.tensor(part.indices, dtype=torch.int64) for part in parts)


@pytest.mark.parametrize("fn", [solution_ex6_3, split_with_global_seed, split_with_random_split])
def test_check_ex6_3_passes_correct_functions(fn, capsys):
    ok, out = run(check_ex6_3, fn, capsys)
    assert ok and out.startswith("✅ Exercise 6.3 (split_indices): correct on all 4")


# --- typical wrong answers and near misses fail, and the message says why ---------------------


class NotDone(Dataset):
    def __init__(self, X, y, digit):
        raise NotImplementedError


class LengthOfAll(solution_ex6_1):
    def __len__(self):
        return len(self.X)  # forgets the filter


class ItemIOfAll(solution_ex6_1):
    def __getitem__(self, i):
        return self.X[i], self.y[i]  # the i-th image overall, not the i-th of the digit


class LabelAsDigitPlusOne(solution_ex6_1):
    def __getitem__(self, i):
        image, label = super().__getitem__(i)
        return image, label + 1


class ImageOnly(solution_ex6_1):
    def __getitem__(self, i):
        return super().__getitem__(i)[0]


class OffByOne(solution_ex6_1):
    def __len__(self):
        return len(self.indices) - 1


class CrashesOnEmpty(solution_ex6_1):
    def __init__(self, X, y, digit):
        super().__init__(X, y, digit)
        self.first = self.indices[0]  # IndexError when the digit never occurs


@pytest.mark.parametrize(
    "cls, expected",
    [
        (NotDone, "not done yet"),
        (LengthOfAll, "len(dataset) is 10, expected 4 (the number of items labelled 3)"),
        (ItemIOfAll, "dataset[1]: the image: the values are wrong"),
        (LabelAsDigitPlusOne, "dataset[0]: the label is tensor(4), expected 3"),
        (ImageOnly, "dataset[0]: it returned Tensor, expected a pair (image, label)"),
        (OffByOne, "len(dataset) is 3, expected 4"),
        (CrashesOnEmpty, "on input 4 (digit 5, labels [3, 1, 3, 0, 7, 3, 1, 9, 3, 0]) CrashesOnEmpty(X, y, 5) raised IndexError"),
    ],
)
def test_check_ex6_1_rejects_wrong_classes(cls, expected, capsys):
    ok, out = run(check_ex6_1, cls, capsys)
    assert not ok and out.startswith("❌ Exercise 6.1 (DigitDataset): ") and expected in out


def not_done(batch):
    raise NotImplementedError


def forgets_255(batch):
    images, labels = zip(*batch)
    return (torch.stack(images).float() - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


def half_half(batch):
    images, labels = zip(*batch)
    return (torch.stack(images).float() / 255 - 0.5) / 0.5, torch.tensor(labels)


def in_float64(batch):
    X, y = solution_ex6_2(batch)
    return X.double(), y


def labels_as_list(batch):
    X, _ = solution_ex6_2(batch)
    return X, [label for _, label in batch]


def labels_int32(batch):
    X, y = solution_ex6_2(batch)
    return X, y.int()


def concatenated(batch):
    X, y = solution_ex6_2(batch)
    return X.reshape(-1, *X.shape[2:]), y  # torch.cat instead of torch.stack: (B, H, W)


def only_images(batch):
    return solution_ex6_2(batch)[0]


def just_outside_tolerance(batch):
    X, y = solution_ex6_2(batch)
    return X + 3e-5, y


@pytest.mark.parametrize(
    "fn, expected",
    [
        (not_done, "not done yet"),
        (forgets_255, "on input 1 (a batch of 1 uint8 images of shape (1, 2, 2)) X: the values are wrong"),
        (half_half, "X: the values are wrong"),
        (in_float64, "X: the dtype is torch.float64, expected torch.float32"),
        (labels_as_list, "y: it returned a list, expected a torch.Tensor"),
        (labels_int32, "y: the dtype is torch.int32, expected torch.int64"),
        (concatenated, "X: the shape is (1, 2, 2), expected (1, 1, 2, 2)"),
        (only_images, "it returned Tensor, expected a tuple of 2 items"),
        (just_outside_tolerance, "X: the values are wrong"),
        (lambda batch: batch[0][0] / 0, "it returned Tensor, expected a tuple of 2 items"),
        (lambda batch: zip(*batch)[0], "your code raised TypeError"),
    ],
)
def test_check_ex6_2_rejects_wrong_functions(fn, expected, capsys):
    ok, out = run(check_ex6_2, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 6.2 (collate_normalize): ") and expected in out


def val_first(n, n_val, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]  # the right sizes, cut from the wrong end


def swapped_parts(n, n_val, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n - n_val :], order[: n - n_val]


def unseeded(n, n_val, seed):
    order = torch.randperm(n, generator=torch.Generator())  # a fresh generator has a fixed default seed
    return order[: n - n_val], order[n - n_val :]


def seed_plus_one(n, n_val, seed):
    return solution_ex6_3(n, n_val, seed + 1)


def off_by_one(n, n_val, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: n - n_val - 1], order[n - n_val - 1 :]


def as_lists(n, n_val, seed):
    return tuple(part.tolist() for part in solution_ex6_3(n, n_val, seed))


def sorted_parts(n, n_val, seed):
    return tuple(part.sort().values for part in solution_ex6_3(n, n_val, seed))


@pytest.mark.parametrize(
    "fn, expected",
    [
        (lambda n, n_val, seed: (_ for _ in ()).throw(NotImplementedError), "not done yet"),
        (val_first, "on input 1 (10, 2, 0) item 0: the values are wrong"),
        (swapped_parts, "on input 1 (10, 2, 0) item 0: the shape is (2,), expected (8,)"),
        (unseeded, "the values are wrong"),
        (seed_plus_one, "on input 1 (10, 2, 0) item 0: the values are wrong"),
        (off_by_one, "item 0: the shape is (7,), expected (8,)"),
        (as_lists, "item 0: it returned a list, expected a torch.Tensor"),
        (sorted_parts, "item 0: the values are wrong"),
    ],
)
def test_check_ex6_3_rejects_wrong_functions(fn, expected, capsys):
    ok, out = run(check_ex6_3, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 6.3 (split_indices): ") and expected in out


@pytest.mark.parametrize(
    "checker, call", [(check_ex6_1, "check_ex6_1(DigitDataset)"), (check_ex6_2, "check_ex6_2(collate_normalize)"),
                      (check_ex6_3, "check_ex6_3(split_indices)")],
)
@pytest.mark.parametrize("value", [None, torch.zeros(3), TensorDataset(torch.zeros(2))])
def test_checkers_ask_for_the_function_itself(checker, call, value, capsys):
    ok, out = run(checker, value, capsys)
    assert not ok and "not a function. Pass the function itself" in out and call in out


def test_a_learners_inputs_cannot_change_the_next_case(capsys):
    def mutating(batch):  # right answer, then it zeroes the images it was given
        result = solution_ex6_2(batch)
        for image, _ in batch:
            image.zero_()
        return result

    before = [[image.clone() for image, _ in batch] for batch in _EX6_2_CASES]
    ok, _ = run(check_ex6_2, mutating, capsys)
    assert ok
    for saved, batch in zip(before, _EX6_2_CASES):
        assert all(torch.equal(a, image) for a, (image, _) in zip(saved, batch))


# --- hints and solutions -----------------------------------------------------------------------


@pytest.mark.parametrize("exercise", ["6.1", "6.2", "6.3"])
def test_every_exercise_has_hints_and_a_solution(exercise, capsys):
    assert 2 <= len(HINTS[exercise]) <= 3
    hint(exercise)
    out = capsys.readouterr().out
    assert out.startswith(f"💡 Exercise {exercise}, hint 1 of {len(HINTS[exercise])}: {HINTS[exercise][0]}")
    hint(exercise, len(HINTS[exercise]))
    assert f"show_solution(\"{exercise}\")" in capsys.readouterr().out
    show_solution(exercise)
    out = capsys.readouterr().out
    assert out.startswith(f"# A reference solution of Exercise {exercise}")
    assert {"6.1": "class DigitDataset", "6.2": "def solution_ex6_2", "6.3": "def solution_ex6_3"}[exercise] in out
