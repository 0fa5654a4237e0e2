"""The course's one training-loop shape: ``train_one_epoch``, ``evaluate``, ``fit``.

Every function takes what it uses as arguments (model, loader, loss_fn, optimizer,
device) and returns plain dicts of numbers, so a notebook can print, plot or assert
on them. A "loader" is anything with ``len()`` that yields ``(X, y)`` batches: a
``torch.utils.data.DataLoader`` or the faster ``helpers.data.TensorBatches``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F  # F.cross_entropy: evaluate's default loss
from torch import nn
from tqdm.auto import tqdm

#: loss_fn(logits, y) -> scalar tensor, the mean loss over the batch.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: Anything that yields (X, y) batches; train_one_epoch and fit also need its len().
Loader = Iterable[tuple[torch.Tensor, torch.Tensor]]


def autocast_context(device: torch.device | str, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """``torch.autocast`` to ``dtype`` on ``device``'s type, or a context that does nothing.

    ``dtype`` None (or float32) means plain float32: no autocast at all, so that path runs
    exactly the operations it ran before autocast existed. Introduced in: 08_mnist_cnn.ipynb
    """
    if dtype is None or dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


def train_one_epoch(
    model: nn.Module,
    loader: Loader,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    log_every: int | None = None,
    progress: Any = None,
    autocast_dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> dict[str, Any]:
    """One pass over ``loader``, updating ``model`` in place; returns its metrics.

    Per batch: move ``X`` (B, ...) and ``y`` (B,) to ``device``, ``logits = model(X)``
    (B, C), ``loss = loss_fn(logits, y)`` (a mean over the batch), zero the gradients,
    ``loss.backward()``, ``optimizer.step()``, then ``scheduler.step()`` if given (a
    per-batch schedule such as OneCycleLR). Every ``log_every`` batches it prints the
    mean loss since the last print and records it in ``"log"``; ``progress`` (a tqdm
    bar) advances by one per batch. ``autocast_dtype`` (e.g. ``torch.bfloat16``) runs the
    forward pass and the loss under ``torch.autocast``; ``scaler`` (a ``torch.amp.GradScaler``,
    for float16) scales the loss before ``backward()`` and unscales before the step.

    Returns {"loss": mean loss per sample, "accuracy": fraction of training samples
    classified right while training, "samples": n, "seconds": wall time,
    "log": [(batch number, mean loss of the batches since the previous entry), ...]}.
    Introduced in: 08_mnist_cnn.ipynb
    """
    model.train()  # layers such as dropout and batch norm behave differently in training
    start = time.perf_counter()
    loss_sum = torch.zeros((), device=device)  # summed on the device: no sync per batch
    correct = torch.zeros((), dtype=torch.long, device=device)
    since_sum = torch.zeros((), device=device)  # loss since the last log line, also kept on the device
    samples, log, since_count = 0, [], 0
    for batch, (X, y) in enumerate(loader, start=1):
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with autocast_context(device, autocast_dtype):  # None: plain float32, no autocast
            logits = model(X)  # (B, C)
            loss = loss_fn(logits, y)  # scalar: the mean over the B samples
        optimizer.zero_grad()  # gradients add up otherwise: clear last batch's
        if scaler is None:
            loss.backward()  # backward() belongs to the loss tensor, not to the model
            optimizer.step()  # the optimizer, not backward(), changes the parameters
        else:  # float16: scale the loss so small gradients do not underflow to zero
            scaler.scale(loss).backward()
            scaler.step(optimizer)  # unscales the gradients; skips the step if any is inf/NaN
            scaler.update()
        if scheduler is not None:
            scheduler.step()
        n = len(y)
        loss_sum += loss.detach() * n
        correct += (logits.argmax(dim=1) == y).sum()
        samples += n
        if log_every:
            since_sum += loss.detach() * n
            since_count += n
            if batch % log_every == 0:  # .item() waits for the device: only here, not every batch
                log.append((batch, since_sum.item() / since_count))
                tqdm.write(f"  batch {batch:>5}/{len(loader)}  loss {log[-1][1]:.4f}")
                since_sum.zero_()
                since_count = 0
        if progress is not None:
            progress.update(1)
    if samples == 0:
        raise ValueError("The loader yielded no batches: is the dataset empty?")
    return {
        "loss": loss_sum.item() / samples,
        "accuracy": correct.item() / samples,
        "samples": samples,
        "seconds": time.perf_counter() - start,
        "log": log,
    }


def evaluate(
    model: nn.Module, loader: Loader, device: torch.device | str, loss_fn: LossFn | None = None,
    autocast_dtype: torch.dtype | None = None,
) -> dict[str, Any]:
    """Mean loss and accuracy of ``model`` over ``loader``, without changing anything.

    Runs in ``model.eval()`` mode under ``torch.inference_mode()`` (no graph is kept),
    then puts the model back in the mode it was in. ``loss_fn`` must average over the
    batch (default: cross-entropy on logits). ``autocast_dtype``: see train_one_epoch. Returns {"loss": mean loss per sample,
    "accuracy": fraction right, "samples": n, "correct": number right}.
    Introduced in: 08_mnist_cnn.ipynb
    """
    loss_fn = loss_fn or F.cross_entropy
    was_training = model.training
    model.eval()
    samples = 0
    with torch.inference_mode():
        loss_sum = torch.zeros((), device=device)  # summed on the device, read once at the end
        correct = torch.zeros((), dtype=torch.long, device=device)
        for X, y in loader:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with autocast_context(device, autocast_dtype):
                logits = model(X)  # (B, C)
                loss_sum += loss_fn(logits, y).float() * len(y)
            correct += (logits.argmax(dim=1) == y).sum()
            samples += len(y)
    model.train(was_training)
    if samples == 0:
        raise ValueError("The loader yielded no batches: is the dataset empty?")
    return {"loss": loss_sum.item() / samples, "accuracy": correct.item() / samples, "samples": samples,
            "correct": int(correct.item())}


def predict(
    model: nn.Module, loader: Loader, device: torch.device | str, autocast_dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The logits for every input in ``loader``, in order, on the CPU: (N, C) float32.

    Uses ``model.eval()`` and ``torch.inference_mode()`` and restores the model's mode.
    ``autocast_dtype``: see train_one_epoch (the logits come back as float32 either way).
    Introduced in: 08_mnist_cnn.ipynb
    """
    was_training = model.training
    model.eval()
    with torch.inference_mode(), autocast_context(device, autocast_dtype):
        logits = torch.cat([model(X.to(device)).float().cpu() for X, _ in loader])
    model.train(was_training)
    return logits


