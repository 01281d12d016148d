"""`source_pages = true`: the snippet sources published as pages of the site itself, each line
anchored, with one archive of the whole package; the run boxes link there when no source_url is set.
And a download's `python -m` goes on past a `raises=` cell."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import write

ON = "timeout = 20\n  source_pages = true"


def turn_on(site: Path, setting: str = ON) -> None:
    config = site / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("timeout = 20", setting), encoding="utf-8")


@pytest.fixture
def published(site: Path, cli) -> Path:
    turn_on(site)
    result = cli(site, "build")
    assert result.status == 0, result
    return site


def test_each_module_gets_a_page_with_an_anchor_on_every_line(published):
    page = (published / "public/hugosnip/source/snippets/demo.py/index.html").read_text(encoding="utf-8")
    lines = (published / "snippets/demo.py").read_text(encoding="utf-8").splitlines()
    assert "<h1>snippets/demo.py</h1>" in page
    assert re.findall(r'id="L-(\d+)"', page) == [str(n) for n in range(1, len(lines) + 1)]
    # the text is highlighted code, never HTML: the cell printing <b> shows it escaped
    assert "<b>" not in page.split('class="hugosnip-source-code"')[1]


def test_the_run_box_links_the_cell_s_line_there(published):
    page = (published / "public/2024/03/demo/index.html").read_text(encoding="utf-8")
    doc = json.loads((published / "data/hugosnip/demo.json").read_text(encoding="utf-8"))
    line = doc["cells"]["answer"]["line"]
    assert (f'<p><a href="/hugosnip/source/snippets/demo.py/#L-{line}">Mã nguồn: snippets/demo.py, '
            f'dòng {line}</a></p>') in page


def test_source_url_wins_and_then_no_page_is_made(site, cli):
    turn_on(site, ON + "\n  source_url = 'https://example.org/src/{path}#L{line}'")
    assert cli(site, "build").status == 0
    page = (site / "public/2024/03/demo/index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/src/snippets/demo.py#L' in page
    assert not (site / "public/hugosnip/source").exists()


def test_the_package_archive_holds_every_module_and_the_requirements(published):
    index = (published / "public/hugosnip/source/index.html").read_text(encoding="utf-8")
    assert '<a href="/hugosnip/source/snippets-all.zip" download>snippets-all.zip</a>' in index
    with zipfile.ZipFile(published / "public/hugosnip/source/snippets-all.zip") as zf:
        names = zf.namelist()
        requirements = zf.read("snippets-all/requirements.txt").decode()
    modules = sorted(f"snippets-all/{p.relative_to(published).as_posix()}"
                     for p in (published / "snippets").rglob("*.py") if "__pycache__" not in p.parts)
    assert sorted(n for n in names if n.endswith(".py")) == modules
    assert "snippets-all/README.txt" in names
    versions = json.loads((published / "data/hugosnip/plot.json").read_text())["inputs"]["versions"]
    assert requirements == f"matplotlib=={versions['matplotlib']}\n"


def test_the_pages_change_no_list_of_the_site(published, site, cli):
    """Never listed, in no section: the home page lists the same posts as without them."""
    home = (published / "public/index.html").read_text(encoding="utf-8")
    assert '"/hugosnip/source/"' not in home and "snippets/lib.py/" not in home


def test_check_finds_the_document_stale_after_an_edit_and_build_mends_it(published, cli):
    with (published / "snippets/lib.py").open("a", encoding="utf-8") as out:
        out.write("\n# one more line\n")
    result = cli(published, "check")
    assert result.status == 1
    assert "data/hugosnip_sources.json: stale: the snippet files changed since it was written" in result.err
    assert "differs for snippets/lib.py" in result.err
    assert cli(published, "build").status == 0
    assert cli(published, "check").status == 0


def test_turned_off_the_document_is_removed(published, cli):
    config = published / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("  source_pages = true\n", ""), encoding="utf-8")
    assert (published / "data/hugosnip_sources.json").is_file()
    assert cli(published, "check").status == 1
    assert cli(published, "build").status == 0
    assert not (published / "data/hugosnip_sources.json").exists()
    assert cli(published, "check").status == 0


def test_a_wrong_type_is_refused(site, cli):
    turn_on(site, "timeout = 20\n  source_pages = 'yes'")
    result = cli(site, "build")
    assert result.status == 2
    assert "[params.hugosnip].source_pages has the wrong type: 'yes'" in result.err


RAISING = """\
# %% before
print("before")
# %% wrong raises=ValueError
text = '''not
a number'''
int(text)
# %% after
print("after")
"""


def test_a_download_runs_on_past_an_expected_error(site, cli, tmp_path):
    write(site / "snippets/raising.py", RAISING)
    write(site / "content/posts/raising.md", '---\ntitle: "R"\nslug: raising\ndate: 2024-03-07\n---\n'
                                             '{{< snip-cell file="raising.py" cell="wrong" >}}\n')
    assert cli(site, "build").status == 0
    with zipfile.ZipFile(site / "public/hugosnip/run/raising.zip") as zf:
        zf.extractall(tmp_path)
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    run = subprocess.run([sys.executable, "-m", "snippets.raising"], cwd=tmp_path / "raising", env=env,
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (
        0, "before\nafter\n", "ValueError: invalid literal for int() with base 10: 'not\\na number'\n")
