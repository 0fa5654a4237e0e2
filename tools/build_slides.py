"""Offline slide decks (reveal.js) of the numbered notebooks, from their committed outputs.

    .venv/bin/python tools/build_slides.py            # or: make slides  -> build/slides/index.html
    .venv/bin/python tools/build_slides.py notebooks/02_autograd.ipynb --out /tmp/decks

Nothing is re-executed. Each deck embeds its images and the widgets' saved state; reveal.js,
MathJax, require.js, jQuery and the widget renderer are local copies in build/slides/assets/
(tools/web_assets.py), so a deck opens from a USB stick on a projector without network.
Arrow keys or space advance; `s` opens the speaker view with the notes.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.slide_metadata import slide_roles  # noqa: E402
from tools.web_assets import copy_assets  # noqa: E402

TEMPLATES = ROOT / "docs" / "templates"
NOTEBOOKS = ROOT / "notebooks"
CORE_WIDGETS = "@jupyter-widgets/"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def numbered_notebooks() -> list[Path]:
    """The course's notebooks in order (the template `_template.ipynb` is not one)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def static_ready(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only the saved state of ipywidgets' own widgets.

    A third-party widget (the drawing canvas) would make the renderer fetch its code from a CDN;
    without a kernel it could not draw anyway. Introduced in: README (Read online/offline)
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state")
    if state:
        kept = {k: v for k, v in state.items() if v.get("model_module", "").startswith(CORE_WIDGETS)}
        nb.metadata["widgets"][WIDGET_STATE]["state"] = kept
    return nb


def with_slide_roles(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give cells without a role the one tools/slide_metadata.py would give (committed notebooks have them)."""
    for cell, role in zip(nb.cells, slide_roles(nb)):
        cell.metadata.setdefault("slideshow", {"slide_type": role})
    return nb


def build_deck(path: Path, out: Path, urls: dict[str, str]) -> Path:
    """Write ``out/<notebook>.slides.html`` for one notebook; returns its path."""
    nb = with_slide_roles(static_ready(nbformat.read(path, as_version=4)))
    exporter = SlidesExporter(
        extra_template_basedirs=[str(TEMPLATES)], template_name="course-slides",
        reveal_scroll=True, reveal_theme="white", reveal_transition="none", **urls,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    target = out / f"{path.stem}.slides.html"
    # Links to other notebooks ("03_computational_graphs.ipynb") open their decks.
    body = re.sub(r'href="(\d\d_\w+)\.ipynb"', r'href="\1.slides.html"', body)
    target.write_text(body, encoding="utf-8")
    return target


def _index(decks: list[Path]) -> str:
    items = "\n".join(f'<li><a href="{d.name}">{html.escape(d.name.split(".")[0].replace("_", " ", 1))}</a></li>' for d in decks)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PyTorch from the Ground Up: slides</title>'
        '<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.6}</style></head><body>'
        f"<h1>PyTorch from the Ground Up: slides</h1><p>Arrow keys or space advance; <kbd>s</kbd> opens the "
        f"speaker view.</p><ol start=\"0\">{items}</ol></body></html>\n"
    )


def build_slides(notebooks: list[Path], out: Path) -> list[Path]:
    """Every deck, the shared assets and an index page into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    urls = copy_assets(out / "assets")
    decks = [build_deck(path, out, urls) for path in notebooks]
    (out / "index.html").write_text(_index(decks), encoding="utf-8")
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    decks = build_slides(args.notebooks or numbered_notebooks(), args.out)
    print(f"{len(decks)} decks in {args.out} (open index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
