"""The shortcode contract (themes/hugosnip/data/hugosnip_contract.toml) is one file read by both
sides: `hugosnip check` (scan.py) and plain `hugo` (the templates) refuse the same mistakes, each
at the shortcode's page:line, with the same words."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest

from hugosnip import contract, hugo, scan, store
from hugosnip.theme import source

import replica
from conftest import REPO, write

# One page per mistake the contract forbids: (page name, shortcode, the words both sides say).
MISTAKES = [
    ("unknown", '{{< snip-cell file="demo.py" cell="answer" colour="red" >}}',
     "snip-cell: unknown parameter 'colour'; known: file, cell, code, output, value, figures, linenos, run"),
    ("missing", '{{< snip-value file="demo.py" >}}',
     "snip-value: missing parameter 'cell' (required: file, cell)"),
    ("flag", '{{< snip-cell file="demo.py" cell="answer" code="maybe" >}}',
     "snip-cell: parameter 'code' must be true or false, not 'maybe'"),
    ("exclusive", '{{< snip-value file="demo.py" cell="answer" digits="2" format="%.3f" >}}',
     "snip-value: give digits or format, not both"),
    ("nocaption", '{{< snip-figure file="plot.py" cell="figure" >}}',
     "snip-figure: give caption or alt"),
    ("digits", '{{< snip-value file="demo.py" cell="answer" digits="many" >}}',
     "snip-value: digits='many' must be a number of decimals from 0 to 99, e.g. digits=2"),
    ("figure-run", '{{< snip-figure file="plot.py" cell="figure" alt="x" run="yes" >}}',
     "snip-figure: parameter 'run' must be true or false, not 'yes'"),
    ("figure-n", '{{< snip-figure file="plot.py" cell="figure" n="0" alt="x" >}}',
     "snip-figure: n='0' must be a figure number from 1, e.g. n=2"),
    ("suffix", '{{< snip-source file="lib.txt" object="Box" >}}',
     "snip-source: file 'lib.txt' must end in .py"),
    ("report", '{{< snip-report x="1" >}}', "snip-report: takes no parameters"),
    ("positional", '{{< snip-cell "demo.py" "answer" >}}',
     "snip-cell: takes named parameters only (key=\"value\"): file, cell, code, output, value, figures, "
     "linenos, run"),
]


# Mistakes Hugo cannot see, so only `check` (and `build`) refuse them: Hugo keeps one of two
# values given for a parameter, and renders the % form (reading the output as Markdown again).
CHECK_ONLY = [
    ("twice", '{{< snip-cell file="demo.py" file="demo.py" cell="answer" >}}',
     "snip-cell: parameter 'file' is given twice"),
    ("percent", '{{% snip-cell file="demo.py" cell="answer" %}}',
     "write {{< snip-cell ... >}}, not {{% snip-cell ... %}}: with %, Hugo reads the snippet's output as "
     "Markdown again"),
]


def same_words(text: str) -> str:
    """Go quotes with ", Python with ': the words are what must agree."""
    return text.replace('"', "'")


@pytest.fixture(scope="module")
def both(tmp_path_factory, _built_template):
    """The built fixture site with one bad page per mistake: `hugosnip check`'s and `hugo`'s stderr."""
    import shutil
    import sys
    root = tmp_path_factory.mktemp("contract") / "site"
    shutil.copytree(_built_template, root, symlinks=True)
    for name, shortcode, _ in MISTAKES + CHECK_ONLY:
        write(root / "content" / "bad" / f"{name}.md", f"---\ntitle: {name}\n---\n\nText.\n\n{shortcode}\n")
    check = subprocess.run([sys.executable, "-m", "hugosnip.cli", "-C", str(root), "check"],
                           capture_output=True, text=True, timeout=120)
    built = subprocess.run([hugo.binary(), "-d", str(root / "out")], cwd=root,
                           capture_output=True, text=True, timeout=120)
    return check, built


