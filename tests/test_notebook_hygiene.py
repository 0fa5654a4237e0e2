"""Every committed notebook is executed, clean, and follows the course skeleton."""

import re
from pathlib import Path

import nbformat
import pytest
from notebook_hygiene import notebook_problems

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.joinpath("notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_course_has_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_hygiene(path: Path):
    assert notebook_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_next_link_points_to_an_existing_notebook(path: Path):
    nb = nbformat.read(path, as_version=4)
    links = re.findall(r"\]\((\d\d_[\w-]+\.ipynb)\)", "\n".join(c.source for c in nb.cells))
    missing = [link for link in links if not (path.parent / link).exists()]
    assert missing == []
