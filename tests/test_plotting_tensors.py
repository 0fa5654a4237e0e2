"""helpers.plotting's tensor pictures (01_tensors): what is drawn is the data it claims to be."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.plotting import OKABE_ITO, draw_grid, plot_broadcast, show_picks


def _boxes(ax) -> list[tuple[str, bool]]:
    """(text, highlighted) per box of a draw_grid panel, row by row."""
    rects = [p for p in ax.patches if isinstance(p, plt.Rectangle)]
    texts = [t for t in ax.texts]
    assert len(rects) == len(texts)
    return [(t.get_text(), r.get_facecolor()[:3] != (1.0, 1.0, 1.0)) for r, t in zip(rects, texts)]


def test_draw_grid_draws_every_value_and_marks_the_highlight():
    fig, ax = plt.subplots()
    x = torch.tensor([[1.5, 2.0, -3.0], [4.0, 5.0, 6.25]])
    draw_grid(ax, x, "title", highlight=x > 3)
    boxes = _boxes(ax)
    assert [text for text, _ in boxes] == ["1.5", "2", "-3", "4", "5", "6.25"]
    assert [on for _, on in boxes] == [False, False, False, True, True, True]
    assert [t.get_weight() for t in ax.texts][3] == "bold" and ax.get_title() == "title"
    plt.close(fig)


def test_draw_grid_draws_a_1d_tensor_as_one_row():
    fig, ax = plt.subplots()
    draw_grid(ax, torch.arange(4))
    assert [r.get_xy() for r in ax.patches] == [(0, 0), (1, 0), (2, 0), (3, 0)]
    plt.close(fig)


PICKS = {
    "x[1]": (lambda t: t[1], [5, 6, 7, 8, 9], "(5,)"),
    "x[:, 2]": (lambda t: t[:, 2], [2, 7, 12, 17], "(4,)"),
    "x[1:3, 1:4]": (lambda t: t[1:3, 1:4], [6, 7, 8, 11, 12, 13], "(2, 3)"),
    "x[x % 3 == 0]": (lambda t: t[t % 3 == 0], [0, 3, 6, 9, 12, 15, 18], "(7,)"),
    "x[x[:, 0] > 4]": (lambda t: t[t[:, 0] > 4], list(range(5, 20)), "(3, 5)"),  # a mask over the rows: whole rows
}


def test_show_picks_highlights_what_each_expression_picks_under_its_own_title():
    x = torch.arange(20).reshape(4, 5)
    fig = show_picks(x, {expression: pick for expression, (pick, _, _) in PICKS.items()})
    assert len(fig.axes) == len(PICKS)
    for ax, (expression, (_, values, shape)) in zip(fig.axes, PICKS.items()):
        assert ax.get_title() == f"{expression}\n-> shape {shape}"
        highlighted = [int(text) for text, on in _boxes(ax) if on]
        assert highlighted == values, expression
    plt.close(fig)


def _table(fig):
    """Texts of the shape table: the sizes of a and b, then the result row."""
    return [t.get_text() for t in fig.axes[0].texts]


def test_plot_broadcast_draws_both_operands_stretched_and_their_sum():
    fig = plot_broadcast((2, 1), (3,))
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["shapes, lined up on the right", "a (2, 1) stretched", "b (3,) stretched", "a + b (2, 3)"]
    a_boxes, b_boxes, sums = (_boxes(ax) for ax in fig.axes[1:])
    assert [int(t) for t, _ in a_boxes] == [0, 0, 0, 1, 1, 1]
    assert [on for _, on in a_boxes] == [False, True, True, False, True, True]  # columns 1, 2 repeat column 0
    assert [int(t) for t, _ in b_boxes] == [0, 10, 20, 0, 10, 20]
    assert [on for _, on in b_boxes] == [False, False, False, True, True, True]  # row 1 repeats row 0
    assert [int(t) for t, _ in sums] == [0, 10, 20, 1, 11, 21]
    assert [p.get_hatch() for p in fig.axes[1].patches][:2] == [None, "//"]  # not colour alone
    plt.close(fig)


@pytest.mark.parametrize(
    "shape_a, shape_b, marks, result_row",
    [
        ((2, 1), (3,), ["=", "↔", "↔", "="], ["2", "3"]),
        ((2, 3), (2,), ["=", "✗", "↔", "✗"], ["", "✗"]),
        ((2, 1, 3), (5, 1), ["=", "↔", "=", "↔", "=", "↔"], ["2", "5", "3"]),
    ],
)
def test_plot_broadcast_marks_each_size_by_its_role(shape_a, shape_b, marks, result_row):
    fig = plot_broadcast(shape_a, shape_b)
    table = fig.axes[0]
    texts = [t.get_text() for t in table.texts]
    drawn_marks = [t for t in texts if t in ("=", "↔", "✗")][: len(marks)]
    assert drawn_marks == marks
    ndim = max(len(shape_a), len(shape_b))
    start = texts.index("a + b") + 1
    assert texts[start:start + ndim] == result_row
    fills = {p.get_hatch() for p in table.patches}
    assert ("xx" in fills) == ("✗" in marks)
    if len(result_row) > 2 or "" in result_row:
        assert len(fig.axes) == 1  # no value panels for a failing or 3-D broadcast
    plt.close(fig)


def test_palette_is_okabe_ito():
    assert OKABE_ITO["sky blue"] == "#56B4E9" and OKABE_ITO["vermillion"] == "#D55E00"
