"""Local copies of the JavaScript that slides and the course website need, so they work offline.

nbconvert's HTML points at CDNs for reveal.js, require.js, jQuery, MathJax and the widget
renderer. `make slides` and `make site` instead fetch the pinned packages below once from the
npm registry (`npm pack`: the package files only, no install scripts), keep the files a page
needs, and copy them beside the pages. Viewing the result loads nothing from the network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "web-assets"

#: npm package -> (pinned version, folder name here, the files and folders pages use).
PACKAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # nbconvert's reveal template is written for reveal.js 4.
    "reveal.js": ("4.0.2", "reveal.js", ("dist", "plugin/notes", "LICENSE")),
    "requirejs": ("2.3.7", "requirejs", ("require.js",)),
    "jquery": ("3.7.1", "jquery", ("dist/jquery.min.js", "LICENSE.txt")),
    # nbconvert's templates configure MathJax 2 (MathJax.Hub.Config), so MathJax 2 it is; only the
    # TeX input and CommonHTML output with their fonts.
    "mathjax": ("2.7.9", "mathjax", (
        "MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
        "jax/input/TeX", "jax/output/CommonHTML", "jax/element", "fonts/HTML-CSS/TeX/woff",
        "localization/en",
    )),
    # Renders the widgets' saved state (ipywidgets 8) as static widgets.
    "@jupyter-widgets/html-manager": ("1.0.15", "html-manager", ("dist",)),
}

#: Where each asset lies relative to the assets folder, for nbconvert's URL options.
URLS = {
    "reveal_url_prefix": "reveal.js",
    "require_js_url": "requirejs/require.js",
    "jquery_url": "jquery/dist/jquery.min.js",
    "mathjax_url": "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "widget_renderer_url": "html-manager/dist/embed-amd.js",
}


class WebAssetsError(RuntimeError):
    """The assets could not be fetched; the message says what to do."""


def _stamp() -> str:
    return json.dumps(PACKAGES, sort_keys=True)


def _pack(name: str, version: str, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise WebAssetsError(
            "npm was not found. Slides and the website need Node.js's npm once, to fetch reveal.js, "
            "MathJax and the widget renderer: install Node.js (https://nodejs.org), then run this again."
        )
    result = subprocess.run([npm, "pack", "--silent", f"{name}@{version}"], cwd=into, capture_output=True, text=True)
    if result.returncode != 0:
        raise WebAssetsError(f"`npm pack {name}@{version}` failed:\n{result.stderr.strip()[-800:]}")
    return into / result.stdout.strip().splitlines()[-1]


#: Source maps and the renderer's other builds: megabytes no page loads.
_UNUSED = shutil.ignore_patterns("*.map", "embed.js", "libembed-amd.js", "reveal.esm.js")


def _keep(package: Path, dest: Path, parts: tuple[str, ...]) -> None:
    for part in parts:
        src, out = package / part, dest / part
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, out, dirs_exist_ok=True, ignore=_UNUSED)
        else:
            shutil.copy2(src, out)


def ensure_assets(cache: Path = CACHE) -> Path:
    """The folder of local assets, fetched on first use (a few seconds, ~10 MB); reused after."""
    stamp = cache / ".pins"
    if stamp.exists() and stamp.read_text() == _stamp():
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, folder, parts) in PACKAGES.items():
            tarball = _pack(name, version, Path(tmp))
            with tarfile.open(tarball) as tar:
                tar.extractall(Path(tmp) / folder, filter="data")
            _keep(Path(tmp) / folder / "package", cache / folder, parts)
    stamp.write_text(_stamp())
    return cache


def copy_assets(dest: Path) -> dict[str, str]:
    """Copy the assets to ``dest`` and return nbconvert's URL options, relative to ``dest``'s parent."""
    shutil.copytree(ensure_assets(), dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".pins"))
    return {option: f"{dest.name}/{path}" for option, path in URLS.items()}


if __name__ == "__main__":
    try:
        print(ensure_assets())
    except WebAssetsError as err:
        sys.exit(str(err))
