"""The pictures of notebook 09: data vs model parallel, shards per rank, ranks' gradients, time per
epoch, and a killed job's restart on a timeline.

Each function returns a matplotlib Figure (the caller shows it) and reads nothing but its
arguments. Colours are the Okabe-Ito palette of ``helpers.plotting``; what must be told apart also
differs in hatch, dash or marker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from helpers.distributed import KilledRun, shard_indices
from helpers.plotting import OKABE_ITO

#: One colour per rank (or per run), in order; ranks past the eighth reuse them.
RANK_COLOURS = [OKABE_ITO[name] for name in ("orange", "sky blue", "bluish green", "vermillion", "blue",
                                             "reddish purple", "yellow", "black")]
#: And one hatch per rank, so rows and bars differ in more than hue.
RANK_HATCHES = ["", "//", "..", "xx", "\\\\", "++", "--", "oo"]


def draw_parallelism() -> Figure:
    """Two panels: data parallel (a full model copy per device, half the batch each) and model parallel.

    Introduced in: 09_distributed.ipynb
    """
    layers = ["conv1", "conv2", "fc1", "fc2"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, title in ((left, "data parallel (DDP): a full copy per device"),
                      (right, "model parallel: the layers split over devices")):
        ax.set(xlim=(0, 10), ylim=(0, 10), title=title)
        ax.axis("off")
    for rank, x in enumerate((0.8, 6.2)):
        left.add_patch(Rectangle((x - 0.4, 1.3), 3, 7.2, fill=False, lw=2, ec=RANK_COLOURS[rank],
                                 ls="--" if rank == 0 else "-"))
        left.text(x + 1.1, 8.9, f"device {rank} (rank {rank})", ha="center", color=RANK_COLOURS[rank], weight="bold")
        for i, name in enumerate(layers):
            left.add_patch(Rectangle((x, 6.6 - 1.5 * i), 2.2, 1, fc="0.9", ec="0.3"))
            left.text(x + 1.1, 7.1 - 1.5 * i, name, ha="center", va="center")
        left.text(x + 1.1, 0.5, f"batch half {rank}", ha="center")
    left.add_patch(FancyArrowPatch((3.9, 4.6), (5.7, 4.6), arrowstyle="<->", mutation_scale=18, lw=2))
    left.text(4.8, 5.0, "all-reduce:\naverage the\ngradients", ha="center", va="bottom", fontsize=9)
    for i, name in enumerate(layers):
        rank = i // 2  # conv1, conv2 on device 0; fc1, fc2 on device 1
        x = 0.6 + 2.3 * i
        right.add_patch(Rectangle((x, 4), 1.8, 1.4, fc="0.9", ec=RANK_COLOURS[rank], lw=2, ls="--" if rank == 0 else "-"))
        right.text(x + 0.9, 4.7, name, ha="center", va="center")
        right.text(x + 0.9, 3.4, f"device {rank}", ha="center", color=RANK_COLOURS[rank], fontsize=9)
        if i:
            right.add_patch(FancyArrowPatch((x - 0.5, 4.7), (x, 4.7), arrowstyle="->", mutation_scale=14))
    right.text(5, 6.6, "the whole batch flows through device 0, then device 1:\n"
               "activations go forward, gradients come back", ha="center", fontsize=9)
    return fig


def draw_shards(n: int, world_size: int, epoch: int, seed: int = 0) -> Figure:
    """One row per rank: the sample indices it reads in ``epoch`` (DistributedSampler's rule, shuffled).

    Each box is one sample, in reading order; a box with a thick black edge and a cross hatch is
    a padding repeat (a sample some rank already reads this epoch). Introduced in: 09_distributed.ipynb
    """
    per_rank = -(-n // world_size)  # ceil(n / world_size)
    fig, ax = plt.subplots(figsize=(min(1 + 0.6 * per_rank, 12), 0.5 + 0.55 * world_size))
    for rank in range(world_size):
        for position, index in enumerate(shard_indices(n, rank, world_size, True, seed, epoch).tolist()):
            padding = position * world_size + rank >= n  # past the first n: a repeat
            ax.add_patch(Rectangle((position, -rank - 0.4), 0.9, 0.8, fc=RANK_COLOURS[rank % 8], alpha=0.6,
                                   ec="black", lw=3 if padding else 0.5, hatch="xx" if padding else None))
            ax.text(position + 0.45, -rank, str(index), ha="center", va="center", fontsize=9,
                    bbox=dict(fc="white", ec="none", pad=1) if padding else None)  # readable over the hatch
    ax.set(xlim=(-0.1, per_rank), ylim=(-world_size + 0.5, 0.5), xlabel="position in this rank's epoch",
           yticks=[-r for r in range(world_size)], yticklabels=[f"rank {r}" for r in range(world_size)],
           title=f"{n} samples over {world_size} ranks, epoch {epoch}: {per_rank} each")
    ax.set_xticks([])
    fig.tight_layout()
    return fig


def draw_gradients(g_rank0: torch.Tensor, g_rank1: torch.Tensor, g_batch: torch.Tensor) -> Figure:
    """The last 10 entries of three flat gradients (fc2's bias for the MNIST CNN): each rank's, their
    average as bars, and the whole batch's as crosses. Introduced in: 09_distributed.ipynb
    """
    k = torch.arange(10).numpy()  # matplotlib's bar positions
    r0, r1, whole = (g[-10:].detach().cpu().numpy() for g in (g_rank0, g_rank1, g_batch))
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.bar(k - 0.3, r0, width=0.3, color=RANK_COLOURS[0], label="rank 0 (half the batch)")
    ax.bar(k, r1, width=0.3, color=RANK_COLOURS[1], hatch="//", label="rank 1 (the other half)")
    ax.bar(k + 0.3, (r0 + r1) / 2, width=0.3, color=RANK_COLOURS[2], hatch="..", label="average (all-reduce)")
    ax.plot(k + 0.3, whole, "kx", markersize=9, label="one process, the whole batch")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set(xticks=k, xlabel="digit (gradient of fc2's bias for this class)", ylabel="gradient",
           title="two ranks disagree; their average is the whole batch's gradient")
    ax.legend(fontsize=8, ncols=2, loc="lower left", bbox_to_anchor=(0, 1.12), frameon=False)
    fig.tight_layout()
    return fig


def draw_epoch_times(names: Sequence[str], seconds: Sequence[float]) -> Figure:
    """One horizontal bar per run: its seconds per epoch (training only). Introduced in: 09_distributed.ipynb"""
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.6 * len(names)))
    bars = ax.barh(list(names), list(seconds), color=[RANK_COLOURS[i % 8] for i in range(len(names))])
    for i, bar in enumerate(bars):
        bar.set_hatch(RANK_HATCHES[i % 8])
    ax.set(xlabel="seconds per epoch (training only)", title="time per epoch on this machine")
    ax.invert_yaxis()  # the first run on top
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- a killed job on a timeline


class TimelineEvent(NamedTuple):
    """Something that happened in a launched job: when (seconds after the launch), what, in which attempt.

    Introduced in: 09_distributed.ipynb
    """

    seconds: float
    kind: str  # "ready", "epoch", "snapshot", "killed", "failure seen", "resumed", "finished"
    attempt: int
    label: str


_EPOCH_DONE = re.compile(r"^epoch (\d+)/\d+: train loss")
_SNAPSHOT = re.compile(r"^snapshot after epoch (\d+) saved")
_ATTEMPT = re.compile(r"^attempt (\d+): ")
_RESUMED = re.compile(r"^resumed from snapshot .*: epoch (\d+) of")
_FAILURE = re.compile(r"failed \(exitcode: (-?\d+)\) local_rank: (\d+)")


def timeline_events(run: KilledRun) -> list[TimelineEvent]:
    """The events of a :func:`helpers.distributed.run_torchrun_and_kill` run, in time order.

    Read from scripts/train_ddp.py's lines (attempt, resumed, epoch, snapshot), torchrun's line
    naming the failed worker, and the kill itself. Introduced in: 09_distributed.ipynb
    """
    events, attempt = [], 0
    for line in run.lines:
        text = line.text
        if m := _ATTEMPT.match(text):
            attempt = int(m[1])
            events.append(TimelineEvent(line.seconds, "ready", attempt, f"attempt {attempt}: all ranks ready"))
        elif m := _RESUMED.match(text):
            events.append(TimelineEvent(line.seconds, "resumed", attempt, f"resumed after epoch {m[1]}"))
        elif m := _EPOCH_DONE.match(text):
            events.append(TimelineEvent(line.seconds, "epoch", attempt, f"epoch {m[1]}"))
        elif m := _SNAPSHOT.match(text):
            events.append(TimelineEvent(line.seconds, "snapshot", attempt, f"snapshot {m[1]}"))
        elif (m := _FAILURE.search(text)) and not any(e.kind == "failure seen" and e.attempt == attempt for e in events):
            events.append(TimelineEvent(line.seconds, "failure seen", attempt,
                                        f"torchrun sees local rank {m[2]} fail"))
    if run.killed_at is not None:
        killed_in = max((e.attempt for e in events if e.seconds <= run.killed_at), default=0)
        events.append(TimelineEvent(run.killed_at, "killed", killed_in, f"rank {run.killed_rank} killed (SIGKILL)"))
    if run.lines:
        events.append(TimelineEvent(run.lines[-1].seconds, "finished", attempt,
                                    "job finished" if run.returncode == 0 else f"job failed ({run.returncode})"))
    return sorted(events, key=lambda e: e.seconds)


_MARKERS = {"epoch": ("|", 16), "snapshot": ("D", 8), "killed": ("X", 13), "resumed": ("^", 10),
            "failure seen": ("s", 8)}
#: Where each kind's label goes, in points above (+) or below (-) its lane, so that labels of events
#: close in time do not overlap.
_LABEL_OFFSET = {"epoch": -26, "killed": -40, "snapshot": 40, "failure seen": 54, "resumed": 40}


def draw_restart_timeline(run: KilledRun) -> Figure:
    """One lane per attempt: starting up (hatched), training (solid), with the epochs, snapshots, the
    kill, torchrun noticing it, and the resume marked by distinct symbols. Introduced in: 09_distributed.ipynb
    """
    events = timeline_events(run)
    attempts = sorted({e.attempt for e in events})
    end = max((e.seconds for e in events), default=1.0)
    fig, ax = plt.subplots(figsize=(10, 1.6 + 1.3 * len(attempts)))
    for attempt in attempts:
        y = -attempt
        mine = [e for e in events if e.attempt == attempt]
        begin = 0.0 if attempt == 0 else max(
            (e.seconds for e in events if e.kind == "failure seen" and e.attempt == attempt - 1), default=0.0)
        ready = next((e.seconds for e in mine if e.kind == "ready"), begin)
        stop = max(e.seconds for e in mine)
        colour = RANK_COLOURS[attempt % 8]
        ax.add_patch(Rectangle((begin, y - 0.2), ready - begin, 0.4, fc="white", ec=colour, hatch="//",
                               label="starting: imports, rendezvous" if attempt == 0 else None))
        ax.add_patch(Rectangle((ready, y - 0.2), stop - ready, 0.4, fc=colour, ec="black", alpha=0.75,
                               label=f"attempt {attempt}: training"))
        for e in mine:
            if e.kind in _MARKERS:
                marker, size = _MARKERS[e.kind]
                ax.plot(e.seconds, y + (0.3 if e.kind in ("snapshot", "resumed") else 0), marker=marker,
                        markersize=size, color="black" if e.kind != "killed" else OKABE_ITO["vermillion"],
                        linestyle="none", zorder=3)
                ax.annotate(e.label, (e.seconds, y), xytext=(0, _LABEL_OFFSET[e.kind]), textcoords="offset points",
                            ha="center", va="center", fontsize=8)
    killed = next((e for e in events if e.kind == "killed"), None)
    restart = next((e for e in events if e.kind == "ready" and e.attempt == 1), None)
    if killed is not None and restart is not None:
        ax.add_patch(FancyArrowPatch((killed.seconds, -0.25), (restart.seconds, -0.8), arrowstyle="->",
                                     linestyle="--", mutation_scale=14, color="0.3"))
    ax.set(xlim=(-0.02 * end, end * 1.06), ylim=(-len(attempts) + 0.2, 1.3), xlabel="seconds after torchrun started",
           yticks=[-a for a in attempts], yticklabels=[f"attempt {a}" for a in attempts],
           title="a worker killed, the group restarted, training resumed from the last snapshot")
    ax.legend(fontsize=8, loc="upper right", ncols=3, frameon=False)
    fig.tight_layout()
    return fig
