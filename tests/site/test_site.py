"""The course website as a reader meets it: every page of site/_build/html in headless Chromium.

    make test-site        (builds the site with `make site`, installs chromium + playwright if missing)

The site is served from 127.0.0.1 by a throwaway http.server. Every request to another host is
aborted and recorded, and fails the test: the site must work without any CDN. On every page: no
console error and no failed request, every image loaded, the maths typeset by MathJax (every maths
element rendered, no MathJax error), the line saying how to run it live, and every internal link
pointing at a page (and an anchor) that exists. Each chapter shows as many figures as its notebook
stores. Screenshots of the landing page and of a chapter (maths and a figure) land in
screenshots/site/ (git-ignored).
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "site" / "_build" / "html"
SCREENSHOTS = REPO / "screenshots" / "site"
CHROMIUM = os.environ.get("BPLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# What a page reports about itself once loaded and typeset.
JS_PAGE_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const maths = [...document.querySelectorAll('.math')];
  const imgs = [...document.querySelectorAll('img')];
  return {
    maths: maths.length,
    typeset: maths.filter(e => e.querySelector('mjx-container')).length,
    untypeset: maths.filter(e => !e.querySelector('mjx-container')).slice(0, 3).map(e => e.textContent.slice(0, 80)),
    mathErrors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    mathErrorText: [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].slice(0, 3)
                    .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    images: imgs.length,
    figures: document.querySelectorAll('.cell_output img').length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
    runLive: (document.querySelector('.run-live') || {}).textContent || '',
    title: document.title,
  };
}"""
JS_IMAGES_DONE = "() => [...document.images].every(i => i.complete)"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no site in {HTML}: build it with `make site` (make test-site does)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _pages() -> list[str]:
    return sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html"))


def _stored_figures(chapter_html: str) -> int:
    """How many figures (PNG outputs) the chapter's notebook stores."""
    nb = json.loads((REPO / "notebooks" / (Path(chapter_html).stem + ".ipynb")).read_text(encoding="utf-8"))
    return sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def visits(server, browser):
    """Open every page once; what each showed, and every request to another host."""
    foreign: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        host = urlparse(r.request.url).hostname
        if urlparse(r.request.url).scheme in ("http", "https", "ws", "wss") and host not in LOCAL_HOSTS:
            foreign.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    results = {}
    for rel in _pages():
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc, e=errors: e.append(f"page error: {exc}"))
        page.on("requestfailed", lambda r, e=errors: e.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r, e=errors: e.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        t0 = time.monotonic()
        page.goto(f"{server}/{rel}", wait_until="load")
        page.wait_for_function(JS_IMAGES_DONE, timeout=30_000)
        state = page.evaluate(JS_PAGE_STATE)
        state["errors"] = errors
        state["seconds"] = time.monotonic() - t0
        results[rel] = state
        if rel == "index.html":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "landing.png"))
        if rel.startswith("chapters/") and rel == min(p for p in _pages() if p.startswith("chapters/")):
            _screenshot_maths_and_figure(page, SCREENSHOTS / f"{Path(rel).stem}.png")
        page.close()
    context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.txt").write_text("".join(
        f"{rel}: {s['seconds']:.1f} s, {s['maths']} maths ({s['typeset']} typeset), {s['images']} images, "
        f"{len(s['links'])} links, {len(s['errors'])} errors\n" for rel, s in results.items()))
    return {"pages": results, "foreign": foreign, "base": server}


def _screenshot_maths_and_figure(page, path: Path):
    """The viewport scrolled to the first figure with maths (displayed maths if any) a little above it."""
    page.evaluate("""() => {
      const top = e => e.getBoundingClientRect().top + window.scrollY;
      const imgs = [...document.querySelectorAll('.cell_output img')];
      for (const kind of ['div.math', '.math']) {
        const maths = [...document.querySelectorAll(kind)];
        for (const img of imgs) {
          const m = maths.find(m => top(img) - top(m) > 100 && top(img) - top(m) < 560);
          if (m) { window.scrollTo({top: top(m) - 120, behavior: 'instant'}); return; }
        }
      }
      if (imgs.length) window.scrollTo({top: top(imgs[0]) - 300, behavior: 'instant'});
    }""")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))


def test_the_site_has_a_landing_page_and_every_chapter(visits):
    pages = visits["pages"]
    chapters = sorted(p for p in pages if p.startswith("chapters/"))
    notebooks = sorted(f"chapters/{p.stem}.html" for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    assert chapters == notebooks
    assert "index.html" in pages
    landing_links = {urldefrag(u)[0] for u in pages["index.html"]["links"]}
    for ch in chapters:
        assert f"{visits['base']}/{ch}" in landing_links, f"the landing page does not list {ch}"


def test_no_request_leaves_this_machine(visits):
    assert visits["foreign"] == [], f"requests to other hosts (a CDN?): {visits['foreign'][:5]}"


@pytest.mark.parametrize("rel", _pages() or ["(no site built)"])
def test_page_loads_clean_with_images_and_typeset_maths(visits, rel):
    s = visits["pages"][rel]
    assert s["errors"] == [], f"{rel}: {s['errors'][:5]}"
    assert s["broken"] == [], f"{rel}: images that did not load: {s['broken'][:5]}"
    assert s["typeset"] == s["maths"], f"{rel}: {s['maths'] - s['typeset']} maths not typeset, e.g. {s['untypeset']}"
    assert s["mathErrors"] == 0, f"{rel}: MathJax errors: {s['mathErrorText']}"
    if rel not in ("genindex.html", "search.html"):
        assert "live:" in s["runLive"] and "bplab lab" in s["runLive"], f"{rel}: no line on how to run it live"
    if rel.startswith("chapters/"):
        assert s["maths"] > 0, f"{rel}: no maths on a chapter page"
        assert s["figures"] == _stored_figures(rel), \
            f"{rel}: {s['figures']} figures shown, the notebook stores {_stored_figures(rel)}"


def test_no_broken_internal_links(visits):
    pages, base = visits["pages"], visits["base"]
    broken = []
    for rel, s in pages.items():
        for url in s["links"]:
            if not url.startswith(base + "/"):
                continue
            target, fragment = urldefrag(url)
            path = unquote(urlparse(target).path).lstrip("/") or "index.html"
            if path.endswith("/"):
                path += "index.html"
            if not (HTML / path).is_file():
                broken.append(f"{rel} -> {url} (no such file)")
            elif fragment and path in pages and unquote(fragment) not in pages[path]["ids"]:
                broken.append(f"{rel} -> {url} (no anchor #{fragment})")
    assert not broken, "\n".join(broken[:20])


def test_screenshots_were_taken(visits):
    assert (SCREENSHOTS / "landing.png").stat().st_size > 10_000
    assert any(p.name.startswith("0") for p in SCREENSHOTS.glob("*.png"))
