"""Slides: every notebook carries slideshow roles, no slide overflows, and the rules behave."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools.slide_metadata import MAX_CODE_LINES, MAX_LINES, apply, slide_roles, slides

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
            f"lines of code, {s['lines']} in all (at most {MAX_CODE_LINES} and {MAX_LINES}): shorten a cell, "
            f"or move drawing code into helpers"
        )


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