@pytest.mark.parametrize("name,shortcode,words", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_check_and_hugo_refuse_the_same_mistake_at_its_page_and_line(both, name, shortcode, words):
    check, built = both
    assert check.returncode == 2 and built.returncode == 1
    page = f"content/bad/{name}.md"
    assert f"{page}:7: {words}\n" in check.stderr
    said = [line for line in built.stderr.splitlines() if f"{page}:7:" in line]
    assert said, built.stderr
    hugo_words = re.sub(r"^.*?" + re.escape(page) + r":7:\d+: hugosnip: ", "", said[0])
    assert same_words(hugo_words) == same_words(words)


@pytest.mark.parametrize("name,shortcode,words", CHECK_ONLY, ids=[m[0] for m in CHECK_ONLY])
def test_what_hugo_cannot_see_only_check_refuses(both, name, shortcode, words):
    check, built = both
    assert f"content/bad/{name}.md:7: {words}\n" in check.stderr
    assert f"content/bad/{name}.md" not in built.stderr


def test_each_rule_of_the_contract_has_a_mistake_above():
    kinds = {rule for c in contract.shortcodes().values() for rule in c if rule not in ("snippet",)}
    assert kinds == {"required", "optional", "flags", "exclusive", "one_of", "patterns"}
    names = {m[0] for m in MISTAKES}
    assert {"unknown", "missing", "flag", "exclusive", "nocaption", "digits", "figure-n", "suffix", "report"} <= names


def test_both_sides_read_the_one_file():
    data = tomllib.loads((REPO / "themes" / "hugosnip" / "data" / "hugosnip_contract.toml").read_text())
    assert source() == REPO / "themes" / "hugosnip" or (source() / contract.FILE).read_bytes() == \
        (REPO / "themes" / "hugosnip" / contract.FILE).read_bytes()
    assert store.SCHEMA == data["schema"] == 2
    assert set(scan.KINDS) | set(scan.NO_SNIPPET) == set(data["shortcodes"])
    layouts = REPO / "themes" / "hugosnip" / "layouts"
    assert {p.stem for p in (layouts / "_shortcodes").glob("snip-*.html")} == set(data["shortcodes"])
    templates = "".join(p.read_text() for p in layouts.rglob("*.html"))
    assert '$known := slice "' not in templates and '"hugosnip")) 1' not in templates


@pytest.mark.parametrize("setting,ok", [("KaTeX", True), ("NONE", True), ("mathjax", False)])
def test_math_setting_is_read_in_any_case_by_both(tmp_path, replica_results, cli, setting, ok):
    root = replica.site(tmp_path / "s", replica_results, config=f'[params.hugosnip]\n  math = "{setting}"\n'
                        + PASSTHROUGH, pages={"uses.md": replica.USES, "plain.md": replica.PLAIN})
    check = cli(root, "check")
    run = replica.hugo(root)
    assert (check.status == 0, run.returncode == 0) == (ok, ok), (check.err, run.stderr)
    if ok:
        katex = 'class="katex"' in (root / "public" / "plain" / "index.html").read_text()
        assert katex == (setting.lower() == "katex")
    else:
        assert 'math must be "katex" or "none", not \'mathjax\'' in check.err
        assert 'math must be "katex" or "none", not "mathjax"' in run.stderr


PASSTHROUGH = """
[markup.goldmark.extensions.passthrough]
  enable = true
  [markup.goldmark.extensions.passthrough.delimiters]
    block = [['$$', '$$']]
    inline = [['$', '$']]
"""


@pytest.mark.parametrize("flags,shown", [
    ('code="False"', ["hugosnip-output", "hugosnip-caption", "hugosnip-run"]),
    ("output=false run=FALSE", ["hugosnip-code", "hugosnip-caption"]),
    ('code=true output="true" linenos=true', ["hugosnip-code", "<table", "hugosnip-output", "hugosnip-caption",
                                               "hugosnip-run"]),
])
def test_flags_in_any_case_decide_what_is_shown(tmp_path, replica_results, cli, flags, shown):
    page = f'---\ntitle: F\n---\n\n{{{{< snip-cell file="stats.py" cell="table" {flags} >}}}}\n'
    root = replica.site(tmp_path / "s", replica_results, pages={"f.md": page})
    assert cli(root, "check").status == 0
    assert replica.hugo(root).returncode == 0
    html = (root / "public" / "f" / "index.html").read_text()
    parts = ["hugosnip-code", "<table", "hugosnip-output", "hugosnip-caption", "hugosnip-run"]
    assert [p for p in parts if f'class="{p}"' in html or p == "<table" and p in html] == shown
