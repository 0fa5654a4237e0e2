"""Checkers and reference solutions for the exercises of 06_datasets.ipynb.

Each ``check_ex6_N(learner)`` runs the learner's class or function and ``solution_ex6_N`` on
the same fixed inputs, prints one verdict line and returns a truthy/falsy Verdict. Each knows
its exercise's usual misconceptions by name (``EX6_N_MISTAKES``) and says which one it saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset

from helpers.checks import (
    FAIL,
    NOT_DONE,
    PASS,
    Mistake,
    Verdict,
    argument_changes,
    call_learner,
    call_watched,
    describe_error,
    first_difference,
    judged,
    matching_mistake,
    snapshot_arguments,
    watching_global_state,
)
from helpers.data import MNIST_MEAN, MNIST_STD


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- Exercise 6.1: one digit's images


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

#: The misconceptions Exercise 6.1's checker names, and what it tells a learner.
EX6_1_MISTAKES = {
    "length of all the data": (
        "len(dataset) is {got}, the number of ALL images; expected {want}, the number labelled {digit}: "
        "__len__ counts the positions you found for the digit, not the rows of X (hint 1)."),
    "item i is X[i]": (
        "dataset[{i}] is X[{i}], the {nth} image of all the data; expected X[{j}], the {nth} image labelled "
        "{digit}: item i is X[positions[i]], the i-th position you found in __init__ (hint 3)."),
    "searches in every item": (
        "after __init__ your dataset still searched the labels: {count} operation(s) over all {n} of them "
        "while giving {items} item(s) ({how}). Find the digit's positions once in __init__, keep them in an "
        "attribute and let dataset[i] look one up, so an item costs the same however many images there are "
        "(hint 2)."),
}

# Reading one position (y[j]) and metadata is no scan; everything else that takes all N labels is.
_NOT_A_SCAN = {"__len__", "__get__", "size", "dim", "numel", "__format__", "__repr__", "__index__", "__int__",
               "__float__", "item", "__bool__", "__hash__", "__reduce_ex__", "__deepcopy__", "__setstate__"}


def _flat(values: Any) -> Iterator[Any]:
    if isinstance(values, (list, tuple)):
        for value in values:
            yield from _flat(value)
    elif isinstance(values, dict):
        yield from _flat(list(values.values()))
    else:
        yield values


def _scan_counting(y: torch.Tensor) -> tuple[torch.Tensor, list[tuple[str, str]], list[str]]:
    """``y`` as a tensor that logs every operation reading all of it (a scan), the log, and the phase.

    A scan: an operation with a full-length copy of the labels among its arguments (for indexing,
    among the indices: ``y[mask]``), except reading metadata. ``tolist()`` returns a list that logs
    its scans too (iterating it, ``.index``, ``.count``, ``in``). The checker sets ``phase[0]``.
    """
    log: list[tuple[str, str]] = []  # (phase, what read all the labels)
    phase = ["__init__"]
    length = y.numel()

    class ScannedList(list):
        def _scan(self, how: str) -> None:
            if phase[0] != "__init__":
                log.append((phase[0], how))

        def __iter__(self):  # noqa: ANN204 - list's own signature
            self._scan("a loop over y.tolist()")
            return super().__iter__()

        def index(self, *args: Any) -> int:
            self._scan("y.tolist().index")
            return super().index(*args)

        def count(self, value: Any) -> int:
            self._scan("y.tolist().count")
            return super().count(value)

        def __contains__(self, value: Any) -> bool:
            self._scan("`in` on y.tolist()")
            return super().__contains__(value)

    class CountedLabels(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN206
            kwargs = kwargs or {}
            name = getattr(func, "__name__", repr(func))
            read = list(_flat((args[1:] if name == "__getitem__" else args, kwargs)))
            with torch._C.DisableTorchFunctionSubclass():
                full = any(isinstance(a, cls) and a.numel() == length for a in read)
            if full and name not in _NOT_A_SCAN and phase[0] != "__init__":
                log.append((phase[0], name.strip("_")))
            result = super().__torch_function__(func, types, args, kwargs)
            if full and name == "tolist" and isinstance(result, list):
                return ScannedList(result)
            return _plain_unless_full(result, cls, length)

    return y.as_subclass(CountedLabels), log, phase


def _plain_unless_full(result: Any, cls: type, length: int) -> Any:
    """Only full-length results (copies of the labels, masks over them) keep counting; an image, a label
    or a list of positions computed from them is handed back as a plain tensor."""
    if isinstance(result, tuple):
        return tuple(_plain_unless_full(r, cls, length) for r in result)
    if isinstance(result, cls):
        with torch._C.DisableTorchFunctionSubclass():
            if result.numel() != length:
                return result.as_subclass(torch.Tensor)
    return result


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
_ORDINAL = {0: "1st", 1: "2nd", 2: "3rd"}


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
    if isinstance(label, bool) or not isinstance(label, int) or label != int(want[1]):
        return f"the label is {item[1]!r}, expected {int(want[1])}"
    return None


def _judge_ex6_1(name: str, learner_cls: Any) -> Verdict:
    for k, (X, y, digit) in enumerate(_EX6_1_CASES, start=1):
        want = solution_ex6_1(X, y, digit)
        where = f"on input {k} (digit {digit}, labels {y.tolist()})" if len(y) <= 10 else (
            f"on input {k} (digit {digit}, {len(y)} labels)")
        X_in, (y_in, scans, phase) = X.clone(), _scan_counting(y.clone())
        before = snapshot_arguments([X_in, y_in])
        step = f"{getattr(learner_cls, '__name__', 'DigitDataset')}(X, y, {digit})"
        changes: list[str] = []
        try:
            with watching_global_state(changes):
                dataset = learner_cls(X_in, y_in, digit)
            if changes:
                return Verdict(False, f"{FAIL} {name}: {where} {step}: {changes[0]}.")
            step, phase[0] = "len(dataset)", "__len__"
            length = len(dataset)
            if length != len(want):
                if length == len(X) != len(want):
                    message = EX6_1_MISTAKES["length of all the data"].format(got=length, want=len(want), digit=digit)
                else:
                    message = f"len(dataset) is {length}, expected {len(want)} (the number of items labelled {digit})."
                return Verdict(False, f"{FAIL} {name}: {where} {message}")
            phase[0] = "__getitem__"
            for i in range(len(want)):
                step = f"dataset[{i}]"
                item = dataset[i]
                problem = _item_difference(item, want[i])
                if problem and isinstance(item, (tuple, list)) and len(item) == 2 and torch.equal(
                        torch.as_tensor(item[0]), X[i]) and not torch.equal(X[i], want[i][0]):
                    nth = _ORDINAL.get(i, f"{i + 1}th")
                    j = int(want.indices[i])
                    message = EX6_1_MISTAKES["item i is X[i]"].format(i=i, j=j, nth=nth, digit=digit)
                    return Verdict(False, f"{FAIL} {name}: {where} {message}")
                if problem:
                    return Verdict(False, f"{FAIL} {name}: {where} dataset[{i}]: {problem}.")
        except NotImplementedError:
            return Verdict(False, f"{FAIL} {name}: {NOT_DONE}")
        except Exception as err:  # a learner's bug, reported in one line
            return Verdict(False, f"{FAIL} {name}: {where} {step} raised {describe_error(err)}")
        if scans:
            how = "; ".join(f"in {where_}: {', '.join(dict.fromkeys(n for p, n in scans if p == where_))}"
                            for where_ in dict.fromkeys(p for p, _ in scans))
            message = EX6_1_MISTAKES["searches in every item"].format(
                n=len(y), count=len(scans), items=len(want), how=how)
            return Verdict(False, f"{FAIL} {name}: {where} {message}")
        changed = argument_changes([X_in, y_in], before, ["X", "y"])
        if changed:
            return Verdict(False, f"{FAIL} {name}: {where} {changed}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX6_1_CASES)} test inputs, positions found once.")


def check_ex6_1(learner_cls: type) -> Verdict:
    """Check the class ``DigitDataset(X, y, digit)``: its length, every item, and that it searches once.

    Introduced in: 06_datasets.ipynb
    """
    return judged("Exercise 6.1 (DigitDataset)", learner_cls, _judge_ex6_1)


# ---------------------------------------------------------------- Exercise 6.2: collate and normalize


def solution_ex6_2(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 image (1, H, W), int label) pairs -> (B, 1, H, W) float32 normalized, (B,) int64.

    Normalized as in helpers.data: pixels / 255, then (x - MNIST_MEAN) / MNIST_STD.
    Introduced in: 06_datasets.ipynb
    """
    images, labels = zip(*batch)  # B images, B labels
    X = torch.stack(images).float() / 255  # (B, 1, H, W) in [0, 1]: one operation for the batch
    return (X - MNIST_MEAN) / MNIST_STD, torch.tensor(labels)  # (B, 1, H, W), (B,) int64


