"""The test harness fails when it should: each check is shown biting on a broken notebook.

A suite that cannot fail proves nothing, so these build tiny notebooks in a temporary
folder, break them in one specific way each, and run the real tools on them.
"""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from notebook_hygiene import notebook_problems

PROJECT = Path(__file__).resolve().parent.parent
SKELETON_MD = (
    "# 99 · Test\n\n**You will learn:** x\n\n**Before this:** y\n\n## Summary\n\n**Next:** z"
)


def _notebook(*cells) -> nbformat.NotebookNode:
    params = new_code_cell("seed = 0", metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[new_markdown_cell(SKELETON_MD), params, *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _executed(source: str, stdout: str, count: int) -> nbformat.NotebookNode:
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = [new_output("stream", name="stdout", text=stdout)]
    return cell


def _run_nbval(path: Path) -> subprocess.CompletedProcess:
    """Our pytest configuration (strict nbval, sanitize file, strict warnings) on one notebook."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "--rootdir", str(PROJECT),
         "-c", str(PROJECT / "pyproject.toml"), "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=PROJECT, timeout=300,
    )


def _write(nb: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def test_nbval_fails_when_a_checked_output_changes(tmp_path: Path):
    nb = _notebook(new_code_cell("import torch\n_ = torch.manual_seed(seed)", execution_count=1),
                   _executed("print(1 + 1)", "3\n", 2))  # committed output is wrong
    result = _run_nbval(_write(nb, tmp_path / "changed.ipynb"))
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout and "mismatch 'stdout'" in result.stdout


def test_nbval_passes_the_same_notebook_with_the_right_output_and_sanitizes_timings(tmp_path: Path):
    # The positive control for the test above, and proof that timings are not compared.
    nb = _notebook(new_code_cell("import torch\n_ = torch.manual_seed(seed)", execution_count=1),
                   _executed("print(1 + 1)", "2\n", 2),
                   _executed("import time\nt = time.perf_counter()\nprint(f'took {time.perf_counter() - t:.4f} s')",
                             "took 9.9999 s\n", 3))
    result = _run_nbval(_write(nb, tmp_path / "right.ipynb"))
    assert result.returncode == 0, result.stdout


def test_deprecation_warning_in_a_notebook_fails_the_suite(tmp_path: Path):
    # Outputs are not compared in these cells (nbval-ignore-output): the FutureWarning cell can only
    # fail by raising, which only the strict kernel (tools/strict_kernel.py via conftest.py) makes it
    # do. Without it, the warning is a harmless stderr line and this test fails. The UserWarning cell
    # beside it is the positive control: an ordinary warning still passes.
    ignore = {"tags": ["nbval-ignore-output"]}
    nb = _notebook(
        new_code_cell("import warnings\nwarnings.warn('just so you know', UserWarning)\nprint('fine')",
                      execution_count=1, metadata=ignore),
        new_code_cell("warnings.warn('old API', FutureWarning)\nprint('ok')", execution_count=2, metadata=ignore),
    )
    result = _run_nbval(_write(nb, tmp_path / "deprecated.ipynb"))
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # nbval colours its tracebacks
    assert result.returncode == 1, out
    assert "1 failed, 2 passed" in out and "FAILED ::Cell 2 " in out, out  # code cell 2: the FutureWarning one only
    assert "Cell execution caused an exception" in out and "Cell outputs differ" not in out, out
    assert "FutureWarning: old API" in out, out


def test_papermill_fails_when_a_cell_raises(tmp_path: Path):
    nb = _notebook(new_code_cell("x = 1"), new_code_cell("raise ValueError('broken cell')"))
    path = _write(nb, tmp_path / "raises.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), parameters={"seed": 1},
                                   kernel_name="python3", progress_bar=False)
    assert err.value.ename == "ValueError" and err.value.cell_index == 4  # after the injected cell


@pytest.mark.parametrize(
    ("call", "category"),
    [
        ("torch.testing.assert_allclose(torch.ones(1), torch.ones(1))", "FutureWarning"),
        # torch also deprecates with plain UserWarnings that say "deprecated".
        ("torch.ones(3).storage()", "UserWarning"),
    ],
)
def test_papermill_fails_on_a_torch_deprecation(tmp_path: Path, call: str, category: str):
    # Real deprecated torch calls, turned into errors by the suite's kernel setup (conftest.py).
    nb = _notebook(new_code_cell(f"import torch\n{call}"))
    path = _write(nb, tmp_path / "torch_deprecated.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   progress_bar=False)
    assert err.value.ename == category and "deprecated" in err.value.evalue


def test_hygiene_accepts_a_clean_notebook(tmp_path: Path):
    nb = _notebook(new_code_cell("import torch\n_ = torch.manual_seed(seed)", execution_count=2),
                   _executed("print(2)", "2\n", 3))
    nb.cells[1].execution_count = 1
    assert notebook_problems(_write(nb, tmp_path / "clean.ipynb")) == []


def test_hygiene_catches_each_kind_of_problem(tmp_path: Path):
    error_cell = new_code_cell("1/0", execution_count=2)
    error_cell.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    nb = _notebook(_executed("print(open.__module__)", "/work/main/x\n", 3), error_cell,
                   _executed("from math import *", "", 5))
    nb.cells[0].source = "# no skeleton here; nbval compares this notebook's outputs"
    nb.metadata["kernelspec"]["name"] = "system-python"
    problems = "\n".join(notebook_problems(_write(nb, tmp_path / "bad.ipynb")))
    for expected in ("You will learn", "manual_seed", "kernelspec", "execution counts",
                     "error output (ZeroDivisionError)", "machine path", "import *", "tests run (['nbval'])"):
        assert expected in problems


def test_notebooks_run_on_this_venvs_python(tmp_path: Path):
    """papermill's `python3` kernel is the interpreter running the tests, not a system Python."""
    nb = _notebook(new_code_cell("import sys\nprint(sys.executable)"))
    path = _write(nb, tmp_path / "which_python.ipynb")
    out = papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                     progress_bar=False)
    printed = out.cells[-1].outputs[0]["text"].strip()
    assert Path(printed).parent.resolve() == Path(sys.executable).parent.resolve()


def test_a_hanging_cell_fails_in_seconds_naming_the_notebook_and_the_cell(tmp_path: Path):
    """The per-cell time limit of the play test: a hang fails fast, and says where it hung."""
    from test_notebooks_papermill import run_passes

    nb = _notebook(new_code_cell("x = 1"), new_code_cell("import time\ntime.sleep(60)  # the hang"))
    path = _write(nb, tmp_path / "hangs.ipynb")
    with pytest.raises(pytest.fail.Exception) as failed:
        run_passes(path, [{"seed": 1}], tmp_path / "out.ipynb", timeout=3)
    message = str(failed.value)
    assert "hangs.ipynb: a cell ran longer than 3 s" in message and "time.sleep(60)" in message


def test_a_notebook_that_breaks_on_its_second_run_all_fails_naming_the_pass(tmp_path: Path):
    """Run All twice in one kernel: state left by the first pass meets the second."""
    from test_notebooks_papermill import run_passes

    nb = _notebook(new_code_cell("assert 'seen' not in globals(), 'ran before'\nseen = True"))
    path = _write(nb, tmp_path / "once.ipynb")
    run_passes(path, [{"seed": 1}], tmp_path / "out1.ipynb")  # one pass: fine
    with pytest.raises(pytest.fail.Exception) as failed:
        run_passes(path, [{"seed": 1}, {"seed": 2}], tmp_path / "out2.ipynb")
    assert "once.ipynb, Run All #2 with {'seed': 2}: cell 2 (code cell 2) raised AssertionError: ran before" in str(failed.value)


@pytest.mark.parametrize(("line", "problem"), [
    ("num_epochs = 2", "does not start with the values it takes"),
    ("num_epochs = 2  # passes over the data", "does not start with the values it takes"),
    ("num_epochs = 20  # 1–10: passes", "outside its stated range"),
    ('device = "gpu"  # "auto", "cpu" or "cuda": where', "not one of its stated choices"),
])
def test_a_knob_without_an_honest_range_is_caught(tmp_path: Path, line: str, problem: str):
    from notebook_parameters import knobs

    nb = _notebook()
    nb.cells[1].source = f"seed = 0  # any integer: the seed\n{line}"
    found, problems = knobs(_write(nb, tmp_path / "knobs.ipynb"))
    assert any(problem in p for p in problems), problems


def test_knob_ranges_are_read_as_stated(tmp_path: Path):
    from notebook_parameters import knobs

    nb = _notebook()
    nb.cells[1].source = "\n".join([
        "# Parameters: change these and run all cells again.",
        "seed = 0  # any integer: every draw",
        "num_epochs = 2  # 1–10: passes",
        "max_lr = 1e-2  # 1e-4–1e-1: peak rate",
        "train_subset = None  # None (all 60000) or 1000–60000: images",
        'device = "auto"  # "auto", "cpu", "cuda" or "mps": where',
        "show = True  # True or False: draw it",
    ])
    found, problems = knobs(_write(nb, tmp_path / "knobs.ipynb"))
    assert problems == []
    got = {k.name: (k.kind, k.low, k.high) for k in found}
    assert got == {"seed": ("integer", None, None), "num_epochs": ("range", 1, 10),
                   "max_lr": ("range", 1e-4, 1e-1), "train_subset": ("range", 1000, 60000),
                   "device": ("choices", "auto", "mps"), "show": ("bool", False, True)}
