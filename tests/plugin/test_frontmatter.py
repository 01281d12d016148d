"""Front matter read as Hugo reads it: every form Hugo accepts is accepted, with the page's lines kept."""

from __future__ import annotations

import subprocess

import pytest

from hugosnip import hugo
from hugosnip.errors import InputError
from hugosnip.frontmatter import body_start, check, find
from hugosnip.scan import scan_text

SNIP = '{{< snip-value file="a.py" cell="c" >}}'

# (id, the page up to its body, the kind found). Each is a page Hugo builds (see the last test).
ACCEPTED = [
    ("yaml-quote-continued", '---\ntitle: a\ndescription: "one on page\nthrough using two"\n---\n', "yaml"),
    ("yaml-single-quote-continued", "---\ntitle: 'it''s\nlong'\n---\n", "yaml"),
    ("yaml-folded", "---\ntitle: a\ndescription: >\n  one: two\n  three\n---\n", "yaml"),
    ("yaml-literal", "---\ntitle: a\nnote: |\n  x: 1\n    y\n---\n", "yaml"),
    ("yaml-plain-multiline", "---\ntitle: one\n  two three\n---\n", "yaml"),
    ("yaml-flow", '---\ntitle: a\ntags: [a, "b: c"]\nmeta: {x: 1, y: [2]}\n---\n', "yaml"),
    ("yaml-anchor", "---\ntitle: x\nbase: &b 1\nref: *b\n---\n", "yaml"),
    ("yaml-complex-key", "---\ntitle: x\n? complex\n: v\n---\n", "yaml"),
    ("yaml-four-space-list", "---\ntitle: x\ntags:\n    - a\n    - b\n---\n", "yaml"),
    ("yaml-empty", "---\n---\n", "yaml"),
    ("yaml-only-comment", "---\n# only a comment\n---\n", "yaml"),
    ("yaml-document-end", "---\ntitle: x\n...\n---\n", "yaml"),
    ("yaml-leading-blank-lines", "\n\n---\ntitle: lead\n---\n", "yaml"),
    ("yaml-fence-trailing-space", "---   \ntitle: x\n---  \n", "yaml"),
    ("yaml-crlf", "---\r\ntitle: x\r\ntags:\r\n- a\r\n---\r\n", "yaml"),
    ("yaml-bom", "\ufeff---\ntitle: x\n---\n", "yaml"),
    ("yaml-yes-no", "---\ntitle: yes\ndraft: off\n---\n", "yaml"),
    ("toml", '+++\ntitle = "x"\ntags = ["a"]\n+++\n', "toml"),
    ("toml-multiline", '+++\ntitle = """a\nb"""\n[[cascade]]\n  x = 1\n+++\n', "toml"),
    ("json", '{\n  "title": "j",\n  "tags": ["a", "}"]\n}\n', "json"),
    ("json-one-line", '{ "title": "j" }\n', "json"),
    ("none", "", ""),
]


@pytest.mark.parametrize("head, kind", [(h, k) for _, h, k in ACCEPTED], ids=[i for i, _, _ in ACCEPTED])
def test_every_form_hugo_accepts_is_accepted_and_lines_are_the_files(head, kind):
    text = head + "\nText " + SNIP + ".\n"
    assert find(text, "p.md").kind == kind
    check(text, "p.md")
    line = head.count("\n") + 2
    assert [(r.line, r.kind) for r in scan_text(text, "content/p.md")] == [(line, "snip-value")]
    assert text[body_start(text):].lstrip("\r\n").startswith("Text ")


@pytest.mark.parametrize("page, text", [
    ("content/p.org", "#+TITLE: org\n#+DATE: 2024-01-01\n\n* Heading\n" + SNIP + "\n"),
    ("content/p.html", "---\ntitle: h\n---\n<p>\n" + SNIP + "\n</p>\n"),
    ("content/p.html", "<pre>\n" + SNIP + "\n</pre>\n"),
], ids=["org", "html", "html-no-front-matter"])
def test_org_and_html_pages_are_read(page, text):
    assert [(r.line, r.kind) for r in scan_text(text, page)] == [(text[:text.index(SNIP)].count("\n") + 1,
                                                                  "snip-value")]


@pytest.mark.parametrize("head, line, message", [
    ('---\ntitle: "x\n---\n', 2, "front matter: not valid YAML: a quoted scalar is never closed"),
    ("---\ntitle: a: b\n---\n", 2, "front matter: not valid YAML: mapping values are not allowed here; "
                                   "a value that holds ': ' must be in quotes"),
    ("---\ntitle: x\nk: @x\n---\n", 3, "front matter: not valid YAML: found character '@' that cannot start "
                                       "any token"),
    ("---\ntitle: x\ntags: [a, b\n---\n", 4, "front matter: not valid YAML: expected ',' or ']', but got "
                                             "'<stream end>'"),
    ('{\n  "title": j\n}\n', 2, "front matter: not valid JSON: Expecting value"),
    ("+++\ntitle = \n+++\n", 2, "front matter: not valid TOML: Invalid value"),
], ids=["yaml-unclosed-quote", "yaml-colon", "yaml-reserved", "yaml-flow-unclosed", "json", "toml"])
def test_what_hugo_refuses_is_named_at_its_line(head, line, message):
    with pytest.raises(InputError) as caught:
        scan_text(head + SNIP + "\n", "content/p.md")
    assert (caught.value.line, caught.value.message) == (line, message)
    assert scan_text(head + "no shortcode here\n", "content/p.md") == []


def test_hugo_builds_every_accepted_form(tmp_path):
    """The forms above are Hugo's own: a site with one page of each builds."""
    root = tmp_path / "site"
    (root / "layouts").mkdir(parents=True)
    (root / "hugo.toml").write_text("disableKinds = ['taxonomy', 'term', 'rss', 'sitemap']\n")
    (root / "layouts" / "single.html").write_text("{{ .Title }}")
    (root / "layouts" / "list.html").write_text("x")
    (root / "content").mkdir()
    for name, head, _ in ACCEPTED:
        (root / "content" / f"{name}.md").write_bytes((head + "\nText.\n").encode())
    proc = subprocess.run([hugo.binary(), "--quiet"], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (root / "public" / "yaml-quote-continued" / "index.html").read_text() == "a"