def fit(
    model: nn.Module,
    train_loader: Loader,
    test_loader: Loader,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    num_epochs: int,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    log_every: int | None = None,
    progress: bool = True,
    autocast_dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> list[dict[str, Any]]:
    """Train for ``num_epochs`` epochs, evaluating on ``test_loader`` after each one.

    Shows one ``tqdm.auto`` bar over all batches (a widget in Jupyter) and prints one
    line per epoch. Returns the history: one dict per epoch with "epoch",
    "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr" (at the epoch's
    end), "seconds" (training only), "images_per_s", "batches" and "log" (see train_one_epoch),
    which ``helpers.plotting.plot_history`` draws. ``autocast_dtype`` and ``scaler``: see
    train_one_epoch. Introduced in: 08_mnist_cnn.ipynb
    """
    history = []
    bar = tqdm(total=num_epochs * len(train_loader), unit="batch", disable=not progress)
    for epoch in range(1, num_epochs + 1):
        bar.set_description(f"epoch {epoch}/{num_epochs}")
        train = train_one_epoch(model, train_loader, loss_fn, optimizer, device, scheduler, log_every, bar,
                                autocast_dtype, scaler)
        test = evaluate(model, test_loader, device, loss_fn, autocast_dtype)
        history.append({
            "epoch": epoch,
            "train_loss": train["loss"],
            "train_accuracy": train["accuracy"],
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": train["seconds"],
            "images_per_s": train["samples"] / train["seconds"],
            "batches": len(train_loader),
            "log": train["log"],
        })
        tqdm.write(
            f"epoch {epoch}/{num_epochs}: train loss {train['loss']:.4f}, "
            f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.2%} "
            f"({train['seconds']:.1f} s, {train['samples'] / train['seconds']:.0f} images/s)"
        )
    bar.close()
    return history
