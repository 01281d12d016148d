"""The blog in a real browser: Chromium (Debian's, driven by Playwright) loads the built site from a
local HTTP server. The project's own site (home, part 1, the hugosnip page) and the fixture posts
of the older format are built into temporary folders first.

Every page visited is checked for console errors, for requests that leave the local server
(they are refused and recorded) and for requests the server answers with an error (a missing
favicon). axe-core (npm, pinned in package-lock.json) checks every page of the site for
accessibility in both colour schemes and at desktop and phone widths. The project's site gets its
Pagefind search index as the blog's build does (pagefind.yml), so the search box is tried for real. Screenshots go to tests/artifacts/; with
HUGOSNIP_SCREENSHOTS=docs they are also copied to docs/screenshots/ for the README.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from blogsite import ARGS, AXE, CHROMIUM, DESKTOP, PAGEFIND, PHONE, REPO, build, local_only, oldposts_site, serve
from conftest import require

require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (setup.sh installs Debian's chromium)")
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
PART1_URL = "/2017/10/what-is-rnn/"
DOCS_URL = "/hugosnip/"


@pytest.fixture(scope="module")
def sites(blog_public, tmp_path_factory):
    """Base URLs of the project's site (built once for the session, with its search index) and of
    the fixture site, each served by its own server."""
    tmp = tmp_path_factory.mktemp("browser")
    root = oldposts_site(tmp / "oldposts")
    run = build(root, root / "public")
    assert run.returncode == 0, run.stderr
    blog, blog_url = serve(blog_public)
    old, old_url = serve(root / "public")
    yield {"blog": blog_url, "old": old_url, "blog_dir": blog_public}
    blog.shutdown()
    old.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# A chart's static image (snip-cell), hidden once the chart is drawn: what readers without JavaScript see.
DRAWN_CHART_IMAGE = ".hugosnip-chart-drawn .hugosnip-chart-static"


class Visit:
    """A page opened in a fresh context, with the console errors and outside requests it caused."""

    def __init__(self, browser, base: str, path: str, viewport=DESKTOP, scheme="light", scale=1):
        self.base = base
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.context = browser.new_context(viewport=viewport, color_scheme=scheme, device_scale_factor=scale,
                                           locale="vi-VN", service_workers="block")
        self.outside = local_only(self.context, base)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        self.page.goto(base + path, wait_until="load")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def load_all_images(self):
        """Bring every image into view in turn, so that lazy ones load, and wait for each (a chart's
        static image, hidden once the chart is drawn, never loads)."""
        for i in range(self.js("document.images.length")):
            if self.js(f"i => document.images[i].matches('{DRAWN_CHART_IMAGE}')", i):
                continue
            self.js("i => document.images[i].scrollIntoView({block: 'center'})", i)
            self.page.wait_for_function("i => document.images[i].complete", arg=i)
        self.js("window.scrollTo(0, 0)")

    def check_clean(self):
        assert not self.outside, f"requests left the local server: {self.outside}"
        assert not self.failed, f"requests that failed: {self.failed}"
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
        if self.context is not None:
            self.context.close()
            self.context = None


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
    images = v.js(f"""[...document.querySelectorAll('.post-content img:not({DRAWN_CHART_IMAGE})')].map(i => ({{
        src: i.currentSrc, alt: i.alt, natural: i.naturalWidth, w: i.getBoundingClientRect().width,
        h: i.getBoundingClientRect().height}}))""")
    for img in images:
        assert img["natural"] > 0 and img["w"] > 0 and img["h"] > 0, img
        assert img["alt"].strip(), img
    return len(images)


# ---------------------------------------------------------------- the project's own site

def test_home_lists_the_posts(sites, visit):
    v = visit(sites["blog"], "/")
    titles = v.js("[...document.querySelectorAll('.card-title a')].map(a => a.getAttribute('href'))")
    assert titles, "the home page lists no post"
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


def test_part1_at_phone_width(sites, visit):
    v = visit(sites["blog"], PART1_URL, viewport=PHONE, scale=2)
    check_math(v)
    check_figures(v)
    v.no_horizontal_scroll()
    v.shot("part1-phone")
    v.js("document.querySelector('.post-content figure').scrollIntoView({block: 'start'})")
    v.shot("part1-figure-phone")
    v.check_clean()


def test_part1_in_the_dark(sites, visit):
    v = visit(sites["blog"], PART1_URL, viewport=PHONE, scheme="dark", scale=2)
    background = v.js("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)", background
    v.shot("part1-phone-dark")
    v.check_clean()


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


# ---------------------------------------------------------------- accessibility (axe-core)

def site_pages(public: Path) -> list[str]:
    """Every page of a built site (alias pages, which only redirect, aside), and the 404 page."""
    pages = []
    for index in sorted(public.rglob("index.html")):
        if 'http-equiv="refresh"' in index.read_text(encoding="utf-8"):
            continue
        rel = index.parent.relative_to(public).as_posix()
        pages.append("/" if rel == "." else f"/{rel}/")
    return pages + ["/404.html"]


# Rules whose impact axe calls minor or moderate but that the blog holds to all the same.
ALSO = {"empty-table-header", "heading-order", "landmark-unique", "region"}


def axe_violations(v: Visit) -> list[str]:
    found = v.js("""() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(x => ({
        id: x.id, impact: x.impact, help: x.help,
        nodes: x.nodes.map(n => n.target.join(' ') + (n.any[0] ? ': ' + n.any[0].message : ''))})))""")
    return [f"{x['id']} ({x['impact']}: {x['help']}): " + "; ".join(x["nodes"][:5])
            + (f"; and {len(x['nodes']) - 5} more" if len(x["nodes"]) > 5 else "")
            for x in found if x["impact"] in ("serious", "critical") or x["id"] in ALSO]


def axe_problems(sites, visit, paths: list[str], scheme: str) -> list[str]:
    """axe-core's serious and critical findings on each page, at desktop and phone widths."""
    require(AXE.exists(), "axe-core is not installed (npm ci)")
    problems = []
    for path in paths:
        v = visit(sites["blog"], path, scheme=scheme)
        v.page.add_script_tag(path=str(AXE))
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            v.page.set_viewport_size(viewport)
            problems += [f"{path} [{scheme}, {name}] {p}" for p in axe_violations(v)]
        v.check_clean()
        v.close()
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_part1_passes_axe(sites, visit, scheme):
    """The fast tier's smoke test: one post, both widths, in light and dark."""
    problems = axe_problems(sites, visit, [PART1_URL], scheme)
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(sites, visit, scheme):
    pages = site_pages(sites["blog_dir"])
    assert len(pages) >= 10, pages
    problems = axe_problems(sites, visit, pages, scheme)
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_skip_link_comes_first_and_shows_on_focus(sites, visit):
    v = visit(sites["blog"], PART1_URL)
    skip = v.page.locator("a.skip")
    assert not skip.is_visible() or skip.bounding_box()["x"] < 0
    v.page.keyboard.press("Tab")
    assert v.js("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert v.js("getComputedStyle(document.activeElement).outlineStyle") != "none"
    v.page.keyboard.press("Enter")
    assert v.page.url.endswith("#main")
    v.check_clean()


def test_output_and_formula_boxes_take_the_keyboard(sites, visit):
    v = visit(sites["blog"], PART1_URL, viewport=PHONE)
    # Every box that scrolls sideways is reachable with Tab, and shows that it has the focus.
    wide = v.js("""[...document.querySelectorAll('.post-content *')].filter(e => {
        const s = getComputedStyle(e);
        return e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(s.overflowX); })
        .map(e => ({tag: e.tagName, cls: e.className, tab: e.tabIndex}))""")
    assert wide, "no box scrolls at phone width: this test checks nothing"
    assert all(w["tab"] == 0 for w in wide), wide
    v.js("document.querySelector('.hugosnip-output pre').focus()")
    assert v.js("document.activeElement.matches('.hugosnip-output pre')")
    v.check_clean()


# ---------------------------------------------------------------- search (Pagefind)

def fold(text: str) -> str:
    """Lower case, without the marks (đ stays đ): how a search word meets the text."""
    text = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def posts_with(public: Path, words: str) -> set[str]:
    """The indexed pages (an <article data-pagefind-body>) whose article has every word."""
    found = set()
    for index in public.rglob("index.html"):
        doc = index.read_text(encoding="utf-8")
        article = re.search(r"(?s)<article[^>]*data-pagefind-body[^>]*>(.*?)</article>", doc)
        if not article:
            continue
        text = fold(html.unescape(re.sub(r"<[^>]+>", " ", article[1])))
        if all(re.search(rf"(?<!\w){re.escape(fold(w))}", text) for w in words.split()):
            found.add("/" + index.parent.relative_to(public).as_posix() + "/")
    return found


def search(v: Visit, query: str) -> list[dict]:
    require(PAGEFIND.exists(), "pagefind is not installed (npm ci)")
    box = v.page.locator("#search-q")
    box.fill(query)
    v.page.wait_for_function("q => { const s = document.querySelector('.search-status');"
                             " return document.querySelector('#search-q').value === q && s.textContent"
                             " && !s.textContent.startsWith('Đang'); }", arg=query, timeout=20_000)
    return v.js("[...document.querySelectorAll('.search-list li')].map(li => ({href: li.querySelector('a')"
                ".getAttribute('href'), title: li.querySelector('a').textContent,"
                " excerpt: li.querySelector('.search-excerpt').innerHTML}))")


def test_part1_weighs_at_most_100_kb_gzipped_with_search_in_place(sites, browser):
    """What a reader downloads for part 1, images excluded, as bench/page_weight.py counts it: the
    HTML, CSS and scripts gzipped (as static hosts send them), the fonts (woff2) as they are."""
    import gzip

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    got = []
    page.on("response", lambda r: got.append(r))
    page.goto(sites["blog"] + PART1_URL, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in got:
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script"):
            sizes[response.url] = len(gzip.compress(response.body(), 9))
        elif kind == "font":
            sizes[response.url] = len(response.body())
    context.close()
    assert any("/js/search." in url for url in sizes), sizes  # the search box's script is counted
    assert not [url for url in sizes if "/pagefind/" in url]
    assert sum(sizes.values()) <= 100 * 1024, sizes


def test_search_index_loads_only_when_the_reader_searches(sites, visit):
    require(PAGEFIND.exists(), "pagefind is not installed (npm ci)")
    v = visit(sites["blog"], "/")
    v.page.wait_for_load_state("networkidle")
    assert v.page.locator("#search-q").is_visible()
    loaded = v.js("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/pagefind/'))")
    assert loaded == []
    v.page.locator("#search-q").focus()
    v.page.wait_for_function("performance.getEntriesByType('resource').some(e => e.name.includes('pagefind.js'))")
    v.check_clean()


@pytest.mark.parametrize("query, words", [("đạo hàm", "đạo hàm"), ("dao ham", "đạo hàm"),
                                          ("cổng quên", "cổng quên"), ("Đạo Hàm", "đạo hàm")])
def test_search_finds_the_parts_with_the_words(sites, visit, query, words):
    expected = posts_with(sites["blog_dir"], words)
    assert expected, f"no page has {words!r}: pick another word"
    v = visit(sites["blog"], PART1_URL, viewport=PHONE)
    results = search(v, query)
    assert {r["href"] for r in results} >= expected, results
    for r in results:
        assert r["title"].strip()
        assert "<mark>" in r["excerpt"], r
    status = v.page.locator(".search-status").inner_text()
    assert status == f"{len(results)} kết quả" if len(results) < 9 else status.endswith(" kết quả")
    # The first result opens its page.
    v.page.locator(".search-list a").first.click()
    v.page.wait_for_url("**" + results[0]["href"])
    v.check_clean()


def test_search_says_when_nothing_matches(sites, visit):
    v = visit(sites["blog"], "/")
    assert search(v, "ǂǂǂ") == []  # (Pagefind falls back to shorter prefixes: "zqx" would find "z")
    assert v.page.locator(".search-status").inner_text() == "Không bài nào có “ǂǂǂ”."
    v.page.keyboard.press("Escape")
    assert v.page.locator(".search-results").is_hidden()
    v.check_clean()


def test_search_box_without_an_index_says_how_to_make_it(sites, visit):
    v = visit(sites["old"], "/")  # the fixture site is built with plain Hugo: no index
    v.page.locator("#search-q").fill("rnn")
    status = v.page.locator(".search-status")
    status.wait_for()
    v.page.wait_for_function("!document.querySelector('.search-status').textContent.startsWith('Đang')")
    assert status.inner_text().startswith("Trang này chưa có chỉ mục tìm kiếm")
    assert "npx pagefind --site public" in status.inner_text()
    assert v.failed and all("/pagefind/pagefind.js" in f for f in v.failed), v.failed


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_search_results_pass_axe(sites, visit, scheme):
    require(AXE.exists(), "axe-core is not installed (npm ci)")
    v = visit(sites["blog"], "/", scheme=scheme, viewport=PHONE)
    assert search(v, "đạo hàm")
    v.page.add_script_tag(path=str(AXE))
    assert v.page.locator(".search-results").is_visible()
    assert not axe_violations(v), axe_violations(v)
    v.check_clean()
