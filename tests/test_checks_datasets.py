"""The checkers of 06_datasets.ipynb: right answers pass; every named misconception, written as a learner
would write it, is rejected with its own message; other wrong answers fail and say why."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split

from checker_calls import run
from helpers.checks import hint, show_solution
from helpers.checks.datasets import (
    _EX6_1_CASES,
    _EX6_2_CASES,
    _EX6_3_CASES,
    EX6_1_MISTAKES,
    EX6_2_MISTAKES,
    EX6_3_MISTAKES,
    HINTS,
    check_ex6_1,
    check_ex6_2,
    check_ex6_3,
    solution_ex6_1,
    solution_ex6_2,
    solution_ex6_3,
)
from helpers.data import MNIST_MEAN, MNIST_STD, load_mnist_tensors


def _start(message: str) -> str:
    """The fixed opening words of a message template (before its first placeholder)."""
    return message.split("{")[0][:60]


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


@pytest.mark.filterwarnings("ignore:Length of split at index")
def test_solution_ex6_3_is_what_random_split_picks():
    for n, f, seed in _EX6_3_CASES:
        train_part, val_part = random_split(range(n), [1 - f, f], generator=torch.Generator().manual_seed(seed))
        train_idx, val_idx = solution_ex6_3(n, f, seed)
        assert train_idx.dtype == val_idx.dtype == torch.int64
        assert train_idx.tolist() == train_part.indices and val_idx.tolist() == val_part.indices
    assert any(n == 2 * math.floor(n * f) for n, f, _ in _EX6_3_CASES), "a halves case catches swapped parts"
    assert any(math.floor(n * f) != math.ceil(n * f) for n, f, _ in _EX6_3_CASES), "a case where rounding matters"


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


class DigitAsLabel(Dataset):
    """Correct: the label of every item is the digit itself, as an int."""

    def __init__(self, X, y, digit):
        self.X, self.digit = X, digit
        self.positions = torch.where(y == digit)[0]

    def __len__(self):
        return self.positions.numel()

    def __getitem__(self, i):
        return self.X[self.positions[i]], self.digit


@pytest.mark.parametrize("cls", [solution_ex6_1, IndexListDigits, BooleanMaskDigits, DigitAsLabel])
def test_check_ex6_1_passes_correct_classes(cls, capsys):
    ok, out = run(check_ex6_1, cls, capsys)
    assert ok and out.startswith("✅ Exercise 6.1 (DigitDataset): correct on all 4"), out


def collate_in_steps(batch):
    X = torch.stack([image for image, _ in batch]).to(torch.float32).div(255).sub(MNIST_MEAN).div(MNIST_STD)
    return X, torch.tensor([label for _, label in batch], dtype=torch.int64)


def collate_per_image(batch):
    """Correct but slow: per-image work, then a stack."""
    images = [(image.float() / 255 - MNIST_MEAN) / MNIST_STD for image, _ in batch]
    return torch.stack(images), torch.as_tensor([label for _, label in batch])


def collate_without_float(batch):
    """Correct: uint8 / 255 is a true division, which already gives float32."""
    images, labels = zip(*batch)
    return (torch.stack(images) / 255 - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


@pytest.mark.parametrize("fn", [solution_ex6_2, collate_in_steps, collate_per_image, collate_without_float])
def test_check_ex6_2_passes_correct_functions(fn, capsys):
    ok, out = run(check_ex6_2, fn, capsys)
    assert ok and out.startswith("✅ Exercise 6.2 (collate_normalize): correct on all 3"), out


def split_with_random_split(n, val_fraction, seed):
    parts = random_split(range(n), [1 - val_fraction, val_fraction], generator=torch.Generator().manual_seed(seed))
    return tuple(torch.tensor(part.indices, dtype=torch.int64) for part in parts)


def split_with_int(n, val_fraction, seed):
    n_val = int(n * val_fraction)  # int() truncates: the same as floor for these non-negative numbers
    g = torch.Generator()
    g.manual_seed(seed)
    order = torch.randperm(n, generator=g)
    return order[: n - n_val].clone(), order[n - n_val :].clone()


@pytest.mark.filterwarnings("ignore:Length of split at index")
@pytest.mark.parametrize("fn", [solution_ex6_3, split_with_random_split, split_with_int])
def test_check_ex6_3_passes_correct_functions(fn, capsys):
    ok, out = run(check_ex6_3, fn, capsys)
    assert ok and out.startswith("✅ Exercise 6.3 (split_indices): correct on all 6"), out


# --- 6.1: each misconception by name, as a learner writes it -----------------------------------


class LengthOfAll(Dataset):  # "length of all the data"
    def __init__(self, X, y, digit):
        self.X, self.y = X, y
        self.positions = (y == digit).nonzero().flatten()

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[self.positions[i]], self.y[self.positions[i]]


class ItemIOfAll(Dataset):  # "item i is X[i]"
    def __init__(self, X, y, digit):
        self.X, self.y = X, y
        self.count = int((y == digit).sum())

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class SearchesEveryTime(Dataset):  # "searches in every item": the positions found again per call
    def __init__(self, X, y, digit):
        self.X, self.y, self.digit = X, y, digit

    def __len__(self):
        return int((self.y == self.digit).sum())

    def __getitem__(self, i):
        positions = (self.y == self.digit).nonzero().flatten()
        return self.X[positions[i]], self.y[positions[i]]


class MaskEveryTime(Dataset):  # "searches in every item", with a mask kept from __init__
    def __init__(self, X, y, digit):
        self.X, self.y, self.mask = X, y, y == digit

    def __len__(self):
        return int(self.mask.sum().item())

    def __getitem__(self, i):
        return self.X[self.mask][i], self.y[self.mask][i]


class ListSearchEveryTime(Dataset):  # "searches in every item", in plain Python
    def __init__(self, X, y, digit):
        self.X, self.labels, self.digit = X, y.tolist(), digit
        self.n = self.labels.count(digit)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        positions = [j for j, label in enumerate(self.labels) if label == self.digit]
        return self.X[positions[i]], self.digit


@pytest.mark.parametrize("cls, mistake, detail", [
    (LengthOfAll, "length of all the data", "len(dataset) is 10, the number of ALL images; expected 4"),
    (ItemIOfAll, "item i is X[i]", "dataset[1] is X[1], the 2nd image of all the data; expected X[2]"),
    (SearchesEveryTime, "searches in every item", "in __len__: eq, sum; in __getitem__: eq, nonzero"),
    (MaskEveryTime, "searches in every item", "in __getitem__: getitem"),
    (ListSearchEveryTime, "searches in every item", "a loop over y.tolist()"),
])
def test_check_ex6_1_names_each_misconception(cls, mistake, detail, capsys):
    ok, out = run(check_ex6_1, cls, capsys)
    assert not ok and out.startswith("❌ Exercise 6.1 (DigitDataset): on input 1 ")
    assert _start(EX6_1_MISTAKES[mistake]) in out and detail in out, out


def test_the_scan_counter_does_not_count_what_init_does_once(capsys):
    class ScansOnlyInInit(IndexListDigits):
        def __init__(self, X, y, digit):
            super().__init__(X, y, digit)
            assert (y == digit).sum() == len(self.keep) and list(y.tolist()).count(digit) == len(self.keep)

    ok, out = run(check_ex6_1, ScansOnlyInInit, capsys)
    assert ok, out


# --- 6.1: other wrong answers fail and say why ------------------------------------------------


class NotDone(Dataset):
    def __init__(self, X, y, digit):
        raise NotImplementedError


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


class ZeroesTheCallersImages(solution_ex6_1):
    def __init__(self, X, y, digit):
        super().__init__(X, y, digit)
        X[y != digit] = 0  # "the other images are not needed"


@pytest.mark.parametrize(
    "cls, expected",
    [
        (NotDone, "not done yet"),
        (LabelAsDigitPlusOne, "dataset[0]: the label is tensor(4), expected 3"),
        (ImageOnly, "dataset[0]: it returned Tensor, expected a pair (image, label)"),
        (OffByOne, "len(dataset) is 3, expected 4"),
        (CrashesOnEmpty, "on input 4 (digit 5, labels [3, 1, 3, 0, 7, 3, 1, 9, 3, 0]) CrashesOnEmpty(X, y, 5) raised IndexError"),
        (ZeroesTheCallersImages, "your function changed the caller's `X` (its values were changed in place)"),
    ],
)
def test_check_ex6_1_rejects_wrong_classes(cls, expected, capsys):
    ok, out = run(check_ex6_1, cls, capsys)
    assert not ok and out.startswith("❌ Exercise 6.1 (DigitDataset): ") and expected in out, out


# --- 6.2: each misconception by name, as a learner writes it -----------------------------------


def half_half(batch):  # "Normalize((0.5,), (0.5,))"
    images, labels = zip(*batch)
    return (torch.stack(images).float() / 255 - 0.5) / 0.5, torch.tensor(labels)


def forgets_255(batch):  # "no division by 255"
    images, labels = zip(*batch)
    return (torch.stack(images).float() - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


def divides_last(batch):  # "255 after normalizing"
    images, labels = zip(*batch)
    return (torch.stack(images).float() - MNIST_MEAN) / MNIST_STD / 255, torch.tensor(labels)


def own_statistics(batch):  # "the batch's own statistics"
    images, labels = zip(*batch)
    X = torch.stack(images) / 255
    return (X - X.mean()) / X.std(), torch.tensor(labels)


def concatenated(batch):  # "torch.cat instead of torch.stack"
    images, labels = zip(*batch)
    return (torch.cat(images) / 255 - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


@pytest.mark.parametrize("fn, mistake, case", [
    (half_half, "Normalize((0.5,), (0.5,))", 1),
    (forgets_255, "no division by 255", 1),
    (divides_last, "255 after normalizing", 1),
    (concatenated, "torch.cat instead of torch.stack", 1),
    (own_statistics, "the batch's own statistics", 1),
])
def test_check_ex6_2_names_each_misconception(fn, mistake, case, capsys):
    ok, out = run(check_ex6_2, fn, capsys)
    message = next(m.message for m in EX6_2_MISTAKES if m.name == mistake)
    assert not ok and out.startswith(f"❌ Exercise 6.2 (collate_normalize): on input {case} ") and message in out, out


def stacks_uint8_in_place(batch):  # "stacking without dtype conversion", then an in-place division
    images, labels = zip(*batch)
    X = torch.stack(images)
    X.div_(255)
    return (X - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


def test_check_ex6_2_translates_the_uint8_in_place_error(capsys):
    ok, out = run(check_ex6_2, stacks_uint8_in_place, capsys)
    assert not ok and "raised RuntimeError: result type Float can't be cast to the desired output type Byte" in out
    assert "X.div_(255)" in out and "convert first with `.float()`" in out, out


# --- 6.2: other wrong answers fail and say why ------------------------------------------------


def not_done(batch):
    raise NotImplementedError


def in_float64(batch):
    X, y = solution_ex6_2(batch)
    return X.double(), y


def labels_as_list(batch):
    X, _ = solution_ex6_2(batch)
    return X, [label for _, label in batch]


def labels_int32(batch):
    X, y = solution_ex6_2(batch)
    return X, y.int()


def only_images(batch):
    return solution_ex6_2(batch)[0]


def just_outside_tolerance(batch):
    X, y = solution_ex6_2(batch)
    return X + 3e-5, y


def normalizes_the_callers_images(batch):
    for image, _ in batch:
        image.zero_()  # "reuse the memory"
    return solution_ex6_2(batch)


def changes_default_dtype(batch):
    torch.set_default_dtype(torch.float64)
    images, labels = zip(*batch)
    X = torch.stack(images).to(torch.float32) / 255
    return (X - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)


@pytest.mark.parametrize(
    "fn, expected",
    [
        (not_done, "not done yet"),
        (in_float64, "X: the dtype is torch.float64, expected torch.float32"),
        (labels_as_list, "y: it returned a list, expected a torch.Tensor"),
        (labels_int32, "y: the dtype is torch.int32, expected torch.int64"),
        (only_images, "it returned Tensor, expected a tuple of 2 items"),
        (just_outside_tolerance, "X: the values are wrong"),
        (normalizes_the_callers_images, "X: the values are wrong"),
        (changes_default_dtype, "changed the default dtype to torch.float64"),
        (lambda batch: batch[0][0] / 0, "it returned Tensor, expected a tuple of 2 items"),
        (lambda batch: zip(*batch)[0], "zip(*batch) is an iterator: unpack it"),
    ],
)
def test_check_ex6_2_rejects_wrong_functions(fn, expected, capsys):
    ok, out = run(check_ex6_2, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 6.2 (collate_normalize): ") and expected in out, out
    assert torch.get_default_dtype() == torch.float32


def test_check_ex6_2_refuses_changing_the_callers_images_even_with_the_right_result(capsys):
    def right_then_zeroes(batch):
        result = solution_ex6_2(batch)
        for image, _ in batch:
            image.zero_()
        return result

    before = [[image.clone() for image, _ in batch] for batch in _EX6_2_CASES]
    ok, out = run(check_ex6_2, right_then_zeroes, capsys)
    assert not ok and "changed the caller's `batch`" in out and "values were changed in place" in out
    for saved, batch in zip(before, _EX6_2_CASES):  # the checker's own cases are untouched
        assert all(torch.equal(a, image) for a, (image, _) in zip(saved, batch))


# --- 6.3: each misconception by name, as a learner writes it -----------------------------------


def rounds_up(n, val_fraction, seed):  # "rounded up"
    n_val = math.ceil(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: n - n_val], order[n - n_val :]


def rounds_to_nearest(n, val_fraction, seed):  # "rounded up", by round()
    n_val = round(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: n - n_val], order[n - n_val :]


def drops_the_leftover(n, val_fraction, seed):  # "leftover dropped"
    n_train, n_val = math.floor(n * (1 - val_fraction)), math.floor(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:n_train], order[n_train : n_train + n_val]


def two_shuffles(n, val_fraction, seed):  # "two permutations"
    n_val = math.floor(n * val_fraction)
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n, generator=g)[: n - n_val], torch.randperm(n, generator=g)[:n_val]


def validation_first(n, val_fraction, seed):  # "validation first"
    n_val = math.floor(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]


def forgets_the_seed(n, val_fraction, seed):  # "generator not seeded"
    n_val = math.floor(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator())
    return order[: n - n_val], order[n - n_val :]


def seeds_the_global_generator(n, val_fraction, seed):  # "global generator": the right numbers, a side effect
    torch.manual_seed(seed)
    n_val = math.floor(n * val_fraction)
    order = torch.randperm(n)
    return order[: n - n_val], order[n - n_val :]


def draws_from_the_global_generator(n, val_fraction, seed):  # "global generator", unseeded
    n_val = math.floor(n * val_fraction)
    order = torch.randperm(n)
    return order[: n - n_val], order[n - n_val :]


@pytest.mark.parametrize("fn, mistake, detail", [
    (rounds_up, "rounded up", "on input 3 (n=10, val_fraction=0.35, seed=3) the validation part has 4 indices, expected 3 = floor(10 · 0.35) = floor(3.5)"),
    (rounds_to_nearest, "rounded up", "on input 3 "),
    (drops_the_leftover, "leftover dropped", "on input 3 (n=10, val_fraction=0.35, seed=3) the two parts hold 9 of the 10 indices"),
    (two_shuffles, "two permutations", "on input 1 "),
    (validation_first, "validation first", "on input 1 "),
    (forgets_the_seed, "generator not seeded", "on input 1 "),
    (seeds_the_global_generator, "global generator", "on input 1 "),
    (draws_from_the_global_generator, "global generator", "on input 1 "),
])
def test_check_ex6_3_names_each_misconception(fn, mistake, detail, capsys):
    state = torch.random.get_rng_state()
    ok, out = run(check_ex6_3, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 6.3 (split_indices): ")
    assert _start(EX6_3_MISTAKES[mistake]) in out and detail in out, out
    assert torch.equal(torch.random.get_rng_state(), state), "the checker puts the global random state back"


# --- 6.3: other wrong answers fail and say why ------------------------------------------------


def swapped_parts(n, val_fraction, seed):
    train, val = solution_ex6_3(n, val_fraction, seed)
    return val, train


def seed_plus_one(n, val_fraction, seed):
    return solution_ex6_3(n, val_fraction, seed + 1)


def as_lists(n, val_fraction, seed):
    return tuple(part.tolist() for part in solution_ex6_3(n, val_fraction, seed))


def sorted_parts(n, val_fraction, seed):
    return tuple(part.sort().values for part in solution_ex6_3(n, val_fraction, seed))


def as_int32(n, val_fraction, seed):
    return tuple(part.int() for part in solution_ex6_3(n, val_fraction, seed))


@pytest.mark.parametrize(
    "fn, expected",
    [
        (lambda n, f, seed: (_ for _ in ()).throw(NotImplementedError), "not done yet"),
        (swapped_parts, "on input 1 (n=10, val_fraction=0.2, seed=0) item 0: the shape is (2,), expected (8,)"),
        (seed_plus_one, "on input 1 (n=10, val_fraction=0.2, seed=0) item 0: the values are wrong"),
        (as_lists, "item 0: it returned a list, expected a torch.Tensor"),
        (sorted_parts, "item 0: the values are wrong"),
        (as_int32, "item 0: the dtype is torch.int32, expected torch.int64"),
    ],
)
def test_check_ex6_3_rejects_wrong_functions(fn, expected, capsys):
    ok, out = run(check_ex6_3, fn, capsys)
    assert not ok and out.startswith("❌ Exercise 6.3 (split_indices): ") and expected in out, out


# --- all three ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker, call", [(check_ex6_1, "check_ex6_1(DigitDataset)"), (check_ex6_2, "check_ex6_2(collate_normalize)"),
                      (check_ex6_3, "check_ex6_3(split_indices)")],
)
@pytest.mark.parametrize("value", [None, torch.zeros(3), TensorDataset(torch.zeros(2))])
def test_checkers_ask_for_the_function_itself(checker, call, value, capsys):
    ok, out = run(checker, value, capsys)
    assert not ok and "not a function. Pass the function itself" in out and call in out


def test_every_named_misconception_has_a_test():
    source = open(__file__, encoding="utf-8").read()
    names = [*EX6_1_MISTAKES, *(m.name for m in EX6_2_MISTAKES), *EX6_3_MISTAKES]
    missing = [name for name in names if f'"{name}"' not in source.split("def test_every_named_misconception")[0]]
    assert not missing, f"misconceptions without a learner-written wrong answer in these tests: {missing}"


@pytest.mark.parametrize("exercise", ["6.1", "6.2", "6.3"])
def test_every_exercise_has_a_ladder_and_a_solution(exercise, capsys):
    assert 3 <= len(HINTS[exercise]) <= 4
    hint(exercise)
    out = capsys.readouterr().out
    assert out.startswith(f"💡 Exercise {exercise}, hint 1 of {len(HINTS[exercise])}: {HINTS[exercise][0]}")
    hint(exercise, len(HINTS[exercise]))
    assert f"show_solution(\"{exercise}\")" in capsys.readouterr().out
    show_solution(exercise)
    out = capsys.readouterr().out
    assert out.startswith(f"# A reference solution of Exercise {exercise}")
    assert {"6.1": "class DigitDataset", "6.2": "def solution_ex6_2", "6.3": "def solution_ex6_3"}[exercise] in out


def test_check_ex6_1_names_a_global_setting_changed_in_init(capsys):
    class SetsDefaultDtype(IndexListDigits):
        def __init__(self, X, y, digit):
            torch.set_default_dtype(torch.float64)  # "so that the images are precise"
            super().__init__(X, y, digit)

    ok, out = run(check_ex6_1, SetsDefaultDtype, capsys)
    assert not ok and "SetsDefaultDtype(X, y, 3): your function changed the default dtype to torch.float64" in out
    assert torch.get_default_dtype() == torch.float32