def _stacked(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = zip(*batch)
    return torch.stack(images).float(), torch.tensor(labels)


def _half_half(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = _stacked(batch)
    return (X / 255 - 0.5) / 0.5, y


def _without_255(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = _stacked(batch)
    return (X - MNIST_MEAN) / MNIST_STD, y


def _normalized_then_scaled(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = _stacked(batch)
    return (X - MNIST_MEAN) / MNIST_STD / 255, y


def _batch_statistics(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = _stacked(batch)
    X = X / 255
    return (X - X.mean()) / X.std(), y


def _concatenated(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = solution_ex6_2(batch)
    return X.flatten(0, 1), y  # what torch.cat(images) gives: (B * 1, H, W)


#: The misconceptions Exercise 6.2's checker names (each ``fn`` computes what that mistake returns).
EX6_2_MISTAKES = (
    Mistake("Normalize((0.5,), (0.5,))", _half_half, (
        "X was normalized with 0.5 and 0.5, the numbers many tutorials copy; they only map [0, 1] onto "
        "[-1, 1]. Use MNIST's own statistics, MNIST_MEAN and MNIST_STD (section 2, 'What "
        "Normalize((0.5,), (0.5,)) does').")),
    Mistake("no division by 255", _without_255, (
        "X holds pixels 0..255 normalized as if they were in [0, 1]: divide by 255 first, then subtract "
        "MNIST_MEAN and divide by MNIST_STD (the statistics are of pixels in [0, 1]).")),
    Mistake("255 after normalizing", _normalized_then_scaled, (
        "X was normalized first and divided by 255 after: the order matters, pixels / 255 first, then "
        "(x - MNIST_MEAN) / MNIST_STD.")),
    Mistake("the batch's own statistics", _batch_statistics, (
        "X was normalized with this batch's own mean and std, so every batch is scaled by numbers of its own "
        "and one image gets other values in another batch: use the fixed training-set values MNIST_MEAN and "
        "MNIST_STD.")),
    Mistake("torch.cat instead of torch.stack", _concatenated, (
        "X has shape (B, H, W): torch.cat joins the (1, H, W) images along their first dimension; "
        "torch.stack puts them side by side along a NEW first dimension, (B, 1, H, W).")),
)

#: PyTorch's messages a learner meets in 6.2, and what to change.
EX6_2_ERRORS = (
    (r"result type Float can't be cast to the desired output type Byte", (
        "an in-place operation (`div_`, `sub_`) on the uint8 images cannot store fractions: convert first "
        "with `.float()`, or write `X / 255`, which makes a new float32 tensor")),
    (r"'zip' object is not subscriptable", "zip(*batch) is an iterator: unpack it, `images, labels = zip(*batch)`"),
)


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
        theirs = _copy_batch(batch)
        before = snapshot_arguments([theirs])
        got, failed = call_watched(name, learner_fn, [theirs], where, EX6_2_ERRORS)
        if failed is not None:  # a failing Verdict is falsy: test for None
            return failed
        if not (isinstance(got, tuple) and len(got) == 2):
            problem = first_difference(got, want) or f"it returned a {type(got).__name__}, expected a tuple (X, y)"
            return Verdict(False, f"{FAIL} {name}: {where} {problem}.")
        mistake = matching_mistake(got, [batch], EX6_2_MISTAKES, rtol=1e-5, atol=1e-5)
        if mistake is not None and first_difference(got, want, rtol=1e-5, atol=1e-5):
            return Verdict(False, f"{FAIL} {name}: {where} {mistake.message}")
        for part, g, w in (("X", got[0], want[0]), ("y", got[1], want[1])):
            problem = first_difference(g, w, rtol=1e-5, atol=1e-5)
            if problem:
                return Verdict(False, f"{FAIL} {name}: {where} {part}: {problem}.")
        changed = argument_changes([theirs], before, ["batch"])
        if changed:
            return Verdict(False, f"{FAIL} {name}: {where} {changed}.")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX6_2_CASES)} test inputs.")


def check_ex6_2(learner_fn: Callable[[list], tuple[torch.Tensor, torch.Tensor]]) -> Verdict:
    """Check ``collate_normalize(batch)`` against the reference. Introduced in: 06_datasets.ipynb"""
    return judged("Exercise 6.2 (collate_normalize)", learner_fn, _judge_ex6_2)


# ---------------------------------------------------------------- Exercise 6.3: random_split by hand


def solution_ex6_3(n: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices, validation indices), int64, exactly as ``random_split(range(n), [1 - val_fraction,
    val_fraction], generator=torch.Generator().manual_seed(seed))`` picks them.

    Introduced in: 06_datasets.ipynb
    """
    n_val = math.floor(n * val_fraction)  # rounded down; the leftover goes to the training part
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))  # ONE shuffle of 0 .. n-1
    return order[: n - n_val], order[n - n_val :]  # the training part first, then the validation part


#: The misconceptions Exercise 6.3's checker names.
EX6_3_MISTAKES = {
    "rounded up": (
        "the validation part has {got} indices, expected {want} = floor({n} · {f}) = floor({nf:g}): random_split "
        "rounds each part DOWN (math.floor) and gives the leftover to the training part; rounding up or to "
        "the nearest gives one too many (hint 1)."),
    "leftover dropped": (
        "the two parts hold {got} of the {n} indices: the leftover of rounding down goes to the training "
        "part, so train + validation is always all {n} (hint 1)."),
    "two permutations": (
        "the two parts share {count} index(es), e.g. {example}: they were cut from two different shuffles. "
        "Draw ONE permutation and cut it in two, so that no image is in both parts (hint 3)."),
    "validation first": (
        "the parts have the right sizes but were cut from the wrong ends: random_split gives the FIRST "
        "n - n_val positions of the permutation to the training part and the rest to validation (hint 3)."),
    "generator not seeded": (
        "the indices are those of a generator that was not seeded with `seed`: make it with "
        "torch.Generator().manual_seed(seed) and pass it to torch.randperm (hint 2)."),
    "global generator": (
        "your function used PyTorch's global random generator (torch.manual_seed, or torch.randperm without "
        "`generator=`), which changes every random draw after it in the notebook: draw from your own "
        "torch.Generator().manual_seed(seed) instead (hint 2)."),
}

_EX6_3_CASES = [
    (10, 0.2, 0),
    (10, 0.5, 1),  # halves: swapping the two parts gives the right shapes but the wrong indices
    (10, 0.35, 3),  # 3.5 validation items: floor 3, ceil and round 4
    (1000, 0.1, 6),
    (9, 0.25, 4),  # 2.25: floor 2, ceil 3
    (7, 0.0, 3),  # no validation set: all 7 in train, an empty (0,) tensor for validation
]


def _ex6_3_mistake(got: Any, n: int, f: float, seed: int) -> str | None:
    """The named misconception a wrong (but well-formed) answer shows, or None."""
    train, val = got
    n_val = math.floor(n * f)
    if len(val) != n_val and len(val) in (math.ceil(n * f), round(n * f), n - math.floor(n * (1 - f))):
        return EX6_3_MISTAKES["rounded up"].format(got=len(val), want=n_val, n=n, f=f, nf=n * f)
    if len(val) == n_val and len(train) + len(val) < n:
        return EX6_3_MISTAKES["leftover dropped"].format(got=len(train) + len(val), n=n)
    shared = sorted(set(train.tolist()) & set(val.tolist()))
    if shared:
        return EX6_3_MISTAKES["two permutations"].format(count=len(shared), example=shared[0])
    if len(val) == n_val and len(train) == n - n_val:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        if torch.equal(val, order[:n_val]) and torch.equal(train, order[n_val:]):
            return EX6_3_MISTAKES["validation first"]
        if torch.equal(torch.cat([train, val]), torch.randperm(n, generator=torch.Generator())):
            return EX6_3_MISTAKES["generator not seeded"]
    return None


def _judge_ex6_3(name: str, learner_fn: Callable[..., Any]) -> Verdict:
    for k, (n, f, seed) in enumerate(_EX6_3_CASES, start=1):
        want = solution_ex6_3(n, f, seed)
        where = f"on input {k} (n={n}, val_fraction={f}, seed={seed})"
        changes: list[str] = []
        with watching_global_state(changes, rng=True):
            got, failed = call_learner(name, learner_fn, (n, f, seed), where)
        if failed is not None:
            return failed
        if any("random" in change for change in changes):
            return Verdict(False, f"{FAIL} {name}: {where} {EX6_3_MISTAKES['global generator']}")
        if changes:
            return Verdict(False, f"{FAIL} {name}: {where} {changes[0]}.")
        problem = first_difference(got, want, rtol=0, atol=0)
        if problem is None:
            continue
        well_formed = (isinstance(got, (tuple, list)) and len(got) == 2
                       and all(isinstance(p, torch.Tensor) and p.dim() == 1 and p.dtype == torch.int64 for p in got))
        mistake = _ex6_3_mistake(got, n, f, seed) if well_formed else None
        return Verdict(False, f"{FAIL} {name}: {where} {mistake or problem + '.'}")
    return Verdict(True, f"{PASS} {name}: correct on all {len(_EX6_3_CASES)} test inputs, global random state untouched.")


def check_ex6_3(learner_fn: Callable[[int, float, int], tuple[torch.Tensor, torch.Tensor]]) -> Verdict:
    """Check ``split_indices(n, val_fraction, seed)`` exactly against random_split. Introduced in: 06_datasets.ipynb"""
    return judged("Exercise 6.3 (split_indices)", learner_fn, _judge_ex6_3)


HINTS = {
    "6.1": (
        "A filtered view of the data: the dataset keeps a list of the rows it serves (e.g. rows [0, 2, 5, 8] "
        "for the 3s), its length is how long that list is, and item i is the row stored at place i.",
        "Section 1's MnistTensors cell is the pattern: __init__ stores, __len__ measures, __getitem__ indexes. "
        "`(y == digit).nonzero()` gives the rows where the digit sits, shape (n, 1): flatten it.",
        "def __init__(self, X, y, digit):  self.X, self.y = X, y;  self.indices = ___\n"
        "   def __len__(self):  return ___\n"
        "   def __getitem__(self, i):  j = self.indices[___];  return self.X[j], self.y[j]",
    ),
    "6.2": (
        "Do per batch what the transforms did per image: one stack makes a (B, 1, H, W) tensor, and then the "
        "arithmetic runs once on all B images together.",
        "Section 4's flatten_collate cell splits and stacks a batch; section 2 ('What Normalize((0.5,), (0.5,)) "
        "does') shows which mean and std to use, and why not 0.5.",
        "images, labels = zip(*batch)\n   X = torch.stack(images).float() / ___\n"
        "   return (X - ___) / ___, torch.tensor(labels)",
    ),
    "6.3": (
        "Two numbers decide a split: how many go to validation (10 items at 0.35 give 3, not 4: always rounded "
        "down) and one shuffled order of all n positions, which is then cut in two.",
        "The first cell of section 5 calls random_split with a seeded torch.Generator; the same generator, "
        "given to torch.randperm(n, generator=...), draws the very permutation random_split cuts.",
        "n_val = math.floor(___)\n   order = torch.randperm(n, generator=torch.Generator().manual_seed(___))\n"
        "   return order[:___], order[___:]",
    ),
}
