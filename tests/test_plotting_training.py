"""helpers.plotting: the history, confusion-matrix and prediction figures of 08_mnist_cnn."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from helpers.plotting import plot_confusion_matrix, plot_history, plot_prediction


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


HISTORY = [
    {"epoch": 1, "train_loss": 0.5, "test_loss": 0.1, "train_accuracy": 0.9, "test_accuracy": 0.97,
     "batches": 4, "log": [(2, 0.8), (4, 0.3)]},
    {"epoch": 2, "train_loss": 0.2, "test_loss": 0.05, "train_accuracy": 0.95, "test_accuracy": 0.99,
     "batches": 4, "log": [(2, 0.25), (4, 0.15)]},
]


def test_plot_history_draws_train_and_test_per_epoch():
    fig = plot_history(HISTORY)
    ax_loss, ax_acc = fig.axes
    lines = {line.get_label(): line for line in ax_loss.get_lines()}
    assert list(lines["test"].get_ydata()) == [0.1, 0.05]
    assert list(lines["train"].get_xdata()) == [1, 2]
    assert list(lines["train (logged batches)"].get_xdata()) == [0.5, 1.0, 1.5, 2.0]
    acc = {line.get_label(): list(line.get_ydata()) for line in ax_acc.get_lines()}
    assert acc["test"] == pytest.approx([97.0, 99.0])
    assert ax_acc.get_ylabel() == "accuracy (%)"


def test_plot_history_without_logs_has_no_batch_line():
    fig = plot_history([{k: v for k, v in h.items() if k != "log"} for h in HISTORY])
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train", "test"]


def test_plot_confusion_matrix_labels_counts_and_skips_empty_cells():
    cm = torch.tensor([[5, 0, 1], [0, 7, 0], [2, 0, 4]])
    fig = plot_confusion_matrix(cm, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["5", "1", "7", "2", "4"])  # zeros off the diagonal are left blank
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"


def test_plot_prediction_highlights_the_predicted_class_and_says_if_right():
    probabilities = torch.tensor([0.05, 0.05, 0.1, 0.6, 0.2])
    fig = plot_prediction(torch.zeros(1, 4, 4), probabilities, true_label=3)
    ax_img, ax_bar = fig.axes
    assert ax_img.get_title() == "predicted 3, true 3 ✓"
    heights = [bar.get_height() for bar in ax_bar.patches]
    assert heights == pytest.approx(probabilities.tolist())
    colours = [bar.get_facecolor() for bar in ax_bar.patches]
    assert colours[3] != colours[0] and colours[0] == colours[1]


def test_plot_prediction_marks_a_wrong_answer():
    fig = plot_prediction(torch.zeros(4, 4), torch.tensor([0.7, 0.3]), true_label=1)
    assert fig.axes[0].get_title() == "predicted 0, true 1 ✗"
    wrong, right = (bar.get_facecolor() for bar in fig.axes[1].patches)
    assert wrong == matplotlib.colors.to_rgba("#D55E00")  # Okabe-Ito vermillion
