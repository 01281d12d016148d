"""End to end: build the fixture site with Hugo and read the HTML a reader gets."""

import re
import subprocess

import pytest

from hugosnip import hugo

from conftest import bring_to_built_state, write


@pytest.fixture
def public(site, _hugo_built_template):
    bring_to_built_state(site, _hugo_built_template)   # as after `hugosnip build`, built once
    return site / "public"


def post(public, slug="demo"):
    return (public / "2024" / "03" / slug / "index.html").read_text(encoding="utf-8")


def test_value_is_formatted_the_vietnamese_way(public):
    html = post(public)
    assert 'Giá trị: <span class="hugosnip-value">5,25</span> và' in html
    assert 'biến <span class="hugosnip-value">42</span>.' in html


def test_snippet_output_is_text_never_markup(public):
    html = post(public)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n{{&lt; image src=&#34;x&#34; &gt;}} `tick`" in html
    assert "<img src=\"x\"" not in html


def test_cell_shows_highlighted_code_output_and_value(public):
    html = post(public)
    assert '<span class="n">x</span> <span class="o">=</span> <span class="n">double</span>' in html
    assert '<pre class="hugosnip-stdout" tabindex="0"><code>x = 42\n</code></pre>' in html
    assert '<pre class="hugosnip-repr" tabindex="0"><code>5.25</code></pre>' in html


def test_source_of_a_method_by_dotted_name(public):
    html = post(public)
    assert '<span class="k">def</span> <span class="nf">area</span>' in html
    assert "snippets/lib.py, Box.area, dòng 10–11" in html


def test_figure_is_published_with_alt_text(public):
    html = post(public)
    (src,) = re.findall(r'<img src="(/hugosnip/[0-9a-f]{16}\.svg)" width="\d+" height="\d+" alt="Đồ thị y = x²"', html)
    assert (public / src.lstrip("/")).read_bytes().startswith(b"<?xml")
    assert "<figcaption>Đồ thị y = x²</figcaption>" in html


def test_math_is_rendered_at_build_time_and_its_css_only_where_needed(public):
    html = post(public)
    assert '<annotation encoding="application/x-tex">s_t = \\tanh(U x_t + W s_{t-1})</annotation>' in html
    assert "$" not in re.sub(r"<annotation.*?</annotation>", "", html)
    css = re.findall(r'href="(/katex/[^"]+\.css)"', html) or re.findall(r'href="([^"]*katex[^"]*\.css)"', html)
    assert css, "KaTeX's CSS is linked on a page with math"
    assert "katex" not in re.sub(r"<body.*", "", post(public, "plain"), flags=re.S)
    assert list((public).rglob("KaTeX_Main-Regular.woff2"))


def test_examples_stay_examples(public):
    html = post(public)
    assert "<code>{{&lt; snip-cell file=&quot;nope.py&quot; cell=&quot;x&quot; &gt;}}</code>" in html


def test_plain_hugo_builds_the_same_pages_from_committed_results(site, public):
    before = {p.relative_to(public): p.read_bytes() for p in public.rglob("*.html")}
    out = site / "public-plain"
    run = subprocess.run([hugo.binary(), "--destination", str(out)], cwd=site,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.html")}
    assert after == before


def test_hugo_names_the_page_when_results_are_missing(site, public):
    (site / "data/hugosnip/demo.json").unlink()
    run = subprocess.run([hugo.binary()], cwd=site, capture_output=True, text=True)
    assert run.returncode != 0
    assert re.search(r'content/posts/demo\.md:6:\d+: hugosnip: snip-value: no results for snippets/demo\.py '
                     r'\(expected data/hugosnip/demo\.json\): run `hugosnip build`', run.stderr), run.stderr


def test_a_bad_formula_fails_the_build_with_its_page_and_line(site, cli):
    write(site / "content/posts/bad.md", "---\ntitle: bad\ndate: 2024-01-01\n---\n\nSai: $\\frac{1}{$ đây.\n")
    cli(site, "build", "--no-hugo")
    result = subprocess.run([hugo.binary()], cwd=site, capture_output=True, text=True)
    assert result.returncode != 0
    assert re.search(r"content/posts/bad\.md:6:\d+: hugosnip: math: ", result.stderr), result.stderr


def test_build_passes_hugo_failure_through_with_its_own_status(site, cli):
    write(site / "content/posts/bad.md", "---\ntitle: bad\ndate: 2024-01-01\n---\n\n$\\frac{1}{$\n")
    result = cli(site, "build")
    assert result.status == 6
    assert result.err.endswith("hugo: Hugo failed with status 1 (its errors are above)\n")
