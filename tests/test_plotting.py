"""helpers.plotting.show_images and plot_history: the digit grids of 00 and 08, the curves of 08."""

import matplotlib

matplotlib.use("Agg")  # no window: tests draw into memory

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.plotting import plot_history, show_images


def test_grid_has_one_image_and_title_per_item():
    images = torch.rand(10, 1, 28, 28)
    fig = show_images(images, titles=[str(i) for i in range(10)], ncols=4)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(shown) == 10  # 3 rows x 4 columns, 2 left empty
    assert [ax.get_title() for ax in shown] == [str(i) for i in range(10)]
    torch.testing.assert_close(torch.as_tensor(shown[3].images[0].get_array().data), images[3, 0])
    plt.close(fig)


def test_accepts_images_without_a_channel_dimension_and_no_titles():
    fig = show_images(torch.zeros(3, 28, 28), ncols=8)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3 and all(ax.get_title() == "" for ax in shown)
    assert shown[0].images[0].get_array().shape == (28, 28)
    plt.close(fig)


# --- Pictures tested as data (issue 11): what is drawn, where, under which title -----------------


def test_show_images_draws_each_image_under_its_own_title_in_order():
    images = torch.randn(6, 1, 5, 5) * 3 + torch.arange(6.0).reshape(6, 1, 1, 1)  # any value range
    titles = [f"label {i}" for i in range(6)]
    fig = show_images(images, titles=titles, ncols=4)
    grid = fig.axes  # row by row: 4 in the first row, 2 in the second, 2 empty
    for i, ax in enumerate(grid[:6]):
        (shown,) = ax.images
        torch.testing.assert_close(torch.as_tensor(shown.get_array().data), images[i, 0])
        assert ax.get_title() == titles[i]
        assert shown.get_cmap().name == "gray"
        assert shown.get_clim() == pytest.approx((images[i].min().item(), images[i].max().item()))  # own scale
        assert not ax.axison  # digits, not plots: no axes drawn
    assert all(not ax.images and ax.get_title() == "" and not ax.axison for ax in grid[6:])
    cells = [(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start) for ax in grid]
    assert cells == [(r, c) for r in range(2) for c in range(4)]  # image i at row i // 4, column i % 4
    plt.close(fig)


def test_plot_history_draws_every_value_on_its_own_line_and_axes():
    history = [
        {"epoch": 1, "train_loss": 0.61, "test_loss": 0.32, "train_accuracy": 0.81, "test_accuracy": 0.88,
         "batches": 5, "log": [(2, 0.9), (4, 0.7), (5, 0.65)]},
        {"epoch": 2, "train_loss": 0.27, "test_loss": 0.19, "train_accuracy": 0.92, "test_accuracy": 0.94,
         "batches": 5, "log": [(2, 0.31), (4, 0.25)]},
        {"epoch": 3, "train_loss": 0.15, "test_loss": 0.17, "train_accuracy": 0.96, "test_accuracy": 0.95,
         "batches": 5, "log": []},
    ]
    fig = plot_history(history)
    ax_loss, ax_acc = fig.axes

    def lines(ax):
        return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()}

    loss, acc = lines(ax_loss), lines(ax_acc)
    assert set(loss) == {"train", "test", "train (logged batches)"} and set(acc) == {"train", "test"}
    assert loss["train"] == ([1, 2, 3], [0.61, 0.27, 0.15])
    assert loss["test"] == ([1, 2, 3], [0.32, 0.19, 0.17])
    assert acc["train"][0] == [1, 2, 3] and acc["train"][1] == pytest.approx([81, 92, 96])
    assert acc["test"][0] == [1, 2, 3] and acc["test"][1] == pytest.approx([88, 94, 95])
    log_x, log_y = loss["train (logged batches)"]
    assert log_x == pytest.approx([0.4, 0.8, 1.0, 1.4, 1.8]) and log_y == [0.9, 0.7, 0.65, 0.31, 0.25]
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("epoch", "loss (mean per image)")
    assert (ax_acc.get_xlabel(), ax_acc.get_ylabel()) == ("epoch", "accuracy (%)")
    assert list(ax_loss.get_xticks()) == list(ax_acc.get_xticks()) == [1, 2, 3]
    for ax in (ax_loss, ax_acc):  # train and test tell apart without colour too: markers and legend
        markers = {line.get_label(): line.get_marker() for line in ax.get_lines()}
        assert markers["train"] != markers["test"]
        assert {t.get_text() for t in ax.get_legend().get_texts()} == set(lines(ax))
    plt.close(fig)
