"""The teaching plan (docs/teaching_plan.md) says what the notebooks say: every numbered notebook is
listed, its time in a room is the sum of its instructor notes, and the generated parts are exactly
what tools/teaching_plan.py writes. The tool's rules are tried on small made-up notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools import teaching_plan as tp

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGE = (ROOT / "docs" / "teaching_plan.md").read_text(encoding="utf-8")
FIX = "run `.venv/bin/python tools/teaching_plan.py` (it rewrites the generated parts from the notebooks)"


def _rows() -> dict[str, str]:
    """The plan's table rows by notebook number."""
    table = re.search(r"<!-- BEGIN plan:table.*?<!-- END plan:table -->", PAGE, re.S)[0]
    return {m[1]: m[0] for m in re.finditer(r"^\| (\d\d) \|.*$", table, re.M)}


def test_the_plan_is_what_the_notebooks_say():
    try:
        expected = tp.render(PAGE, tp.notebooks())
    except tp.PlanError as err:
        pytest.fail(f"tools/teaching_plan.py cannot write the plan: {err}")
    assert PAGE == expected, f"docs/teaching_plan.md is out of date: {FIX}"


def test_every_numbered_notebook_is_in_the_plan():
    rows = _rows()
    for path in NOTEBOOKS:
        assert path.name[:2] in rows, f"{path.name} is not in the plan's table: {FIX}"
        assert f"(../notebooks/{path.name})" in rows[path.name[:2]]
    assert set(rows) == {p.name[:2] for p in NOTEBOOKS}, f"the plan lists notebooks that do not exist: {FIX}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_notebook_s_minutes_are_its_notes_minutes(path):
    """Read the notes here, independently of the tool: the row's lesson minutes are their sum."""
    nb = nbformat.read(path, as_version=4)
    minutes = [int(m[1]) for c in nb.cells if c.cell_type == "markdown"
               for m in [re.match(r"\*\*Instructor notes\*\* · about (\d+) min", c.source)] if m]
    row = _rows()[path.name[:2]]
    lesson = re.search(r"\((\d+) lesson", row)
    if lesson is None:
        assert "notes missing" in row, row
        return
    assert int(lesson[1]) == sum(minutes), f"{path.name}: the plan says {lesson[1]} min, its notes {sum(minutes)}: {FIX}"


def test_the_readme_links_the_plan():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/teaching_plan.md)" in readme


# The rules, on made-up notebooks.

NOTES = "**Instructor notes** · about {} min\n- **Say:** a point.\n- **Show:** the slider at 7.\n- **Asked:** why? Because."
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def _write(folder: Path, number: str, minutes: list[int | None], exercise_in: int = 1, before: str = "") -> Path:
    """A notebook with one section per entry of `minutes` (None: no notes), an exercise and a widget."""
    cells = [md(f"# {number} · Lesson {number}\n\nWhy.\n\n**Before this:** {before or 'nothing'}")]
    for n, m in enumerate(minutes, start=1):
        cells += [md(f"## {n}. Idea {n}"), md("Prose.")] + ([md(NOTES.format(m))] if m is not None else [])
        cells.append(code("x = 1"))
        if n == exercise_in:
            cells += [md(f"### Exercise {int(number)}.1 (thing)"), code("def thing(): ...")]
        if n == len(minutes):
            cells.append(code("widgets.interact(show_it, n=widgets.IntSlider());"))
    cells += [md("## Summary"), md("- done")]
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = folder / f"{number}_lesson.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def choices(monkeypatch):
    """Every made-up notebook does its exercise in class and shows `show_it`."""
    numbers = [f"{n:02d}" for n in range(11)]
    monkeypatch.setattr(tp, "IN_CLASS", {n: (f"{int(n)}.1",) for n in numbers})
    monkeypatch.setattr(tp, "WIDGETS", {n: ("show_it", "the slider") for n in numbers})


def test_a_notebook_row_comes_from_its_notes(tmp_path, choices):
    _write(tmp_path, "00", [5, 10])
    _write(tmp_path, "01", [6, 7, 8], exercise_in=2, before="[00 · Lesson](00_lesson.ipynb)")
    nbs = tp.notebooks(tmp_path)
    assert [(nb.lesson, nb.room, nb.before, nb.widget[0], nb.in_class) for nb in nbs] == [
        (15, 25, [], 2, [("0.1", "thing", 1)]), (21, 31, ["00"], 3, [("1.1", "thing", 2)])]
    row = tp.table(nbs).splitlines()[3]
    assert row.startswith("| 01 | [Lesson 01](../notebooks/01_lesson.ipynb) | **31 min** (21 lesson + 10 exercise) | 00 |")


