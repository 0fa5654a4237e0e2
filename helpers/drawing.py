"""A digit drawn with the mouse, turned into the 28x28 tensor an MNIST model expects.

MNIST's digits were made this way (LeCun et al.): the ink was scaled to fit a 20x20 box,
keeping its aspect ratio, with grey levels from anti-aliasing, then placed in a 28x28
image so that its centre of mass sits at the centre. :func:`preprocess_drawing` does the
same to a canvas's pixels, then applies the course's normalization.

The drawing pad of 08 (:func:`digit_canvas`, an ipycanvas widget that needs a running kernel)
only wires plain, tested functions to the canvas: :class:`Pen` says what each mouse event draws,
:func:`read_drawing` / :func:`answer_drawing` turn the pixels into the model's answer, and
:func:`plot_drawing` draws what the pad does for pages without a kernel.
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


# ---------------------------------------------------------------- reading a drawing with a model


def read_drawing(
    model: torch.nn.Module, pixels: np.ndarray | torch.Tensor, device: torch.device | str,
    autocast_dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Canvas pixels (H, W, 4) -> (the input the model sees (1, 28, 28), normalized; its probabilities (10,)).

    Preprocesses like MNIST (:func:`preprocess_drawing`), then predicts in ``model.eval()`` mode
    under ``torch.inference_mode()`` (and autocast to ``autocast_dtype``, if given); both results
    come back on the CPU, the probabilities as float32. Raises EmptyDrawingError for an empty canvas.
    Introduced in: 08_mnist_cnn.ipynb
    """
    from helpers.training import autocast_context  # here, so that importing this module stays light

    X = preprocess_drawing(pixels).to(device)  # (1, 1, 28, 28)
    model.eval()
    with torch.inference_mode(), autocast_context(device, autocast_dtype):
        probabilities = F.softmax(model(X).float(), dim=1)[0].cpu()  # (1, 10) -> (10,)
    return X[0].cpu(), probabilities


#: What the Predict button says before any pixels have come back from the browser.
NOTHING_DRAWN = "Nothing drawn yet: draw a digit with the mouse, then press Predict."


def answer_drawing(
    model: torch.nn.Module, pixels: np.ndarray | torch.Tensor | None, device: torch.device | str,
    autocast_dtype: torch.dtype | None = None,
) -> tuple[str, torch.Tensor | None, torch.Tensor | None]:
    """What the Predict button shows: (a line of text, the image the model saw or None, probabilities or None).

    ``pixels`` None (nothing synced from the browser yet) and an empty canvas get a sentence saying
    what to do; a drawing gets "the model reads a 7 (93% sure)". Introduced in: 08_mnist_cnn.ipynb
    """
    if pixels is None:
        return NOTHING_DRAWN, None, None
    try:
        image, probabilities = read_drawing(model, pixels, device, autocast_dtype)
    except EmptyDrawingError as err:
        return str(err), None, None
    digit = int(probabilities.argmax())
    return f"the model reads a {digit} ({probabilities[digit]:.0%} sure)", image, probabilities


class Pen:
    """Where the mouse pen is and whether it touches the canvas; says what to draw for each event.

    ``press`` gives a dot (a click alone leaves a mark), ``move`` a line from the last point while
    pressed (else None), ``lift`` ends the stroke. Introduced in: 08_mnist_cnn.ipynb
    """

    def __init__(self) -> None:
        self.down = False
        self.at = (0.0, 0.0)

    def press(self, x: float, y: float) -> tuple:
        self.down, self.at = True, (x, y)
        return ("dot", x, y)

    def move(self, x: float, y: float) -> tuple | None:
        if not self.down:
            return None
        stroke = ("line", *self.at, x, y)
        self.at = (x, y)
        return stroke

    def lift(self, *_: float) -> None:
        self.down = False


