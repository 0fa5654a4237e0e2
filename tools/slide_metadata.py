"""Give every cell of the numbered notebooks its slideshow role (RISE, `make slides`).

    .venv/bin/python tools/slide_metadata.py notebooks/[0-9]*.ipynb     # or: make slide-metadata

Rules, applied only to cells that have no role yet (a role set by hand always wins):
- the title cell and every `## ` heading start a slide; `### ` headings start a subslide;
- the `parameters` cell, cells that only import or seed, and long cells that only define (no
  output) are skipped: run all cells before presenting;
- a markdown cell starting with "Speaker note" or "Instructor note" becomes speaker notes;
- any other cell continues the current slide, unless it would push the slide past
  MAX_CODE_LINES lines of code or MAX_LINES lines in all: then it starts a subslide.
Notes never count toward a slide's size. A notes cell is never collapsed in JupyterLab: RISE
moves the cell as JupyterLab draws it into the speaker notes, so a collapsed one
(`metadata.jupyter.source_hidden`) would show its first line only; this tool expands any that
are. Learners see notes as marked by their first words, as on GitHub; the website folds them.
Only `metadata.slideshow` (and that flag) change: outputs and execution counts stay as they are,
so the notebooks need no re-execution. Running it twice changes nothing. A role written by an earlier
run looks like one set by hand, so a slide whose cells grew keeps its old breaks and may overflow:
`--reflow` draws the breaks by size again ("-" and "subslide" that no heading decides), keeping
every other role.

Instructor notes, one cell per `## N.` section, right after its heading and first prose:
    **Instructor notes** · about 6 min
    - **Say:** two or three points, in the words you would use in the room.
    - **Show:** the demo: which cell or widget, which value to move it to, what to notice.
    - **Asked:** the question learners ask most here, and its answer.
`notes_problems()` lists what breaks that form; `section_notes()` reads the minutes
(tools/teaching_plan.py adds them up).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

#: What one slide (a slide or subslide with everything that continues it) may hold.
MAX_CODE_LINES = 30
MAX_LINES = 45
STARTS = ("slide", "subslide")
_SETUP_LINE = re.compile(r"^\s*(import \S+|from \S+ import .+|torch\.manual_seed\(.*\)|#.*)?\s*$")


def _lines(cell: nbformat.NotebookNode) -> int:
    return len(cell.source.splitlines())


def _is_setup(cell: nbformat.NotebookNode) -> bool:
    """Imports, seeding and comments only: nothing a room needs to see."""
    return cell.cell_type == "code" and all(_SETUP_LINE.match(line) for line in cell.source.splitlines())


def _role_by_content(cell: nbformat.NotebookNode, index: int) -> str | None:
    """The role a cell's own content decides, or None when it depends on the slide so far."""
    text = cell.source.lstrip()
    if index == 0:
        return "slide"
    if "parameters" in cell.metadata.get("tags", []) or _is_setup(cell) or not text:
        return "skip"
    if cell.cell_type == "code" and _lines(cell) > MAX_CODE_LINES and not cell.get("outputs"):
        return "skip"  # a long cell of definitions: run before presenting, shown where it is used
    if cell.cell_type == "markdown":
        if text.startswith("## ") or text.startswith("# "):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        if re.match(r"(\*\*)?(Speaker|Instructor) note", text):
            return "notes"
    return None


def slide_roles(nb: nbformat.NotebookNode, reflow: bool = False) -> list[str]:
    """The role of every cell: the one it has, else the one the rules give. With `reflow`, the
    slide breaks by size ("-" and "subslide" where no heading decides) are drawn again, so a slide
    whose cells grew is split anew. Introduced in: README (For instructors)"""
    roles, code, total = [], 0, 0
    for index, cell in enumerate(nb.cells):
        given = cell.metadata.get("slideshow", {}).get("slide_type")
        by_content = _role_by_content(cell, index)
        if reflow and given in ("-", "subslide") and by_content is None:
            given = None
        role = given or by_content
        size = _lines(cell)
        if role is None:
            is_code = cell.cell_type == "code"
            too_full = total + size > MAX_LINES or (is_code and code + size > MAX_CODE_LINES)
            role = "subslide" if too_full and total else "-"
        if role in STARTS:
            code, total = 0, 0
        if role not in ("skip", "notes"):
            total += size
            code += size if cell.cell_type == "code" else 0
        roles.append(role)
    return roles


def slides(nb: nbformat.NotebookNode) -> list[dict[str, int]]:
    """Each slide/subslide's size: {"first_cell": i, "code_lines": n, "lines": n} (skip and notes not counted)."""
    found: list[dict[str, int]] = []
    for index, (cell, role) in enumerate(zip(nb.cells, slide_roles(nb))):
        if role in STARTS or not found:
            found.append({"first_cell": index, "code_lines": 0, "lines": 0})
        if role in ("skip", "notes"):
            continue
        found[-1]["lines"] += _lines(cell)
        found[-1]["code_lines"] += _lines(cell) if cell.cell_type == "code" else 0
    return found


SECTION = re.compile(r"^## (\d+)\. (.+)$")
NOTES_HEAD = re.compile(r"^\*\*Instructor notes\*\* · about (\d+) min$")
NOTES_ITEMS = ("Say", "Show", "Asked")
_NOTES_LIKE = re.compile(r"^\s*(\*\*)?(Speaker|Instructor) note", re.I)


