"""Slides: every notebook carries slideshow roles, no slide overflows, every numbered section has one
instructor notes cell (notes role, not collapsed so RISE shows them, never counted toward a slide's size), and
the rules behave on small made-up notebooks that pass and fail."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools.slide_metadata import (
    MAX_CODE_LINES, MAX_LINES, apply, notes_problems, numbered_sections, section_notes, slide_roles, slides,
)

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ROLES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
FIX = "run `.venv/bin/python tools/slide_metadata.py` (it keeps roles set by hand)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_cell_has_a_slide_role(path):
    nb = nbformat.read(path, as_version=4)
    missing = [i for i, c in enumerate(nb.cells) if c.metadata.get("slideshow", {}).get("slide_type") not in ROLES]
    assert not missing, f"{path.name}: cells {missing[:10]} have no slide role: {FIX}"
    assert nb.cells[0].metadata.slideshow.slide_type == "slide"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_slide_overflows(path):
    nb = nbformat.read(path, as_version=4)
    for s in slides(nb):
        first = nb.cells[s["first_cell"]].source.splitlines()[:1]
        assert s["code_lines"] <= MAX_CODE_LINES and s["lines"] <= MAX_LINES, (
            f"{path.name}: the slide starting at cell {s['first_cell']} ({first}) holds {s['code_lines']} "
            f"lines of code, {s['lines']} in all (at most {MAX_CODE_LINES} and {MAX_LINES}): if its cells grew since "
            f"they got their roles, run `.venv/bin/python tools/slide_metadata.py --reflow {path.relative_to(path.parents[1])}`; "
            f"else shorten a cell, or move drawing code into helpers"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_section_has_one_instructor_notes_cell(path):
    problems = notes_problems(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: every `## N.` section needs one notes cell right after its heading and first prose, "
        "starting '**Instructor notes** · about N min' with - **Say:**, - **Show:**, - **Asked:** bullets "
        "(notebooks/_template.ipynb shows one):\n  " + "\n  ".join(problems)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notes_cells_have_the_notes_role_and_are_not_collapsed(path):
    nb = nbformat.read(path, as_version=4)
    notes = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("**Instructor notes**")]
    wrong = [i for i in notes if nb.cells[i].metadata.get("slideshow", {}).get("slide_type") != "notes"]
    # RISE moves a cell as JupyterLab draws it into the speaker notes: a collapsed one shows only its first line.
    collapsed = [i for i in notes if nb.cells[i].metadata.get("jupyter", {}).get("source_hidden")]
    assert not wrong and not collapsed, (
        f"{path.name}: notes cells {wrong} lack the slide role 'notes', {collapsed} are collapsed: {FIX}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notes_never_count_toward_a_slide(path):
    nb = nbformat.read(path, as_version=4)
    without = nbformat.from_dict(dict(nb, cells=[c for c, r in zip(nb.cells, slide_roles(nb)) if r != "notes"]))
    sizes = lambda n: [(s["code_lines"], s["lines"]) for s in slides(n)]  # noqa: E731
    assert sizes(nb) == sizes(without)


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def test_rules_give_headings_slides_and_skip_setup():
    params = code("seed = 0")
    params.metadata["tags"] = ["parameters"]
    nb = _nb(md("# 09 · Title\n\nWhy."), params, code("import torch\n\ntorch.manual_seed(seed)"),
             md("## 1. Idea"), md("Prose."), code("x = 1\nx"), md("### Try it"), code("y = 2"),
             md("Speaker note: ask the room first."))
    assert slide_roles(nb) == ["slide", "skip", "skip", "slide", "-", "-", "subslide", "-", "notes"]


def test_a_full_slide_continues_on_a_subslide():
    long = code("\n".join(f"a{i} = {i}" for i in range(MAX_CODE_LINES - 5)))
    nb = _nb(md("# 01 · T"), md("## 1. Idea"), long, code("b = 1\nc = 2\nd = 3\ne = 4\nf = 5\ng = 6"))
    assert slide_roles(nb)[-1] == "subslide"
    assert all(s["code_lines"] <= MAX_CODE_LINES for s in slides(nb))


def test_a_role_set_by_hand_wins_and_apply_is_idempotent(tmp_path):
    by_hand = md("## 1. Idea")
    by_hand.metadata["slideshow"] = {"slide_type": "fragment"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(_nb(md("# 01 · T"), by_hand, code("x = 1")), path)
    assert apply(path) == 2  # the title and the code cell; the hand-set role stays
    assert [c.metadata.slideshow.slide_type for c in nbformat.read(path, 4).cells] == ["slide", "fragment", "-"]
    assert apply(path) == 0


NOTES = "**Instructor notes** · about 6 min\n- **Say:** a point.\n- **Show:** the slider at 7.\n- **Asked:** why? Because."


def _lesson(*section_one, notes=NOTES):
    """A title, section 1 (heading, prose, the given cells), section 2 with notes, a summary."""
    return _nb(md("# 01 · T"), md("## 1. Idea"), md("Prose."), *section_one, code("x = 1\nx"),
               md("## 2. Next"), md(notes), code("y = 2"), md("## Summary"), md("- done"))


def test_a_notebook_with_notes_everywhere_passes():
    nb = _lesson(md(NOTES))
    assert notes_problems(nb) == []
    assert [(s["number"], s["minutes"], s["notes"]) for s in section_notes(nb)] == [(1, 6, [3]), (2, 6, [6])]
    assert slide_roles(nb)[3] == "notes"
    # A notes cell may wrap a bullet onto the next line.
    assert notes_problems(_lesson(md(NOTES.replace("a point.", "a point\n  that goes on.")))) == []


@pytest.mark.parametrize("section_one, expected", [
    ((), "section 1 (Idea) has no instructor notes cell"),
    ((md(NOTES), md(NOTES)), "section 1 (Idea) has 2 notes cells (cells [3, 4]): one per section"),
    ((md(NOTES.replace("about 6 min", "6 minutes")),), 'its first line is not "**Instructor notes** · about N min"'),
    ((md(NOTES.replace("- **Asked:** why? Because.", "")),), "its bullets are ['Say', 'Show'], not"),
    ((md(NOTES.replace("**Show:**", "**Demo:**")),), "its bullets are ['Say', 'Demo', 'Asked']"),
    ((md(NOTES.replace("**Say:** a point.", "**Say:**")),), "its **Say:** bullet is empty"),
    ((md("### Try it"), md(NOTES)), "notes cell 4 comes after a new slide (cell 3)"),
    ((md("Speaker note: ask the room first."),), 'its first line is not "**Instructor notes** · about N min"'),
], ids=["missing", "two", "minutes", "no-asked", "wrong-label", "empty", "late", "old-form"])
def test_a_notebook_with_broken_notes_fails_and_says_why(section_one, expected):
    problems = notes_problems(_lesson(*section_one))
    assert any(expected in p for p in problems), problems


def test_notes_outside_sections_or_without_the_role_are_caught():
    nb = _lesson(md(NOTES))
    nb.cells.insert(1, md(NOTES))  # in the title part, before section 1
    assert any("cell 1: notes outside a numbered section" in p for p in notes_problems(nb))
    nb = _lesson(md(NOTES))
    nb.cells[3].metadata["slideshow"] = {"slide_type": "-"}  # a role set by hand that hides them on the slide
    assert any("cell 3 reads like instructor notes but its slide role is '-'" in p for p in notes_problems(nb))
    assert notes_problems(_nb(md("# 01 · T"), md("## Summary"))) == [
        "no `## N. Title` section: nothing to hang instructor notes on"]


def test_sections_run_to_the_next_level_two_heading():
    nb = _lesson(md(NOTES))
    assert [(s["number"], s["title"], s["cells"]) for s in numbered_sections(nb)] == [
        (1, "Idea", [1, 2, 3, 4]), (2, "Next", [5, 6, 7])]


def test_notes_never_count_toward_a_slide_s_size():
    full = code("\n".join(f"a{i} = {i}" for i in range(MAX_CODE_LINES)))
    long_notes = md(NOTES + "\n" + "\n".join(f"  more {i}" for i in range(2 * MAX_LINES)))
    nb = _nb(md("# 01 · T"), md("## 1. Idea"), long_notes, full)
    assert slide_roles(nb) == ["slide", "slide", "notes", "-"]  # the code still fits on the heading's slide
    assert [(s["code_lines"], s["lines"]) for s in slides(nb)] == [(0, 1), (MAX_CODE_LINES, MAX_CODE_LINES + 1)]


def test_apply_gives_notes_their_role_and_expands_collapsed_ones(tmp_path):
    path = tmp_path / "nb.ipynb"
    nb = _lesson(md(NOTES))
    nb.cells[3].metadata["jupyter"] = {"source_hidden": True}  # collapsed by a click in JupyterLab
    nb.cells[6].metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": False}
    nbformat.write(nb, path)
    assert apply(path) == 10  # every cell gets a role
    cells = nbformat.read(path, 4).cells
    assert [c.metadata.slideshow.slide_type for c in (cells[3], cells[6])] == ["notes", "notes"]
    assert "jupyter" not in cells[3].metadata and cells[6].metadata.jupyter == {"outputs_hidden": False}
    assert apply(path) == 0


def test_reflow_splits_a_slide_whose_cells_grew_and_keeps_other_roles(tmp_path):
    grown = code("\n".join(f"a{i} = {i}" for i in range(MAX_CODE_LINES - 5)))  # was 3 lines at the last run
    fragment = md("Then this.")
    fragment.metadata["slideshow"] = {"slide_type": "fragment"}  # set by hand
    nb = _nb(md("# 01 · T"), md("## 1. Idea"), md(NOTES), grown, code("\n".join(["b = 1"] * 10)), fragment)
    for cell, role in zip(nb.cells, ["slide", "slide", "notes", "-", "-"]):
        cell.metadata["slideshow"] = {"slide_type": role}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert apply(path) == 0  # roles from an earlier run look set by hand: kept, and the slide overflows
    assert max(s["code_lines"] for s in slides(nbformat.read(path, 4))) == MAX_CODE_LINES + 5
    assert apply(path, reflow=True) == 1
    cells = nbformat.read(path, 4).cells
    assert [c.metadata.slideshow.slide_type for c in cells] == ["slide", "slide", "notes", "-", "subslide", "fragment"]
    assert all(s["code_lines"] <= MAX_CODE_LINES for s in slides(nbformat.read(path, 4)))
