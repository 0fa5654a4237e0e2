"""Pictures that several notebooks draw."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import LinearSegmentedColormap
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
    train_style = {"color": OKABE_ITO["blue"], "marker": "o", "linestyle": "-"}
    test_style = {"color": OKABE_ITO["orange"], "marker": "s", "linestyle": "--"}  # told apart by dash and marker too
    if logged:
        ax_loss.plot(*zip(*logged), color=OKABE_ITO["blue"], alpha=0.35, lw=1, label="train (logged batches)")
    ax_loss.plot(epochs, [h["train_loss"] for h in history], **train_style, label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], **test_style, label="test")
    ax_acc.plot(epochs, [100 * h["train_accuracy"] for h in history], **train_style, label="train")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], **test_style, label="test")
    for ax, name in ((ax_loss, "loss (mean per image)"), (ax_acc, "accuracy (%)")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    cm: torch.Tensor,
    class_names: Sequence[str] | None = None,
    title: str | None = "Confusion matrix: how often each true digit was predicted as each digit",
) -> Figure:
    """Draw a (C, C) confusion matrix: row = true class, column = predicted class.

    The colour (white to Okabe-Ito vermillion, so it reads as lightness too) shows the mistakes
    only (off-diagonal counts; the right answers would swamp them), every non-zero count is
    written in its cell in black or white, whichever reads better on that cell's colour, and the
    diagonal (right answers) is outlined and bold.
    Introduced in: 08_mnist_cnn.ipynb
    """
    cm = cm.detach().cpu()
    n = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    errors = cm.clone().fill_diagonal_(0)  # colour by mistakes only: the diagonal would swamp them
    fig, ax = plt.subplots(figsize=(0.62 * n + 1.8, 0.62 * n + 1.3))
    cmap = LinearSegmentedColormap.from_list("mistakes", ["white", OKABE_ITO["vermillion"]])
    image = ax.imshow(errors.numpy(), cmap=cmap, vmin=0, vmax=max(int(errors.max()), 1))
    for i in range(n):
        for j in range(n):
            count = int(cm[i, j])
            if i == j:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=OKABE_ITO["blue"], lw=2))
                ax.text(j, i, str(count), ha="center", va="center", fontsize=9, fontweight="bold", color="black")
            elif count:
                dark = image.norm(count) > 0.55  # a deep vermillion cell: white text reads better
                ax.text(j, i, str(count), ha="center", va="center", fontsize=11, color="white" if dark else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="mistakes (off-diagonal count)")
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_prediction(
    image: torch.Tensor, probabilities: torch.Tensor, true_label: int | None = None, top: int = 3
) -> Figure:
    """One image beside a bar chart of the model's probability for each class (:func:`draw_probabilities`).

    ``image``: (1, H, W) or (H, W); ``probabilities``: (C,) summing to 1. The title says
    whether the prediction is right. Introduced in: 08_mnist_cnn.ipynb
    """
    image = image.detach().cpu().reshape(image.shape[-2:])
    predicted = int(probabilities.argmax())
    right = true_label in (None, predicted)
    fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(7, 2.6), gridspec_kw={"width_ratios": [1, 2]})
    ax_img.imshow(image.numpy(), cmap="gray")
    ax_img.axis("off")
    title = f"predicted {predicted}"
    if true_label is not None:
        title += f", true {true_label}" + (" ✓" if right else " ✗")
    ax_img.set_title(title, fontsize=10)
    draw_probabilities(ax_bar, probabilities, true_label, top)
    fig.tight_layout()
    return fig


#: The bars of :func:`draw_probabilities`: (colour, hatch) by role, in OKABE_ITO's colours (defined
#: below); the hatches tell a wrong prediction and the truth apart without colour.
PREDICTION_STYLE = {
    "other": ("#BBBBBB", ""),  # neutral grey
    "right": ("#009E73", ""),  # bluish green
    "wrong": ("#D55E00", "xx"),  # vermillion
    "truth": ("#0072B2", "//"),  # blue
}


def draw_probabilities(ax: plt.Axes, probabilities: torch.Tensor, true_label: int | None = None, top: int = 3) -> None:
    """A bar per class on ``ax``: the model's probabilities (C,), the ``top`` largest labelled.

    The predicted class's bar is bluish green when right; when it is not ``true_label`` it is
    vermillion and cross-hatched, and the true class's bar blue and hatched with slashes
    (:data:`PREDICTION_STYLE`). Introduced in: 08_mnist_cnn.ipynb
    """
    probabilities = probabilities.detach().cpu().float()
    predicted = int(probabilities.argmax())
    right = true_label in (None, predicted)
    roles = ["other"] * len(probabilities)
    roles[predicted] = "right" if right else "wrong"
    if not right:
        roles[true_label] = "truth"
    bars = ax.bar(range(len(probabilities)), probabilities.numpy(), color=[PREDICTION_STYLE[r][0] for r in roles])
    for bar, role in zip(bars, roles):
        bar.set_hatch(PREDICTION_STYLE[role][1])
    for k in probabilities.topk(min(top, len(probabilities))).indices.tolist():
        ax.annotate(f"{probabilities[k]:.1%}", (k, float(probabilities[k])), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(probabilities)))
    ax.set_ylim(0, 1.12)  # room for the labels above a bar of 1
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xlabel("class")
    ax.set_ylabel("probability")


# ---------------------------------------------------------------- tensors as boxes (01_tensors)
#: Okabe-Ito colours, distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "vermillion": "#D55E00",
             "blue": "#0072B2", "reddish purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}


def draw_grid(ax: plt.Axes, x: torch.Tensor, title: str = "", highlight: torch.Tensor | None = None,
              color: str = OKABE_ITO["orange"], hatch: str | None = None) -> None:
    """Draw a 1-D (n,) or 2-D (rows, cols) tensor on ``ax`` as boxes holding its values.

    ``highlight``: a bool tensor of x's shape; its True boxes are filled with ``color``
    (and ``hatch``, e.g. "//", so the mark does not rely on colour alone) and their values
    are bold. Introduced in: 01_tensors.ipynb
    """
    grid = x.detach().cpu().reshape(1, -1) if x.ndim <= 1 else x.detach().cpu()  # 1-D: one row
    marked = torch.zeros(grid.shape, dtype=torch.bool) if highlight is None else highlight.reshape(grid.shape)
    rows, cols = grid.shape
    for r in range(rows):
        for c in range(cols):
            on = bool(marked[r, c])
            ax.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=color if on else "white", edgecolor="grey",
                                       hatch=hatch if on else None))
            ax.text(c + 0.5, r + 0.5, f"{grid[r, c].item():.3g}", ha="center", va="center", fontsize=9,
                    weight="bold" if on else "normal")
    ax.set_xlim(-0.05, cols + 0.05)  # a margin, so the outer border is not clipped
    ax.set_ylim(rows + 0.05, -0.05)  # row 0 at the top, as the tensor prints
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def show_picks(x: torch.Tensor, picks: Mapping[str, Callable[[torch.Tensor], torch.Tensor]]) -> Figure:
    """One panel per ``{expression: function}``: x (2-D) with what the function picks highlighted.

    ``x`` must hold distinct values (such as ``torch.arange``), so a picked value tells where it came
    from; each panel's title is the expression and the shape of its result. Introduced in: 01_tensors.ipynb
    """
    fig, axes = plt.subplots(1, len(picks), figsize=(2.6 * len(picks), 2.4), squeeze=False)
    for ax, (expression, pick) in zip(axes[0], picks.items()):
        result = pick(x)
        picked = torch.isin(x, result.flatten())  # (x's shape) bool: True where a value was picked
        draw_grid(ax, x, f"{expression}\n-> shape {tuple(result.shape)}", highlight=picked)
    return fig


def _broadcast_roles(shape_a: Sequence[int], shape_b: Sequence[int]) -> list[list[str]]:
    """For each operand and each position (shapes lined up on the right): "keeps", "stretched" or "clash"."""
    ndim = max(len(shape_a), len(shape_b))
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in (shape_a, shape_b)]
    roles = []
    for mine, other in (padded, padded[::-1]):
        roles.append(["clash" if m != o and 1 not in (m, o) else "stretched" if m == 1 and o != 1 else "keeps"
                      for m, o in zip(mine, other)])
    return roles


_ROLE_STYLE = {  # role: (fill, hatch, mark); the mark and the hatch say it without colour
    "keeps": (OKABE_ITO["bluish green"], None, "="),
    "stretched": (OKABE_ITO["sky blue"], "//", "↔"),
    "clash": (OKABE_ITO["vermillion"], "xx", "✗"),
}


def _draw_shape_table(ax: plt.Axes, shape_a: Sequence[int], shape_b: Sequence[int],
                      result: tuple[int, ...] | None) -> None:
    """The two shapes lined up on the right (rule 1), each size marked by its role, and the result row."""
    ndim = max(len(shape_a), len(shape_b))
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in (shape_a, shape_b)]
    for r, (name, shape, sizes, roles) in enumerate(zip("ab", (shape_a, shape_b), padded, _broadcast_roles(shape_a, shape_b))):
        ax.text(-0.2, r + 0.5, name, ha="right", va="center")
        for c, (size, role) in enumerate(zip(sizes, roles)):
            fill, hatch, mark = _ROLE_STYLE[role]
            ax.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=fill, alpha=0.55, hatch=hatch, edgecolor="grey"))
            padding = c < ndim - len(shape)
            ax.text(c + 0.5, r + 0.45, str(size), ha="center", va="center", color="dimgrey" if padding else "black",
                    style="italic" if padding else "normal")
            ax.text(c + 0.92, r + 0.1, mark, ha="right", va="top", fontsize=7)
    ax.text(-0.2, 2.5, "a + b", ha="right", va="center")
    for c, (size_a, size_b) in enumerate(zip(*padded)):
        clash = size_a != size_b and 1 not in (size_a, size_b)
        text = str(result[c]) if result else "✗" if clash else ""
        ax.add_patch(plt.Rectangle((c, 2), 1, 1, facecolor="white", edgecolor="grey"))
        ax.text(c + 0.5, 2.5, text, ha="center", va="center", weight="bold")
    legend = "= the size a + b takes\n↔ a 1, stretched   ✗ a clash\ngrey italic: a padding 1"
    ax.text(ndim / 2 - 0.5, 3.4, legend, ha="center", va="top", fontsize=8)
    ax.set_xlim(-1, ndim + 0.05)
    ax.set_ylim(4.3, -0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("shapes, lined up on the right", fontsize=10)


def plot_broadcast(shape_a: Sequence[int], shape_b: Sequence[int]) -> Figure:
    """Draw how ``a + b`` broadcasts for tensors of these shapes, and return the figure.

    Left: the shapes lined up on the right, each size marked "=" (the size a + b takes), "↔" (a 1,
    stretched) or "✗" (a clash), by colour, hatch and mark. When a + b exists and has at most two
    dimensions, three more panels: ``a = arange`` and ``b = 10 * arange`` stretched to the result shape
    (the hatched boxes are repeated reads, never stored), and ``a + b``. Introduced in: 01_tensors.ipynb
    """
    try:
        result: tuple[int, ...] | None = tuple(torch.broadcast_shapes(tuple(shape_a), tuple(shape_b)))
    except RuntimeError:
        result = None
    small = result is not None and len(result) <= 2
    fig, axes = plt.subplots(1, 4 if small else 1, figsize=(12 if small else 3.5, 2.8), squeeze=False,
                             gridspec_kw={"width_ratios": [1.3, 1, 1, 1] if small else [1]})
    _draw_shape_table(axes[0, 0], shape_a, shape_b, result)
    if small:
        a = torch.arange(torch.Size(shape_a).numel()).reshape(tuple(shape_a))  # 0, 1, 2, ...
        b = 10 * torch.arange(torch.Size(shape_b).numel()).reshape(tuple(shape_b))  # 0, 10, 20, ...
        for ax, name, shape, values in [(axes[0, 1], "a", shape_a, a), (axes[0, 2], "b", shape_b, b)]:
            padded = (1,) * (len(result) - len(shape)) + tuple(shape)
            stored = torch.zeros(result, dtype=torch.bool)
            stored[tuple(slice(0, 1) if p == 1 else slice(None) for p in padded)] = True  # the values kept in memory
            draw_grid(ax, values.expand(result), f"{name} {tuple(shape)} stretched", ~stored,
                      color=OKABE_ITO["sky blue"], hatch="//")
        draw_grid(axes[0, 3], a + b, f"a + b {tuple((a + b).shape)}")
    return fig
