"""helpers.plotting's pictures of notebook 08: what is drawn, not only that something is."""

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.plotting import OKABE_ITO, PREDICTION_STYLE, draw_probabilities, plot_confusion_matrix, plot_history, plot_prediction


def _confusion() -> torch.Tensor:
    cm = torch.diag(torch.tensor([50, 60, 70]))
    cm[0, 1], cm[2, 0], cm[1, 2] = 1, 9, 4  # one small, one large, one middling mistake
    return cm


def _texts(ax) -> dict[tuple[float, float], plt.Text]:
    return {t.get_position(): t for t in ax.texts}


def test_confusion_matrix_colours_the_mistakes_and_writes_every_count():
    fig = plot_confusion_matrix(_confusion(), class_names=["a", "b", "c"])
    ax = fig.axes[0]
    shown = torch.as_tensor(ax.images[0].get_array().data)
    assert torch.equal(shown, _confusion().fill_diagonal_(0))  # the colour shows the mistakes only
    texts = _texts(ax)
    assert {pos: t.get_text() for pos, t in texts.items()} == {
        (0, 0): "50", (1, 1): "60", (2, 2): "70", (1, 0): "1", (0, 2): "9", (2, 1): "4"}  # (column, row)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert "Confusion matrix" in ax.get_title()
    plt.close(fig)


def test_confusion_matrix_text_colour_follows_the_background_and_numbers_are_large():
    fig = plot_confusion_matrix(_confusion())
    texts = _texts(fig.axes[0])
    assert texts[(0, 2)].get_color() == "white"  # the largest mistake: dark red, white text
    assert texts[(1, 0)].get_color() == "black"  # a small one: light, black text
    assert min(t.get_fontsize() for t in texts.values()) >= 9
    assert all(texts[(i, i)].get_fontweight() == "bold" for i in range(3))
    plt.close(fig)


def test_confusion_matrix_outlines_the_diagonal():
    fig = plot_confusion_matrix(_confusion(), title=None)
    ax = fig.axes[0]
    outlines = sorted(p.get_xy() for p in ax.patches if isinstance(p, plt.Rectangle) and not p.get_fill())
    assert outlines == [(-0.5, -0.5), (0.5, 0.5), (1.5, 1.5)]
    assert ax.get_title() == ""
    plt.close(fig)


def test_prediction_bars_are_the_probabilities_with_the_top_ones_labelled():
    probabilities = torch.tensor([0.02, 0.7, 0.01, 0.2, 0.0, 0.0, 0.05, 0.02, 0.0, 0.0])
    fig = plot_prediction(torch.zeros(1, 28, 28), probabilities, true_label=1)
    ax_img, ax_bar = fig.axes
    heights = [p.get_height() for p in ax_bar.patches]
    assert heights == pytest.approx(probabilities.tolist())
    labels = sorted((round(t.xy[0]), t.get_text()) for t in ax_bar.texts)
    assert labels == [(1, "70.0%"), (3, "20.0%"), (6, "5.0%")]
    assert ax_img.get_title() == "predicted 1, true 1 ✓"
    assert ax_bar.patches[1].get_facecolor() == pytest.approx(plt.matplotlib.colors.to_rgba(OKABE_ITO["bluish green"]))
    assert not ax_bar.patches[1].get_hatch()  # a right answer needs no mark
    assert ax_img.images[0].get_array().shape == (28, 28)
    plt.close(fig)


def test_a_wrong_prediction_marks_both_the_prediction_and_the_truth():
    probabilities = torch.tensor([0.0, 0.0, 0.0, 0.35, 0.0, 0.6, 0.0, 0.0, 0.05, 0.0])
    fig = plot_prediction(torch.rand(28, 28), probabilities, true_label=3, top=2)
    ax_img, ax_bar = fig.axes
    assert ax_img.get_title() == "predicted 5, true 3 ✗"
    to_rgba = plt.matplotlib.colors.to_rgba
    assert ax_bar.patches[5].get_facecolor() == pytest.approx(to_rgba(OKABE_ITO["vermillion"]))
    assert ax_bar.patches[3].get_facecolor() == pytest.approx(to_rgba(OKABE_ITO["blue"]))
    hatches = {ax_bar.patches[5].get_hatch(), ax_bar.patches[3].get_hatch()}
    assert len(hatches) == 2 and "" not in hatches and None not in hatches  # told apart without colour
    assert sorted(t.get_text() for t in ax_bar.texts) == ["35.0%", "60.0%"]
    plt.close(fig)


def test_the_prediction_colours_are_the_courses_okabe_ito_palette():
    palette = set(OKABE_ITO.values())
    assert {PREDICTION_STYLE[role][0] for role in ("right", "wrong", "truth")} <= palette


def test_draw_probabilities_draws_on_the_axes_it_is_given():
    fig, ax = plt.subplots()
    draw_probabilities(ax, torch.tensor([0.1, 0.9]), true_label=0)
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.1, 0.9])
    assert ax.get_ylabel() == "probability" and len(fig.axes) == 1
    plt.close(fig)


def test_history_and_confusion_matrix_use_the_palette_and_more_than_hue():
    history = [{"epoch": 1, "train_loss": 0.5, "test_loss": 0.4, "train_accuracy": 0.8, "test_accuracy": 0.85}]
    fig = plot_history(history)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    train, test = lines["train"], lines["test"]
    to_rgba = plt.matplotlib.colors.to_rgba
    assert to_rgba(train.get_color()) == to_rgba(OKABE_ITO["blue"]) and to_rgba(test.get_color()) == to_rgba(OKABE_ITO["orange"])
    assert train.get_marker() != test.get_marker() and train.get_linestyle() != test.get_linestyle()
    plt.close(fig)
    fig = plot_confusion_matrix(_confusion())
    cmap = fig.axes[0].images[0].get_cmap()
    assert cmap(0.0)[:3] == pytest.approx((1, 1, 1)) and cmap(1.0) == pytest.approx(to_rgba(OKABE_ITO["vermillion"]))
    plt.close(fig)
