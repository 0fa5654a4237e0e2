"""helpers.ddp_diagrams, checked through what each picture draws (boxes, texts, bar heights, markers)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from helpers import ddp_diagrams  # noqa: E402
from helpers.distributed import KilledRun, TimedLine, shard_indices  # noqa: E402
from helpers.plotting import OKABE_ITO  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_colours_are_the_course_palette_and_rows_differ_in_hatch_too():
    assert set(ddp_diagrams.RANK_COLOURS) <= set(OKABE_ITO.values())
    assert len(set(ddp_diagrams.RANK_HATCHES)) == len(ddp_diagrams.RANK_HATCHES) == len(ddp_diagrams.RANK_COLOURS)


def test_parallelism_draws_both_panels_with_four_layers_each():
    fig = ddp_diagrams.draw_parallelism()
    left, right = fig.axes
    assert left.get_title().startswith("data parallel") and right.get_title().startswith("model parallel")
    assert [t.get_text() for t in left.texts].count("conv1") == 2  # a full copy on each device
    assert [t.get_text() for t in right.texts].count("conv1") == 1  # the layers split


@pytest.mark.parametrize("n, world_size, epoch", [(10, 3, 0), (8, 2, 1), (3, 5, 2)])
def test_shards_show_every_ranks_indices_and_mark_the_padding(n, world_size, epoch):
    fig = ddp_diagrams.draw_shards(n, world_size, epoch, seed=4)
    ax = fig.axes[0]
    per_rank = -(-n // world_size)
    assert ax.get_title() == f"{n} samples over {world_size} ranks, epoch {epoch}: {per_rank} each"
    shown = [int(t.get_text()) for t in ax.texts]
    expected = [i for r in range(world_size) for i in shard_indices(n, r, world_size, True, 4, epoch).tolist()]
    assert shown == expected
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert sum(b.get_hatch() == "xx" for b in boxes) == per_rank * world_size - n  # one per repeat
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"rank {r}" for r in range(world_size)]


def test_gradients_draw_each_rank_their_average_and_the_whole_batch():
    g0, g1, whole = torch.arange(20.0), -torch.arange(20.0) * 0.5, torch.arange(20.0) * 0.25
    ax = ddp_diagrams.draw_gradients(g0, g1, whole).axes[0]
    bars = [c for c in ax.containers]
    heights = [[b.get_height() for b in container] for container in bars]
    assert heights[0] == g0[-10:].tolist() and heights[1] == g1[-10:].tolist()
    assert heights[2] == pytest.approx(((g0 + g1) / 2)[-10:].tolist())
    assert ax.lines[0].get_ydata().tolist() == whole[-10:].tolist()


def test_epoch_times_are_bar_lengths_in_order_with_distinct_hatches():
    ax = ddp_diagrams.draw_epoch_times(["a", "b", "c"], [3.0, 4.5, 2.0]).axes[0]
    bars = ax.containers[0]
    assert [b.get_width() for b in bars] == [3.0, 4.5, 2.0]
    assert len({b.get_hatch() for b in bars}) == 3


def _killed_run() -> KilledRun:
    text = [
        (5.0, "attempt 0: rank 0 pid 11, rank 1 pid 12"),
        (6.0, "epoch 2/2 step 8/16: loss 1.0"),
        (7.0, "epoch 1/2: train loss 2.0, test accuracy 50.00% (1.0 s, 100 images/s)"),
        (7.1, "snapshot after epoch 1 saved to s.pt"),
        (8.5, "[rank0]: RuntimeError: Connection reset by peer"),
        (8.6, "E1203 ... failed (exitcode: -9) local_rank: 1 (pid: 12) of binary: python"),
        (14.0, "attempt 1: rank 0 pid 21, rank 1 pid 22"),
        (14.0, "resumed from snapshot s.pt: epoch 1 of 2 done"),
        (16.0, "epoch 2/2: train loss 1.0, test accuracy 80.00% (1.0 s, 100 images/s)"),
        (16.1, "snapshot after epoch 2 saved to s.pt"),
    ]
    return KilledRun(0, [TimedLine(s, t) for s, t in text], 1, 12, 8.4)


def test_timeline_events_read_the_kill_the_failure_and_the_resume_in_order():
    events = ddp_diagrams.timeline_events(_killed_run())
    assert [(e.kind, e.attempt) for e in events] == [
        ("ready", 0), ("epoch", 0), ("snapshot", 0), ("killed", 0), ("failure seen", 0), ("ready", 1),
        ("resumed", 1), ("epoch", 1), ("snapshot", 1), ("finished", 1)]
    assert events[3].label == "rank 1 killed (SIGKILL)" and events[6].label == "resumed after epoch 1"


def test_restart_timeline_draws_one_lane_per_attempt_with_the_kill_marked():
    ax = ddp_diagrams.draw_restart_timeline(_killed_run()).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["attempt 0", "attempt 1"]
    markers = [line.get_marker() for line in ax.lines]
    assert markers.count("X") == 1 and markers.count("D") == 2 and markers.count("^") == 1
    starts = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "//"]
    assert [round(p.get_x(), 1) for p in starts] == [0.0, 8.6]  # attempt 1 starts when torchrun sees the failure
    assert "killed" in " ".join(t.get_text() for t in ax.texts)
