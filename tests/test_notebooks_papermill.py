"""papermill runs every notebook again, with the parameters CI may change.

Each notebook is its own test id; a failure names the cell and the error. Outputs go
to a temporary folder: committed notebooks are never executed in place by papermill.
"""

from pathlib import Path

import papermill
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))

# Parameters per notebook for this run. Each entry says why; a notebook not listed runs
# with seed=1 (a different seed than the committed run, so nothing depends on seed 0).
CI_PARAMETERS: dict[str, dict] = {
    # Training the real thing (2 epochs, 60000 images, >= 99%) runs under nbval already; here
    # one epoch on 6000 images proves the knobs work, with a threshold such a short run meets
    # (95.1% measured), on another seed.
    "08_mnist_cnn.ipynb": {"seed": 1, "num_epochs": 1, "train_subset": 6000, "min_test_accuracy": 0.9},
    # 09's three torchrun trainings (8000 images, 2 epochs) run under nbval already, with the real
    # accuracy checks; here one epoch on 4096 images (2000 test images) proves the knobs and launches
    # work on another seed. So short a run is far from converged: the 2 x 128 run takes only 16 steps
    # (measured 80.3% / 80.3% / 60.4% for the three runs), so the floor is low and the gap wide.
    "09_distributed.ipynb": {"seed": 1, "num_epochs": 1, "train_subset": 4096, "test_subset": 2000,
                             "min_test_accuracy": 0.6, "max_accuracy_gap": 0.3},
    # 06's loading measurement (section 6) is not compared; nbval runs the full one. A shorter one
    # (256 images, one run per path) proves the knobs work and still asserts the transforms are slowest.
    "06_datasets.ipynb": {"seed": 1, "timing_images": 256, "timing_repeats": 1},
}
DEFAULT_PARAMETERS = {"seed": 1}


def parameters_for(path: Path) -> dict:
    """The CI parameters this notebook declares (papermill would inject unknown ones blindly)."""
    declared = papermill.inspect_notebook(str(path))
    wanted = CI_PARAMETERS.get(path.name, DEFAULT_PARAMETERS)
    unknown = set(wanted) - set(declared)
    assert not unknown, f"{path.name} has no parameters {sorted(unknown)} in its `parameters` cell"
    return wanted


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_with_ci_parameters(path: Path, tmp_path: Path):
    try:
        papermill.execute_notebook(
            str(path),
            str(tmp_path / path.name),
            parameters=parameters_for(path),
            kernel_name="python3",
            cwd=str(path.parent),
            progress_bar=False,
        )
    except papermill.PapermillExecutionError as err:
        source = "\n    ".join(err.source.splitlines()[:12])
        pytest.fail(
            f"{path.name}: cell {err.cell_index} (execution count {err.exec_count}) raised "
            f"{err.ename}: {err.evalue}\n  source:\n    {source}",
            pytrace=False,
        )


def test_every_ci_parameter_entry_names_a_notebook():
    assert set(CI_PARAMETERS) <= {p.name for p in NOTEBOOKS}


def test_capstone_accuracy_check_bites(tmp_path: Path):
    """08's checked cell fails, naming the accuracy, when training falls short of the threshold."""
    path = NOTEBOOK_DIR / "08_mnist_cnn.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(path), str(tmp_path / path.name), kernel_name="python3", cwd=str(path.parent),
            parameters={"num_epochs": 1, "train_subset": 512, "min_test_accuracy": 0.999},
            progress_bar=False,
        )
    assert err.value.ename == "AssertionError" and "< 99.9%" in err.value.evalue
