"""``hugosnip init`` never loses what the user wrote (issue 20: B1, B11-B14).

An edited copy of the theme component is kept (refused, or kept as a named backup with
--force); a symlinked copy is not replaced; YAML configurations indented with 4 spaces or written
in flow style are edited correctly or left to the user, with the lines to add; a .gitignore that
is not UTF-8 is edited as bytes. And init writes all of its changes or none.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hugosnip import hugo
from hugosnip import theme as plugin_theme

HUGO = hugo.binary()
EDITED = "layouts/_shortcodes/snip-cell.html"


def new_site(base: Path, fmt: str = "toml") -> Path:
    subprocess.run([HUGO, "new", "site", "site", "--format", fmt], cwd=base, check=True, capture_output=True)
    root = base / "site"
    subprocess.run([HUGO, "new", "theme", "mytheme"], cwd=root, check=True, capture_output=True)
    return root


def toml_site(base: Path) -> Path:
    root = new_site(base)
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text() + "theme = 'mytheme'\n")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the site (hugosnip's own cache aside), and where each symlink points."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".hugosnip") or rel == ".hugo_build.lock":
            continue
        if path.is_symlink():
            found[rel] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def hugo_config(root: Path) -> dict:
    proc = subprocess.run([HUGO, "config", "--format", "json"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def initialised(tmp_path, cli) -> Path:
    root = toml_site(tmp_path)
    assert cli(root, "init").status == 0
    return root


# --------------------------------------------------------------------------------------------
# B1: an edited copy of the theme component

def edit(root: Path) -> Path:
    path = root / "themes/hugosnip" / EDITED
    path.write_text(path.read_text() + "<!-- my edit -->\n")
    return path


def test_upgrade_over_an_edited_copy_stops_and_names_the_files(initialised, cli):
    edited = edit(initialised)
    before = tree(initialised)
    result = cli(initialised, "init", "--upgrade")
    assert result.status == 2
    assert result.err == (f"themes/hugosnip/: 1 file(s) edited locally: {EDITED}; --upgrade would replace them, "
                          "so nothing was changed\n    put the change in the site's own layouts/ (they override the "
                          "component's), then run `hugosnip init --upgrade --force`: it keeps the edited copy as "
                          "themes/hugosnip.local-<date>/\n")
    assert tree(initialised) == before
    assert edited.read_text().endswith("<!-- my edit -->\n")


def test_plain_init_says_edited_locally_not_another_version(initialised, cli):
    edit(initialised)
    before = tree(initialised)
    result = cli(initialised, "init")
    assert result.status == 0
    assert (f"  to do: themes/hugosnip/ has 1 file(s) edited locally: {EDITED}: left as it is (`hugosnip init "
            "--upgrade --force` refreshes it and keeps the edited copy as themes/hugosnip.local-<date>/)\n") in result.out
    assert "another version" not in result.out
    assert tree(initialised) == before


@pytest.mark.parametrize("flags", [("--upgrade", "--force"), ("--force",)])
def test_force_keeps_the_edited_copy_as_a_backup_it_names(initialised, cli, flags):
    edit(initialised)
    result = cli(initialised, "init", *flags)
    assert result.status == 0, result
    (line,) = [l for l in result.out.splitlines() if "refreshed" in l]
    backup = line.rsplit(" ", 1)[1].rstrip("/")
    assert line == (f"  themes/hugosnip/: refreshed to hugosnip {plugin_theme.__version__}; the edited copy "
                    f"({EDITED}) is kept in {backup}/")
    assert backup.startswith("themes/hugosnip.local-")
    assert (initialised / backup / EDITED).read_text().endswith("<!-- my edit -->\n")
    assert plugin_theme.differences(initialised / "themes/hugosnip") == []
    assert plugin_theme.edited(initialised / "themes/hugosnip") == []


def test_an_edit_to_a_copy_with_an_older_stamp_is_found(initialised, cli):
    """A stamp written before stamps listed their files: the copy's digest against the stamp's."""
    copy = initialised / "themes/hugosnip"
    stamp = copy / plugin_theme.STAMP
    stamp.write_text(stamp.read_text().splitlines()[0] + "\n")
    assert cli(initialised, "init", "--upgrade").status == 0   # not edited: refreshed
    stamp.write_text(stamp.read_text().splitlines()[0] + "\n")
    edit(initialised)
    assert plugin_theme.edited(copy) == [EDITED]
    assert cli(initialised, "init", "--upgrade").status == 2


def test_an_unedited_copy_of_another_version_is_refreshed_without_a_backup(initialised, cli):
    copy = initialised / "themes/hugosnip"
    path = edit(initialised)
    # as if an older hugosnip had written it like this: the stamp lists the file as it is now
    stamp = copy / plugin_theme.STAMP
    import hashlib
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    stamp.write_text("\n".join(f"{sha} {EDITED}" if line.endswith(f" {EDITED}") else line
                               for line in stamp.read_text().splitlines()) + "\n")
    assert plugin_theme.edited(copy) == []
    result = cli(initialised, "init", "--upgrade")
    assert result.status == 0
    assert f"  themes/hugosnip/: refreshed to hugosnip {plugin_theme.__version__}\n" in result.out
    assert sorted(p.name for p in (initialised / "themes").iterdir()) == ["hugosnip", "mytheme"]


# --------------------------------------------------------------------------------------------
# B14: a symlinked copy

def test_upgrade_through_a_symlinked_copy_is_refused(tmp_path, cli):
    (tmp_path / "other").mkdir()
    other = toml_site(tmp_path / "other")
    assert cli(other, "init").status == 0
    edit(other)
    (tmp_path / "mine").mkdir()
    root = toml_site(tmp_path / "mine")
    (root / "themes/hugosnip").symlink_to(other / "themes/hugosnip")
    before, theirs = tree(root), tree(other)
    result = cli(root, "init", "--upgrade")
    assert result.status == 2
    assert result.err == (f"themes/hugosnip: is a symlink to {other / 'themes/hugosnip'}: init does not replace a "
                          "link; upgrade that copy (`hugosnip init --upgrade` in its own site), or replace the link "
                          "with a folder and run `hugosnip init --upgrade` again; nothing was changed\n")
    assert tree(root) == before and tree(other) == theirs


# --------------------------------------------------------------------------------------------
# B11, B12: YAML the way people write it

def yaml_site(base: Path, params: str) -> Path:
    root = new_site(base, "yaml")
    (root / "hugo.yaml").write_text((root / "hugo.yaml").read_text() + "theme: mytheme\n" + params)
    return root


@pytest.mark.parametrize("params", [
    "params:\n    author: me\n    other: 1\n",
    "params:\n    author: me\n    hugosnip:\n        seed: 1\n    other: 1\n",
    "params:\n  # mine\n  author: me\n  other: 1\n",
], ids=["four-spaces", "four-spaces-with-a-hugosnip-block", "two-spaces-after-a-comment"])
def test_init_math_keeps_the_sites_own_params(tmp_path, cli, params):
    root = yaml_site(tmp_path, params)
    result = cli(root, "init", "--math", "katex")
    assert result.status == 0, result
    data = hugo_config(root)
    assert data["params"]["author"] == "me" and data["params"]["other"] == 1
    assert data["params"]["hugosnip"]["math"] == "katex"
    if "seed" in params:
        assert data["params"]["hugosnip"]["seed"] == 1


def test_flow_style_params_are_left_to_the_user_with_the_lines_to_add(tmp_path, cli):
    root = yaml_site(tmp_path, "params: {author: me}\n")
    result = cli(root, "init", "--math", "katex")
    assert result.status == 0, result
    assert ("  to do: hugo.yaml: add math: katex under params.hugosnip (init edits only a block-style `params:` it "
            "can follow; yours is left as it is):\n      params:\n        hugosnip:\n          math: katex\n"
            ) in result.out
    assert "params: {author: me}\n" in (root / "hugo.yaml").read_text()
    assert (root / "hugo.yaml").read_text().count("params:") == 1
    assert hugo_config(root)["params"]["author"] == "me"
    assert cli(root, "check").status == 0


def test_an_edit_that_would_change_the_sites_settings_is_undone(tmp_path, cli, monkeypatch):
    """The safety net: after editing, init asks Hugo; a setting of the site's that moved is undone."""
    from hugosnip import init as init_module
    root = yaml_site(tmp_path, "params:\n    author: me\n")
    before = tree(root)
    # init as it was before issue 20: the site's keys end up under params.hugosnip
    monkeypatch.setattr(init_module, "yaml_params_math",
                        lambda text: text.replace("params:\n", "params:\n  hugosnip:\n    math: katex\n"))
    result = cli(root, "init", "--math", "katex")
    assert result.status == 2
    assert result.err.splitlines()[0] == ("hugo.yaml: init's edit would change settings that are not hugosnip's "
                                          "(params.author); nothing was changed")
    assert result.err.splitlines()[1] == "    make these changes by hand:"
    assert tree(root) == before


# --------------------------------------------------------------------------------------------
# B13: .gitignore that is not UTF-8

def test_a_gitignore_that_is_not_utf8_is_edited_as_bytes(tmp_path, cli):
    root = toml_site(tmp_path)
    (root / ".gitignore").write_bytes(b"caf\xe9.txt\n/public/\n")
    result = cli(root, "init")
    assert result.status == 0, result
    data = (root / ".gitignore").read_bytes()
    assert data.startswith(b"caf\xe9.txt\n/public/\n\n# hugosnip\n/resources/_gen/\n")
    assert data.count(b"/public/") == 1


# --------------------------------------------------------------------------------------------
# All or nothing

def test_a_failure_after_the_first_changes_leaves_the_site_as_it_was(tmp_path, cli):
    root = toml_site(tmp_path)
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text()
                                    + "[params.hugosnip]\n  snippets = 'my-snippets'\n")
    before = tree(root)
    result = cli(root, "init", "--example")
    assert result.status == 2
    assert result.err.splitlines()[-1] == "hugosnip init: nothing was changed"
    assert tree(root) == before
    assert not (root / "themes/hugosnip").exists()
