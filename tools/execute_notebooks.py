"""Execute notebooks top to bottom on a fresh kernel and save them with clean outputs.

    .venv/bin/python tools/execute_notebooks.py notebooks/00_setup_check.ipynb [...]
    make notebooks            # every numbered notebook

This is the only way committed outputs are written (never by hand, never with
papermill, which adds its own metadata). Each notebook runs in its own folder,
with the venv's kernel, without timing metadata, and keeps its widget state so
that GitHub and JupyterLab show the widgets' last view.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.kernel_client_fix import install as install_kernel_client_fix  # noqa: E402
from tools.strict_kernel import make_strict_ipython_dir  # noqa: E402


def clear(nb: nbformat.NotebookNode) -> None:
    """Drop outputs, counts and per-cell execution metadata left by earlier runs."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def execute(path: Path, timeout: int = 900) -> float:
    """Run one notebook in place; return the seconds it took. Raises on a failing cell."""
    nb = nbformat.read(path, as_version=4)
    clear(nb)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    # The same strict kernel as the tests: a deprecation fails here, before it is committed.
    os.environ["IPYTHONDIR"] = ipython_dir = make_strict_ipython_dir()
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    install_kernel_client_fix()  # else a widget cell can leave the run waiting forever (see that module)
    try:
        return _execute_all(paths)
    finally:
        shutil.rmtree(ipython_dir, ignore_errors=True)


def _execute_all(paths: list[Path]) -> int:
    for path in paths:
        print(f"executing {path.name} ...", flush=True)
        try:
            seconds = execute(path)
        except CellExecutionError as err:
            print(f"FAILED {path.name}: the notebook was not saved.\n{err}", file=sys.stderr)
            return 1
        print(f"  done in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
