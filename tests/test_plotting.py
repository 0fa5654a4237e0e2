"""helpers.plotting.show_images: the digit grids of notebooks 00 and 08."""

import matplotlib.pyplot as plt
import torch

from helpers.plotting import show_images


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
