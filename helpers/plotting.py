"""Pictures that several notebooks draw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure


def show_images(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    size: float = 1.2,
) -> Figure:
    """Draw a grid of greyscale images and return the figure.

    ``images``: (N, 1, H, W) or (N, H, W); any value range (each image is scaled for
    display). ``titles``: one short string per image, or None.
    Introduced in: 00_setup_check.ipynb
    """
    images = images.detach().cpu()
    if images.dim() == 4:
        images = images[:, 0]  # (N, 1, H, W) -> (N, H, W)
    n = len(images)
    nrows = max(1, -(-n // ncols))  # ceiling division
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].numpy(), cmap="gray")
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def plot_history(history: Sequence[Mapping[str, Any]]) -> Figure:
    """Loss and accuracy per epoch, train beside test, from ``helpers.training.fit``.

    ``history``: one dict per epoch with "epoch", "train_loss", "test_loss",
    "train_accuracy", "test_accuracy" and optionally "batches" and "log" ([(batch, loss),
    ...] within the epoch, drawn as a thin line at fractional epochs).
    Introduced in: 08_mnist_cnn.ipynb
    """
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
    logged = [
        (h["epoch"] - 1 + batch / h["batches"], loss)  # batch 117 of 469 in epoch 2 -> x = 1.25
        for h in history if h.get("batches")
        for batch, loss in h.get("log", [])
    ]
    if logged:
        ax_loss.plot(*zip(*logged), color="tab:blue", alpha=0.35, lw=1, label="train (logged batches)")
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", color="tab:blue", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "s-", color="tab:orange", label="test")
    ax_acc.plot(epochs, [100 * h["train_accuracy"] for h in history], "o-", color="tab:blue", label="train")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", color="tab:orange", label="test")
    for ax, name in ((ax_loss, "loss (mean per image)"), (ax_acc, "accuracy (%)")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm: torch.Tensor, class_names: Sequence[str] | None = None) -> Figure:
    """Draw a (C, C) confusion matrix: row = true class, column = predicted class.

    Off-diagonal cells (the mistakes) carry their counts; the diagonal is shaded
    separately so the errors stay visible. Introduced in: 08_mnist_cnn.ipynb
    """
    cm = cm.detach().cpu()
    n = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    errors = cm.clone().fill_diagonal_(0)  # colour by mistakes only: the diagonal would swamp them
    fig, ax = plt.subplots(figsize=(0.5 * n + 1.5, 0.5 * n + 1))
    ax.imshow(errors.numpy(), cmap="Reds")
    for i in range(n):
        for j in range(n):
            count = int(cm[i, j])
            if i == j or count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                        color="tab:green" if i == j else "black")
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def plot_prediction(
    image: torch.Tensor, probabilities: torch.Tensor, true_label: int | None = None
) -> Figure:
    """One image beside a bar chart of the model's probability for each class.

    ``image``: (1, H, W) or (H, W); ``probabilities``: (C,) summing to 1. The predicted
    class's bar is highlighted; the title says whether it matches ``true_label``.
    Introduced in: 08_mnist_cnn.ipynb
    """
    image = image.detach().cpu().reshape(image.shape[-2:])
    probabilities = probabilities.detach().cpu()
    predicted = int(probabilities.argmax())
    fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(7, 2.6), gridspec_kw={"width_ratios": [1, 2]})
    ax_img.imshow(image.numpy(), cmap="gray")
    ax_img.axis("off")
    title = f"predicted {predicted}"
    if true_label is not None:
        title += f", true {true_label}" + (" ✓" if predicted == true_label else " ✗")
    ax_img.set_title(title, fontsize=10)
    colors = ["tab:gray"] * len(probabilities)
    colors[predicted] = "tab:green" if true_label in (None, predicted) else "tab:red"
    ax_bar.bar(range(len(probabilities)), probabilities.numpy(), color=colors)
    ax_bar.set_xticks(range(len(probabilities)))
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xlabel("class")
    ax_bar.set_ylabel("probability")
    fig.tight_layout()
    return fig
