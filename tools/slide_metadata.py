"""Give every cell of the numbered notebooks its slideshow role (RISE, `make slides`).

    .venv/bin/python tools/slide_metadata.py notebooks/[0-9]*.ipynb     # or: make slide-metadata

Rules, applied only to cells that have no role yet (a role set by hand always wins):
- the title cell and every `## ` heading start a slide; `### ` headings start a subslide;
- the `parameters` cell, cells that only import or seed, and long cells that only define (no
  output) are skipped: run all cells before presenting;
- a markdown cell starting with "Speaker note" or "Instructor note" becomes speaker notes;
- any other cell continues the current slide, unless it would push the slide past
  MAX_CODE_LINES lines of code or MAX_LINES lines in all: then it starts a subslide.
Only `metadata.slideshow` changes: outputs and execution counts stay as they are, so the
notebooks need no re-execution. Running it twice changes nothing.
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


def slide_roles(nb: nbformat.NotebookNode) -> list[str]:
    """The role of every cell: the one it has, else the one the rules give. Introduced in: README (For instructors)"""
    roles, code, total = [], 0, 0
    for index, cell in enumerate(nb.cells):
        role = cell.metadata.get("slideshow", {}).get("slide_type") or _role_by_content(cell, index)
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


def apply(path: Path) -> int:
    """Write the roles into one notebook file; returns how many cells changed."""
    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell, role in zip(nb.cells, slide_roles(nb)):
        if cell.metadata.get("slideshow", {}).get("slide_type") != role:
            cell.metadata["slideshow"] = {"slide_type": role}
            changed += 1
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"{path.name}: {apply(path)} cells given a slide role")
    return 0


if __name__ == "__main__":
    sys.exit(main())
