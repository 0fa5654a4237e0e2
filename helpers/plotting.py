"""Pictures that several notebooks draw."""

from __future__ import annotations

from collections.abc import Sequence

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
