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
import shutil
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
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def numbered_notebooks() -> list[Path]:
    """The course's notebooks in order (the template `_template.ipynb` is not one)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _references(value) -> set[str]:
    """The widget models a saved state or an output refers to ("IPY_MODEL_<id>", or a view's model_id)."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        found = {value[WIDGET_VIEW]["model_id"]} if isinstance(value.get(WIDGET_VIEW), dict) else set()
        return found.union(*(_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value))
    return set()


def needs_kernel_html(kinds: list[str]) -> str:
    """What a page shows where a widget that only works with a running kernel was."""
    what = f" ({', '.join(kinds)})" if kinds else ""
    return (f'<p class="course-needs-kernel" style="font-style: italic; color: #4b5563">This live widget{what} '
            "needs a running Python kernel: open the notebook in JupyterLab to use it.</p>")


def _foreign_kinds(model_id: str, state: dict) -> list[str]:
    """The third-party widgets a view shows ("Canvas"), found through the core widgets that hold them."""
    kinds, seen, todo = set(), set(), [model_id]
    while todo:
        k = todo.pop()
        if k in seen or k not in state:
            continue
        seen.add(k)
        if state[k].get("model_module", "").startswith(CORE_WIDGETS):
            todo += _references(state[k].get("state", {}))
        else:
            kinds.add(state[k].get("model_name", "widget").removesuffix("Model"))
    return sorted(kinds)


def static_ready(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only the saved state of ipywidgets' own widgets, and only the views that state can draw.

    A third-party widget (the drawing canvas) would make the renderer fetch its code from a CDN;
    without a kernel it could not draw anyway. So its state is dropped, and so is every widget that
    refers to a dropped or missing one (a VBox holding the canvas); where such a widget was shown,
    the page says it needs a running kernel instead of logging "widget model not found".
    Introduced in: README (Read online/offline)
    """
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    state = saved.get("state", {})
    kept = {k: v for k, v in state.items() if v.get("model_module", "").startswith(CORE_WIDGETS)}
    while broken := [k for k, v in kept.items() if _references(v.get("state", {})) - kept.keys()]:
        for k in broken:
            del kept[k]
    if state:
        saved["state"] = kept
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and view.get("model_id") not in kept:
                output["data"] = {"text/html": needs_kernel_html(_foreign_kinds(view["model_id"], state)),
                                  "text/plain": "This live widget needs a running Python kernel."}
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
        '<link rel="icon" href="favicon.svg">'
        '<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.6}</style></head><body>'
        f"<h1>PyTorch from the Ground Up: slides</h1><p>Arrow keys or space advance; <kbd>s</kbd> opens the "
        f"speaker view with each section's instructor notes.</p><ol start=\"0\">{items}</ol></body></html>\n"
    )


def build_slides(notebooks: list[Path], out: Path) -> list[Path]:
    """Every deck, the shared assets and an index page into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    urls = copy_assets(out / "assets")
    shutil.copy2(ROOT / "docs" / "site" / "favicon.svg", out / "favicon.svg")
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
