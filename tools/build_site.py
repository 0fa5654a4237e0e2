"""The course website: every numbered notebook as a page, from its committed outputs.

    .venv/bin/python tools/build_site.py          # or: make site  -> build/site/index.html

Nothing is re-executed. A landing page made from README's course table, and the teaching plan
(docs/teaching_plan.md) as a page of its own; on every page the contents, an offline search box,
the page's sections, previous/next links and how to run it yourself; math typeset by a local
MathJax; plots embedded; widgets drawn from their saved state. Everything a page loads lies in
build/site/, so the folder works from a disk, a USB stick or any static web server, without
network. Instructor notes (the cells whose slide role is "notes") are folded into a closed
"Instructor notes" block that one click opens, and left out of the search.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

import mistune
import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.build_slides import TEMPLATES, numbered_notebooks, static_ready  # noqa: E402
from tools.slide_metadata import slide_roles  # noqa: E402
from tools.web_assets import copy_assets  # noqa: E402

STATIC = ROOT / "docs" / "site"
_HEADING = re.compile(r'<h([1-3]) id="([^"]+)">(.*?)<a class="anchor-link"[^>]*>[^<]*</a>\s*</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")
_NOTES_HEAD = re.compile(r"^\*\*((?:Instructor|Speaker) notes?)\*\*\s*(.*)$", re.I)
_FOLDED = re.compile(r'<details class="course-notes".*?</details>', re.S)


def fold_notes(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Mark each notes cell for the page template: its first line becomes the summary of a closed
    <details> block ("Instructor notes · about 6 min"), the rest its content."""
    for cell, role in zip(nb.cells, slide_roles(nb)):
        if role == "notes" and cell.cell_type == "markdown":
            first, _, rest = cell.source.strip().partition("\n")
            head = _NOTES_HEAD.match(first)
            summary = f"{head[1]} {head[2]}".strip() if head else "Instructor notes"
            cell.metadata["course_notes"] = summary
            cell.source = rest if head else cell.source
    return nb


def _text(fragment: str) -> str:
    """Readable text of an HTML fragment: no tags, no scripts or styles, single spaces."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()


def page_info(path: Path) -> dict:
    """Name, file, title ("02 · Autograd") of a notebook's page."""
    nb = nbformat.read(path, as_version=4)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), path.stem)
    title = re.sub(r"^#\s*", "", first.strip().splitlines()[0])
    return {"name": path.stem, "href": f"{path.stem}.html", "title": title, "path": path, "sections": []}


def sections(body: str) -> list[dict]:
    """Each heading of a rendered page with its anchor and the text up to the next heading."""
    found = list(_HEADING.finditer(body))
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(body)
        text = _text(_FOLDED.sub(" ", body[m.end():end]))  # instructor notes are not what a learner searches
        out.append({"level": int(m[1]), "id": m[2], "title": _text(m[3]), "text": text[:4000]})
    return out


def render_page(page: dict, pages: list[dict], urls: dict[str, str]) -> str:
    """One notebook as a page; fills ``page["sections"]`` for the search."""
    nb = fold_notes(static_ready(nbformat.read(page["path"], as_version=4)))
    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATES)], template_name="course-page", **urls)
    i = pages.index(page)
    course = {"pages": pages, "current": page,
              "previous": pages[i - 1] if i > 0 else None, "next": pages[i + 1] if i + 1 < len(pages) else None}
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": page["title"]}, "course": course})
    page["sections"] = sections(body)
    # The contents list shows this page's numbered sections under its title.
    items = "".join(f'<li><a href="#{s["id"]}">{html.escape(s["title"])}</a></li>' for s in page["sections"] if s["level"] == 2)
    body = body.replace("<!--course-sections-->", f"<ul>{items}</ul>", 1)
    return link_pages(body, pages, ".html")


def link_pages(body: str, pages: list[dict], suffix: str) -> str:
    """Links between notebooks ("02_autograd.ipynb") point at their pages ("02_autograd.html")."""
    names = "|".join(re.escape(p["name"]) for p in pages)
    return re.sub(rf'href="({names})\.ipynb(#[^"]*)?"', lambda m: f'href="{m[1]}{suffix}{m[2] or ""}"', body)


def _course_table(readme: str) -> str:
    """README's course table, its notebook links pointing at the pages."""
    table = re.search(r"^\| # \|.*?(?=\n\n)", readme, re.S | re.M)
    markdown = re.sub(r"\(notebooks/(\d\d_\w+)\.ipynb\)", r"(\1.html)", table[0] if table else "")
    return mistune.create_markdown(plugins=["table"])(markdown)


