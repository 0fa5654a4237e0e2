"""The website and the slide decks build from the committed notebooks and work offline.

Builds everything once (about a minute on 2 cores; the first run also fetches the pinned
JavaScript with `npm pack`, see tools/web_assets.py) into a temporary folder, then reads the
HTML: a page and a deck for every notebook, nothing loaded from another host, every local
file a page loads present, instructor notes folded on the pages and in the decks' speaker notes,
no widget view without its saved state. tools/browser_check_site.py checks the same in a real
browser, console errors included.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tools.build_site import build_site, fold_notes, sections
from tools.build_slides import WIDGET_STATE, WIDGET_VIEW, build_slides, numbered_notebooks, static_ready
from tools.slide_metadata import slide_roles

NOTEBOOKS = numbered_notebooks()
# Anything a browser fetches by itself: script/img/iframe/source src, stylesheet and icon links,
# CSS url(...) and @import, ES-module imports, and the widget renderer's URL in its loader script.
FETCHED = [
    re.compile(r"<(?:script|img|iframe|source|embed)\b[^>]*?\bsrc=[\"']([^\"']+)", re.I),
    re.compile(r"<link\b[^>]*?\bhref=[\"']([^\"']+)", re.I),
    re.compile(r"url\(\s*[\"']?([^\"')]+)", re.I),
    re.compile(r"@import\s+[\"']([^\"']+)", re.I),
    re.compile(r"\b(?:import|from)\s*\(?\s*[\"'](https?://[^\"']+)", re.I),
    re.compile(r"widgetRendererSrc\s*=\s*'([^']+)'"),
]


def fetched_urls(page: str) -> set[str]:
    """What a page makes the browser load (data: URIs left out)."""
    return {u.strip() for rx in FETCHED for u in rx.findall(page) if not u.startswith(("data:", "#"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the offline slides and site need it once to fetch reveal.js and MathJax")
    out = tmp_path_factory.mktemp("publish")
    build_site(NOTEBOOKS, out / "site")
    build_slides(NOTEBOOKS, out / "slides")
    return out


def test_the_checker_sees_what_a_browser_would_fetch():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="a.css">'
            "<style>@font-face{src:url('https://fonts.example/f.woff')}</style>"
            "<script type=module>import m from 'https://cdn.example/m.mjs'</script>"
            "var widgetRendererSrc = 'https://unpkg.com/@jupyter-widgets/html-manager@*/dist/embed-amd.js';"
            '<img src="data:image/png;base64,AAAA">')
    assert fetched_urls(page) == {"https://cdn.example/x.js", "a.css", "https://fonts.example/f.woff",
                                  "https://cdn.example/m.mjs",
                                  "https://unpkg.com/@jupyter-widgets/html-manager@*/dist/embed-amd.js"}


@pytest.mark.parametrize("kind", ["site", "slides"])
def test_every_notebook_has_its_page_and_deck(built, kind):
    suffix = ".html" if kind == "site" else ".slides.html"
    missing = [p.name for p in NOTEBOOKS if not (built / kind / f"{p.stem}{suffix}").exists()]
    assert not missing and (built / kind / "index.html").exists(), f"no {kind} page for {missing}"


def _pages(built):
    return sorted((built / "site").glob("*.html")) + sorted((built / "slides").glob("*.html"))


def test_nothing_is_loaded_from_another_host(built):
    external = {f"{p.parent.name}/{p.name}": sorted(u for u in fetched_urls(p.read_text()) if re.match(r"(https?:)?//", u))
                for p in _pages(built)}
    assert not {k: v for k, v in external.items() if v}


def test_every_local_file_a_page_loads_is_there(built):
    missing = []
    for page in _pages(built):
        for url in fetched_urls(page.read_text()):
            target = page.parent / url.split("?")[0].split("#")[0]
            if not target.exists():
                missing.append(f"{page.parent.name}/{page.name}: {url}")
    assert not missing


def test_math_and_widgets_are_served_locally(built):
    page = (built / "site" / "02_autograd.html").read_text()
    assert 'src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"' in page
    assert "$" in page or "\\(" in page  # the page has math for MathJax to typeset
    widgets = (built / "site" / "00_setup_check.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in widgets
    assert "'assets/html-manager/dist/embed-amd.js'" in widgets


def _link(page: str, rel: str) -> str | None:
    """The href of the page's <a rel=...> link, whatever the attributes' order."""
    tag = re.search(rf'<a\b[^>]*\brel="{rel}"[^>]*>', page)
    return re.search(r'href="([^"]+)"', tag[0])[1] if tag else None


def test_site_navigation(built):
    site = built / "site"
    landing = (site / "index.html").read_text()
    for p in NOTEBOOKS:
        assert f'href="{p.stem}.html"' in landing, f"the landing page does not link {p.stem}"
    first, second = (site / f"{NOTEBOOKS[0].stem}.html").read_text(), (site / f"{NOTEBOOKS[1].stem}.html").read_text()
    assert _link(first, "next") == f"{NOTEBOOKS[1].stem}.html" and _link(first, "prev") is None
    assert _link(second, "prev") == f"{NOTEBOOKS[0].stem}.html"
    assert "Run it yourself" in second and f'href="notebooks/{NOTEBOOKS[1].name}"' in second
    assert (site / "notebooks" / NOTEBOOKS[1].name).exists()
    # Links between notebooks lead to pages, not to .ipynb files the site does not serve.
    assert not re.search(r'href="\d\d_\w+\.ipynb"', second)
    # The teaching plan is a page too, linked from the landing page, its notebooks linked to their pages.
    plan = (site / "teaching-plan.html").read_text()
    assert 'href="teaching-plan.html"' in landing and "<table>" in plan and "<!--" not in plan
    assert f'href="{NOTEBOOKS[1].stem}.html"' in plan and not re.search(r'href="[^"]*\.ipynb"', plan)


def test_search_index_covers_every_page(built):
    index = (built / "site" / "search-index.js").read_text()
    assert index.startswith("window.COURSE_SEARCH = ")
    for p in NOTEBOOKS:
        assert f'"href": "{p.stem}.html#' in index, f"no section of {p.stem} is searchable"


def _notes_cells(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(role == "notes" for role in slide_roles(nb))


def test_instructor_notes_are_folded_on_the_site_and_speaker_notes_in_the_decks(built):
    for p in NOTEBOOKS:
        page = (built / "site" / f"{p.stem}.html").read_text()
        deck = (built / "slides" / f"{p.stem}.slides.html").read_text()
        folded = re.findall(r'<details class="course-notes">\s*<summary>([^<]*)</summary>', page)
        assert len(folded) == _notes_cells(p), f"{p.stem}: {len(folded)} folded notes on the page, {_notes_cells(p)} in the notebook"
        assert all(s.startswith("Instructor notes") for s in folded), folded[:3]
        assert "<details class=\"course-notes\" open" not in page
        assert deck.count('<aside class="notes">') == _notes_cells(p), f"{p.stem}: not every notes cell is a speaker note"


def test_no_widget_view_without_its_saved_state(built):
    """A view whose model the page does not hold logs "widget model not found" in the browser."""
    for page in _pages(built):
        text = page.read_text()
        state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
        models = json.loads(state[1])["state"] if state else {}
        views = re.findall(r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', text, re.S)
        orphans = [v for v in views if json.loads(v)["model_id"] not in models]
        assert not orphans, f"{page.parent.name}/{page.name}: widget views without a model: {orphans[:2]}"


# Small made-up notebooks for the rules (no build needed).
NOTES = "**Instructor notes** · about 6 min\n- **Say:** a point.\n- **Show:** the slider.\n- **Asked:** why? Because."


def _widget_nb() -> nbformat.NotebookNode:
    """A slider (core), a VBox holding a third-party canvas and a button, and a view of a model never saved."""
    def model(module, name, state):
        return {"model_module": module, "model_name": name, "model_module_version": "*", "state": state}

    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {
        "slider": model("@jupyter-widgets/controls", "IntSliderModel", {"layout": "IPY_MODEL_lay"}),
        "lay": model("@jupyter-widgets/base", "LayoutModel", {}),
        "box": model("@jupyter-widgets/controls", "VBoxModel", {"children": ["IPY_MODEL_canvas", "IPY_MODEL_button"]}),
        "button": model("@jupyter-widgets/controls", "ButtonModel", {}),
        "canvas": model("ipycanvas", "CanvasModel", {"_canvas_manager": "IPY_MODEL_manager"}),
        "manager": model("ipycanvas", "CanvasManagerModel", {}),
    }}}
    for model_id in ("slider", "box", "gone"):
        cell = nbformat.v4.new_code_cell("w", execution_count=1)
        cell.outputs = [nbformat.v4.new_output("execute_result", {WIDGET_VIEW: {"model_id": model_id}, "text/plain": "W"},
                                               execution_count=1)]
        nb.cells.append(cell)
    return nb


def test_widgets_that_need_a_kernel_are_replaced_by_a_line():
    nb = static_ready(_widget_nb())
    assert set(nb.metadata["widgets"][WIDGET_STATE]["state"]) == {"slider", "lay", "button"}
    slider, box, gone = (c.outputs[0]["data"] for c in nb.cells)
    assert slider[WIDGET_VIEW] == {"model_id": "slider"}
    assert WIDGET_VIEW not in box and "This live widget (Canvas) needs a running Python kernel" in box["text/html"]
    assert WIDGET_VIEW not in gone and "This live widget needs a running Python kernel" in gone["text/html"]


def test_notes_fold_into_a_closed_block_and_stay_out_of_search():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · T"), nbformat.v4.new_markdown_cell("## 1. Idea"),
                nbformat.v4.new_markdown_cell(NOTES), nbformat.v4.new_markdown_cell("Prose.")]
    folded = fold_notes(nb).cells[2]
    assert folded.metadata["course_notes"] == "Instructor notes · about 6 min"
    assert folded.source.startswith("- **Say:**")
    body = ('<h2 id="1.-Idea">1. Idea<a class="anchor-link" href="#1.-Idea">¶</a></h2>'
            '<details class="course-notes"><summary>Instructor notes</summary><p>Say: hidden words</p></details><p>Prose.</p>')
    assert sections(body) == [{"level": 2, "id": "1.-Idea", "title": "1. Idea", "text": "Prose."}]
