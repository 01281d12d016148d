"""Each post's main line reads in about 30 minutes at most.

The blog theme shows, under a post's title, the minutes to read its main line: the words a
reader sees outside collapsed <details> boxes (prose, and the code and outputs left open; not the
measurements, asides, "run it yourself"), at 200 words a minute, rounded up
(themes/blog/layouts/_partials/blog/reading-time.html). This test builds the site with Hugo,
reads the number each post shows, recomputes it from the page's HTML, and checks that the two are
equal and within the limit.
"""

from __future__ import annotations

import html
import math
import re

import pytest

from blogsite import POSTS, post_page

LIMIT = 30                      # minutes: "each part's main line under about 30 minutes"
RATE = 200                      # words a minute, a careful reader of a technical text


def main_line_words(page: str) -> int:
    """Words of the post's content (up to its footer) outside <details>, without KaTeX's MathML
    copy; tags are removed without adding spaces, as Hugo's plainify does."""
    start = page.index('<div class="post-content">')
    end = page.find('<footer class="post-footer">', start)   # the footer (tags, series) is not read
    content = page[start:end if end > 0 else page.index("</article>")]
    content = re.sub(r'(?s)<span class="katex-mathml">.*?</math></span>', "", content)
    kept, depth = [], 0
    for piece in re.split(r"(<details[\s>][^>]*>|<details>|</details>)", content):
        if piece.startswith("<details"):
            depth += 1
        elif piece == "</details>":
            depth -= 1
        elif depth == 0:
            kept.append(piece)
    return len(html.unescape(re.sub(r"<[^>]+>", "", "".join(kept))).split())


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_main_line_reads_in_about_30_minutes(blog_public, post):
    page = post_page(blog_public, post).read_text(encoding="utf-8")
    shown = int(re.search(r'<p class="post-meta">.*?(\d+) phút đọc', page, re.S)[1])
    expected = math.ceil(main_line_words(page) / RATE)
    assert shown == expected, f"{post.name}: the page shows {shown} min, its main line " \
                                       f"has {main_line_words(page)} words ({expected} min)"
    assert shown <= LIMIT, f"{post.name}: {shown} minutes of reading outside collapsed boxes " \
                           f"(limit {LIMIT}); move measurements or asides into <details>"
