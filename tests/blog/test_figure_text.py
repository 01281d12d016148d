"""Every figure of the series is readable at 1280 px: its smallest text is at least as large as the
post's captions.

At 1280 px the post's column is `--measure` (44rem) less its padding (1rem each side), 672 px; a
figure wider than that is scaled down to it. Matplotlib writes text as glyph paths scaled by
`scale(s -s)`, where s × 100 is the size in points (1 pt = 4/3 px). So a text of s × 100 pt in an
SVG W pt wide shows at s × 100 × 4/3 × min(1, 672 / (W × 4/3)) px, to be compared with the
caption's 0.9rem, 14.4 px.
"""

from __future__ import annotations

import json
import re

import pytest

from blogsite import POSTS, REPO

ROOT_PX = 16
CSS = (REPO / "themes/blog/assets/css/blog.css").read_text(encoding="utf-8")
MEASURE_REM = float(re.search(r"--measure:\s*([\d.]+)rem", CSS)[1])
COLUMN_PX = (MEASURE_REM - 2) * ROOT_PX                       # main's padding: 1rem each side
CAPTION_PX = float(re.search(r"figcaption \{[^}]*font-size:\s*([\d.]+)rem", CSS)[1]) * ROOT_PX

FIGURES = sorted({f"{file}:{cell}" for post in POSTS
                  for file, cell in re.findall(r'snip-figure file="([^"]+)" cell="([^"]+)"',
                                               post.read_text(encoding="utf-8"))})


def smallest_text_px(figure: str) -> float:
    file, cell = figure.split(":")
    doc = json.loads((REPO / "data/hugosnip" / file.replace(".py", ".json")).read_text(encoding="utf-8"))
    svg = (REPO / "assets/hugosnip" / doc["cells"][cell]["figures"][0]).read_text(encoding="utf-8")
    width_px = float(re.search(r'width="([\d.]+)pt"', svg)[1]) * 4 / 3
    scales = [float(s) for s in re.findall(r"scale\(([\d.]+) -[\d.]+\)", svg)]
    assert scales, f"{figure}: no text found"
    return min(scales) * 100 * 4 / 3 * min(1.0, COLUMN_PX / width_px)


def test_the_page_geometry_is_read():
    assert (COLUMN_PX, CAPTION_PX) == (672.0, 14.4)


@pytest.mark.parametrize("figure", FIGURES)
def test_smallest_text_is_as_large_as_the_caption(figure):
    assert smallest_text_px(figure) >= CAPTION_PX - 0.05, \
        f"{figure}: smallest text {smallest_text_px(figure):.1f} px, captions {CAPTION_PX} px"
