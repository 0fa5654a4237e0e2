"""04 invites the learner to edit the hand-built CNN ("Edit this cell ... and run the cells below it").

Each edit below is made to the `Net` cell as a learner would make it; then every cell that builds or uses
the edited `net` runs (the top of the notebook, section 3 from the Net cell on, section 4), once per edit,
all in one kernel.
No cell may fail, and the cells must say in words what the edit changed: `fc1` resized from the measured
shape, and "your model differs from the reference in ..." instead of a failed comparison.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_modules.ipynb"

#: A learner's edit: (text in the Net cell, its replacement), and words the run must print.
EDITS = {
    "16 channels instead of 32": (
        [("nn.Conv2d(1, 32, kernel_size=3)", "nn.Conv2d(1, 16, kernel_size=3)"),
         ("nn.Conv2d(32, 64, kernel_size=3)", "nn.Conv2d(16, 64, kernel_size=3)")],
        ["your model differs from the reference in: conv1.weight (16, 1, 3, 3) vs (32, 1, 3, 3)",
         "conv2.weight (64, 16, 3, 3) vs (64, 32, 3, 3)", "the reference model has 225,034"]),
    "kernel 5": (
        [("nn.Conv2d(1, 32, kernel_size=3)", "nn.Conv2d(1, 32, kernel_size=5)"),
         ("nn.Conv2d(32, 64, kernel_size=3)", "nn.Conv2d(32, 64, kernel_size=5)")],
        ["[('conv1', 24), ('pool1', 12), ('conv2', 8), ('pool2', 4)]",
         "fc1 takes 1600 inputs, but your feature maps flatten to 1024: rebuilding with Net(fc1_in_features=1024)",
         "fc1.weight (128, 1024) vs (128, 1600)"]),
    "a third convolution": (
        [("        self.flatten = nn.Flatten()",
          "        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)  # a third convolution\n"
          "        self.flatten = nn.Flatten()"),
         ("        X = self.flatten(X)",
          "        X = F.relu(self.conv3(X))          # -> (B, 64, 3, 3)\n        X = self.flatten(X)")],
        ["('conv3', 3)", "your feature maps flatten to 576", "conv3.weight only in yours", "conv3.bias only in yours"]),
    "padding 1 (the copies' 7x7)": (
        [("nn.Conv2d(1, 32, kernel_size=3)", "nn.Conv2d(1, 32, kernel_size=3, padding=1)"),
         ("nn.Conv2d(32, 64, kernel_size=3)", "nn.Conv2d(32, 64, kernel_size=3, padding=1)")],
        ["flatten to 3136", "no error: your edited model's feature maps do flatten to 64·7·7 = 3136 numbers",
         "fc1.weight (128, 3136) vs (128, 1600)"]),
}


def _start(nb: nbformat.NotebookNode, text: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.source.startswith(text))


def _edited_cells(nb: nbformat.NotebookNode, replacements: list[tuple[str, str]], tag: str) -> list:
    """The cells that build and use `net`, with the Net cell edited: the parameters and imports, section 3
    from the Net cell to its Try it widget, and section 4 (which puts `net` in eval mode)."""
    imports = _start(nb, "import math")
    keep = [*range(imports + 1), *range(_start(nb, "class Net(nn.Module):"), _start(nb, "### Try it")),
            *range(_start(nb, "## 4."), _start(nb, "## 5."))]
    cells = [copy.deepcopy(nb.cells[i]) for i in keep]
    net = [c for c in cells if c.cell_type == "code" and c.source.startswith("class Net(nn.Module):")]
    assert len(net) == 1, "the Net cell was not found"
    for old, new in replacements:
        assert old in net[0].source, f"the Net cell no longer contains {old!r}"
        net[0].source = net[0].source.replace(old, new)
    for i, cell in enumerate(cells):
        cell.id = f"{tag}-{i}"
        cell.metadata["edit"] = tag
    return cells


def _printed(cells: list, tag: str) -> str:
    return "\n".join(out.get("text", "") for c in cells if c.metadata.get("edit") == tag and c.cell_type == "code"
                     for out in c.outputs if out.output_type == "stream")


def test_every_cell_below_the_net_cell_follows_a_learners_edit(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    played = copy.deepcopy(nb)
    played.cells = []
    for k, (replacements, _) in enumerate(EDITS.values()):
        played.cells += _edited_cells(nb, replacements, f"e{k}")
    try:
        done = papermill.execute_notebook(played, str(tmp_path / NOTEBOOK.name), kernel_name="python3",
                                          cwd=str(NOTEBOOK.parent), progress_bar=False, execution_timeout=120)
    except papermill.PapermillExecutionError as err:
        edit = list(EDITS)[int(played.cells[err.cell_index].metadata["edit"][1:])]
        pytest.fail(f"04 edited as a learner would ({edit}): {err.ename}: {err.evalue}\n{err.source[:600]}",
                    pytrace=False)
    for k, (edit, (_, expected)) in enumerate(EDITS.items()):
        printed = _printed(done.cells, f"e{k}")
        for words in expected:
            assert words in printed, f"{edit}: the run did not print {words!r}:\n{printed[-3000:]}"


def test_04s_range_corner_stays_finite_and_just_past_it_overflows():
    """04's parameters cell: depth 2–30, width 16–512. Its exploding init (normal_, std 1, with ReLU) grows the
    activations about √(width/2)-fold per layer: 30 layers of 512 stay below float32's 3.4e38 (the play test
    shrinks width, so this checks the corner), and the text's "at about layer 32" is where they pass it."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    X = torch.randn(512, 512)
    finite_until = 0
    for depth in range(1, 36):
        layer = nn.Linear(512, 512, bias=False)
        nn.init.normal_(layer.weight)
        with torch.no_grad():
            X = torch.relu(layer(X))
        if not torch.isfinite(X).all():
            break
        finite_until = depth
    assert 30 <= finite_until <= 33, finite_until
