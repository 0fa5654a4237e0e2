"""Every committed notebook is executed, clean, and follows the course skeleton."""

import re
from pathlib import Path

import nbformat
import pytest
from notebook_hygiene import notebook_problems

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(PROJECT.joinpath("notebooks").glob("[0-9][0-9]_*.ipynb"))
#: The course: a deleted or renumbered notebook fails below. Add the next number here with it.
COURSE_NUMBERS = [f"{n:02d}" for n in range(11)]  # 00_setup_check ... 10_making_it_fast


def test_the_course_is_every_notebook_from_00_with_no_gap():
    numbers = [path.name[:2] for path in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"
    assert numbers == [f"{n:02d}" for n in range(len(numbers))], f"not a contiguous run from 00: {numbers}"
    assert numbers[: len(COURSE_NUMBERS)] == COURSE_NUMBERS, f"missing from the course: {numbers}"


def _coming(number: int, readme: str) -> bool:
    """A course-table row such as `| 04–07 | coming |` that announces the notebook before it exists."""
    for low, high in re.findall(r"^\|\s*(\d\d)\s*[–-]\s*(\d\d)\s*\|\s*coming", readme, re.M | re.I):
        if int(low) <= number <= int(high):
            return True
    return bool(re.search(rf"^\|\s*{number:02d}\s*\|\s*coming", readme, re.M | re.I))


def test_readme_course_table_links_every_notebook():
    readme = (PROJECT / "README.md").read_text()
    rows = dict(re.findall(r"^\|\s*(\d\d)\s*\|\s*\[[^\]]+\]\(notebooks/(\d\d_[\w-]+\.ipynb)\)", readme, re.M))
    for path in NOTEBOOKS:
        number = path.name[:2]
        assert rows.get(number) == path.name or _coming(int(number), readme), (
            f"README's course table has no row `| {number} | [title](notebooks/{path.name}) |`")
    assert all((PROJECT / "notebooks" / name).exists() for name in rows.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_hygiene(path: Path):
    assert notebook_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_next_link_points_to_an_existing_notebook(path: Path):
    nb = nbformat.read(path, as_version=4)
    links = re.findall(r"\]\((\d\d_[\w-]+\.ipynb)\)", "\n".join(c.source for c in nb.cells))
    missing = [link for link in links if not (path.parent / link).exists()]
    assert missing == []
