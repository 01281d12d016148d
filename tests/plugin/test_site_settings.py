"""Settings come from the site alone (issue 20: B7, B8, B15, B16).

A theme component's configuration cannot make `build` run a command (post_build); doctor names
a post_build command that cannot start, and does not count a head partial inside a comment;
settings Hugo reads from the environment (HUGO_PARAMS_…) are part of the configuration cache's
key, come as strings, and are named in messages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import write
from test_doctor import HEAD, edit, own_themes


def add_params(site: Path, text: str) -> None:
    edit(site / "config.toml", "[params.hugosnip]\n", "[params.hugosnip]\n" + text)


# --------------------------------------------------------------------------------------------
# B7: post_build from a theme component

def test_post_build_from_a_theme_component_is_refused(site, cli, tmp_path):
    own_themes(site)
    marker = tmp_path / "ran"
    theme = site / "themes/blog/hugo.toml"
    theme.write_text(theme.read_text() + f'\n[params.hugosnip]\n  post_build = ["touch", "{marker}"]\n')
    line = theme.read_text().splitlines().index(f'  post_build = ["touch", "{marker}"]') + 1
    result = cli(site, "build")
    assert result.status == 2
    assert result.err == (f"themes/blog/hugo.toml:{line}: [params.hugosnip].post_build = ['touch', '{marker}'] "
                          "comes from a theme component's configuration, and only the site's own configuration "
                          "may run a command: refused, nothing was run\n"
                          "    if you trust it, set post_build in config.toml yourself; else remove it from "
                          "themes/blog/hugo.toml\n")
    assert not marker.exists()


def test_post_build_from_the_sites_own_configuration_runs_and_is_shown(site, cli, tmp_path):
    own_themes(site)
    marker = tmp_path / "ran"
    theme = site / "themes/blog/hugo.toml"
    theme.write_text(theme.read_text() + '\n[params.hugosnip]\n  post_build = ["false"]\n')
    add_params(site, f'  post_build = ["touch", "{marker}"]\n')   # the site's own wins, as in Hugo
    result = cli(site, "build")
    assert result.status == 0, result
    assert f"hugosnip: post_build: touch {marker}\n" in result.out
    assert marker.exists()


# --------------------------------------------------------------------------------------------
# B16: doctor names a post_build command that cannot start

@pytest.mark.parametrize("command, why", [
    ("does-not-exist", "is not on PATH"),
    ("node_modules/.bin/pagefind", "does not exist (a path from the site's root)"),
])
def test_doctor_names_a_post_build_command_that_does_not_exist(site, cli, command, why):
    add_params(site, f'  post_build = ["{command}", "--x"]\n')
    result = cli(site, "doctor")
    assert result.status == 2
    line = (site / "config.toml").read_text().splitlines().index(f'  post_build = ["{command}", "--x"]') + 1
    assert result.err == (f"config.toml:{line}: [params.hugosnip].post_build runs {command!r}, which {why}\n"
                          "    install it (for node_modules/.bin/…: npm ci), or fix the setting\n"
                          "hugosnip doctor: 1 problem(s) to fix\n")


def test_doctor_is_content_with_a_post_build_command_that_exists(built_site, cli):
    # built: doctor's in-memory Hugo build needs the results
    add_params(built_site, f'  post_build = ["{Path(sys.executable).name}", "--version"]\n')
    result = cli(built_site, "doctor")
    assert (result.status, result.err) == (0, "")


# --------------------------------------------------------------------------------------------
# B15: a head partial inside a comment is not wired

@pytest.mark.parametrize("comment", ['{{/* partial "hugosnip/head.html" . */}}',
                                     '{{- /* partial "hugosnip/head.html" . */ -}}',
                                     '<!-- {{ partial "hugosnip/head.html" . }} -->'])
def test_doctor_does_not_count_a_head_partial_in_a_comment(built_site, cli, comment):
    own_themes(built_site)
    edit(built_site / "themes/blog/layouts/baseof.html", 'partial "hugosnip/head.html" .', '""')
    write(built_site / "layouts/_partials/unused.html", comment + "\n")
    result = cli(built_site, "doctor")
    assert result.status == 2
    assert result.err.splitlines()[0] == ("config.toml: no layout renders hugosnip's head partial, so pages get no "
                                          "hugosnip CSS (nor KaTeX's)")
    write(built_site / "layouts/_partials/used.html", HEAD + "\n")
    assert cli(built_site, "doctor").status == 0


# --------------------------------------------------------------------------------------------
# B8: Hugo's settings from the environment

def test_a_hugo_params_variable_is_part_of_the_cache_key(built_site, cli, monkeypatch):
    from hugosnip.config import load
    assert load(built_site).seed == 0
    monkeypatch.setenv("HUGO_PARAMS_HUGOSNIP_SEED", "7")
    assert load(built_site).seed == 7          # the numeric string is the number
    result = cli(built_site, "check")
    assert result.status == 1                  # every result was made with seed 0
    assert "seed 0 -> 7" in result.err
    monkeypatch.delenv("HUGO_PARAMS_HUGOSNIP_SEED")
    assert load(built_site).seed == 0          # the cache is not the variable's any more
    assert cli(built_site, "check").status == 0


def test_a_bad_value_from_the_environment_names_the_variable(site, cli, monkeypatch):
    monkeypatch.setenv("HUGO_PARAMS_HUGOSNIP_SEED", "-3")
    result = cli(site, "check")
    assert (result.status, result.err) == (2, "environment variable HUGO_PARAMS_HUGOSNIP_SEED: [params.hugosnip]."
                                              "seed is -3; it must be from 0 to 4294967295 (what PYTHONHASHSEED "
                                              "and numpy accept)\n")
    monkeypatch.setenv("HUGO_PARAMS_HUGOSNIP_SEED", "seven")
    result = cli(site, "check")
    assert (result.status, result.err) == (2, "environment variable HUGO_PARAMS_HUGOSNIP_SEED: [params.hugosnip]."
                                              "seed has the wrong type: 'seven'\n")


def test_a_variable_for_a_setting_with_an_underscore_says_how_to_spell_it(site, cli, monkeypatch):
    monkeypatch.setenv("HUGO_PARAMS_HUGOSNIP_OUTPUT_LIMIT", "10")
    result = cli(site, "check")
    assert (result.status, result.err) == (2, "environment variable HUGO_PARAMS_HUGOSNIP_OUTPUT_LIMIT: Hugo reads it "
                                              "as [params.hugosnip].output.… (it splits the name at each '_'), an "
                                              "unknown setting; to set one whose name holds '_', use another "
                                              "delimiter: HUGOxPARAMSxHUGOSNIPxOUTPUT_LIMIT\n")
    monkeypatch.delenv("HUGO_PARAMS_HUGOSNIP_OUTPUT_LIMIT")
    monkeypatch.setenv("HUGOxPARAMSxHUGOSNIPxOUTPUT_LIMIT", "10")
    from hugosnip.config import load
    assert load(site).output_limit == 10


# --------------------------------------------------------------------------------------------
# The cache of Hugo's answer (.hugosnip/hugo-config.json): every file that can change it is in its key

@pytest.mark.parametrize("themes_dir", ["elsewhere", "../outside"])
def test_a_theme_in_themes_dir_that_changes_is_read_again(site, themes_dir):
    """themesDir elsewhere (in the site or outside it): its themes' config files are in the key,
    as those of themes/ are."""
    from hugosnip import hugoconfig
    shared = (site / "themes").resolve()
    (site / "themes").unlink()
    for name in ("blog", "hugosnip"):   # linked one by one: the test writes a theme of its own beside them
        (site / themes_dir).mkdir(exist_ok=True)
        (site / themes_dir / name).symlink_to(shared / name)
    mine = site / themes_dir / "mine"
    write(mine / "hugo.toml", '[params]\n  colour = "red"\n')
    edit(site / "config.toml", 'theme = ["blog", "hugosnip"]', f'themesDir = "{themes_dir}"\ntheme = ["blog", "hugosnip", "mine"]')
    assert hugoconfig.resolved(site)["params"]["colour"] == "red"
    write(mine / "hugo.toml", '[params]\n  colour = "blue"\n')
    assert hugoconfig.resolved(site)["params"]["colour"] == "blue"
    hugoconfig._memo.clear()
    hugoconfig._themes_dirs.clear()     # a new process: from the cache file, with the same answer
    assert hugoconfig.resolved(site)["params"]["colour"] == "blue"


def test_go_mod_is_in_the_key(site, monkeypatch):
    """go.mod and go.sum say which versions of the Hugo modules the site imports."""
    from hugosnip import hugoconfig
    asked = []
    real = hugoconfig._ask_hugo
    monkeypatch.setattr(hugoconfig, "_ask_hugo", lambda root: asked.append(root) or real(root))
    hugoconfig.resolved(site)
    hugoconfig.resolved(site)
    assert len(asked) == 1
    write(site / "go.mod", "module example.com/site\n\ngo 1.21\n")
    hugoconfig.resolved(site)
    assert len(asked) == 2
    write(site / "go.mod", "module example.com/site\n\ngo 1.22\n")
    hugoconfig.resolved(site)
    assert len(asked) == 3
