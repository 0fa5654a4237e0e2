"""papermill plays with every notebook as a learner would: every knob to one end, Run All, then every
knob to the other end, Run All again in the same kernel.

Each notebook's `parameters` cell states the range of every knob (tests/notebook_parameters.py reads
them). Pass 1 sets each knob to the low end of its range (seed 1, the first choice this machine
offers), pass 2 to the high end (seed 12345, the last choice this machine offers), in the same
kernel, so state left by the first Run All meets the second. Every cell has a time limit
(CELL_TIMEOUT), so a hang fails in minutes, naming the notebook and the cell, instead of using up
CI's whole time. Outputs go to a temporary folder: committed notebooks are never executed in place.

The committed notebooks (the real thing, at their committed values) run under nbval; this test may
shrink what only costs time, never what a claim depends on: each entry of SHRINK and HELD says why.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import papermill
import papermill.iorw
import pytest
from nbclient.exceptions import CellTimeoutError
from notebook_parameters import Knob, knobs

from helpers.devices import DeviceUnavailableError, PrecisionUnavailableError, choose_device, choose_precision

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))

#: Seconds any one cell may run under papermill before the test fails, naming it. The longest
#: legitimate cell here (a shrunk torchrun launch, or a shrunk measurement) takes well under a minute.
CELL_TIMEOUT = 240

#: Values used in place of a range's end in this test, by notebook: only knobs whose end costs time
#: (data sizes, epochs). The committed run (nbval) covers the real sizes. {name: {knob: (low, high)}}
SHRINK: dict[str, dict[str, tuple[Any, Any]]] = {
    # 08: data size and epochs only cost time; the committed run (nbval) trains on all 60000 images for 2 epochs.
    "08_mnist_cnn.ipynb": {"train_subset": (1000, 2000), "num_epochs": (1, 2)},
    # 06, 07: timing sizes and repeats only cost time (06 reads timing_images with 0, 1 and 2 workers, best of
    # timing_repeats; 07 times matrix_size matmuls repeats times); what the notebooks assert holds at any size.
    "06_datasets.ipynb": {"timing_images": (256, 512), "timing_repeats": (1, 2)},
    "07_devices.ipynb": {"matrix_size": (64, 256), "repeats": (1, 3)},
    # 04: the initialisation experiment's cost grows with width³ (30 layers of 512 take ~5 s of CPU per pass);
    # tests/test_notebook_edits.py checks the range's far corner (30 layers of 512 stay finite) on its own.
    "04_modules.ipynb": {"width": (16, 256)},
    # 09: every run is a torchrun launch (8 process-group starts per pass); images, epochs and test images only
    # cost time (the committed run trains 2 epochs on 8000). nproc 3 and 4 only add a process to start per launch
    # on these 2 cores; 3 ranks' kill-and-resume was checked bit-identical by hand (settle_buckets is why).
    # Pass 1 (1 epoch) kills a worker before the first snapshot, pass 2 after it: both resume paths run.
    "09_distributed.ipynb": {"train_subset": (2000, 2000), "num_epochs": (1, 2), "test_subset": (1000, 1000),
                             "nproc": (2, 2)},
    # 05: steps on the surfaces (times a 21-rate sweep) and MNIST images only cost time (the race trains five
    # models on train_subset images); the committed run uses 300 steps and 6400 + 2000 images, and the notebook
    # asserts only what holds at any size. batch_size still goes from 32 to 512.
    "05_optimizers.ipynb": {"surface_steps": (50, 300), "train_subset": (1280, 1280), "test_subset": (500, 500)},
    # 10: window size, rounds, epochs and images only cost time (every window trains whole batches, the median
    # needs 3 rounds; 4 in pass 2 takes the even-count median). The committed run measures 9600-image windows and
    # races two epochs on all 60000 images; its asserts (invariants) are the same at any size.
    "10_making_it_fast.ipynb": {"window_images": (256, 256), "rounds": (3, 4), "num_epochs": (1, 1),
                                "race_images": (2560, 2560), "test_images": (1000, 1000)},
}

#: Knobs held at one value in both passes, with the reason (thresholds a run is judged by, not
#: settings a learner explores). {name: {knob: value}}
HELD: dict[str, dict[str, Any]] = {
    # 08: min_test_accuracy is the bar the real run is judged by (99% after 2 epochs on 60000 images), which a
    # shrunk run cannot reach; held at 0 here, and test_capstone_accuracy_check_bites proves the check bites.
    "08_mnist_cnn.ipynb": {"min_test_accuracy": 0},
    # 10: "inductor" compiles C++ for tens of seconds (more than this test's whole budget on 2 cores); "aot_eager"
    # runs the same cells (torch.compile, its timing, the payoff) through TorchDynamo and AOTAutograd without
    # generating code. tests/test_speed.py proves the no-compiler message; the committed run uses inductor.
    "10_making_it_fast.ipynb": {"compile_backend": "aot_eager"},
}

LOW_SEED, HIGH_SEED = 1, 12345


def _available(knob: Knob, choice: Any, chosen: dict[str, Any]) -> bool:
    """Whether this machine offers a choice: a device it has, a precision it runs natively."""
    try:
        if knob.name == "device":
            choose_device(choice)
        elif knob.name == "precision":
            choose_precision(choose_device(chosen.get("device", "auto")).device, choice)
    except (DeviceUnavailableError, PrecisionUnavailableError):
        return False
    return True


def edge(knob: Knob, end: str, chosen: dict[str, Any]) -> Any:
    """The value of ``knob`` at the ``"low"`` or ``"high"`` end of its stated range, on this machine."""
    if knob.kind == "integer":
        return LOW_SEED if end == "low" else HIGH_SEED
    if knob.kind == "choices":
        offered = [c for c in knob.choices if _available(knob, c, chosen)]
        assert offered, f"no choice of {knob.name} {knob.choices} is available on this machine"
        return offered[0] if end == "low" else offered[-1]
    return knob.low if end == "low" else knob.high


def play_parameters(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two passes' parameters for one notebook: every knob at its low end, then at its high end."""
    found, problems = knobs(path)
    assert not problems, f"{path.name}: " + "; ".join(problems)
    passes = []
    for index, end in enumerate(("low", "high")):
        chosen: dict[str, Any] = {}
        for knob in found:  # in cell order: precision is decided after device
            chosen[knob.name] = edge(knob, end, chosen)
        for name, ends in SHRINK.get(path.name, {}).items():
            chosen[name] = ends[index]
        chosen.update(HELD.get(path.name, {}))
        passes.append(chosen)
    return passes[0], passes[1]


