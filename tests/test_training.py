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
    X, y = _small_data(32, seed=0)
    model = _small_model()  # small: the test's point is the loop, not the CNN (tested below)
    loader = TensorBatches(X, y, batch_size=32)
    before = evaluate(model, loader, "cpu")["loss"]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
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
    X, y = _small_data(64, seed=0)
    model = _small_model()
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


# --- Every number pinned against an independent computation (issue 11) ----------------------
# Loaders with a partial last batch, a by-hand loop computed in float64 Python, and a model with
# dropout and batch norm: each test below fails on one specific plausible bug in helpers.training.


def _small_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 4, 4, generator=gen), torch.randint(0, 3, (n,), generator=gen)


def _small_model(seed: int = 0, dropout_and_batchnorm: bool = False) -> nn.Sequential:
    torch.manual_seed(seed)
    if dropout_and_batchnorm:
        return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(8, 3))
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


def _train_by_hand(model: nn.Module, loader, optimizer, scheduler=None) -> tuple[list[float], list[int], int]:
    """The loop of train_one_epoch written out: (batch mean losses, batch sizes, right answers)."""
    losses, sizes, correct = [], [], 0
    for X, y in loader:
        logits = model(X)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        sizes.append(len(y))
        correct += (logits.argmax(1) == y).sum().item()
    return losses, sizes, correct


def _per_sample_mean(losses: list[float], sizes: list[int]) -> float:
    return sum(loss * n for loss, n in zip(losses, sizes)) / sum(sizes)


def _modes_seen(model: nn.Module) -> list[bool]:
    """Records `training` of every submodule at each forward call (dropout, batch norm included)."""
    seen: list[bool] = []
    for module in model.modules():
        module.register_forward_pre_hook(lambda m, _: seen.append(m.training))
    return seen


def test_training_loss_is_weighted_by_batch_size_on_a_partial_last_batch():
    X, y = _small_data(10, seed=1)
    loader = TensorBatches(X, y, batch_size=4)  # batches of 4, 4 and 2
    by_hand, by_helper = _small_model(), _small_model()
    losses, sizes, correct = _train_by_hand(by_hand, loader, torch.optim.SGD(by_hand.parameters(), lr=0.5))
    stats = train_one_epoch(by_helper, loader, nn.CrossEntropyLoss(), torch.optim.SGD(by_helper.parameters(), lr=0.5),
                            "cpu")
    assert sizes == [4, 4, 2]
    assert all(torch.equal(a, b) for a, b in zip(by_hand.parameters(), by_helper.parameters()))
    expected = _per_sample_mean(losses, sizes)
    mean_of_batch_means = sum(losses) / len(losses)
    assert abs(expected - mean_of_batch_means) > 1e-3  # the data tell the two apart
    assert stats["loss"] == pytest.approx(expected, rel=1e-6)
    assert stats["accuracy"] == correct / 10 and stats["samples"] == 10


