"""The website and the slide decks build from the committed notebooks and work offline.

Builds everything once (about a minute on 2 cores; the first run also fetches the pinned
JavaScript with `npm pack`, see tools/web_assets.py) into a temporary folder, then reads the
HTML: a page and a deck for every notebook, nothing loaded from another host, every local
file a page loads present. tools/browser_check_site.py checks the same in a real browser.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tools.build_site import build_site
from tools.build_slides import build_slides, numbered_notebooks

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


def test_search_index_covers_every_page(built):
    index = (built / "site" / "search-index.js").read_text()
    assert index.startswith("window.COURSE_SEARCH = ")
    for p in NOTEBOOKS:
        assert f'"href": "{p.stem}.html#' in index, f"no section of {p.stem} is searchable"
