"""One decimal mark across the posts: what the snippets print uses the Vietnamese comma.

Snippets format the numbers they print with snippets.rnn.fmt.vi, and snip-value formats with the
site's decimal_mark. This test builds the blog with Hugo (committed results, no Python) and reads
every cell output and every inline value on the posts. A number written with a decimal point
(`0.326`, `20.8`, `1.1e-16`) fails; a dot between groups of three digits is the Vietnamese
thousands mark (`55.779`) and is allowed.
"""

from __future__ import annotations

import html
import re

import pytest

from blogsite import POSTS, post_page
from snippets.rnn.fmt import vi

# A decimal point: after a leading 0, or followed by other than exactly three digits.
DECIMAL_POINT = re.compile(r"(?<![\w.,])(?:0\.\d+|\d+\.(?:\d{1,2}|\d{4,})(?![\d.]))")
SHOWN = re.compile(r'(?s)<(pre|span)[^>]*class="[^"]*hugosnip-(?:stdout|value)[^"]*"[^>]*>(.*?)</\1>')


@pytest.mark.parametrize("text, bad", [
    ("độ hỗn độn 60,6", []), ("55.779 câu", []), ("i_t: min +0.326", ["0.326"]),
    ("trong 20.8 giây", ["20.8"]), ("lớn nhất: 1.1e-16", ["1.1"]), ("1.2345 s", ["1.2345"]),
    ("numpy 2.3.1, torch 2.13.0", []), ("nn.LSTM(64, 128)", []),
])
def test_the_pattern_tells_decimal_points_from_thousands_marks(text, bad):
    assert DECIMAL_POINT.findall(text) == bad


def test_vi_swaps_the_marks():
    assert (vi(0.74, ".2f"), vi(12345.6, ",.1f"), vi(1.1e-16, ".1e")) == ("0,74", "12.345,6",
                                                                          "1,1e-16")


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_outputs_and_values_use_the_vietnamese_decimal_mark(blog_public, post):
    page = post_page(blog_public, post)
    found = []
    for match in SHOWN.finditer(page.read_text(encoding="utf-8")):
        text = html.unescape(re.sub(r"<[^>]+>", "", match[2]))
        found += [(number, text.strip()[:60]) for number in DECIMAL_POINT.findall(text)]
    assert found == [], f"{post.name}: numbers with a decimal point: {found}"
