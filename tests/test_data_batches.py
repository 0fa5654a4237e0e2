"""helpers.data.TensorBatches: the in-memory mini-batch iterator of 08_mnist_cnn."""

import pytest
import torch

from helpers.data import TensorBatches


def _data(n: int = 10):
    X = torch.arange(n, dtype=torch.float32).reshape(n, 1, 1, 1).expand(n, 1, 2, 2).clone()  # image i is all i
    y = torch.arange(n)  # label i
    return X, y


def test_len_counts_the_last_partial_batch_unless_dropped():
    X, y = _data(10)
    assert len(TensorBatches(X, y, 4)) == 3
    assert len(TensorBatches(X, y, 4, drop_last=True)) == 2
    assert len(TensorBatches(X, y, 5)) == 2
    assert [len(b) for b, _ in TensorBatches(X, y, 4)] == [4, 4, 2]
    assert [len(b) for b, _ in TensorBatches(X, y, 4, drop_last=True)] == [4, 4]


def test_unshuffled_batches_are_in_order_and_views():
    X, y = _data(10)
    batches = list(TensorBatches(X, y, 4))
    assert torch.equal(torch.cat([b for _, b in batches]), y)
    assert batches[0][0].shape == (4, 1, 2, 2) and batches[0][1].shape == (4,)
    assert batches[1][0].data_ptr() == X[4:].data_ptr()  # a slice, not a copy


def test_shuffled_pass_visits_every_item_once_with_pairs_kept_together():
    X, y = _data(10)
    batches = TensorBatches(X, y, 3, shuffle=True, generator=torch.Generator().manual_seed(0))
    seen = []
    for Xb, yb in batches:
        assert torch.equal(Xb[:, 0, 0, 0].long(), yb)  # image i still goes with label i
        seen += yb.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_order_is_reproducible_from_the_seed_and_new_each_epoch():
    X, y = _data(50)

    def orders(seed: int, epochs: int = 2) -> list[list[int]]:
        batches = TensorBatches(X, y, 50, shuffle=True, generator=torch.Generator().manual_seed(seed))
        return [next(iter(batches))[1].tolist() for _ in range(epochs)]

    first, second = orders(7)
    assert orders(7) == [first, second]
    assert first != second  # a new permutation every pass
    assert orders(8)[0] != first


def test_shuffle_without_a_generator_is_refused_with_advice():
    X, y = _data()
    with pytest.raises(ValueError, match=r"generator=torch.Generator\(\).manual_seed"):
        TensorBatches(X, y, 4, shuffle=True)


def test_mismatched_lengths_and_bad_batch_size_are_refused():
    X, y = _data(10)
    with pytest.raises(ValueError, match="X has 10 items but y has 9"):
        TensorBatches(X, y[:9], 4)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        TensorBatches(X, y, 0)
