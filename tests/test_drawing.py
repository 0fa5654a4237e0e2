"""helpers.drawing: a canvas drawing becomes an MNIST-style input, the way MNIST's digits were made."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from helpers.data import MNIST_MEAN, MNIST_STD, load_mnist_tensors
from helpers.drawing import EmptyDrawingError, as_canvas_pixels, center_of_mass, preprocess_drawing, to_grey


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
