"""Maintainers: open the built website and slide decks in headless Chromium, offline, and RISE live.

    make site slides
    build/browser-venv/bin/python tools/browser_check_site.py      # setup: see tools/browser_check.py

What a static check of the HTML cannot see: that every request a page makes is answered from
the folder itself (none fails, none leaves the machine), that MathJax typesets, that the saved
widgets render, that search answers, and that decks advance with the keyboard. It also starts
JupyterLab (`make lab`) and presents one notebook with RISE. Prints one line per check and
writes screenshots to build/browser-check/; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.browser_check import CHROMIUM_ARGS, start_lab  # noqa: E402

SHOTS = ROOT / "build" / "browser-check"


def serve(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A static server on 127.0.0.1 only, as any web host would serve the folder."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Network:
    """Every request of a page: which failed, which left this machine."""

    def __init__(self, page: Page, local: tuple[str, ...]):
        self.failed, self.external, self.count = [], [], 0
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url[:100]} ({r.failure})"))
        self.local = local + ("data:", "blob:", "about:")

    def _request(self, request) -> None:
        self.count += 1
        if not request.url.startswith(self.local):
            self.external.append(request.url[:100])

    def problems(self) -> list[str]:
        return [f"failed: {u}" for u in self.failed] + [f"external: {u}" for u in self.external]


def check(results: list[tuple[str, bool, str]], name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")


def present_index(page: Page) -> str:
    """Which slide reveal.js shows: "h/v"."""
    return page.evaluate("""() => {
        const hs = [...document.querySelectorAll('.reveal .slides > section')];
        const h = hs.findIndex(s => s.classList.contains('present'));
        const vs = h >= 0 ? [...hs[h].querySelectorAll(':scope > section')] : [];
        return h + '/' + vs.findIndex(s => s.classList.contains('present'));
    }""")


def check_site(page: Page, base: str, results: list) -> None:
    net = Network(page, (base,))
    page.goto(f"{base}/index.html")
    links = page.locator("main a[href$='.html']").count()
    check(results, "site: landing page links the notebooks", links >= 5, f"{links} links")
    page.fill("#course-search", "broadcasting")
    hits = page.locator("#course-search-results li a").count()
    check(results, "site: search answers offline", hits > 0, f"{hits} results for 'broadcasting'")
    page.goto(f"{base}/02_autograd.html")
    page.wait_for_timeout(4000)
    math = page.locator(".MathJax_CHTML, .mjx-chtml").count()
    check(results, "site: math typeset (02)", math > 0, f"{math} formulas")
    page.screenshot(path=str(SHOTS / "site-02.png"), full_page=False)
    page.goto(f"{base}/00_setup_check.html")
    page.wait_for_timeout(4000)
    widgets = page.locator(".widget-slider, .widget-dropdown, .widget-toggle-buttons").count()
    check(results, "site: saved widgets render (00)", widgets > 0, f"{widgets} controls")
    nxt = page.locator("a[rel='next']").first
    check(results, "site: next link", nxt.count() == 1 and nxt.get_attribute("href") == "01_tensors.html")
    page.screenshot(path=str(SHOTS / "site-00.png"), full_page=False)
    check(results, "site: no failed or external request", not net.problems(), "; ".join(net.problems()[:5]) or f"{net.count} requests")


def check_deck(page: Page, deck: Path, results: list) -> None:
    net = Network(page, ("file://",))
    page.goto(deck.as_uri())  # from a disk, as on a projector's laptop
    page.wait_for_selector(".reveal .slides section.present", timeout=30_000)
    page.wait_for_timeout(3000)
    first = present_index(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)
    second = present_index(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)
    check(results, f"deck {deck.name}: arrow keys advance", first != second, f"{first} -> {second} -> {present_index(page)}")
    page.screenshot(path=str(SHOTS / f"deck-{deck.stem}.png"))
    check(results, f"deck {deck.name}: no failed or external request", not net.problems(),
          "; ".join(net.problems()[:5]) or f"{net.count} requests")


def check_rise(page: Page, port: int, notebook: str, results: list) -> None:
    token = secrets.token_hex(16)
    log = SHOTS / "rise-lab.log"
    server = start_lab(port, token, log)
    try:
        page.goto(f"http://127.0.0.1:{port}/rise/{notebook}?token={token}")
        page.wait_for_selector(".reveal .slides section", timeout=120_000)
        page.wait_for_timeout(4000)
        first = present_index(page)
        markdown = page.locator(".reveal .jp-MarkdownCell").count()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(1000)
        check(results, f"RISE: presents {notebook} in JupyterLab, markdown shown, arrow advances",
              markdown > 0 and present_index(page) != first, f"{markdown} markdown cells, {first} -> {present_index(page)}")
        page.screenshot(path=str(SHOTS / "rise.png"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--slides", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--port", type=int, default=8908)
    parser.add_argument("--rise-notebook", default="notebooks/01_tensors.ipynb", help="path from the project root")
    parser.add_argument("--skip-rise", action="store_true")
    args = parser.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, bool, str]] = []
    server = serve(args.site, args.port + 10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        check_site(page, f"http://127.0.0.1:{args.port + 10}", results)
        for deck in (args.slides / "02_autograd.slides.html", args.slides / "00_setup_check.slides.html"):
            check_deck(browser.new_page(viewport={"width": 1280, "height": 800}), deck, results)
        if not args.skip_rise:
            check_rise(browser.new_page(viewport={"width": 1280, "height": 800}), args.port, args.rise_notebook, results)
        browser.close()
    server.shutdown()
    failed = [name for name, ok, _ in results if not ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
