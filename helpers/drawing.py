"""A digit drawn with the mouse, turned into the 28x28 tensor an MNIST model expects.

MNIST's digits were made this way (LeCun et al.): the ink was scaled to fit a 20x20 box,
keeping its aspect ratio, with grey levels from anti-aliasing, then placed in a 28x28
image so that its centre of mass sits at the centre. :func:`preprocess_drawing` does the
same to a canvas's pixels, then applies the course's normalization.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from helpers.data import MNIST_MEAN, MNIST_STD

#: Pixels fainter than this (0..1) do not count as ink when finding the drawing's box.
INK_THRESHOLD = 0.1


class EmptyDrawingError(ValueError):
    """The canvas holds no ink to read. Introduced in: 08_mnist_cnn.ipynb"""


def to_grey(pixels: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Grey levels in [0, 1] (H, W) from canvas pixels: (H, W, 4) RGBA, (H, W, 3) RGB or (H, W).

    uint8 input is divided by 255. RGBA: the mean of R, G, B times alpha, so white ink is 1
    and black or transparent background is 0. Introduced in: 08_mnist_cnn.ipynb
    """
    x = pixels if isinstance(pixels, torch.Tensor) else torch.from_numpy(np.array(pixels))  # a writable copy
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
    if x.dim() == 2:
        return x
    grey = x[..., :3].mean(dim=-1)  # (H, W)
    return grey * x[..., 3] if x.shape[-1] == 4 else grey


def _fit_in_box(ink: torch.Tensor, box: int) -> torch.Tensor:
    """Scale (h, w) ink so that its longer side is ``box``, keeping the aspect ratio: area averaging
    when shrinking (grey edges, like MNIST's anti-aliasing), bilinear when growing."""
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    mode = "area" if scale < 1 else "bilinear"
    return F.interpolate(ink[None, None], size=size, mode=mode).clamp(0, 1)[0, 0]


def center_of_mass(image: torch.Tensor) -> tuple[float, float]:
    """The (row, column) centre of mass of an (H, W) image of non-negative weights.

    Introduced in: 08_mnist_cnn.ipynb
    """
    total = image.sum()
    rows = torch.arange(image.shape[0], dtype=image.dtype)
    cols = torch.arange(image.shape[1], dtype=image.dtype)
    return float((image.sum(dim=1) * rows).sum() / total), float((image.sum(dim=0) * cols).sum() / total)


def preprocess_drawing(pixels: np.ndarray | torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """A canvas drawing (H, W, 4) RGBA uint8, white ink on black, as an MNIST input (1, 1, 28, 28).

    Grey levels; crop to the ink's bounding box; scale it into a 20x20 box (aspect kept);
    paste it into 28x28 with its centre of mass at pixel (14, 14), where MNIST has it; then
    ``(x - MNIST_MEAN) / MNIST_STD`` unless ``normalize`` is False (values in [0, 1]).
    Raises EmptyDrawingError when nothing is drawn. Introduced in: 08_mnist_cnn.ipynb
    """
    grey = to_grey(pixels)
    rows, cols = torch.nonzero(grey > INK_THRESHOLD, as_tuple=True)
    if len(rows) == 0:
        raise EmptyDrawingError("The canvas is empty: draw a digit (white on black) first, then predict.")
    ink = grey[int(rows.min()) : int(rows.max()) + 1, int(cols.min()) : int(cols.max()) + 1]
    digit = _fit_in_box(ink, 20)  # at most (20, 20)
    com_row, com_col = center_of_mass(digit)
    top = min(max(round(14.0 - com_row), 0), 28 - digit.shape[0])  # keep the whole digit inside
    left = min(max(round(14.0 - com_col), 0), 28 - digit.shape[1])
    image = torch.zeros(28, 28)
    image[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    if normalize:
        image = (image - MNIST_MEAN) / MNIST_STD
    return image.reshape(1, 1, 28, 28)


def as_canvas_pixels(image: torch.Tensor, size: int = 280) -> np.ndarray:
    """An MNIST image (1, 28, 28) or (28, 28) with values in [0, 1], as a canvas would hold it:
    (size, size, 4) RGBA uint8, white ink on an opaque black background.

    Stands in for a drawing where no one can draw (and in tests). Introduced in: 08_mnist_cnn.ipynb
    """
    grey = image.detach().cpu().float().reshape(1, 1, *image.shape[-2:]).clamp(0, 1)
    big = F.interpolate(grey, size=(size, size), mode="bilinear")[0, 0]  # (size, size)
    rgb = (big * 255).round().to(torch.uint8)
    alpha = torch.full_like(rgb, 255)
    return torch.stack([rgb, rgb, rgb, alpha], dim=-1).numpy()