def run_passes(path: Path, passes: list[dict[str, Any]], out: Path, timeout: int = CELL_TIMEOUT) -> None:
    """Run a notebook once per parameter set, all in one kernel; fail naming the pass and the cell."""
    nb = papermill.iorw.load_notebook_node(str(path))  # with the metadata papermill's own steps expect
    played = copy.deepcopy(nb)
    played.cells = []
    starts = []
    for parameters in passes:
        starts.append(len(played.cells))
        cells = papermill.parameterize.parameterize_notebook(copy.deepcopy(nb), parameters).cells
        for cell in cells:  # one notebook holds every pass: cell ids must stay unique
            cell.id = f"p{len(starts)}-{cell.get('id', len(played.cells))}"[:64]
        played.cells += cells
    try:
        papermill.execute_notebook(played, str(out), kernel_name="python3", cwd=str(path.parent),
                                   progress_bar=False, execution_timeout=timeout,
                                   request_save_on_cell_execute=False)  # not a write of the whole notebook per cell
    except papermill.PapermillExecutionError as err:
        number = max(i for i, s in enumerate(starts) if s <= err.cell_index)
        index = err.cell_index - starts[number]
        injected = next(i for i, c in enumerate(played.cells[starts[number]:]) if "injected-parameters" in c.metadata.tags)
        index -= index > injected  # the committed notebook's own numbering, without the injected cell
        code_number = sum(c.cell_type == "code" for c in nb.cells[: index + 1])
        source = "\n    ".join(err.source.splitlines()[:12])
        pytest.fail(
            f"{path.name}, Run All #{number + 1} with {passes[number]}: cell {index} (code cell {code_number}) "
            f"raised {err.ename}: {err.evalue}\n  source:\n    {source}", pytrace=False)
    except CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {timeout} s (a hang?): {str(err)[:600]}", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_knob_states_the_range_the_notebook_honours(path: Path):
    found, problems = knobs(path)
    assert not problems, f"{path.name}: " + "; ".join(problems)
    assert any(k.name == "seed" for k in found), f"{path.name}: no `seed` knob"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_learner_turns_every_knob_to_each_end_and_runs_all_twice(path: Path, tmp_path: Path):
    low, high = play_parameters(path)
    run_passes(path, [low, high], tmp_path / path.name)


def test_every_shrink_and_held_entry_names_a_knob():
    for table in (SHRINK, HELD):
        for name, entries in table.items():
            found = {k.name for k in knobs(NOTEBOOK_DIR / name)[0]}
            assert set(entries) <= found, f"{name}: {sorted(set(entries) - found)} are not knobs of it"


def test_capstone_accuracy_check_bites(tmp_path: Path):
    """08's checked cell fails, naming the accuracy, when training falls short of the threshold."""
    path = NOTEBOOK_DIR / "08_mnist_cnn.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(path), str(tmp_path / path.name), kernel_name="python3", cwd=str(path.parent),
            parameters={"num_epochs": 1, "train_subset": 512, "min_test_accuracy": 0.999},
            progress_bar=False, execution_timeout=CELL_TIMEOUT, request_save_on_cell_execute=False,
        )
    assert err.value.ename == "AssertionError" and "< 99.9%" in err.value.evalue
