"""`hugosnip init` finds the head hook of the themes people use (replicas in tests/fixtures/themes),
wires the plugin's head partial into it as a file of the site's own, and Hugo renders it; when a
theme has no hook, init names the exact file to make."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hugosnip import hugo
from hugosnip.headhooks import HEAD_HOOKS, HEAD_LINE

from conftest import themed_site

MARKER = '<meta name="hugosnip-head-rendered">'


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rendered_head(root: Path) -> str:
    """The built page's <head>, with hugosnip's head partial replaced by a marker."""
    marker = root / "layouts" / "_partials" / "hugosnip" / "head.html"   # the site's own overrides the plugin's
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(MARKER)
    proc = subprocess.run([hugo.binary(), "--quiet"], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    page = (root / "public" / "p" / "index.html").read_text()
    return page[page.index("<head>"):page.index("</head>")]


@pytest.mark.parametrize("theme, site_file, before", [
    ("ananke", "layouts/_partials/head-additions.html", ""),
    ("hugo-book", "layouts/_partials/docs/inject/head.html", ""),
    ("beautifulhugo", "layouts/partials/head_custom.html", "<!-- extra head content of the site -->\n"),
    ("PaperMod", "layouts/_partials/extend_head.html",
     "{{- /* Head custom content area start */ -}}\n{{- /* Head custom content area end */ -}}\n"),
    ("stack", "layouts/_partials/head/custom.html", ""),
    ("hugo-coder", "layouts/_partials/head/extensions.html", "{{/* theme extensions for <head> go here */}}\n"),
    ("blowfish", "layouts/partials/extend-head-uncached.html", ""),
    ("congo", "layouts/partials/extend-head.html", ""),
    ("docsy", "layouts/_partials/hooks/head-end.html", ""),
    ("hermit", "layouts/partials/extra-head.html", ""),
    ("terminal", "layouts/partials/extended_head.html",
     "<!--\nTo add extra <head> content, make layouts/partials/extended_head.html in your site.\n-->\n"),
])
def test_init_wires_the_head_partial_into_the_themes_hook(tmp_path, cli, theme, site_file, before):
    root = themed_site(tmp_path, theme)
    theirs = tree(root / "themes" / theme)
    result = cli(root, "init")
    assert result.status == 0, result.err
    assert f"  {site_file}: renders hugosnip's head partial (the hook of theme {theme!r})\n" in result.out
    assert "to do" not in result.out
    assert (root / site_file).read_text() == before + HEAD_LINE + "\n"
    assert tree(root / "themes" / theme) == theirs      # the theme itself is not edited
    assert MARKER in rendered_head(root)
    assert "nothing to change" in cli(root, "init").out
    assert cli(root, "doctor").status == 0


def test_the_sites_own_override_of_the_hook_is_kept_and_extended(tmp_path, cli):
    root = themed_site(tmp_path, "beautifulhugo")
    mine = root / "layouts" / "partials" / "head_custom.html"
    mine.parent.mkdir()
    mine.write_text('<link rel="stylesheet" href="/mine.css">\n')
    result = cli(root, "init")
    assert "  layouts/partials/head_custom.html: renders hugosnip's head partial (the hook of theme " \
           "'beautifulhugo')\n" in result.out
    assert mine.read_text() == '<link rel="stylesheet" href="/mine.css">\n' + HEAD_LINE + "\n"
    head = rendered_head(root)
    assert '<link rel="stylesheet" href="/mine.css">' in head and MARKER in head


@pytest.mark.parametrize("theme, todo", [
    ("LoveIt", "theme 'LoveIt' has no hook for extra <head> content: copy themes/LoveIt/layouts/_partials/"
               "head/seo.html to layouts/_partials/head/seo.html and add this line at its end:\n      " + HEAD_LINE),
    ("Mainroad", "theme 'Mainroad' has no hook for extra <head> content: copy themes/Mainroad/layouts/_default/"
                 "baseof.html to layouts/_default/baseof.html and add this line just before </head>:\n      "
                 + HEAD_LINE),
    ("FixIt", "theme 'FixIt' takes extra <head> partials from a setting: add \"hugosnip/head.html\" to it, "
              "[params.custom_partials] head = [\"hugosnip/head.html\"]"),
])
def test_a_theme_without_a_hook_gets_the_exact_file_to_make(tmp_path, cli, theme, todo):
    root = themed_site(tmp_path, theme)
    result = cli(root, "init")
    assert f"  to do: {todo}\n" in result.out
    assert sorted(p.name for p in (root / "layouts").iterdir()) == ["home.html", "list.html", "single.html"]
    assert cli(root, "doctor").status == 2


def test_following_the_advice_for_fixit_wires_it(tmp_path, cli):
    root = themed_site(tmp_path, "FixIt", "[params.custom_partials]\n  head = ['hugosnip/head.html']\n")
    result = cli(root, "init")
    assert "to do" not in result.out, result.out
    assert MARKER in rendered_head(root)
    assert cli(root, "doctor").status == 0


def test_the_table_names_each_hook_once():
    names = [h.partial for h in HEAD_HOOKS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("theme", ["ananke", "beautifulhugo", "PaperMod", "hugo-coder", "terminal"])
def test_a_page_without_hugosnip_renders_the_same_bytes_after_init(tmp_path, cli, theme):
    """init's line in the hook leaves nothing behind on a page that uses no snip-* shortcode."""
    root = themed_site(tmp_path, theme)

    def page() -> bytes:
        proc = subprocess.run([hugo.binary(), "--quiet"], cwd=root, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return (root / "public" / "p" / "index.html").read_bytes()

    before = page()
    assert cli(root, "init").status == 0
    assert page() == before


def test_a_theme_that_follows_the_system_gets_the_dark_setting_named(tmp_path, cli):
    """hugo-book's BookTheme = "auto" darkens by a media query only: init and doctor name the
    setting the plugin's CSS needs, and say nothing once it is set."""
    root = themed_site(tmp_path, "hugo-book", "[params]\n  BookTheme = 'auto'\n")
    advice = ("theme 'hugo-book' follows the reader's system colour scheme (booktheme = 'auto'): set "
              '[params.hugosnip] dark = "system" so hugosnip\'s boxes turn dark with it')
    result = cli(root, "init")
    assert f"  to do: {advice}\n" in result.out
    doctor = cli(root, "doctor")
    assert doctor.status == 0
    assert f"hugo.toml: note: {advice}\n" in doctor.err
    with open(root / "hugo.toml", "a") as f:
        f.write("  [params.hugosnip]\n    dark = 'system'\n")
    assert "dark" not in cli(root, "init").out
    assert "note" not in cli(root, "doctor").err
