"""helpers.training: train_one_epoch, evaluate, predict and fit do what their docstrings say."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.data import TensorBatches
from helpers.models import MnistCNN
from helpers.training import evaluate, fit, predict, train_one_epoch


def _batch(n: int = 32, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def _model(seed: int = 0) -> MnistCNN:
    torch.manual_seed(seed)
    return MnistCNN()


class FixedAnswers(nn.Module):
    """Predicts the class written in pixel [0, 0, 0] of each image, with a known logit margin."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(2.0))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.scale * F.one_hot(X[:, 0, 0, 0].long(), 10).float()


def test_training_on_a_fixed_batch_lowers_its_loss():
    X, y = _batch()
    model = _model()
    loader = TensorBatches(X, y, batch_size=32)
    before = evaluate(model, loader, "cpu")["loss"]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(10):
        train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, "cpu")
    after = evaluate(model, loader, "cpu")["loss"]
    assert after < 0.8 * before


def test_train_one_epoch_equals_the_loop_written_by_hand():
    X, y = _batch(96)
    loader = TensorBatches(X, y, batch_size=32)
    by_hand, by_helper = _model(), _model()
    opt_hand = torch.optim.Adam(by_hand.parameters(), lr=1e-3)
    opt_helper = torch.optim.Adam(by_helper.parameters(), lr=1e-3)
    losses = []
    for Xb, yb in loader:
        loss = F.cross_entropy(by_hand(Xb), yb)
        opt_hand.zero_grad()
        loss.backward()
        opt_hand.step()
        losses.append(loss.item())
    stats = train_one_epoch(by_helper, loader, nn.CrossEntropyLoss(), opt_helper, "cpu")
    assert all(torch.equal(a, b) for a, b in zip(by_hand.parameters(), by_helper.parameters()))
    assert stats["samples"] == 96
    assert stats["loss"] == pytest.approx(sum(losses) / 3, rel=1e-6)


def test_train_one_epoch_counts_samples_and_logs_at_the_interval(capsys):
    X, y = _batch(70)
    loader = TensorBatches(X, y, batch_size=7)  # 10 batches
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # lr 0: the accuracy is the initial model's
    expected_accuracy = (model(X).argmax(1) == y).float().mean().item()
    stats = train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, "cpu", log_every=3)
    assert stats["samples"] == 70
    assert stats["accuracy"] == pytest.approx(expected_accuracy)
    assert [batch for batch, _ in stats["log"]] == [3, 6, 9]
    assert all(loss > 0 for _, loss in stats["log"])
    out = capsys.readouterr().out
    assert out.count("loss") == 3 and "batch     3/10" in out and "batch     9/10" in out
    assert stats["seconds"] > 0 and model.training


def test_scheduler_is_stepped_once_per_batch():
    X, y = _batch(40)
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5**step)
    train_one_epoch(model, TensorBatches(X, y, 10), nn.CrossEntropyLoss(), optimizer, "cpu", scheduler)
    assert scheduler.last_epoch == 4
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**4)


def test_evaluate_counts_right_answers_exactly():
    n = 25
    y = torch.arange(n) % 10
    answers = y.clone()
    answers[[0, 5, 7]] = (answers[[0, 5, 7]] + 1) % 10  # 3 wrong answers
    X = answers.float().reshape(n, 1, 1, 1)
    model = FixedAnswers().train()
    result = evaluate(model, TensorBatches(X, y, batch_size=4), "cpu")
    assert result["samples"] == 25 and result["correct"] == 22
    assert result["accuracy"] == pytest.approx(22 / 25)
    assert result["loss"] == pytest.approx(F.cross_entropy(model(X), y).item(), rel=1e-6)
    assert model.training  # the mode it was in is restored
    assert model.scale.grad is None  # and nothing was recorded for backward


def test_evaluate_and_train_refuse_an_empty_loader():
    X, y = _batch(0)
    model = _model()
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, TensorBatches(X, y, 4), "cpu")
    with pytest.raises(ValueError, match="no batches"):
        train_one_epoch(model, TensorBatches(X, y, 4), nn.CrossEntropyLoss(),
                        torch.optim.SGD(model.parameters(), lr=0.1), "cpu")


def test_predict_returns_logits_in_order_on_the_cpu():
    X, y = _batch(10)
    model = _model().train()
    logits = predict(model, TensorBatches(X, y, batch_size=3), "cpu")
    assert logits.shape == (10, 10) and logits.device.type == "cpu" and not logits.requires_grad
    model.eval()
    torch.testing.assert_close(logits, model(X).detach())


def test_fit_returns_one_dict_per_epoch(capsys):
    X, y = _batch(64)
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_loader = TensorBatches(X, y, 16, shuffle=True, generator=torch.Generator().manual_seed(0))
    history = fit(model, train_loader, TensorBatches(X, y, 32), nn.CrossEntropyLoss(), optimizer, "cpu",
                  num_epochs=3, log_every=2, progress=False)
    assert [h["epoch"] for h in history] == [1, 2, 3]
    keys = {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds",
            "images_per_s", "batches", "log"}
    assert all(set(h) == keys for h in history)
    assert all(h["batches"] == 4 and [b for b, _ in h["log"]] == [2, 4] for h in history)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert all(0.0 <= h["test_accuracy"] <= 1.0 for h in history)
    assert capsys.readouterr().out.count("epoch ") == 3
