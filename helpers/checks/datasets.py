"""Checkers and reference solutions for the exercises of 06_datasets.ipynb.

Each ``check_ex6_N(learner)`` runs the learner's class or function and ``solution_ex6_N``
on the same fixed inputs, prints one verdict line and returns a truthy/falsy Verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset

from helpers.checks import FAIL, NOT_DONE, PASS, Verdict, check_function, describe_error, first_difference, not_a_function
from helpers.data import MNIST_MEAN, MNIST_STD


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _report(verdict: Verdict) -> Verdict:
    print(verdict.message)
    return verdict


# Exercise 6.1: a Dataset that serves the images of one digit only.


class DigitDataset(Dataset):
    """The items ``(X[j], y[j])`` whose label ``y[j]`` is ``digit``, in their original order.

    ``X``: (N, ...) images, ``y``: (N,) int64 labels. Item i is the i-th such pair: an image
    of shape X.shape[1:] and a 0-d label tensor. Introduced in: 06_datasets.ipynb
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, digit: int) -> None:
        self.X, self.y = X, y
        self.indices = (y == digit).nonzero().flatten()  # (n_digit,): where that digit sits, found once

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        j = self.indices[i]  # position i among the digit's items -> position j in X
        return self.X[j], self.y[j]


solution_ex6_1 = DigitDataset


def _ex6_1_cases() -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    X = torch.arange(10 * 4, dtype=torch.float32).reshape(10, 1, 2, 2)  # image j holds 4j .. 4j+3
    y = torch.tensor([3, 1, 3, 0, 7, 3, 1, 9, 3, 0])
    y_big = torch.randint(0, 10, (40,), generator=_generator(61))
    X_big = torch.randn(40, 1, 3, 3, generator=_generator(62))
    return [
        (X, y, 3),  # items 0, 2, 5, 8: the i-th item is not X[i]
        (X, y, 1),
        (X_big, y_big, 4),
        (X, y, 5),  # no 5 at all: an empty dataset, length 0
    ]


_EX6_1_CASES = _ex6_1_cases()


def _judge_ex6_1(name: str, learner_cls: Any) -> Verdict:
    for k, (X, y, digit) in enumerate(_EX6_1_CASES, start=1):
        want = solution_ex6_1(X, y, digit)
        where = f"on input {k} (digit {digit}, labels {y.tolist()})" if len(y) <= 10 else (
            f"on input {k} (digit {digit}, {len(y)} labels)")
        step = f"{getattr(learner_cls, '__name__', 'DigitDataset')}(X, y, {digit})"
        try:
            dataset = learner_cls(X.clone(), y.clone(), digit)
            step = "len(dataset)"
            length = len(dataset)
            if length != len(want):
                return Verdict(False, f"{FAIL} {name}: {where} len(dataset) is {length}, expected {len(want)} "
                                      f"(the number of items labelled {digit}).")
            for i in range(len(want)):
                step = f"dataset[{i}]"
                item = dataset[i]
                problem = _item_difference(item, want[i])
                if problem:
                    return Verdict(False, f"{FAIL} {name}: {where} dataset[{i}]: {problem}.")
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {where} {step} raised {describe_error(err)}")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX6_1_CASES)} test inputs.")


def _item_difference(item: Any, want: tuple[torch.Tensor, torch.Tensor]) -> str | None:
    """What is wrong with one (image, label) item; a label may be an int or a 0-d tensor."""
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        return f"it returned {type(item).__name__}, expected a pair (image, label)"
    problem = first_difference(item[0], want[0], rtol=0, atol=0)
    if problem:
        return f"the image: {problem}"
    label = item[1]
    if isinstance(label, torch.Tensor) and label.numel() == 1:
        label = label.item()
    if not isinstance(label, int) or label != int(want[1]):
        return f"the label is {item[1]!r}, expected {int(want[1])}"
    return None


def check_ex6_1(learner_cls: type) -> Verdict:
    """Check the class ``DigitDataset(X, y, digit)``: its length and every item. Introduced in: 06_datasets.ipynb"""
    name = "Exercise 6.1 (DigitDataset)"
    refused = not_a_function(name, learner_cls)  # a Verdict is falsy when wrong: test for None
    return _report(refused if refused is not None else _judge_ex6_1(name, learner_cls))


# Exercise 6.2: a collate_fn that converts and normalizes a whole batch at once.