def test_evaluate_weights_a_partial_last_batch_by_its_size():
    X, y = _small_data(10, seed=2)
    model = _small_model()
    result = evaluate(model, TensorBatches(X, y, batch_size=4), "cpu")
    with torch.no_grad():
        logits = model(X)
    assert result["loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-6)
    assert result["correct"] == (logits.argmax(1) == y).sum().item() and result["samples"] == 10
    assert result["accuracy"] == result["correct"] / 10


def test_each_log_entry_is_the_mean_loss_of_its_own_interval(capsys):
    X, y = _small_data(22, seed=3)
    loader = TensorBatches(X, y, batch_size=3)  # 8 batches, the last one holds 1 sample
    by_hand, by_helper = _small_model(), _small_model()
    losses, sizes, _ = _train_by_hand(by_hand, loader, torch.optim.SGD(by_hand.parameters(), lr=0.5))
    stats = train_one_epoch(by_helper, loader, nn.CrossEntropyLoss(), torch.optim.SGD(by_helper.parameters(), lr=0.5),
                            "cpu", log_every=4)
    first, second = _per_sample_mean(losses[:4], sizes[:4]), _per_sample_mean(losses[4:], sizes[4:])
    assert abs(second - _per_sample_mean(losses, sizes)) > 1e-3  # a log that is never reset would differ
    assert [b for b, _ in stats["log"]] == [4, 8]
    assert [loss for _, loss in stats["log"]] == pytest.approx([first, second], rel=1e-5)
    out = capsys.readouterr().out
    assert f"batch     4/8  loss {first:.4f}" in out and f"batch     8/8  loss {second:.4f}" in out


def test_fit_history_matches_a_loop_written_by_hand_and_a_fresh_evaluate(capsys):
    X_train, y_train = _small_data(10, seed=4)
    X_test, y_test = _small_data(7, seed=5)  # other data: test values differ from training values
    train_loader, test_loader = TensorBatches(X_train, y_train, 4), TensorBatches(X_test, y_test, 3)
    by_hand, by_helper = _small_model(), _small_model()

    def optimizer_and_schedule(model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
        return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.8**step)

    opt_hand, sched_hand = optimizer_and_schedule(by_hand)
    expected = []
    for _ in range(2):
        losses, sizes, correct = _train_by_hand(by_hand, train_loader, opt_hand, sched_hand)
        with torch.no_grad():
            logits = by_hand.eval()(X_test)
        by_hand.train()
        expected.append({
            "train_loss": _per_sample_mean(losses, sizes), "train_accuracy": correct / 10,
            "test_loss": F.cross_entropy(logits, y_test).item(),
            "test_accuracy": (logits.argmax(1) == y_test).float().mean().item(),
            "lr": sched_hand.get_last_lr()[0],
            "log": [(2, _per_sample_mean(losses[:2], sizes[:2]))],
        })
    opt_helper, sched_helper = optimizer_and_schedule(by_helper)
    history = fit(by_helper, train_loader, test_loader, nn.CrossEntropyLoss(), opt_helper, "cpu", num_epochs=2,
                  scheduler=sched_helper, log_every=2, progress=False)
    assert expected[-1]["lr"] == pytest.approx(0.4 * 0.8**6)  # 3 batches x 2 epochs, not the initial 0.4
    for h, e in zip(history, expected, strict=True):
        for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr"):
            assert h[key] == pytest.approx(e[key], rel=1e-5), key
        assert [b for b, _ in h["log"]] == [2] and h["log"][0][1] == pytest.approx(e["log"][0][1], rel=1e-5)
        assert h["batches"] == 3 and h["seconds"] > 0
        assert h["images_per_s"] == pytest.approx(10 / h["seconds"])  # samples, not batches x batch size
    assert history[0]["lr"] != history[1]["lr"] != opt_helper.defaults["lr"]
    fresh = evaluate(by_helper, test_loader, "cpu")  # the model as fit left it
    assert (fresh["loss"], fresh["accuracy"]) == pytest.approx((history[-1]["test_loss"], history[-1]["test_accuracy"]))
    assert fresh["loss"] != pytest.approx(history[-1]["train_loss"], rel=1e-3)
    out = capsys.readouterr().out
    assert f"test loss {history[-1]['test_loss']:.4f}, test accuracy {history[-1]['test_accuracy']:.2%}" in out


@pytest.mark.parametrize("mode_before", [True, False], ids=["from_train", "from_eval"])
def test_evaluate_runs_dropout_and_batchnorm_in_eval_mode_and_restores_the_mode(mode_before: bool):
    X, y = _small_data(10, seed=6)
    model = _small_model(dropout_and_batchnorm=True)
    model.train()
    model(X)  # batch norm's running statistics move away from their initial 0 and 1
    model.train(mode_before)
    bn = model[2]
    running = (bn.running_mean.clone(), bn.running_var.clone(), bn.num_batches_tracked.clone())
    seen = _modes_seen(model)
    result = evaluate(model, TensorBatches(X, y, 4), "cpu")
    assert seen and not any(seen)  # every layer, in every batch, ran in eval mode
    assert all(m.training == mode_before for m in model.modules())  # the mode it was in, at every depth
    assert all(torch.equal(a, b) for a, b in zip(running, (bn.running_mean, bn.running_var, bn.num_batches_tracked)))
    model.eval()
    with torch.no_grad():
        assert result["loss"] == pytest.approx(F.cross_entropy(model(X), y).item(), rel=1e-6)


@pytest.mark.parametrize("mode_before", [True, False], ids=["from_train", "from_eval"])
def test_predict_runs_in_eval_mode_and_restores_the_mode(mode_before: bool):
    X, y = _small_data(10, seed=7)
    model = _small_model(dropout_and_batchnorm=True).train(mode_before)
    seen = _modes_seen(model)
    logits = predict(model, TensorBatches(X, y, 4), "cpu")
    assert seen and not any(seen)
    assert all(m.training == mode_before for m in model.modules())
    with torch.no_grad():
        torch.testing.assert_close(logits, model.eval()(X))


def test_train_one_epoch_puts_every_layer_in_training_mode():
    X, y = _small_data(10, seed=8)
    model = _small_model(dropout_and_batchnorm=True).eval()  # e.g. left so by an earlier evaluate
    seen = _modes_seen(model)
    train_one_epoch(model, TensorBatches(X, y, 4), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                    "cpu")
    assert len(seen) == 3 * 7 and all(seen)  # 3 batches x 7 modules (the Sequential and its 6 layers)
    assert all(m.training for m in model.modules())