def _frame(title: str, body: str, pages: list[dict]) -> str:
    """A page of the site around `body`: the navigation with the contents and the search."""
    toc = "".join(f'<li><a href="{p["href"]}">{html.escape(p["title"])}</a></li>' for p in pages)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><link rel="stylesheet" href="course.css"><link rel="icon" href="favicon.svg"></head>
<body class="course-landing">
<nav class="course-nav" aria-label="Course">
  <p class="course-home"><a href="index.html">PyTorch from the Ground Up</a></p>
  <input id="course-search" type="search" placeholder="Search the course" aria-label="Search the course">
  <ol id="course-search-results" class="course-search-results"></ol>
  <ul class="course-toc">{toc}</ul>
</nav>
<main class="course-main">
{body}
</main>
<script src="search-index.js"></script>
<script src="search.js"></script>
</body></html>
"""


def landing(pages: list[dict], readme: str) -> str:
    """index.html: what the course is, the course table, and how to run it."""
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    md = mistune.create_markdown(plugins=["table"])
    run = md(
        "Every page shows a notebook as it was executed. To run the code, move the widgets and do the "
        "exercises yourself, get the course and run `make lab` (Linux, macOS; the README gives the commands "
        "for Windows and for conda). Every notebook can also be downloaded from its page."
    )
    body = f"""<h1>PyTorch from the Ground Up</h1>
{md(intro)}
<h2>The course</h2>
{_course_table(readme)}
<p>Teaching it? The <a href="teaching-plan.html">teaching plan</a> gives each notebook's time in a room, the
exercises for class and for homework, and two example schedules.</p>
<h2>Run it yourself</h2>
{run}
<p>The MNIST database of handwritten digits is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
under CC BY-SA 3.0; the course's code and notebooks are under the MIT licence.</p>"""
    return _frame("PyTorch from the Ground Up", body, pages)


def plan_page(pages: list[dict], plan: str) -> str:
    """teaching-plan.html: docs/teaching_plan.md, its notebook links pointing at the pages."""
    plan = re.sub(r"<!--.*?-->\n?", "", plan, flags=re.S)  # the generator's markers
    names = "|".join(re.escape(p["name"]) for p in pages)
    plan = re.sub(rf"\(\.\./notebooks/({names})\.ipynb\)", r"(\1.html)", plan)
    return _frame("Teaching plan · PyTorch from the Ground Up", mistune.create_markdown(plugins=["table"])(plan), pages)


def search_index(pages: list[dict]) -> str:
    """search-index.js: every section of every page (a script, so it also loads from file://)."""
    entries = [
        {"page": p["title"].split(" · ")[0], "title": s["title"], "href": f'{p["href"]}#{s["id"]}', "text": s["text"]}
        for p in pages for s in p["sections"]
    ]
    return "window.COURSE_SEARCH = " + json.dumps(entries, ensure_ascii=False) + ";\n"


def build_site(notebooks: list[Path], out: Path) -> list[Path]:
    """Write the whole site into ``out``; returns the pages' paths (landing page first)."""
    out.mkdir(parents=True, exist_ok=True)
    urls = copy_assets(out / "assets")
    urls.pop("reveal_url_prefix")  # pages are not slides
    for name in ("course.css", "search.js", "favicon.svg"):
        shutil.copy2(STATIC / name, out / name)
    (out / "notebooks").mkdir(exist_ok=True)
    pages = [page_info(path) for path in notebooks]
    written = []
    for page in pages:
        target = out / page["href"]
        target.write_text(render_page(page, pages, urls), encoding="utf-8")
        shutil.copy2(page["path"], out / "notebooks" / page["path"].name)
        written.append(target)
    (out / "search-index.js").write_text(search_index(pages), encoding="utf-8")
    (out / "index.html").write_text(landing(pages, (ROOT / "README.md").read_text(encoding="utf-8")), encoding="utf-8")
    plan = (ROOT / "docs" / "teaching_plan.md").read_text(encoding="utf-8")
    (out / "teaching-plan.html").write_text(plan_page(pages, plan), encoding="utf-8")
    return [out / "index.html", *written, out / "teaching-plan.html"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    written = build_site(args.notebooks or numbered_notebooks(), args.out)
    print(f"{len(written)} pages in {args.out} (open index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
