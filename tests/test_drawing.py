"""helpers.drawing: a canvas drawing becomes an MNIST-style input, the way MNIST's digits were made."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torch import nn

from helpers.data import MNIST_MEAN, MNIST_STD, load_mnist_tensors
from helpers.drawing import (
    NOTHING_DRAWN, EmptyDrawingError, Pen, answer_drawing, as_canvas_pixels, center_of_mass, digit_canvas,
    plot_drawing, preprocess_drawing, read_drawing, to_grey,
)


def _canvas(draw_fn, size: int = 280) -> np.ndarray:
    """RGBA pixels of a black canvas on which draw_fn(ImageDraw) drew in white, as ipycanvas returns them."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 255))
    draw_fn(ImageDraw.Draw(image))
    return np.asarray(image)


def _bbox(image: torch.Tensor) -> tuple[int, int, int, int]:
    rows, cols = torch.nonzero(image > 0.1, as_tuple=True)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def test_a_stroke_fills_a_20_pixel_box_centred_by_mass():
    pixels = _canvas(lambda d: d.line([(60, 40), (60, 240)], fill="white", width=18))  # a "1", left of centre
    image = preprocess_drawing(pixels, normalize=False)
    assert image.shape == (1, 1, 28, 28) and image.dtype == torch.float32
    top, bottom, left, right = _bbox(image[0, 0])
    assert bottom - top + 1 == 20  # the longer side is scaled to 20 pixels
    assert right - left + 1 <= 4  # the aspect ratio is kept: still a thin stroke
    row, col = center_of_mass(image[0, 0])
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5  # moved to the centre
    assert 0 <= image.min() and image.max() <= 1


def test_size_and_position_of_the_drawing_do_not_matter():
    def seven(offset: int, scale: float):
        def draw(d):
            points = [(offset + scale * x, offset + scale * y) for x, y in [(0, 0), (100, 0), (40, 160)]]
            d.line(points, fill="white", width=max(2, round(14 * scale)), joint="curve")
        return draw

    big = preprocess_drawing(_canvas(seven(60, 1.0)), normalize=False)
    small = preprocess_drawing(_canvas(seven(10, 0.5)), normalize=False)
    assert torch.corrcoef(torch.stack([big.flatten(), small.flatten()]))[0, 1] > 0.9


def test_normalization_matches_the_training_data():
    pixels = _canvas(lambda d: d.ellipse([80, 60, 200, 220], outline="white", width=16))  # a "0"
    raw = preprocess_drawing(pixels, normalize=False)
    torch.testing.assert_close(preprocess_drawing(pixels), (raw - MNIST_MEAN) / MNIST_STD)
    assert preprocess_drawing(pixels)[0, 0, 0, 0].item() == pytest.approx(-MNIST_MEAN / MNIST_STD)


@pytest.mark.parametrize("pixels", [
    np.zeros((280, 280, 4), dtype=np.uint8),  # untouched: transparent
    _canvas(lambda d: None),  # cleared: opaque black
    _canvas(lambda d: d.point([(5, 5)], fill=(20, 20, 20))),  # a speck fainter than ink
])
def test_an_empty_canvas_is_a_clear_error_not_a_prediction(pixels):
    with pytest.raises(EmptyDrawingError, match="The canvas is empty: draw a digit"):
        preprocess_drawing(pixels)


def test_grey_levels_from_rgba_rgb_and_grey():
    rgba = np.array([[[255, 255, 255, 255], [255, 255, 255, 0], [0, 0, 0, 255], [255, 255, 255, 128]]], np.uint8)
    torch.testing.assert_close(to_grey(rgba), torch.tensor([[1.0, 0.0, 0.0, 128 / 255]]))
    torch.testing.assert_close(to_grey(rgba[..., :3]), torch.tensor([[1.0, 1.0, 0.0, 1.0]]))
    torch.testing.assert_close(to_grey(torch.ones(2, 3)), torch.ones(2, 3))


def test_test_images_round_trip_to_their_class():
    """A test digit, blown up to a canvas and preprocessed, looks like itself to a simple classifier
    (nearest class mean, fitted on training images): the preprocessing matches MNIST's."""
    raw = load_mnist_tensors(normalize=False)
    X_train, y_train = raw.X_train[:20000, 0].flatten(1), raw.y_train[:20000]
    means = torch.stack([X_train[y_train == c].mean(0) for c in range(10)])  # (10, 784)

    def classify(images: torch.Tensor) -> torch.Tensor:
        return torch.cdist(images.flatten(1), means).argmin(dim=1)

    X_test, y_test = raw.X_test[:200, 0], raw.y_test[:200]
    known = classify(X_test) == y_test  # the images this classifier reads right as they are
    round_trip = torch.stack([preprocess_drawing(as_canvas_pixels(x), normalize=False)[0, 0] for x in X_test])
    assert as_canvas_pixels(X_test[0]).shape == (280, 280, 4) and as_canvas_pixels(X_test[0]).dtype == np.uint8
    agree = (classify(round_trip)[known] == y_test[known]).float().mean().item()
    assert known.sum() > 120 and agree >= 0.95