def solution_ex6_2(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 image (1, H, W), int label) pairs -> (B, 1, H, W) float32 normalized, (B,) int64.

    Normalized as in helpers.data: pixels / 255, then (x - MNIST_MEAN) / MNIST_STD.
    Introduced in: 06_datasets.ipynb
    """
    images, labels = zip(*batch)  # B images, B labels
    X = torch.stack(images).float() / 255  # (B, 1, H, W) in [0, 1]: one operation for the batch
    return (X - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)  # (B, 1, H, W), (B,) int64


def _uint8_batch(size: int, side: int, seed: int) -> list[tuple[torch.Tensor, int]]:
    g = _generator(seed)
    images = torch.randint(0, 256, (size, 1, side, side), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (size,), generator=g).tolist()
    return [(images[i], labels[i]) for i in range(size)]


_EX6_2_CASES = [
    [(torch.tensor([[[0, 255], [51, 102]]], dtype=torch.uint8), 7)],  # one 2x2 image: 0, 1, 0.2, 0.4
    _uint8_batch(5, 4, seed=71),
    _uint8_batch(8, 28, seed=72),  # a real MNIST size
]


def _copy_batch(batch: list[tuple[torch.Tensor, int]]) -> list[tuple[torch.Tensor, int]]:
    return [(image.clone(), label) for image, label in batch]


def _judge_ex6_2(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for k, batch in enumerate(_EX6_2_CASES, start=1):
        want = solution_ex6_2(_copy_batch(batch))
        where = f"on input {k} (a batch of {len(batch)} uint8 images of shape {tuple(batch[0][0].shape)})"
        try:
            got = learner_fn(_copy_batch(batch))
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {where} your code raised {describe_error(err)}")
        if isinstance(got, (tuple, list)) and len(got) == 2:
            for part, g, w in (("X", got[0], want[0]), ("y", got[1], want[1])):
                problem = first_difference(g, w, rtol=1e-5, atol=1e-5)
                if problem:
                    return Verdict(False, f"{FAIL} {name}: {where} {part}: {problem}.")
        else:
            problem = first_difference(got, want) or "it did not return (X, y)"
            return Verdict(False, f"{FAIL} {name}: {where} {problem}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX6_2_CASES)} test inputs.")


def check_ex6_2(learner_fn: Callable[[list], tuple[torch.Tensor, torch.Tensor]]) -> Verdict:
    """Check ``collate_normalize(batch)`` against the reference. Introduced in: 06_datasets.ipynb"""
    name = "Exercise 6.2 (collate_normalize)"
    refused = not_a_function(name, learner_fn)  # a Verdict is falsy when wrong: test for None
    return _report(refused if refused is not None else _judge_ex6_2(name, learner_fn))


# Exercise 6.3: the indices random_split picks, reproduced by hand.


def solution_ex6_3(n: int, n_val: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices (n - n_val,), validation indices (n_val,)), both int64, exactly as
    ``random_split(range(n), [n - n_val, n_val], generator=torch.Generator().manual_seed(seed))``.

    Introduced in: 06_datasets.ipynb
    """
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))  # one shuffle of 0 .. n-1
    return order[: n - n_val], order[n - n_val :]  # first the training part, then the validation part


_EX6_3_CASES = [
    (10, 2, 0),
    (10, 5, 1),  # halves: swapping the two parts gives the right shapes but the wrong indices
    (1000, 100, 6),
    (7, 0, 3),  # no validation set: all 7 in train, an empty (0,) tensor for validation
]


def check_ex6_3(learner_fn: Callable[[int, int, int], tuple[torch.Tensor, torch.Tensor]]) -> Verdict:
    """Check ``split_indices(n, n_val, seed)`` exactly against the reference. Introduced in: 06_datasets.ipynb"""
    return check_function(
        "Exercise 6.3 (split_indices)", learner_fn, solution_ex6_3, _EX6_3_CASES, rtol=0, atol=0
    )


HINTS = {
    "6.1": (
        "In __init__, find once where the digit sits: the positions j with y[j] == digit. Keep them "
        "in an attribute; __len__ returns how many there are.",
        "`(y == digit).nonzero().flatten()` gives those positions as a 1-D tensor, in order.",
        "__getitem__(self, i): j = self.indices[i]; return self.X[j], self.y[j]. Item i is the i-th "
        "image of that digit, not X[i].",
    ),
    "6.2": (
        "`batch` is a list of (image, label) pairs. `images, labels = zip(*batch)` splits it into B "
        "images and B labels.",
        "torch.stack(images) gives (B, 1, H, W) uint8: convert with .float(), divide by 255, then "
        "subtract MNIST_MEAN and divide by MNIST_STD. torch.tensor(labels) gives the (B,) int64 labels.",
        "X = torch.stack(images).float() / 255; return (X - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)",
    ),
    "6.3": (
        "random_split draws ONE random permutation of 0 .. n-1 from the generator you give it, then "
        "cuts it: the first n - n_val positions for the first split, the rest for the second.",
        "Make a fresh generator, torch.Generator().manual_seed(seed), and pass it to "
        "torch.randperm(n, generator=...).",
        "order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)); "
        "return order[:n - n_val], order[n - n_val:]",
    ),
}
