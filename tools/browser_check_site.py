"""Maintainers: open the built website and slide decks in headless Chromium, offline, and RISE live.

    make site slides
    build/browser-venv/bin/python tools/browser_check_site.py      # setup: see tools/browser_check.py

What a static check of the HTML cannot see: that every page and every deck loads with no console
error (a widget drawn without its saved state logs "widget model not found"), that every request
is answered from the folder itself (none fails, none leaves the machine), that MathJax typesets,
that the saved widgets render, that search answers, that decks advance with the keyboard, that the
instructor notes are folded on the site and shown in each deck's speaker view (S) for every section,
and that RISE in JupyterLab (`make lab`) presents a notebook and shows its notes (T). Prints one
line per check and writes screenshots to build/browser-check/; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
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
NOTES_TEXT = re.compile(r"Instructor notes\s*·\s*about \d+ min.*Say:.*Show:.*Asked:", re.S)


def serve(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A static server on 127.0.0.1 only, as any web host would serve the folder."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Watch:
    """Every request and console error of a page (and of the windows it opens): which request
    failed, which left this machine, what the console reported as an error."""

    def __init__(self, page: Page, local: tuple[str, ...]):
        self.failed, self.external, self.errors, self.count = [], [], [], 0
        self.local = local + ("data:", "blob:", "about:")
        self.attach(page)

    def attach(self, page: Page) -> None:
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url[:100]} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url[:100]} (HTTP {r.status})"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"{m.text[:160]} ({page.url[-40:]})"))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught {str(e)[:160]} ({page.url[-40:]})"))
        page.on("popup", self.attach)

    def _request(self, request) -> None:
        self.count += 1
        if not request.url.startswith(self.local):
            self.external.append(request.url[:100])

    def requests(self) -> list[str]:
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


def notes_slides(page: Page) -> list[dict]:
    """Every slide of a deck that holds speaker notes: its indices, its notes' text, and whether the
    notes are hidden on the slide itself."""
    return page.evaluate("""() => [...document.querySelectorAll('.reveal .slides > section')].flatMap((s, h) => {
        const vs = [...s.querySelectorAll(':scope > section')];
        return (vs.length ? vs : [s]).map((v, i) => ({h, v: vs.length ? i : 0, aside: v.querySelector('aside.notes')}))
            .filter(x => x.aside).map(x => ({h: x.h, v: x.v, text: x.aside.textContent.replace(/\\s+/g, ' ').trim(),
                                               hidden: getComputedStyle(x.aside).display === 'none'}));
    })""")


def check_site(page: Page, base: str, site: Path, results: list) -> None:
    watch = Watch(page, (base,))
    page.goto(f"{base}/index.html")
    links = page.locator("main a[href$='.html']").count()
    check(results, "site: landing page links the notebooks", links >= 5, f"{links} links")
    page.fill("#course-search", "broadcasting")
    hits = page.locator("#course-search-results li a").count()
    check(results, "site: search answers offline", hits > 0, f"{hits} results for 'broadcasting'")
    page.fill("#course-search", "instructor notes")
    notes_hits = page.locator("#course-search-results li a").count()
    in_index = page.evaluate("() => window.COURSE_SEARCH.filter(e => /Instructor notes/.test(e.text)).length")
    check(results, "site: search leaves instructor notes out", notes_hits == 0 and in_index == 0,
          f"{notes_hits} results for 'instructor notes', {in_index} sections of the index quote them")
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

    folded, no_kernel = {}, {}
    page.goto(f"{base}/teaching-plan.html")
    rows = page.locator("main table tr").count()
    check(results, "site: the teaching plan is a page", rows > 5, f"{rows} table rows")
    for html in sorted(site.glob("[0-9][0-9]_*.html")):
        page.goto(f"{base}/{html.name}")
        page.wait_for_timeout(2500)  # MathJax and the widget renderer finish (or log their errors)
        notes = page.locator("details.course-notes")
        folded[html.stem] = (notes.count(), page.locator("details.course-notes[open]").count())
        no_kernel[html.stem] = page.locator(".course-needs-kernel").count()
    closed = {k: n for k, (n, opened) in folded.items() if n and not opened}
    check(results, "site: instructor notes folded on every page", len(closed) == len(folded),
          ", ".join(f"{k[:2]}: {n} closed" for k, n in closed.items()) + (
              f"; without notes or open: {sorted(set(folded) - set(closed))}" if len(closed) < len(folded) else ""))
    with_notes = next(iter(closed), None)
    if with_notes:
        page.goto(f"{base}/{with_notes}.html")
        first = page.locator("details.course-notes").first
        first.scroll_into_view_if_needed()
        summary = first.locator("summary").inner_text()
        hidden_before = not first.get_by_text("Say:").is_visible()
        first.locator("summary").click()
        page.wait_for_timeout(300)
        opened = first.get_by_text("Say:").is_visible()
        check(results, f"site: a click opens the notes ({with_notes[:2]})",
              hidden_before and opened and summary.startswith("Instructor notes"), f"summary '{summary}'")
        page.screenshot(path=str(SHOTS / "site-notes.png"), full_page=False)
    shown = {k: n for k, n in no_kernel.items() if n}
    check(results, "site: kernel-only widgets replaced by a line", True,
          ", ".join(f"{k[:2]}: {n}" for k, n in shown.items()) or "none in these notebooks")
    if shown:
        page.goto(f"{base}/{next(iter(shown))}.html")
        page.locator(".course-needs-kernel").first.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SHOTS / "site-needs-kernel.png"), full_page=False)
    check(results, "site: no console error on any page", not watch.errors,
          "; ".join(watch.errors[:5]) or f"{len(folded) + 4} page loads")
    check(results, "site: no failed or external request", not watch.requests(),
          "; ".join(watch.requests()[:5]) or f"{watch.count} requests")


def _speaker_shows(page: Page, view: Page, slide: dict) -> bool:
    """Go to a slide with notes and wait until the speaker view shows that slide's notes. The view
    hears of a slide when it changes, once connected (seconds on a busy machine), and MathJax may
    retypeset a note meanwhile: so compare with the note as it is now, and go away and back to retry."""
    for attempt in range(4):
        # The decks keep the slide in the URL (reveal.js's history option): go there by hash.
        page.evaluate(f"() => {{ location.hash = '#/{slide['h']}/{slide['v']}'; }}")
        page.wait_for_timeout(300)
        now = next((n["text"] for n in notes_slides(page) if (n["h"], n["v"]) == (slide["h"], slide["v"])), "")
        try:  # this slide's notes, not the last slide's: compare the text, not only its form
            view.wait_for_function(
                "([text]) => ((document.querySelector('.speaker-controls-notes .value') || {}).textContent || '')"
                ".replace(/\\s+/g, ' ').includes(text)", arg=[now[:120]], timeout=5000)
            return bool(NOTES_TEXT.search(view.locator(".speaker-controls-notes .value").inner_text()))
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: away and back, then again
            page.evaluate("() => { location.hash = '#/0/0'; }")
            page.wait_for_timeout(500)
    return False


def check_deck(page: Page, deck: Path, results: list, speaker: bool) -> None:
    watch = Watch(page, ("file://",))
    page.goto(deck.as_uri())  # from a disk, as on a projector's laptop
    page.wait_for_selector(".reveal .slides section.present", timeout=30_000)
    page.wait_for_timeout(2500)
    name = deck.name.split(".")[0]
    first = present_index(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    second = present_index(page)
    advanced = first != second
    notes = notes_slides(page)
    shown_on_slide = [n["text"] for n in notes if not n["hidden"]]
    detail = f"arrow {first} -> {second}; {len(notes)} notes slides"
    if speaker and notes:
        with page.expect_popup() as popup:
            page.keyboard.press("s")
        view = popup.value
        view.wait_for_load_state()
        missing = [f"{n['h']}/{n['v']}" for n in notes if not _speaker_shows(page, view, n)]
        view.screenshot(path=str(SHOTS / f"speaker-{name}.png"))
        detail += f", speaker view showed {len(notes) - len(missing)}" + (f", not {missing}" if missing else "")
        ok = advanced and not missing and not shown_on_slide
        view.close()
    else:
        ok = advanced and not shown_on_slide and (notes or not speaker)
    if shown_on_slide:
        detail += f"; notes visible on the slide: {shown_on_slide[:2]}"
    page.screenshot(path=str(SHOTS / f"deck-{name}.png"))
    check(results, f"deck {name}: advances, notes in the speaker view only" if speaker else f"deck {name}: advances",
          ok, detail)
    check(results, f"deck {name}: no console error, no failed or external request",
          not watch.errors and not watch.requests(),
          "; ".join((watch.errors + watch.requests())[:5]) or f"{watch.count} requests")


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
        second = present_index(page)
        check(results, f"RISE: presents {notebook} in JupyterLab, markdown shown, arrow advances",
              markdown > 0 and second != first, f"{markdown} markdown cells, {first} -> {second}")
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(1000)
        notes = notes_slides(page)
        ok, detail = False, f"{len(notes)} notes slides"
        if notes:
            target = f"{notes[0]['h']}/{notes[0]['v']}"
            # As a presenter does: on the first slide, click, press T, wait until the notes window
            # has loaded its previews (it connects then; moving on before can pull the slideshow back).
            page.locator(".reveal section.present .jp-Cell").first.click(position={"x": 30, "y": 5})
            with page.expect_popup(timeout=15_000) as popup:
                page.keyboard.press("t")
            view = popup.value
            view.wait_for_selector(".speaker-controls-notes", state="attached")  # its page is written
            # The slideshow sends the window its first state once connected (the notes plugin's handshake).
            view.evaluate("""() => { window.courseStates = 0; window.addEventListener('message', e => {
                try { if (JSON.parse(e.data).type === 'state') window.courseStates += 1; } catch (err) {} }); }""")
            try:
                view.wait_for_function("() => window.courseStates > 0", timeout=120_000)
                page.bring_to_front()
                page.locator(".reveal section.present .jp-Cell").first.click(position={"x": 30, "y": 5})
                for _ in range(12):
                    if present_index(page) == target:
                        break
                    page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(600)
                view.wait_for_function(
                    "() => /Say:/.test((document.querySelector('.speaker-controls-notes:not(.hidden) .value') || {})"
                    ".innerText || '')", timeout=15_000)
                view.wait_for_timeout(1500)  # still there a moment later, and the slideshow stayed
                shown = view.locator(".speaker-controls-notes:not(.hidden) .value")
                text = " ".join(shown.inner_text(timeout=2000).split()) if shown.count() else ""
                ok = bool(NOTES_TEXT.search(text)) and all(n["hidden"] for n in notes) and present_index(page) == target
                detail += f", on {present_index(page)} T's window shows '{text[-90:]}'"
            except Exception as err:  # noqa: BLE001 - report what the window held instead
                detail += f", on {present_index(page)} T's window held no notes ({type(err).__name__})"
            view.screenshot(path=str(SHOTS / "rise-notes.png"), full_page=True)
        check(results, "RISE: notes hidden on the slides, shown by T", ok, detail)
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
    args.site, args.slides = args.site.resolve(), args.slides.resolve()
    SHOTS.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, bool, str]] = []
    server = serve(args.site, args.port + 10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        check_site(browser.new_page(viewport={"width": 1280, "height": 900}), f"http://127.0.0.1:{args.port + 10}",
                   args.site, results)
        index = browser.new_page()
        watch = Watch(index, ("file://",))
        index.goto((args.slides / "index.html").as_uri())
        decks = index.locator("a[href$='.slides.html']").count()
        check(results, "decks: index lists every deck, no console error",
              decks == len(list(args.slides.glob("*.slides.html"))) and not watch.errors and not watch.requests(),
              f"{decks} decks" + "".join(f"; {e}" for e in watch.errors + watch.requests()))
        for deck in sorted(args.slides.glob("[0-9][0-9]_*.slides.html")):
            check_deck(browser.new_page(viewport={"width": 1280, "height": 800}), deck, results, speaker=True)
        if not args.skip_rise:
            rise = browser.new_page(viewport={"width": 1280, "height": 800})
            check_rise(rise, args.port, args.rise_notebook, results)
        browser.close()
    server.shutdown()
    failed = [name for name, ok, _ in results if not ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
