"""Maintainers: run notebooks in a real JupyterLab in headless Chromium and move their widgets.

What nbval and papermill cannot see: that `make lab` serves JupyterLab on 127.0.0.1 with a
token, that Run All works in the browser, and that every "Try it" widget redraws its output.
Not part of `make test` (it needs a browser). Setup, once, outside the course's venv:

    apt-get install -y chromium
    python3 -m venv build/browser-venv && build/browser-venv/bin/pip install playwright
    build/browser-venv/bin/python tools/browser_check.py notebooks/0*.ipynb

Prints one line per notebook and per widget; writes screenshots to build/browser-check/.
Where a notebook has a drawing pad (an ipycanvas canvas with a Predict button, as in 08), it
draws a digit with the mouse, presses Predict and checks that a prediction appears.
Exits 1 if a notebook shows an error, a widget does not change its output, or a drawing gets no
prediction.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def lab_settings(folder: Path) -> Path:
    """JupyterLab user settings for the check: no autosave (the browser's run must never
    overwrite a committed notebook) and no news pop-up over the outputs."""
    for plugin, settings in {
        "docmanager-extension/plugin": '{"autosave": false}',
        "apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
    }.items():
        path = folder / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(settings)
    return folder


def start_lab(port: int, token: str, log: Path) -> subprocess.Popen:
    """`make lab`, exactly as a learner starts it; returns once the server answers."""
    env = dict(os.environ, PORT=str(port), JUPYTER_TOKEN=token, BROWSER="true",
               JUPYTERLAB_SETTINGS_DIR=str(lab_settings(log.parent / "lab-settings")))
    server = subprocess.Popen(["make", "lab"], cwd=ROOT, env=env, stdout=log.open("w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(180):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
    raise SystemExit(f"JupyterLab did not start; see {log}")


def check_security(port: int) -> list[str]:
    problems = []
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5)
        problems.append("the server answered without a token")
    except urllib.error.HTTPError as err:
        if err.code != 403:
            problems.append(f"without a token the server said {err.code}, expected 403")
    listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    if re.search(rf"(0\.0\.0\.0|\*|\[::\]):{port}\b", listening):
        problems.append("the server listens on all interfaces, not only 127.0.0.1")
    return problems


def run_all(page: Page, timeout_s: int) -> None:
    idle = page.get_by_role("button", name=re.compile(r"\| Idle"))
    idle.wait_for(timeout=90_000)
    page.get_by_role("menuitem", name="Run").click()
    page.get_by_text("Run All Cells", exact=True).click()
    deadline = time.monotonic() + timeout_s
    page.wait_for_timeout(2000)
    while page.locator(".jp-InputPrompt", has_text="[*]").count() or not idle.is_visible():
        if time.monotonic() > deadline:
            raise TimeoutError("Run All did not finish")
        page.wait_for_timeout(1000)


def move_widgets(page: Page) -> list[tuple[str, bool]]:
    """Change each interact control once (slider: ArrowRight twice, ArrowLeft twice where it starts
    at its maximum; dropdown: next option; toggle buttons: the next button); report whether the
    control's output changed."""
    results = []
    # One box per cell whose output holds controls and an Output widget (interact, or
    # interactive_output in a VBox).
    # Only the notebook on show: a restored workspace can hold other, hidden notebook panels.
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    for box in panel.locator(".jp-Cell-outputWrapper").filter(has=page.locator(".widget-output")).all():
        # JupyterLab renders off-screen cells lazily: scroll there by script first.
        box.evaluate("element => element.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        output = box.locator(".widget-output").first
        before = output.inner_html()
        handle, select = box.locator(".noUi-handle").first, box.locator("select").first
        toggles = box.locator(".widget-toggle-buttons button")
        if handle.count():
            label = "slider " + box.locator(".widget-label").first.inner_text()
            handle.evaluate("element => element.focus()")
            # A slider that starts at its maximum (10's "changes") can only move left.
            at_max = handle.evaluate(
                "element => Number(element.getAttribute('aria-valuenow')) >= Number(element.getAttribute('aria-valuemax'))")
            key = "ArrowLeft" if at_max else "ArrowRight"
            page.keyboard.press(key)
            page.keyboard.press(key)
        elif select.count():
            label = "dropdown " + box.locator(".widget-label").first.inner_text()
            options = select.locator("option").all_inner_texts()
            current = select.evaluate("element => element.selectedIndex")
            select.select_option(index=(current + 1) % len(options))
        elif toggles.count() > 1:
            label = "toggle buttons"
            toggles.nth(1).click()
        else:
            continue
        # A redraw can take seconds on a busy machine (a grid of 32 images): poll, up to 20 s.
        deadline = time.monotonic() + 20
        while output.inner_html() == before and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        results.append((label, output.inner_html() != before))
    return results


def draw_on_canvases(page: Page) -> list[tuple[str, bool]]:
    """Draw a digit with the mouse on each ipycanvas drawing pad (a canvas with a Predict button),
    press Predict and report whether a prediction ("the model reads a ...") appeared."""
    results = []
    pads = page.locator(".jp-Cell-outputWrapper").filter(has=page.locator("canvas")).filter(
        has=page.get_by_role("button", name="Predict"))
    for pad in pads.all():
        pad.evaluate("element => element.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        clear = pad.get_by_role("button", name="Clear")
        if clear.count():
            clear.first.click()
            page.wait_for_timeout(500)
        box = pad.locator("canvas").first.bounding_box()
        if box is None:
            results.append(("drawing pad", False))
            continue

        def at(fx: float, fy: float) -> tuple[float, float]:
            return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

        page.mouse.move(*at(0.3, 0.25))  # a 7: the bar, then the stem
        page.mouse.down()
        for point in (at(0.7, 0.25), at(0.45, 0.8)):
            page.mouse.move(*point, steps=12)
        page.mouse.up()
        page.wait_for_timeout(1000)  # let the pixels sync back to the kernel
        pad.get_by_role("button", name="Predict").first.click()
        answer = pad.locator(".jp-OutputArea-output", has_text=re.compile(r"the model reads a \d"))
        try:
            answer.first.wait_for(timeout=15_000)
            text = re.search(r"the model reads a \d[^\n]*", answer.first.inner_text())[0]
            results.append((f"drawing pad: {text}", True))
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: report, do not crash the run
            results.append(("drawing pad: no prediction appeared", False))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--timeout", type=int, default=300, help="seconds for one Run All")
    args = parser.parse_args()
    shots = ROOT / "build" / "browser-check"
    shots.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    server = start_lab(args.port, token, shots / "lab.log")
    failed = False
    try:
        for problem in check_security(args.port):
            print("SECURITY:", problem)
            failed = True
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for nb in args.notebooks:
                rel = nb.resolve().relative_to(ROOT).as_posix()
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                # ?reset: a fresh workspace, so notebooks opened in earlier runs do not come back.
                page.goto(f"http://127.0.0.1:{args.port}/lab/tree/{rel}?reset&token={token}")
                start = time.monotonic()
                run_all(page, args.timeout)
                errors = page.locator(".jp-OutputArea-output", has_text=re.compile(r"Traceback|Error\b.*most recent")).count()
                moved = move_widgets(page)
                drawn = draw_on_canvases(page)
                page.screenshot(path=shots / f"{nb.stem}.png", full_page=False)
                has_widgets = '"application/vnd.jupyter.widget-view+json"' in nb.read_text(encoding="utf-8")
                ok = errors == 0 and all(changed for _, changed in moved + drawn) and (moved or not has_widgets)
                failed |= not ok
                print(f"{'ok  ' if ok else 'FAIL'} {nb.name}: Run All {time.monotonic() - start:.0f} s, "
                      f"{errors} traceback(s), {len(moved)} widget(s) moved")
                for label, changed in moved:
                    print(f"       {label}: output {'redrawn' if changed else 'UNCHANGED'}")
                for label, worked in drawn:
                    print(f"       {label}" + ("" if worked else " (FAILED)"))
                if drawn:
                    page.screenshot(path=shots / f"{nb.stem}-drawing.png", full_page=False)
                page.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
