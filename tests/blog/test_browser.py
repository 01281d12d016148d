"""The blog in a real browser: Chromium (Debian's, driven by Playwright) loads the built site from a
local HTTP server. The project's own site (home, part 1, the hugosnip page) and the fixture posts
of the older format are built into temporary folders first.

Every page visited is checked for console errors and for requests that leave the local server
(they are refused and recorded). Screenshots go to tests/artifacts/; with
HUGOSNIP_SCREENSHOTS=docs they are also copied to docs/screenshots/ for the README.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from blogsite import PART1, REPO, build, oldposts_site

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

CHROMIUM = Path(os.environ.get("HUGOSNIP_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (setup.sh installs Debian's chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
PART1_URL = "/2017/10/what-is-rnn/"
DOCS_URL = "/hugosnip/"
needs_part1 = pytest.mark.skipif(not PART1.exists(), reason=f"part 1 is not written yet ({PART1.relative_to(REPO)})")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Base URLs of the project's site and of the fixture site, each served by its own server."""
    tmp = tmp_path_factory.mktemp("browser")
    run = build(REPO, tmp / "blog")
    assert run.returncode == 0, run.stderr
    root = oldposts_site(tmp / "oldposts")
    run = build(root, root / "public")
    assert run.returncode == 0, run.stderr
    blog, blog_url = serve(tmp / "blog")
    old, old_url = serve(root / "public")
    yield {"blog": blog_url, "old": old_url}
    blog.shutdown()
    old.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Visit:
    """A page opened in a fresh context, with the console errors and outside requests it caused."""

    def __init__(self, browser, base: str, path: str, viewport=DESKTOP, scheme="light", scale=1):
        self.base = base
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.context = browser.new_context(viewport=viewport, color_scheme=scheme, device_scale_factor=scale,
                                           locale="vi-VN", service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(base + path, wait_until="load")

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def load_all_images(self):
        """Bring every image into view in turn, so that lazy ones load, and wait for each."""
        for i in range(self.js("document.images.length")):
            self.js("i => document.images[i].scrollIntoView({block: 'center'})", i)
            self.page.wait_for_function("i => document.images[i].complete", arg=i)
        self.js("window.scrollTo(0, 0)")

    def check_clean(self):
        assert not self.outside, f"requests left the local server: {self.outside}"
        assert not self.errors, f"console errors: {self.errors}"
        blocking = self.js("performance.getEntriesByType('resource')"
                           ".filter(e => e.initiatorType === 'script' && e.renderBlockingStatus === 'blocking')"
                           ".map(e => e.name)")
        assert not blocking, f"render-blocking scripts: {blocking}"

    def no_horizontal_scroll(self):
        widths = self.js("({doc: document.documentElement.scrollWidth, view: window.innerWidth})")
        assert widths["doc"] <= widths["view"], widths

    def shot(self, name: str, full_page=False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        if os.environ.get("HUGOSNIP_SCREENSHOTS") == "docs":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SCREENSHOTS / path.name)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_(base, path, **kw):
        v = Visit(browser, base, path, **kw)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def check_math(v: Visit):
    count = v.js("document.querySelectorAll('.post-content .katex').length")
    assert count > 0
    assert v.js("document.querySelectorAll('.katex-error').length") == 0
    v.js("document.fonts.ready.then(() => true)")
    loaded = set(v.js("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/\"/g, ''))"))
    assert {"KaTeX_Main", "KaTeX_Math"} <= loaded, loaded
    # A formula is drawn with KaTeX's font, not the fallback.
    family = v.js("getComputedStyle(document.querySelector('.katex .mathnormal')).fontFamily")
    assert "KaTeX_Math" in family


def check_figures(v: Visit) -> int:
    v.load_all_images()
    images = v.js("""[...document.querySelectorAll('.post-content img')].map(i => ({
        src: i.currentSrc, alt: i.alt, natural: i.naturalWidth, w: i.getBoundingClientRect().width,
        h: i.getBoundingClientRect().height}))""")
    for img in images:
        assert img["natural"] > 0 and img["w"] > 0 and img["h"] > 0, img
        assert img["alt"].strip(), img
    return len(images)


# ---------------------------------------------------------------- the project's own site

def test_home_lists_the_posts(sites, visit):
    v = visit(sites["blog"], "/")
    titles = v.js("[...document.querySelectorAll('.card-title a')].map(a => a.getAttribute('href'))")
    assert titles, "the home page lists no post"
    if PART1.exists():
        assert PART1_URL in titles
    assert v.js("[...document.querySelectorAll('.card-more a')].every(a => a.textContent.startsWith('Đọc tiếp'))")
    v.load_all_images()
    v.shot("home-desktop")
    v.check_clean()


def test_home_at_phone_width(sites, visit):
    v = visit(sites["blog"], "/", viewport=PHONE, scale=2)
    v.no_horizontal_scroll()
    v.shot("home-phone")
    v.check_clean()


@needs_part1
def test_part1_toc_formulas_and_figures(sites, visit):
    v = visit(sites["blog"], PART1_URL)
    toc = v.page.locator("nav.toc")
    assert toc.is_visible()
    assert toc.locator("a").count() >= 6
    first = toc.locator("a").first.get_attribute("href")
    assert v.page.locator(f"[id='{first[1:]}']").count() == 1
    check_math(v)
    assert check_figures(v) >= 5
    v.shot("part1-desktop")
    v.js("document.querySelector('.post-content figure').scrollIntoView({block: 'center'})")
    v.shot("part1-figure-desktop")
    v.check_clean()


@needs_part1
def test_part1_at_phone_width(sites, visit):
    v = visit(sites["blog"], PART1_URL, viewport=PHONE, scale=2)
    check_math(v)
    check_figures(v)
    v.no_horizontal_scroll()
    v.shot("part1-phone")
    v.js("document.querySelector('.post-content figure').scrollIntoView({block: 'start'})")
    v.shot("part1-figure-phone")
    v.check_clean()


@needs_part1
def test_part1_in_the_dark(sites, visit):
    v = visit(sites["blog"], PART1_URL, viewport=PHONE, scheme="dark", scale=2)
    background = v.js("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)", background
    v.shot("part1-phone-dark")
    v.check_clean()


@needs_part1
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_reader_goes_from_home_to_part1_and_back(sites, visit, viewport):
    v = visit(sites["blog"], "/", viewport=viewport)
    v.page.locator(f".card-title a[href='{PART1_URL}']").click()
    v.page.wait_for_url("**" + PART1_URL)
    assert v.page.locator("h1.post-title").inner_text().startswith("[RNN]")
    v.page.locator(".site-title").click()
    v.page.wait_for_url(sites["blog"] + "/")
    assert v.page.locator(f".card-title a[href='{PART1_URL}']").is_visible()
    v.check_clean()


def test_docs_page_formulas_and_figures(sites, visit):
    v = visit(sites["blog"], DOCS_URL)
    check_math(v)
    assert check_figures(v) >= 1
    v.check_clean()
    phone = visit(sites["blog"], DOCS_URL, viewport=PHONE)
    phone.no_horizontal_scroll()
    phone.check_clean()


def test_taxonomy_pages_and_404(sites, visit):
    for path in ("/categories/", "/tags/", "/series/", "/404.html"):
        v = visit(sites["blog"], path, viewport=PHONE)
        v.no_horizontal_scroll()
        v.check_clean()


# ---------------------------------------------------------------- the older posts

OLD_IMAGES = "/2017/09/old-images/"
OLD_MATH = "/2017/09/old-math/"


def test_old_post_images_load_and_fancybox_opens_the_large_one(sites, visit):
    v = visit(sites["old"], OLD_IMAGES)
    assert check_figures(v) == 12
    dialog = v.page.locator("dialog.lightbox")
    v.page.locator("a.zoom").first.click()
    assert dialog.is_visible()
    big = dialog.locator("img")
    v.page.wait_for_function("document.querySelector('dialog.lightbox img').complete")
    assert big.get_attribute("src") == sites["old"] + "/img/rnn.svg"
    assert v.js("document.querySelector('dialog.lightbox img').naturalWidth") == 1200
    assert big.get_attribute("alt") == "Mạng RNN triển khai theo thời gian"
    assert dialog.locator("figcaption").inner_text() == "Mạng RNN triển khai theo thời gian"
    assert dialog.locator(".lb-next").is_hidden()  # alone in its group
    v.page.keyboard.press("Escape")
    assert dialog.is_hidden()
    # Two images of one group: browse from the first to the second.
    v.page.locator("a.zoom[href='/img/encoder.svg']").click()
    dialog.locator(".lb-next").click()
    assert big.get_attribute("src") == sites["old"] + "/img/caption.svg"
    dialog.locator(".lb-close").click()
    assert dialog.is_hidden()
    v.check_clean()


def test_old_post_at_phone_width(sites, visit):
    for path in (OLD_IMAGES, OLD_MATH, "/"):
        v = visit(sites["old"], path, viewport=PHONE)
        v.load_all_images()
        v.no_horizontal_scroll()
        v.check_clean()
    v = visit(sites["old"], OLD_IMAGES, viewport=PHONE)
    floats = v.js("[...document.querySelectorAll('figure.left, figure.right, figure[class*=\"fig-\"]')]"
                  ".map(f => getComputedStyle(f).float)")
    assert floats and set(floats) == {"none"}  # full width on phones


def test_old_math_draws_in_the_browser(sites, visit):
    v = visit(sites["old"], OLD_MATH)
    check_math(v)
    text = v.js("""(() => { const c = document.querySelector('.post-content').cloneNode(true);
        c.querySelectorAll('code, annotation').forEach(e => e.remove()); return c.textContent; })()""")
    assert "\\_" not in text and "$" not in text
    v.check_clean()
