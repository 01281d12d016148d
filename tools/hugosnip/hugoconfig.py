"""The site's configuration as Hugo itself resolves it (``hugo config --format json``).

So hugosnip and Hugo always see the same settings: every file name and format Hugo accepts,
config/_default/ and the environment's folder (HUGO_ENVIRONMENT), settings from theme
components, contentDir (per language too) and module mounts. The answer is kept in
.hugosnip/hugo-config.json, keyed by the size and time of the files that can change it
(``settings_files``) and the HUGO* variables, so a warm command does not start Hugo again.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from .root import config_files

CACHE = Path(".hugosnip", "hugo-config.json")
_memo: dict[tuple, dict] = {}
_themes_dirs: dict[str, str] = {}   # the themes folder of each site's last answer


def settings_files(root: Path, themes_dir: str = "themes") -> list[Path]:
    """The files the resolved configuration is read from: the site's config files, its go.mod and
    go.sum (the versions of the Hugo modules it imports), and the config files of every theme in
    its themes folder (``themes_dir``, the themesDir setting). Also what the warm stamp records of
    them (warm.py)."""
    files = config_files(root)
    files += [path for path in (root / "go.mod", root / "go.sum") if path.is_file()]
    themes = root / themes_dir
    if themes.is_dir():
        for theme in sorted(themes.iterdir()):
            if theme.is_dir():
                files += config_files(theme)
    return files


def _stamp(root: Path, themes_dir: str) -> list:
    """What the resolved configuration depends on: the files of ``settings_files``, and the HUGO*
    environment variables."""
    out = []
    for path in settings_files(root, themes_dir):
        st = path.stat()
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)   # themesDir elsewhere
        out.append([name, st.st_size, st.st_mtime_ns])
    # Hugo reads settings from the environment too (HUGO_PARAMS_…, HUGOxPARAMSx…): each is part of the key
    hugo_env = sorted([k, v] for k, v in os.environ.items() if len(k) > 4 and k[:4].upper() == "HUGO")
    return [os.environ.get("HUGO_ENVIRONMENT", ""), os.environ.get("HUGO_ENV", ""), out, hugo_env]


def _themes_dir(settings) -> str:
    value = settings.get("themesdir") if isinstance(settings, dict) else None
    return value if isinstance(value, str) and value else "themes"


def resolved(root: Path) -> dict:
    """Hugo's resolved configuration of the site at ``root`` (keys lower-case, as Hugo gives them)."""
    if (themes_dir := _themes_dirs.get(str(root))) is not None:   # asked before in this process
        memo_key = (str(root), json.dumps(_stamp(root, themes_dir)))
        if memo_key in _memo:
            return _memo[memo_key]
    cache = root / CACHE
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if not isinstance(saved, dict) or not isinstance(saved.get("config"), dict):
        saved = {}
    # The themes folder is a setting: the saved answer's, which holds while the site's own config
    # files (in the stamp) are as they were.
    stamp = _stamp(root, _themes_dir(saved.get("config")))
    memo_key = (str(root), json.dumps(stamp))
    if saved.get("stamp") == stamp:
        _memo[memo_key] = saved["config"]
        _themes_dirs[str(root)] = _themes_dir(saved["config"])
        return saved["config"]
    data = _ask_hugo(root)
    stamp = _stamp(root, _themes_dir(data))
    _themes_dirs[str(root)] = _themes_dir(data)
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "config": data}), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass
    _memo[(str(root), json.dumps(stamp))] = data
    return data


def _ask_hugo(root: Path) -> dict:
    from . import hugo
    from .errors import ConfigError   # here: `build` reads this module before it starts Hugo
    where = main_file(root)
    exe = hugo.binary()
    if exe is None:
        raise ConfigError(where, None, "Hugo is not installed, and hugosnip reads the site's settings "
                          f"through it: {hugo.INSTALL}")
    proc = subprocess.run([exe, "config", "--format", "json", "--printZero"], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        message = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise ConfigError(where, None, "Hugo cannot read the site's configuration: "
                          + (message[-1] if message else f"exit status {proc.returncode}"))
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise ConfigError(where, None, f"`hugo config --format json` gave no JSON: {exc}") from None


def theme_list(settings: dict) -> list[str]:
    """The site's `theme` setting as a list (Hugo takes one name or a list)."""
    themes = settings.get("theme") or []
    return [themes] if isinstance(themes, str) else list(themes)


def theme_folder(root: Path, settings: dict, name: str) -> Path:
    """Where the site keeps the theme component ``name`` (its themesDir, else themes/)."""
    return root / (settings.get("themesdir") or "themes") / name


def theme_in_place(root: Path, name: str) -> tuple[bool, bool]:
    """Whether the theme component ``name`` is in the site's themes folder, and whether the
    site's `theme` list names it."""
    settings = resolved(root)
    return theme_folder(root, settings, name).is_dir(), name in theme_list(settings)


def main_file(root: Path) -> str:
    """The file to name in messages about the site's settings."""
    files = config_files(root)
    return files[0].relative_to(root).as_posix() if files else "hugo.toml"


def content_dirs(root: Path, data: dict) -> tuple[str, ...]:
    """Folders (relative to the root, POSIX) Hugo reads pages from: contentDir, the languages'
    own contentDir, and module mounts onto content; only those inside the site."""
    names = [data.get("contentdir") or "content"]
    for lang in (data.get("languages") or {}).values():
        if isinstance(lang, dict) and lang.get("contentdir"):
            names.append(lang["contentdir"])
    for mount in (data.get("module") or {}).get("mounts") or []:
        target = str(mount.get("target", ""))
        if target == "content" or target.startswith("content/"):
            names.append(mount.get("source", ""))
    out: list[str] = []
    base = root.resolve()
    for name in names:
        if not name:
            continue
        path = (root / name).resolve()
        if not path.is_relative_to(base):
            continue
        rel = path.relative_to(base).as_posix() or "."
        if rel not in out:
            out.append(rel)
    # a folder inside another one is scanned with it
    return tuple(r for r in out if not any(o != r and (o == "." or r.startswith(o + "/")) for o in out))
