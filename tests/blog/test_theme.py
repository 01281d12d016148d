"""The blog theme and the older posts: the fixture posts of tests/fixtures/oldposts, built with
the project's own config.toml, as HTML (the browser tests look at the same site in Chromium)."""

from __future__ import annotations

import html
import re
import unicodedata
import xml.dom.minidom
from pathlib import Path

import pytest

from blogsite import REPO, build, oldposts_site
from conftest import write


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = oldposts_site(tmp_path_factory.mktemp("theme") / "site")
    run = build(root, root / "public")
    assert run.returncode == 0, run.stderr
    return root, run


@pytest.fixture(scope="module")
def public(built):
    return built[0] / "public"


def page(public: Path, path: str) -> str:
    return (public / path.strip("/") / "index.html").read_text(encoding="utf-8")


def article(doc: str) -> str:
    return re.search(r'(?s)<div class="post-content">(.*?)</div>\s*(?:<footer class="post-footer">|</article>)', doc)[1]


def visible_text(fragment: str) -> str:
    """The text a reader sees: no tags, no TeX source (KaTeX's annotations), no code."""
    fragment = re.sub(r"(?s)<annotation\b.*?</annotation>", "", fragment)
    fragment = re.sub(r"(?s)<(code|pre)\b.*?</\1>", "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def tex_sources(fragment: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'(?s)<annotation encoding="application/x-tex">(.*?)</annotation>', fragment)]


def one_post(tmp_path: Path, name: str, text: str):
    """A site with the one post NAME (and the fixtures' images); returns (root, Hugo's run)."""
    root = oldposts_site(tmp_path / "site")
    for old in (root / "content" / "posts").glob("*.md"):
        old.unlink()
    write(root / "content" / "posts" / name, text)
    return root, build(root, root / "public")


# ---------------------------------------------------------------- older posts: math

OLD_MATH = "2017/09/old-math"


def test_every_old_formula_renders_with_no_error_and_no_markup_left(public):
    body = article(page(public, OLD_MATH))
    assert body.count('class="katex"') >= 20
    assert "katex-error" not in body
    text = visible_text(body)
    assert "$" not in text
    assert "\\_" not in text and "\\" not in text


def test_old_escapes_are_undone_as_the_old_engine_did(public):
    tex = tex_sources(article(page(public, OLD_MATH)))
    assert "s_{t-1}" in tex and "W_{hh}" in tex and "h_{t-1} = f(x_{t-1})" in tex
    assert "a * b" in tex and "f^*" in tex
    assert "\\frac{1}{2}" in tex and "\\{1, 2, 3\\}" in tex and "\\|x\\|" in tex
    assert "a < b" in tex and "b > a" in tex
    assert " \\color{blue}x_n\\textcolor{#228B22}{F=ma} " in tex
    aligned = next(t for t in tex if "aligned" in t)
    assert "s_{t-1}) \\cr\no_t" in aligned
    cases = next(t for t in tex if "cases" in t)
    assert "x > 0 \\\\ 0" in cases
    assert not any("\\_" in t or "\\*" in t for t in tex)


def display_math(fragment: str) -> list[str]:
    """The MathML of each display formula."""
    return [m.split("</math>")[0] for m in re.split(r'<span class="katex-display"[^>]*>', fragment)[1:]]


def test_old_line_breaks_give_two_rows(public):
    shown = display_math(article(page(public, OLD_MATH)))
    aligned = next(m for m in shown if "{aligned}" in m)
    cases = next(m for m in shown if "{cases}" in m)
    assert aligned.count("<mtr>") == 2 and cases.count("<mtr>") == 2


def test_old_formulas_in_lists_quotes_and_mid_paragraph_render(public):
    body = article(page(public, OLD_MATH))
    assert re.search(r"<li>\s*(?:<p>)?Trong danh sách: <span class=\"katex\">", body)
    assert re.search(r"(?s)<blockquote>.*?<span class=\"katex\">.*?</blockquote>", body)
    tex = tex_sources(body)
    assert "\\begin{bmatrix} u_{11} & u_{12} \\\\ u_{21} & u_{22} \\end{bmatrix}" in tex
    assert any("\\sum_{n} \\log o_{n}" in t for t in tex)


def test_vietnamese_letters_in_old_math_draw_with_one_warning(built):
    root, run = built
    body = article(page(root / "public", OLD_MATH))
    assert "x_{đầu}" in tex_sources(body) and "\\mathrm{lỗi}(y, \\hat y)" in tex_sources(body)
    warnings = [line for line in run.stdout.splitlines() + run.stderr.splitlines() if "hugosnip-math-lenient" in line
                or "letters with diacritics" in line]
    assert len([w for w in warnings if "letters with diacritics" in w]) == 1, warnings
    assert re.search(r"content/posts/old-math\.md:\d+:\d+: hugosnip: math: letters with diacritics", "\n".join(warnings))


def test_code_keeps_old_style_tex_as_written(public):
    assert "<code>$x\\_t$</code>" in article(page(public, OLD_MATH))


# ---------------------------------------------------------------- older posts: what Goldmark misreads

def prose(fragment: str) -> str:
    """The visible text with every formula (KaTeX's whole span) and code left out."""
    from html.parser import HTMLParser

    class Prose(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.parts = 0, []   # depth > 0: inside a formula or code

        def handle_starttag(self, tag, attrs):
            if self.depth or (tag == "span" and ("class", "katex") in attrs) or tag in ("code", "pre"):
                self.depth += tag not in ("br", "img")

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if not self.depth:
                self.parts.append(data)

    parser = Prose()
    parser.feed(fragment)
    return "".join(parser.parts)


OLD_DOLLARS = "2016/05/old-dollars"
OLD_BLOCKS = "2016/05/old-blocks"


def test_a_dollar_escaped_inside_a_formula_stays_in_it(public):
    body = article(page(public, OLD_DOLLARS))
    assert "katex-error" not in body
    assert tex_sources(body) == ["\\$20", "\\$40", "x_t", "a + \\$5 = b", "\\text{\\$}3", "\\$100",
                                 "p = \\$2 \\times q", "n_\\$ = 3", "\nC = \\$20 \\times n\n"]
    text = prose(body)
    assert text.count("$") == 1 and "Ngoài công thức, $7 là chữ." in text   # \$ in prose is a dollar
    assert text.startswith("Một giờ máy giá , hai giờ giá , và chỉ số  viết theo kiểu cũ.")
    assert "<code>$\\$20$</code>" in body                                 # and code is code
    assert "$HOME có \\$5 và $x" in html.unescape(re.sub(r"<[^>]+>", "", body))   # the old theme's codeblock too


def test_display_math_holding_block_like_lines_renders_as_formulas(public):
    body = article(page(public, OLD_BLOCKS))
    assert "katex-error" not in body and body.count('<span class="katex-display" tabindex="0">') == 6
    tex = [" ".join(t.split()) for t in tex_sources(body)]
    assert tex == ["s_t = \\tanh(U x_t + W s_{t-1}) ~~~(2)", "o_t = \\mathrm{softmax}(V s_t) ~~~~(3)",
                   "L = - \\frac{1}{N} \\sum_n \\log o_n + \\lambda \\|W\\|^2 * 1",
                   "f(x) = \\begin{cases} 1. & x > 0 \\\\ > 0 & \\text{khác} \\end{cases}",
                   "\\begin{aligned} a &= b \\\\ ~~~ &= c \\end{aligned}", "r = a - b", "y_t"]
    assert re.search(r'(?s)<blockquote>\s*<p>Trong một trích dẫn:\s*</p>\s*<span class="katex-display" tabindex="0">.*?</blockquote>', body)
    assert "$" not in prose(body)
    # what follows the formulas is the page again: a heading, a list, one real code block
    assert re.search(r'<h2 id="2-phần-sau">2. Phần sau', body)
    assert re.findall(r"<li>(.*?)</li>", body) == ["một mục danh sách thật", "mục thứ hai"]
    assert body.count("<pre") == 1 and 'data-lang="python"' in body


def test_a_rescued_post_s_summary_is_made_from_its_rescued_text(tmp_path):
    root, run = one_post(tmp_path, "gia.md", "---\ntitle: Giá\nslug: gia\ndate: 2016-01-01\n---\n"
                                             "Một giờ giá $\\$20$, hai giờ giá $\\$40$.\n\n<!--more-->\n\nPhần sau.\n")
    assert run.returncode == 0, run.stderr
    summary = re.search(r'(?s)<div class="card-summary">(.*?)</div>\s*<p class="card-more">', page(root / "public", ""))[1]
    assert tex_sources(summary) == ["\\$20", "\\$40"] and prose(summary) == "Một giờ giá , hai giờ giá ."
    rss = html.unescape((root / "public" / "index.xml").read_text(encoding="utf-8"))
    assert '<annotation encoding="application/x-tex">\\$20</annotation>' in rss and "Phần sau" not in rss


@pytest.mark.parametrize("math", ["legacy", "plain"])
def test_escaped_dollars_in_formulas_on_any_page(tmp_path, math):
    root, run = one_post(tmp_path, "gia.md", f"---\ntitle: Giá\nslug: gia\ndate: 2016-01-01\nmath: {math}\n---\n"
                                             "Giá $\\$20$ và $\\$30$ mỗi giờ.\n")
    assert run.returncode == 0, run.stderr
    body = article(page(root / "public", "2016/01/gia"))
    assert tex_sources(body) == ["\\$20", "\\$30"] and "mỗi giờ" in visible_text(body)


def test_an_error_in_a_rescued_formula_names_the_post_s_own_line(tmp_path):
    """A line `#` in display math is joined to the formula too; KaTeX (like the old engine) rejects
    the TeX, and the error points at the formula's line in the post."""
    root, run = one_post(tmp_path, "loi.md", "---\ntitle: Lỗi\nslug: loi\ndate: 2016-01-01\n---\n"
                                             "Dòng chữ\n$$\na &= b\n# &= c\n$$\n")
    assert run.returncode != 0
    assert re.search(r"content/posts/loi\.md:7:1: hugosnip: math: KaTeX parse error", run.stderr), run.stderr


# ---------------------------------------------------------------- plain posts, side by side

PLAIN_MATH = "2024/05/plain-math"


def test_plain_post_next_to_old_ones_keeps_its_tex(public):
    body = article(page(public, PLAIN_MATH))
    assert "katex-error" not in body
    tex = tex_sources(body)
    aligned = next(t for t in tex if "aligned" in t)
    assert "s_{t-1}) \\\\\no_t" in aligned
    assert "\\{1, 2\\}" in tex and "x_{\\text{đầu}}" in tex and "\\text{UNKNOWN\\_TOKEN}" in tex
    assert "UNKNOWN_TOKEN" in visible_text(body)
    assert "<code>$s\\_{t-1}$</code>" in body
    assert "Giá $5 và $10 là tiền" in visible_text(body)


def test_vietnamese_letters_in_plain_math_fail_and_say_how_to_write_them(tmp_path):
    root, run = one_post(tmp_path, "moi.md", "---\ntitle: mới\ndate: 2024-01-01\n---\n\nĐầu vào $x_{đầu}$ ở đây.\n")
    assert run.returncode != 0
    assert re.search(r"content/posts/moi\.md:6:\d+: hugosnip: math: KaTeX parse error: .*unicodeTextInMathMode.*"
                     r"put words in \\text\{…\}.*`math: legacy`", run.stderr), run.stderr


def test_plain_line_break_and_strict_errors_stay(tmp_path):
    root, run = one_post(tmp_path, "moi.md", "---\ntitle: mới\ndate: 2024-01-01\nmath: plain\n---\n\nSai: $a \\* b$.\n")
    assert run.returncode != 0 and "Undefined control sequence: \\*" in run.stderr  # a plain post: no star
    root, run = one_post(tmp_path / "2", "moi.md", "---\ntitle: mới\ndate: 2024-01-01\n---\n\n"
                         "$$\n\\begin{aligned} a \\\\ b \\end{aligned}\n$$\n")
    assert run.returncode == 0, run.stderr
    assert page(root / "public", "2024/01/moi").count("<mtr>") == 2


def test_front_matter_math_key_overrides_the_detection(tmp_path):
    # legacy-looking TeX, said to be plain: \_ is a literal underscore, \* an error
    root, run = one_post(tmp_path, "a.md", "---\ntitle: a\ndate: 2024-01-01\nmath: plain\n---\n\n$a\\_b$\n")
    assert run.returncode == 0, run.stderr
    assert "a\\_b" in tex_sources(page(root / "public", "2024/01/a"))
    # nothing to detect, said to be legacy: letters with diacritics draw
    root, run = one_post(tmp_path / "2", "b.md", "---\ntitle: b\ndate: 2024-01-01\nmath: legacy\n---\n\n$x_{đầu}$\n")
    assert run.returncode == 0, run.stderr
    assert "x_{đầu}" in tex_sources(page(root / "public", "2024/01/b"))
    # math: true (another theme's switch) is not a mode: the detection decides
    root, run = one_post(tmp_path / "3", "c.md", "---\ntitle: c\ndate: 2024-01-01\nmath: true\n---\n\n$s\\_t$\n")
    assert run.returncode == 0, run.stderr
    assert "s_t" in tex_sources(page(root / "public", "2024/01/c"))


def test_one_old_escape_anywhere_makes_the_whole_page_old(tmp_path):
    text = ("---\ntitle: d\ndate: 2024-01-01\n---\n\nTrước: $\\\\{a\\\\}$\n\n```tex\n$plain \\\\ here$\n```\n\n"
            "Sau: $x\\_t$\n")
    root, run = one_post(tmp_path, "d.md", text)
    assert run.returncode == 0, run.stderr
    assert tex_sources(page(root / "public", "2024/01/d")) == ["\\{a\\}", "x_t"]


# ---------------------------------------------------------------- older posts: images, code, links

OLD_IMAGES = "2017/09/old-images"


def figures(doc: str) -> list[str]:
    return re.findall(r'(?s)<figure class="image[^"]*">.*?</figure>', article(doc))


def test_image_classes_and_caption(public):
    figs = figures(page(public, OLD_IMAGES))
    assert len(figs) == 12
    classes = [re.match(r'<figure class="image ([^"]*)"', f)[1] for f in figs]
    assert classes[:4] == ["fancybox center", "left", "right nocaption", "clear center"]
    assert {"fig-20 clear", "fig-25", "fig-33", "fig-50 fancybox", "fig-75 clear", "fig-100 clear"} <= {
        " ".join(sorted(c.split(), key=lambda x: not x.startswith("fig"))) for c in classes}
    for f in figs:
        alt = re.search(r'<img [^>]*alt="([^"]+)"', f)[1]
        if "nocaption" in f.split(">")[0]:
            assert "<figcaption>" not in f and alt == "Ảnh nhỏ bên phải, không chú thích"
        else:
            assert f"<figcaption>{alt}</figcaption>" in f


def test_fancybox_links_the_large_image_and_groups(public):
    figs = figures(page(public, OLD_IMAGES))
    first = figs[0]
    assert re.search(r'<a class="zoom" href="/img/rnn.svg" data-lightbox="[^"]+"', first)
    assert '<img src="/img/rnn-small.svg"' in first
    groups = [re.search(r'data-lightbox="([^"]+)"', f)[1] for f in figs if "data-lightbox" in f]
    assert len(groups) == 4
    assert groups[1] == groups[2] and groups[1].endswith("-hai-hinh")  # group="x" and group="group:x"
    assert len({groups[0], groups[1], groups[3]}) == 3
    sized = figs[-1]
    assert 'href="/img/photo.png"' in sized and 'src="/img/photo-thumb.png"' in sized
    assert 'style="width:60%;height:120px"' in sized
    assert 'width="640" height="360"' in figs[3]  # local raster images get their size


def test_lightbox_script_only_where_needed_deferred_at_the_end(public):
    doc = page(public, OLD_IMAGES)
    scripts = [s for s in re.findall(r"<script\b[^>]*>", doc) if "/js/search." not in s]  # search: every page
    assert len(scripts) == 1 and " defer" in scripts[0] and 'src="/js/lightbox.' in scripts[0]
    assert doc.index(scripts[0]) > doc.index("</main>")
    assert 'data-close="Đóng"' in scripts[0]
    for other in (OLD_MATH, PLAIN_MATH, ""):
        assert "/js/lightbox." not in page(public, other)


def test_image_shortcode_refuses_unknown_parameters(tmp_path):
    root, run = one_post(tmp_path, "e.md", '---\ntitle: e\ndate: 2024-01-01\n---\n\n{{< image src="/a.png" colour="red" >}}\n')
    assert run.returncode != 0 and 'image: unknown parameter "colour"' in run.stderr


def test_codeblock_has_caption_link_and_highlighting(public):
    body = article(page(public, OLD_IMAGES))
    blocks = re.findall(r'(?s)<figure class="codeblock">.*?</figure>', body)
    assert len(blocks) == 2
    assert '<span class="codeblock-title">rnn_step.py</span> <a href="https://example.org/rnn_step.py">xem mã gốc</a>' in blocks[0]
    assert '<code class="language-python" data-lang="python">' in blocks[0]
    assert '<span class="k">def</span> <span class="nf">step</span>' in blocks[0]
    assert "# một bước của RNN: s_t = tanh(U x_t + W s_{t-1})" in blocks[0]
    assert '<span class="codeblock-title">chỉ có tiêu đề</span></figcaption>' in blocks[1]
    assert 'data-lang="bash"' in blocks[1]


def test_raw_html_links_keep_working(public):
    body = article(page(public, OLD_IMAGES))
    assert '<a href="https://karpathy.github.io/2015/05/21/rnn-effectiveness/" target="_blank">bài của Karpathy</a>' in body
    assert '<a href="http://www.wildml.com/" target="_blank" rel="noopener">blog WildML</a>' in body


def test_no_figure_is_left_inside_a_paragraph(public):
    body = article(page(public, OLD_IMAGES))
    assert not re.search(r"<p>\s*<figure", body) and not re.search(r"</figure>\s*</p>", body)


# ---------------------------------------------------------------- table of contents, headings

def test_toc_stands_where_the_marker_was(public):
    for path, marker_text in ((OLD_IMAGES, "<!--toc-->"), (OLD_MATH, "<!-- toc -->")):
        body = article(page(public, path))
        assert "<!--" not in body.replace("<!--more-->", "")
        toc = body.index('<nav class="toc"')
        assert toc < body.index("<h2 ") and body.count('<nav class="toc"') == 1
        assert body.index("</p>") < toc  # after the opening paragraph, as in the Markdown
    toc = re.search(r'(?s)<nav class="toc".*?</nav>', article(page(public, OLD_IMAGES)))[0]
    assert '<summary id="toc-title">Mục lục</summary>' in toc
    assert '<a href="#1-hình">1. Hình</a>' in toc and '<a href="#11-ở-giữa-bấm-để-xem-lớn">' in toc


def test_no_toc_without_a_marker(public):
    assert '<nav class="toc"' not in page(public, "2017/09/series-intro")
    assert '<nav class="toc"' not in page(public, PLAIN_MATH)


def test_toc_without_raw_html_goes_before_the_first_heading(tmp_path):
    root = oldposts_site(tmp_path / "site")
    run = build(root, root / "public", MARKUP_GOLDMARK_RENDERER_UNSAFE="false")
    assert run.returncode == 0, run.stderr
    body = article(page(root / "public", OLD_IMAGES))
    assert body.count('<nav class="toc"') == 1
    assert body.index('<nav class="toc"') < body.index('<h2 id="1-hình">')


def test_a_marker_in_code_is_only_text(tmp_path):
    root, run = one_post(tmp_path, "f.md", "---\ntitle: f\ndate: 2024-01-01\n---\n\nViết `<!-- toc -->` trong bài.\n\n"
                         "```html\n<!-- toc -->\n```\n\n## Một\n")
    assert run.returncode == 0, run.stderr
    assert '<nav class="toc"' not in page(root / "public", "2024/01/f")


def test_headings_have_anchors_and_the_title_is_the_only_h1(public):
    doc = page(public, OLD_IMAGES)
    assert doc.count("<h1") == 1
    assert ('<h2 id="1-hình">1. Hình<a class="anchor" href="#1-hình" '
            'aria-label="Liên kết tới mục này: 1. Hình">#</a></h2>') in doc
    assert '<h3 id="11-ở-giữa-bấm-để-xem-lớn">' in doc
    plain = page(public, "2017/09/series-intro")  # uses ## already: stays h2
    assert '<h2 id="nội-dung">Nội dung<a class="anchor"' in plain


# ---------------------------------------------------------------- post page

def test_post_header_meta_alignment_date_categories_tags(public):
    doc = page(public, OLD_IMAGES)
    assert '<header class="post-header meta-center">' in doc
    assert '<header class="post-header meta-right">' in page(public, OLD_MATH)
    assert '<header class="post-header meta-left">' in page(public, PLAIN_MATH)
    assert '<time datetime="2017-09-20">20 tháng 9 năm 2017</time>' in doc
    assert re.search(r'trong <a href="/categories/h%E1%BB%8Dc-m%C3%A1y/">Học Máy</a>, <a href="/categories/rnn/">RNN</a>', doc)
    assert re.search(r"\d+ phút đọc", doc)
    assert '<a href="/tags/tranquilpeak/">#Tranquilpeak</a>' in doc


def test_series_box_lists_parts_in_order_and_marks_this_one(public):
    doc = page(public, OLD_IMAGES)
    box = re.search(r'(?s)<nav class="series".*?</nav>', doc)[0]
    assert "Loạt bài Thử" in box
    items = re.findall(r'(?s)<li value="(\d)">(.*?)</li>', box)
    assert [n for n, _ in items] == ["1", "2"]
    assert '<a href="/2017/09/series-intro/">' in items[0][1]
    assert '<strong aria-current="page">[Thử] Hình, mã và liên kết kiểu cũ</strong>' in items[1][1]
    assert "bài đang đọc" in items[1][1]
    assert '<nav class="series"' not in page(public, OLD_MATH)


def test_previous_and_next_posts(public):
    nav = re.search(r'(?s)<nav class="post-nav".*?</nav>', page(public, OLD_IMAGES))[0]
    assert 'rel="prev" href="/2017/09/old-math/"' in nav and 'rel="next" href="/2024/05/plain-math/"' in nav
    oldest = re.search(r'(?s)<nav class="post-nav".*?</nav>', page(public, "2017/08/right-thumb"))[0]
    assert 'rel="prev"' not in oldest and 'rel="next" href="/2017/08/bottom-thumb/"' in oldest


# ---------------------------------------------------------------- lists

def cards(doc: str) -> list[str]:
    return re.findall(r'(?s)<article class="card[^"]*">.*?</article>', doc)


def test_home_lists_posts_newest_first_with_summary_and_read_on(public):
    home = page(public, "")
    found = cards(home)
    titles = [re.search(r'<h2 class="card-title"><a href="([^"]+)">', c)[1] for c in found]
    assert titles == ["/2024/05/plain-math/", "/2017/09/old-images/", "/2017/09/old-math/",
                      "/2017/09/series-intro/", "/2017/08/bottom-thumb/", "/2017/08/right-thumb/"]
    for card in found:
        assert re.search(r'<p class="card-more"><a href="[^"]+">Đọc tiếp<span class="visually-hidden">', card)
        assert re.search(r"tháng \d+ năm 20\d\d</time>", card) and "phút đọc" in card
    summary = re.search(r'(?s)<div class="card-summary">(.*?)</div>', found[1])[1]
    assert "một trang khác" in summary and "Hình" not in summary  # cut at <!--more-->


def test_thumbnails_follow_the_front_matter(public):
    by_url = {re.search(r'<h2 class="card-title"><a href="([^"]+)">', c)[1]: c for c in cards(page(public, ""))}
    expect = {"/2017/09/old-images/": ("left", "/img/logo.png"),
              "/2017/09/series-intro/": ("top", "/img/encoder.svg"),  # autoThumbnailImage: first image
              "/2017/08/bottom-thumb/": ("bottom", "/img/photo.png"),
              "/2017/08/right-thumb/": ("right", "/img/logo.png")}
    for url, (position, src) in expect.items():
        card = by_url[url]
        assert card.startswith(f'<article class="card card-thumb-{position}">'), card[:80]
        assert f'<img src="{src}" alt=""' in card
    assert by_url["/2017/09/old-math/"].startswith('<article class="card">')  # autoThumbnailImage: false


def test_home_is_paginated(tmp_path):
    root = oldposts_site(tmp_path / "site")
    run = build(root, root / "public", PAGINATION_PAGERSIZE="4")
    assert run.returncode == 0, run.stderr
    first, second = page(root / "public", ""), page(root / "public", "page/2")
    assert len(cards(first)) == 4 and len(cards(second)) == 2
    assert '<span class="pager-where">Trang 1/2</span><a class="pager-next" rel="next" href="/page/2/">Bài cũ hơn →</a>' in first
    assert '<a class="pager-prev" rel="prev" href="/">← Bài mới hơn</a>' in second


def test_taxonomy_pages_for_categories_tags_and_series(public):
    cats = page(public, "categories")
    assert '<h1 class="list-title">Danh mục</h1>' in cats and "Học Máy" in cats and "2 bài" in cats
    assert '<h1 class="list-title">Thẻ</h1>' in page(public, "tags")
    assert '<h1 class="list-title">Loạt bài</h1>' in page(public, "series")
    term = page(public, "tags/katex")
    assert '<h1 class="list-title">Thẻ: KaTeX</h1>' in term and len(cards(term)) == 2
    series = page(public, "series/th%E1%BB%AD") if (public / "series/th%E1%BB%AD").exists() else page(public, "series/thử")
    assert [re.search(r'<a href="([^"]+)">', c.split('card-title">')[1])[1] for c in cards(series)] == [
        "/2017/09/series-intro/", "/2017/09/old-images/"]  # reading order, not newest first


def test_header_links_the_taxonomies(public):
    nav = re.search(r'(?s)<nav class="site-nav".*?</nav>', page(public, ""))[0]
    assert all(f'href="/{t}/"' in nav for t in ("categories", "tags", "series"))


def test_rss_sitemap_and_404(public):
    rss = (public / "index.xml").read_text(encoding="utf-8")
    xml.dom.minidom.parseString(rss.encode())
    assert "<description>Các bài mới nhất: Học sâu từng bước</description>" in rss
    assert rss.count("<item>") == 6 and "<language>vi</language>" in rss
    xml.dom.minidom.parseString((public / "sitemap.xml").read_bytes())
    xml.dom.minidom.parseString((public / "tags" / "katex" / "index.xml").read_bytes())
    missing = (public / "404.html").read_text(encoding="utf-8")
    assert "Không tìm thấy trang" in missing and 'href="/">Về trang chủ</a>' in missing


def test_katex_css_only_on_pages_with_math(public):
    assert "katex" in page(public, OLD_MATH).split("</head>")[0]
    assert "katex" not in page(public, OLD_IMAGES).split("</head>")[0]


# ---------------------------------------------------------------- strings

THEME = REPO / "themes" / "blog"


def i18n_keys(lang: str) -> dict[str, str]:
    text = (THEME / "i18n" / f"{lang}.yaml").read_text(encoding="utf-8")
    return dict(re.findall(r'(?m)^(\w+):\s*(.*)$', text))


def test_every_ui_string_is_in_both_languages_in_nfc():
    vi, en = i18n_keys("vi"), i18n_keys("en")
    assert vi.keys() == en.keys()
    used = set()
    for tpl in (THEME / "layouts").rglob("*.*"):
        used |= set(re.findall(r'i18n "(\w+)"', tpl.read_text(encoding="utf-8")))
    prefixed = {k for k in used if not k.startswith("blog_")}
    assert not prefixed, prefixed
    assert used <= vi.keys(), used - vi.keys()
    for path in (THEME / "i18n").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, path


def test_templates_hold_no_vietnamese_text():
    letters = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
    for tpl in (THEME / "layouts").rglob("*.*"):
        code = re.sub(r"(?s)\{\{-? /\*.*?\*/ -?\}\}", "", tpl.read_text(encoding="utf-8"))
        assert not letters.search(code), tpl


# ---------------------------------------------------------------- built for the real address

SITE = "https://example.org/blog/"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """The fixture site built as the deploy step builds it: hugo --baseURL <the real address>."""
    root = oldposts_site(tmp_path_factory.mktemp("deployed") / "site")
    run = build(root, root / "public", BASEURL=SITE)
    assert run.returncode == 0, run.stderr
    return root / "public"


def absolute(url: str) -> bool:
    return re.match(r"https?://[^/\s]+/", url or "") is not None


def check_rss(path: Path) -> int:
    """Check one feed against RSS 2.0's rules; returns its number of items."""
    from email.utils import parsedate_to_datetime
    from xml.etree import ElementTree

    root = ElementTree.fromstring(path.read_bytes())  # well-formed XML, or this raises
    where = path.as_posix()
    assert root.tag == "rss" and root.get("version") == "2.0", where
    channels = root.findall("channel")
    assert len(channels) == 1, where
    channel = channels[0]
    for name in ("title", "link", "description"):  # required, each once
        assert len(channel.findall(name)) == 1 and channel.findtext(name).strip(), (where, name)
    assert absolute(channel.findtext("link")), (where, channel.findtext("link"))
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link is not None and self_link.get("rel") == "self" and absolute(self_link.get("href")), where
    if channel.find("lastBuildDate") is not None:
        parsedate_to_datetime(channel.findtext("lastBuildDate"))
    items = channel.findall("item")
    for item in items:
        assert (item.findtext("title") or item.findtext("description") or "").strip(), where
        assert absolute(item.findtext("link")), (where, item.findtext("link"))
        assert item.findtext("guid") == item.findtext("link")  # a permalink guid
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        body = item.findtext("description") or ""
        for url in re.findall(r'(?:src|href)="([^"]*)"', body):
            assert absolute(url) or url.startswith("#"), (where, url)
    return len(items)


def test_feeds_are_rss_2_with_absolute_links(deployed):
    feeds = sorted(deployed.rglob("index.xml"))
    assert len(feeds) >= 5, feeds
    assert check_rss(deployed / "index.xml") == 6
    for feed in feeds:
        check_rss(feed)
    rss = (deployed / "index.xml").read_text(encoding="utf-8")
    assert f"<link>{SITE}2017/09/old-images/</link>" in rss
    assert f'src=&#34;{SITE}img/' in rss or f"src=&#34;/blog/img/" not in rss


def test_the_local_build_keeps_root_relative_links(public):
    rss = (public / "index.xml").read_text(encoding="utf-8")
    links = re.findall(r"<(?:link|guid)>([^<]*)<", rss)
    assert "/2017/09/old-images/" in links and all(link.startswith("/") for link in links), links


def meta(doc: str) -> dict[str, str]:
    head = doc.split("</head>")[0]
    return {html.unescape(k): html.unescape(v)
            for k, v in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', head)}


def test_link_previews_name_the_post_and_its_first_figure(deployed):
    doc = page(deployed, OLD_IMAGES)
    m = meta(doc)
    content = doc.split('<div class="post-content">')[1]
    images = [html.unescape(src) for src in re.findall(r'<img[^>]*?\ssrc="([^"]+)"', content)]
    assert images[0].endswith(".svg") and images[1].endswith(".png")
    first = images[1]  # the first raster image: not every previewer shows SVG
    assert m["og:title"] == m["twitter:title"] == re.search(r'<h1 class="post-title">(.*?)</h1>', doc)[1]
    assert m["og:type"] == "article"
    assert m["og:url"] == f"{SITE}2017/09/old-images/"
    assert m["og:image"] == m["twitter:image"] == "https://example.org" + first
    assert m["twitter:card"] == "summary_large_image"
    assert m["og:description"] and m["og:description"] == m["twitter:description"]
    assert m["og:site_name"] == "Học sâu từng bước"
    home = meta(page(deployed, ""))
    assert home["og:type"] == "website" and home["og:url"] == SITE and "og:image" not in home
    assert home["twitter:card"] == "summary"


def test_favicon_svg_and_ico(public):
    ico = (public / "favicon.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") >= 2
    xml.dom.minidom.parseString((public / "favicon.svg").read_bytes())
    head = page(public, "").split("</head>")[0]
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in head
    assert '<link rel="icon" href="/favicon.ico"' in head


def test_search_box_points_at_the_index_under_the_site_address(public, deployed):
    for site, prefix in ((public, "/"), (deployed, "/blog/")):
        doc = page(site, OLD_IMAGES)
        assert doc.startswith('<!doctype html>\n<html lang="vi">')  # Pagefind indexes it as Vietnamese
        header = re.search(r'(?s)<header class="site-header">.*?</header>', doc)[0]
        assert '<search class="site-search" hidden>' in header  # shown by search.js
        assert f'data-bundle="{prefix}pagefind/pagefind.js" data-base="{prefix}"' in header
        assert '<label class="visually-hidden" for="search-q">Tìm trong các bài viết</label>' in header
        assert re.search(r'<script src="[^"]*/js/search\.[^"]+\.js" integrity="[^"]+" defer></script>', doc)
        assert "data-pagefind-body" in doc and "data-pagefind-body" not in page(site, "")


# ---------------------------------------------------------------- keyboard and tables

def test_tables_get_headers_and_a_box_the_keyboard_can_scroll(tmp_path):
    root, run = one_post(tmp_path, "table.md", "---\ntitle: Bảng\ndate: 2020-01-01\n---\n\n"
                         "| đại lượng | RNN |\n|---|--:|\n| số tham số | 12 |\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert run.returncode == 0, run.stderr
    doc = next((root / "public").rglob("table/index.html")).read_text(encoding="utf-8")
    assert doc.count('<div class="table-wrap" tabindex="0" role="region" aria-label="Bảng 1">') == 1
    assert doc.count('aria-label="Bảng 2"') == 1
    assert '<th scope="col">đại lượng</th>' in doc
    assert '<th scope="col" style="text-align: right">RNN</th>' in doc
    assert '<td style="text-align: right">12</td>' in doc


def test_display_formulas_take_the_keyboard(public):
    doc = page(public, OLD_MATH)
    assert doc.count('<span class="katex-display" tabindex="0">') == doc.count('class="katex-display"') > 0


def test_english_phrases_in_the_posts_say_their_language():
    """A gloss of three or more English words in a Vietnamese sentence, "(Recurrent Neural Network)",
    is marked <span lang="en"> so that a screen reader reads it in English (WCAG 3.1.2)."""
    gloss = re.compile(r"\(((?:[A-Za-z-]+ ){2,}[A-Za-z-]+)( - [A-Z]+)?\)")
    unmarked = []
    for post in sorted((REPO / "content").rglob("*.md")):
        fence = False
        for n, line in enumerate(post.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            elif not fence and gloss.search(re.sub(r"`[^`]*`|\{\{<.*?>\}\}", "", line)):
                unmarked.append(f"{post.relative_to(REPO)}:{n}")
    assert not unmarked, unmarked
    doc = (REPO / "content" / "posts" / "what-is-rnn.md").read_text(encoding="utf-8")
    assert '(<span lang="en">Recurrent Neural Network - RNN</span>)' in doc