def test_missing_notes_are_named_and_the_schedules_wait_for_them(tmp_path, choices):
    _write(tmp_path, "00", [5, None, 7])
    nbs = tp.notebooks(tmp_path)
    assert "notes missing for § 2" in tp.table(nbs)
    assert tp.schedules(nbs).endswith("(00 § 2).")


def test_a_choice_that_no_longer_matches_stops_the_tool(tmp_path, choices, monkeypatch):
    _write(tmp_path, "00", [5])
    monkeypatch.setitem(tp.IN_CLASS, "00", ("0.2",))
    with pytest.raises(tp.PlanError, match=r"IN_CLASS\['00'\] names exercises \['0.2'\]"):
        tp.notebooks(tmp_path)
    monkeypatch.setitem(tp.IN_CLASS, "00", ())
    monkeypatch.setitem(tp.WIDGETS, "00", ("gone", "a widget that was removed"))
    with pytest.raises(tp.PlanError, match="names 'gone', which no code cell"):
        tp.notebooks(tmp_path)
    monkeypatch.delitem(tp.WIDGETS, "00")
    with pytest.raises(tp.PlanError, match="no entry in IN_CLASS or WIDGETS"):
        tp.notebooks(tmp_path)


def test_the_schedules_pack_sections_in_order(tmp_path, choices):
    _write(tmp_path, "00", [10])
    for n in range(1, 11):
        _write(tmp_path, f"{n:02d}", [20, 20, 20])  # 60 min of lesson + 10 of exercise each
    nbs = tp.notebooks(tmp_path)
    text = tp.schedules(nbs)
    workshop = re.findall(r"^\| Day \d, [^|]+\| (.*?) \| (\d+) of 195 \|$", text, re.M)
    # 01-08 (560 min) and then 09 and 10 whole fit the four half days (780 min); each ends at a section's end.
    assert [int(m) for _, m in workshop] == [190, 190, 180, 140]
    assert workshop[0][0].startswith("[01 Lesson 01](../notebooks/01_lesson.ipynb), [02 Lesson 02]")
    assert workshop[0][0].endswith("[03 Lesson 03](../notebooks/03_lesson.ipynb) § 1–2")
    assert "After the workshop" not in text
    sessions = re.findall(r"^\| (\d+) \| \[(\d\d) · .*?\| (\d+) of 120 min", text, re.M)
    assert [(int(s), n, int(m)) for s, n, m in sessions] == [(i, f"{i:02d}", 70) for i in range(1, 11)]


def test_schedules_that_do_not_fit_say_what_to_change(tmp_path, choices):
    _write(tmp_path, "00", [10])
    for n in range(1, 9):
        _write(tmp_path, f"{n:02d}", [60, 50])  # 120 min each with its exercise: 960 > 780 and > a session
    nbs = tp.notebooks(tmp_path)
    with pytest.raises(tp.PlanError, match="take 960 min in a room, more than its 4 half days of 195 min"):
        tp.workshop(nbs)
    with pytest.raises(tp.PlanError, match=r"01 \(120 min\).* do not fit a 120-min session"):
        tp.course(nbs)


def test_render_rewrites_only_between_the_markers(tmp_path, choices):
    _write(tmp_path, "00", [5])
    page = ("# Plan\nhand-written\n<!-- BEGIN plan:table (x) -->\nold\n<!-- END plan:table -->\nmore\n"
            "<!-- BEGIN plan:schedules (x) -->\n<!-- END plan:schedules -->\n")
    new = tp.render(page, tp.notebooks(tmp_path))
    assert new.startswith("# Plan\nhand-written\n<!-- BEGIN plan:table (x) -->\n| # |") and "\nmore\n" in new
    assert tp.render(new, tp.notebooks(tmp_path)) == new
    with pytest.raises(tp.PlanError, match="lacks the markers"):
        tp.render("# Plan\n", tp.notebooks(tmp_path))
