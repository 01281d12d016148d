"""Pages that do not use hugosnip do not change: a replica site built without the plugin and with
it (theme component in the theme list, head partial wired, results present, a page that uses it)
gives byte-identical output for every other file, math pages, RSS, sitemap and lists included,
whether the plugin renders math or not."""

from __future__ import annotations

import pytest

import replica

# The site's own math: passthrough on, with the usual delimiters, and no render hook of its own.
PASSTHROUGH = """
[markup.goldmark.extensions.passthrough]
  enable = true
  [markup.goldmark.extensions.passthrough.delimiters]
    block = [['$$', '$$'], ['\\[', '\\]']]
    inline = [['$', '$'], ['\\(', '\\)']]
"""

PAGES = {
    "posts/_index.md": "---\ntitle: Posts\n---\n",
    "posts/plain.md": replica.PLAIN,
    "posts/brackets.md": "---\ntitle: Brackets\n---\n\nInline \\(x<1 & y>2\\), display:\n\n\\[\n\\sum_i a_i\n\\]\n",
    "about.md": "---\ntitle: About\n---\n\nNo math, a [link](/posts/) and\n\n```python\nprint(1)\n```\n",
}


# The lists above the page that uses hugosnip may show its summary, so they get the CSS (and the
# sitemap and feeds name the page): every other file must be byte-identical.
LISTS_OF_IT = {"index.html", "index.xml", "posts/index.html", "posts/index.xml", "sitemap.xml"}


@pytest.fixture(scope="module")
def without(tmp_path_factory):
    root = replica.site(tmp_path_factory.mktemp("without") / "s", None, plugin=False, config=PASSTHROUGH,
                        pages=PAGES)
    run = replica.hugo(root)
    assert run.returncode == 0, run.stderr
    return replica.files(root / "public")


@pytest.mark.parametrize("math", ["none", "katex-on-other-pages"])
def test_pages_without_a_snip_shortcode_are_byte_identical(tmp_path, replica_results, without, math):
    config = PASSTHROUGH + ('[params.hugosnip]\n  math = "katex"\n' if math != "none" else "")
    pages = dict(PAGES, **{"posts/uses.md": replica.USES})
    if math != "none":   # a math page would change (KaTeX at build time): only snippet pages here
        pages = {k: v for k, v in pages.items() if "$" not in v and "\\(" not in v}
    root = replica.site(tmp_path / "s", replica_results, config=config, pages=pages)
    run = replica.hugo(root)
    assert run.returncode == 0, run.stderr
    built = replica.files(root / "public")
    uses = {name for name in built if name.startswith("posts/uses/")}
    assert uses == {"posts/uses/index.html"}
    expected = {name: data for name, data in without.items()
                if math == "none" or name.removesuffix("/index.html") + ".md" in
                {f"{p.removesuffix('.md')}.md" for p in pages} or not name.startswith("posts/")}
    changed = sorted(name for name in expected if built.get(name) != expected[name]
                     and name not in LISTS_OF_IT)
    assert changed == []
    added = sorted(set(built) - set(without) - uses)
    assert [a for a in added if not a.startswith(("css/hugosnip.min.", "hugosnip/run/"))] == []


def test_math_is_given_back_as_written_when_the_plugin_does_not_render_it(tmp_path, replica_results, without):
    root = replica.site(tmp_path / "s", replica_results, config=PASSTHROUGH, pages=PAGES)
    assert replica.hugo(root).returncode == 0
    page = (root / "public" / "posts" / "brackets" / "index.html").read_text()
    assert "Inline \\(x<1 & y>2\\), display:</p>\n\\[\n\\sum_i a_i\n\\]" in page
    assert page == without["posts/brackets/index.html"].decode()
    plain = (root / "public" / "posts" / "plain" / "index.html").read_text()
    assert "$a+b<c$" in plain and "$$\nx^2 + y^2 = z^2\n$$" in plain


def test_the_plugin_css_is_linked_only_where_it_is_used(tmp_path, replica_results):
    root = replica.site(tmp_path / "s", replica_results, config=PASSTHROUGH,
                        pages=dict(PAGES, **{"posts/uses.md": replica.USES}))
    assert replica.hugo(root).returncode == 0
    public = root / "public"
    linked = sorted(p.relative_to(public).as_posix() for p in public.rglob("*.html")
                    if "css/hugosnip.min." in p.read_text())
    assert linked == ["index.html", "posts/index.html", "posts/uses/index.html"]   # the lists show its summary
    css = next(public.glob("css/hugosnip.min.*.css")).read_text()
    assert ".katex-display[tabindex=\"0\"]{" in css.replace("tabindex=0", 'tabindex="0"')
    assert "}.katex-display{" not in css and not css.startswith(".katex-display")
