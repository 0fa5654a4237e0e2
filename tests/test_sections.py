"""Sections are numbered 1..n in every notebook, and every "section N" a notebook cites exists and is
about what the citing sentence says it is about: the sentence names something distinctive of that
section (a word of it that at most a third of the notebook's other sections use). That is a floor, not
a proof that the citation is apt; an expert reads them too.

A citation is "section N" (or "sections N and M", "§N"), about the same notebook unless a notebook
number comes just before it ("01, section 6", "notebook 08, section 5", "[01 · Tensors](01_tensors.ipynb),
section 6", "08's section 5"). Markdown and code comments are both read: a parameters cell says
"(section 4)" too.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SECTION = re.compile(r"^## (\d+)\. (.+)$", re.M)
# "01, section 6" / "notebook 01 section 6" / "(01_tensors.ipynb), section 6" / "08's section 5" / "§6"
CITATION = re.compile(
    r"(?:(?P<nb>\b\d\d)(?:_[\w-]+\.ipynb\))?(?:'s|,)?\s+)?(?:sections?\s+|§\s?)(?P<first>\d+)"
    r"(?P<more>(?:\s*(?:,|and|or|–|-)\s*\d+\b)*)", re.I)
STOP = set("""a about above after again all also an and any are as at be because been before being below both but by
can cell cells code could did do does doing down each end every few for from further get gets had has have
here how if in into is it its itself just like make makes more most much must no not now of off on once only or
other our out over own same see section sections shows show shown so some such than that the their them then
there these they this those through to too under until up very was we were what when where which while who why
will with would you your yours notebook below above first second next last one two three""".split())


def _words(text: str) -> set[str]:
    """Content words, cut to 5 letters so that "gradients" meets "gradient"."""
    return {w[:5] for w in re.findall(r"[a-z_]{4,}", text.lower()) if w not in STOP}


def _sections(path: Path) -> dict[int, str]:
    """Section number -> its heading and text (up to the next `## ` heading)."""
    nb = nbformat.read(path, as_version=4)
    sections: dict[int, str] = {}
    current = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            match = SECTION.match(cell.source)
            current = int(match[1]) if match else None
            if current is not None:
                sections[current] = cell.source
            continue
        if current is not None:
            sections[current] += "\n" + cell.source
    return sections


def _numbers(path: Path) -> list[int]:
    nb = nbformat.read(path, as_version=4)
    return [int(m[1]) for c in nb.cells if c.cell_type == "markdown" for m in SECTION.finditer(c.source)]


ALL_SECTIONS = {p.name[:2]: _sections(p) for p in NOTEBOOKS}


def distinctive_words(notebook: str, number: int) -> set[str]:
    """What a section is about: its words that at most a third of the notebook's other sections use."""
    sections = ALL_SECTIONS[notebook]
    others = [_words(text) for n, text in sections.items() if n != number]
    return {w for w in _words(sections[number]) if sum(w in o for o in others) <= len(others) // 3}


def _citing_texts(path: Path) -> list[str]:
    """Markdown cells, and the comments of code cells."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        elif cell.cell_type == "code":
            texts += [m.group(1) for m in re.finditer(r"#\s?(.*)$", cell.source, re.M)]
    return texts


def citations(path: Path) -> list[tuple[str, int, str]]:
    """(notebook number, section number, the citing sentence) for every citation in a notebook."""
    found = []
    for text in _citing_texts(path):
        for sentence in re.split(r"(?<=[.!?])\s+|\n\n", text):
            for m in CITATION.finditer(sentence):
                notebook = m["nb"] or path.name[:2]
                for number in [m["first"], *re.findall(r"\d+", m["more"] or "")]:
                    found.append((notebook, int(number), sentence.strip()))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_sections_are_numbered_one_to_n(path: Path):
    numbers = _numbers(path)
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: sections numbered {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_cited_section_exists_and_is_about_what_is_cited(path: Path):
    problems = []
    for notebook, number, sentence in citations(path):
        sections = ALL_SECTIONS.get(notebook)
        if sections is None:
            problems.append(f"cites notebook {notebook}, which does not exist: {sentence!r}")
            continue
        if number not in sections:
            problems.append(f"cites {notebook} section {number}, which does not exist: {sentence!r}")
            continue
        citing = _words(re.sub(r"\bsections?\s+\d+|§\s?\d+", "", sentence))
        if not citing & distinctive_words(notebook, number):
            heading = sections[number].splitlines()[0]
            problems.append(f"cites {notebook} section {number} ({heading!r}), but the citing sentence names "
                            f"nothing that section is about (a word of it that few other sections use): {sentence!r}")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_citations_are_found_in_their_forms(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "See section 2. As [01 · Tensors](01_tensors.ipynb), section 6 shows, and 08's section 5 too. "
        "Sections 3 and 4 say more; 02, section 7 and §9 as well.")]
    path = tmp_path / "05_x.ipynb"
    nbformat.write(nb, path)
    assert [(n, s) for n, s, _ in citations(path)] == [
        ("05", 2), ("01", 6), ("08", 5), ("05", 3), ("05", 4), ("02", 7), ("05", 9)]
