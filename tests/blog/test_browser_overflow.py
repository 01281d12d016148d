"""No sideways scrolling on a desktop: every post of the blog, loaded in Chromium at 1280 px,
has no code block, table or display equation whose content is wider than its box.

The session's build of the blog (tests/conftest.py, blog_public) is served locally, as in
tests/blog/test_browser.py. A failure names the post and each element that scrolls:
its kind, its first characters and how many pixels it overflows by.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blogsite import ARGS, CHROMIUM, DESKTOP, POSTS, post_page, serve
from conftest import require

require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (setup.sh installs Debian's chromium)")
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="the playwright package is not installed")

# Elements that would scroll sideways: code blocks (and the code inside them), tables and
# display math, with every collapsed <details> box opened first, as a reader would. A 1 px
# difference is rounding, not scrolling.
OVERFLOWING = """() => {
  for (const box of document.querySelectorAll('details')) box.open = true;
  const sel = 'pre, pre > code, .highlight, table, .katex-display';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const over = el.scrollWidth - el.clientWidth;
    if (over > 1 && el.clientWidth > 0) {
      const kind = el.matches('.katex-display') ? 'equation'
                 : el.matches('table') ? 'table' : 'code';
      const text = (el.textContent || '').trim().split('\\n')[0].slice(0, 60);
      out.push(`${kind} ${el.tagName.toLowerCase()}.${el.className || '-'}: `
               + `${over} px too wide: ${JSON.stringify(text)}`);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def site(blog_public):
    server, url = serve(blog_public)
    yield blog_public, url
    server.shutdown()


@pytest.fixture(scope="module")
def page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport=DESKTOP)
        yield context.new_page()
        browser.close()


def post_url(folder: Path, post: Path) -> str:
    """The URL path of a post's built page."""
    return "/" + post_page(folder, post).parent.relative_to(folder).as_posix() + "/"


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_no_element_scrolls_sideways_at_1280_px(site, page, post):
    folder, base = site
    url = post_url(folder, post)
    page.goto(base + url)
    page.wait_for_load_state("load")
    assert page.evaluate("document.querySelectorAll('pre, .katex-display').length") > 0
    wide = page.evaluate(OVERFLOWING)
    assert not wide, f"{url} ({post.relative_to(REPO)}): {len(wide)} element(s) scroll " \
                     "sideways at 1280 px:\n" + "\n".join(wide)