# ---------------------------------------------------------------- the drawing pad of 08, without a browser

class ReadsTheInkColumn(nn.Module):
    """A stand-in model: logits that favour the class of the column band holding the most ink."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        bands = X[:, 0].sum(dim=1)[:, 4:24].reshape(len(X), 10, 2).sum(-1)  # (B, 10): ink per band of columns
        return 5 * bands / bands.abs().amax(dim=1, keepdim=True)


def _stroke_at_column(col: int) -> np.ndarray:
    return _canvas(lambda d: d.line([(col, 40), (col, 240)], fill="white", width=18))


def test_read_drawing_preprocesses_then_predicts_in_eval_mode():
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(784, 10))  # dropout: the mode matters
    pixels = _stroke_at_column(140)
    image, probabilities = read_drawing(model, pixels, "cpu")
    assert image.shape == (1, 28, 28) and probabilities.shape == (10,) and probabilities.dtype == torch.float32
    torch.testing.assert_close(image, preprocess_drawing(pixels)[0])
    assert not model.training  # eval(): dropout off, so two reads agree
    torch.testing.assert_close(read_drawing(model, pixels, "cpu")[1], probabilities)
    assert probabilities.sum().item() == pytest.approx(1.0)
    assert not probabilities.requires_grad


def test_answer_drawing_says_what_to_do_or_what_the_model_reads():
    model = ReadsTheInkColumn()
    assert answer_drawing(model, None, "cpu") == (NOTHING_DRAWN, None, None)
    text, image, probabilities = answer_drawing(model, _canvas(lambda d: None), "cpu")
    assert text.startswith("The canvas is empty") and image is None and probabilities is None
    text, image, probabilities = answer_drawing(model, _stroke_at_column(140), "cpu")
    digit = int(probabilities.argmax())
    assert text == f"the model reads a {digit} ({probabilities[digit]:.0%} sure)" and image.shape == (1, 28, 28)


def test_the_pen_draws_a_dot_on_press_lines_while_pressed_and_nothing_after_lifting():
    pen = Pen()
    assert pen.move(5, 5) is None  # moving without pressing draws nothing
    assert pen.press(10, 20) == ("dot", 10, 20)
    assert pen.move(15, 25) == ("line", 10, 20, 15, 25)
    assert pen.move(30, 40) == ("line", 15, 25, 30, 40)  # each line starts where the last ended
    pen.lift(30, 40)
    assert pen.move(50, 50) is None and not pen.down


def _widgets(pad):
    canvas = pad.children[0]
    buttons = {b.description: b for b in pad.children[1].children}
    return canvas, buttons, pad.children[2]


def test_digit_canvas_wires_the_pad_buttons_and_answer(capsys):
    pad = digit_canvas(ReadsTheInkColumn(), "cpu")
    canvas, buttons, answer = _widgets(pad)
    assert type(canvas).__name__ == "Canvas" and (canvas.width, canvas.height) == (280, 280)
    assert canvas.sync_image_data and canvas.layout.width == canvas.layout.height == "280px"
    assert set(buttons) == {"Predict", "Clear"}  # tools/browser_check.py presses these by name
    buttons["Predict"].click()  # no pixels have come back from a browser
    assert NOTHING_DRAWN in capsys.readouterr().out
    from ipycanvas.utils import binary_image

    canvas.set_trait("image_data", binary_image(_stroke_at_column(140)))  # what the browser would sync
    buttons["Predict"].click()
    out = capsys.readouterr().out
    assert "the model reads a " in out and "% sure)" in out
    plt.close("all")


def test_plot_drawing_shows_the_drawing_the_input_and_the_bars():
    pixels = as_canvas_pixels(load_mnist_tensors(normalize=False).X_test[0])
    image, probabilities = preprocess_drawing(pixels)[0], torch.softmax(torch.arange(10.0), 0)
    fig = plot_drawing(pixels, image, probabilities)
    ax_drawn, ax_seen, ax_bar = fig.axes
    assert ax_drawn.images[0].get_array().shape == (280, 280) and ax_seen.images[0].get_array().shape == (28, 28)
    assert [p.get_height() for p in ax_bar.patches] == pytest.approx(probabilities.tolist())
    assert ax_bar.get_title() == "predicted 9" and "28x28" in ax_seen.get_title()
    plt.close(fig)