def numbered_sections(nb: nbformat.NotebookNode) -> list[dict]:
    """Each `## N. Title` section: {"number", "title", "cells": [cell indices, heading first]}.

    A section runs to the next `## ` heading (another section, "Summary", an appendix).
    """
    found: list[dict] = []
    current = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            match = SECTION.match(cell.source.splitlines()[0])
            current = {"number": int(match[1]), "title": match[2].strip(), "cells": []} if match else None
            if current:
                found.append(current)
        if current:
            current["cells"].append(index)
    return found


def notes_minutes(source: str) -> int | None:
    """The N of a notes cell's first line "**Instructor notes** · about N min", else None."""
    match = NOTES_HEAD.match(source.strip().splitlines()[0]) if source.strip() else None
    return int(match[1]) if match else None


def _format_problems(source: str) -> list[str]:
    """What keeps one notes cell from the form in this module's docstring."""
    lines = source.strip().splitlines()
    problems = []
    if not lines or not NOTES_HEAD.match(lines[0]):
        problems.append('its first line is not "**Instructor notes** · about N min"')
    elif not 1 <= int(NOTES_HEAD.match(lines[0])[1]) <= 90:
        problems.append("its minutes are not between 1 and 90")
    bullets = [line for line in lines[1:] if line.startswith("- ")]
    labels = [re.match(r"- \*\*(\w+):\*\*\s*(.*)", b) for b in bullets]
    found = [m[1] if m else b[:20] for m, b in zip(labels, bullets)]
    if found != list(NOTES_ITEMS):
        problems.append(f"its bullets are {found}, not - **Say:**, - **Show:**, - **Asked:** (in that order)")
    for match, bullet in zip(labels, bullets):
        if match and not match[2].strip():
            problems.append(f"its **{match[1]}:** bullet is empty")
    return problems


def section_notes(nb: nbformat.NotebookNode) -> list[dict]:
    """Each numbered section with its notes cells: {"number", "title", "cells", "notes": [indices],
    "minutes": N from its notes (None without exactly one well-formed notes cell)}."""
    roles = slide_roles(nb)
    found = numbered_sections(nb)
    for section in found:
        section["notes"] = [i for i in section["cells"] if roles[i] == "notes"]
        ok = len(section["notes"]) == 1 and not _format_problems(nb.cells[section["notes"][0]].source)
        section["minutes"] = notes_minutes(nb.cells[section["notes"][0]].source) if ok else None
    return found


def notes_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Everything that breaks "one well-formed notes cell per `## N.` section, on its first slide"."""
    roles = slide_roles(nb)
    sections = section_notes(nb)
    if not sections:
        return ["no `## N. Title` section: nothing to hang instructor notes on"]
    problems = []
    in_sections = {i for s in sections for i in s["cells"]}
    for index, (cell, role) in enumerate(zip(nb.cells, roles)):
        if role == "notes" and index not in in_sections:
            problems.append(f"cell {index}: notes outside a numbered section: move them into the section they are about")
        if role != "notes" and cell.cell_type == "markdown" and _NOTES_LIKE.match(cell.source):
            problems.append(f"cell {index} reads like instructor notes but its slide role is {role!r}, not 'notes'")
    for s in sections:
        name = f"section {s['number']} ({s['title'][:40]})"
        if not s["notes"]:
            problems.append(f"{name} has no instructor notes cell")
        elif len(s["notes"]) > 1:
            problems.append(f"{name} has {len(s['notes'])} notes cells (cells {s['notes']}): one per section")
        for index in s["notes"]:
            cell = nb.cells[index]
            if cell.cell_type != "markdown":
                problems.append(f"{name}: cell {index} has the role 'notes' but is a {cell.cell_type} cell")
                continue
            problems += [f"{name}: notes cell {index}: {p}" for p in _format_problems(cell.source)]
            breaks = [i for i in s["cells"][1:] if i < index and roles[i] in STARTS]
            if breaks:
                problems.append(f"{name}: notes cell {index} comes after a new slide (cell {breaks[0]}): put it "
                                "right after the heading and first prose, so the speaker view shows it as the section opens")
    return problems


def _hidden(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def apply(path: Path, reflow: bool = False) -> int:
    """Write the roles (and expand collapsed notes cells) into one notebook file; returns how many cells changed."""
    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell, role in zip(nb.cells, slide_roles(nb, reflow)):
        before = (cell.metadata.get("slideshow", {}).get("slide_type"), _hidden(cell))
        if before[0] != role:
            cell.metadata["slideshow"] = {"slide_type": role}
        if role == "notes" and _hidden(cell):
            del cell.metadata["jupyter"]["source_hidden"]
            if not cell.metadata["jupyter"]:
                del cell.metadata["jupyter"]
        changed += (cell.metadata["slideshow"]["slide_type"], _hidden(cell)) != before
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--reflow", action="store_true",
                        help='draw the size breaks ("-", "subslide" without a heading) again: for slides whose cells grew')
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        changed = apply(path, args.reflow)
        problems = notes_problems(nbformat.read(path, as_version=4))
        print(f"{path.name}: {changed} cells given a slide role; instructor notes: {'ok' if not problems else ''}")
        for problem in problems:
            print(f"    {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