def digit_canvas(
    model: torch.nn.Module, device: torch.device | str, autocast_dtype: torch.dtype | None = None,
    size: int = 280, pen_width: int = 18,
) -> "ipywidgets.VBox":
    """A drawing pad that needs a running kernel: a black ``size`` x ``size`` ipycanvas with a white pen,
    and Predict / Clear buttons; Predict prints :func:`answer_drawing`'s line and shows the image
    the model saw beside its probabilities. Returns the widget (an ipywidgets VBox).

    The logic lives in plain functions (:class:`Pen`, :func:`answer_drawing`); this only wires them
    to the canvas. Introduced in: 08_mnist_cnn.ipynb
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display
    from ipycanvas import Canvas

    from helpers.plotting import plot_prediction

    canvas = Canvas(width=size, height=size, sync_image_data=True)  # sync: Python can read the pixels back
    canvas.layout.width = canvas.layout.height = f"{size}px"  # else it stretches to the output's width
    pen, answer = Pen(), widgets.Output()

    def clear(*_: object) -> None:
        canvas.fill_style = "black"
        canvas.fill_rect(0, 0, size, size)
        canvas.fill_style = canvas.stroke_style = "white"
        canvas.line_width, canvas.line_cap, canvas.line_join = pen_width, "round", "round"
        answer.clear_output()

    def draw(stroke: tuple | None) -> None:
        if stroke and stroke[0] == "dot":
            canvas.fill_circle(stroke[1], stroke[2], pen_width / 2)
        elif stroke:
            canvas.stroke_line(*stroke[1:])

    def predict(*_: object) -> None:
        answer.clear_output(wait=True)
        pixels = canvas.get_image_data() if canvas.image_data is not None else None  # (size, size, 4)
        text, image, probabilities = answer_drawing(model, pixels, device, autocast_dtype)
        with answer:
            print(text)
            if image is not None:
                fig = plot_prediction(image, probabilities)
                fig.axes[0].set_title("what the model sees", fontsize=10)
                display(fig)
                plt.close(fig)

    clear()
    canvas.on_mouse_down(lambda x, y: draw(pen.press(x, y)))
    canvas.on_mouse_move(lambda x, y: draw(pen.move(x, y)))
    canvas.on_mouse_up(pen.lift)
    canvas.on_mouse_out(pen.lift)
    predict_button, clear_button = widgets.Button(description="Predict"), widgets.Button(description="Clear")
    predict_button.on_click(predict)
    clear_button.on_click(clear)
    return widgets.VBox([canvas, widgets.HBox([predict_button, clear_button]), answer])


def plot_drawing(pixels: np.ndarray | torch.Tensor, image: torch.Tensor, probabilities: torch.Tensor) -> "Figure":
    """What the drawing pad does, as a still picture: the drawing (H, W, 4), the 28x28 input the
    model sees (1, 28, 28), and its probabilities (10,). Returns the matplotlib Figure.

    For pages without a running kernel, where the pad itself cannot work. Introduced in: 08_mnist_cnn.ipynb
    """
    import matplotlib.pyplot as plt

    from helpers.plotting import draw_probabilities

    fig, (ax_drawn, ax_seen, ax_bar) = plt.subplots(1, 3, figsize=(9, 2.6), gridspec_kw={"width_ratios": [1, 1, 2]})
    grey = to_grey(pixels)
    ax_drawn.imshow(grey.numpy(), cmap="gray", vmin=0, vmax=1)
    ax_drawn.set_title(f"drawn ({grey.shape[0]}x{grey.shape[1]} pixels)", fontsize=10)
    ax_seen.imshow(image.detach().cpu().reshape(image.shape[-2:]).numpy(), cmap="gray")
    ax_seen.set_title("what the model sees (28x28)", fontsize=10)
    for ax in (ax_drawn, ax_seen):
        ax.axis("off")
    draw_probabilities(ax_bar, probabilities)
    ax_bar.set_title(f"predicted {int(probabilities.argmax())}", fontsize=10)
    fig.tight_layout()
    return fig
