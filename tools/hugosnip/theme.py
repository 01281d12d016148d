"""The Hugo side of the plugin (shortcodes, partials, CSS, i18n, KaTeX's CSS and fonts).

Its canonical copy ships inside the Python package (``hugosnip/theme_data``, package data), so the
Python and Hugo sides of an install always match. ``hugosnip init`` copies it into a site's
``themes/hugosnip`` with a version stamp; ``doctor`` and ``check`` compare the two. In this
repository (a source checkout), ``themes/hugosnip`` is the canonical copy itself.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from . import __version__

NAME = "hugosnip"
STAMP = "hugosnip-version.txt"       # in a site's copy: which plugin version wrote it
_SKIP = {STAMP, "__init__.py", "__pycache__"}


def source() -> Path:
    """The installed plugin's own copy of its Hugo side."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "theme_data", here.parent.parent / "themes" / NAME):
        if (candidate / "layouts").is_dir():
            return candidate
    import importlib.util
    spec = importlib.util.find_spec("hugosnip.theme_data")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if Path(folder, "layouts").is_dir():
            return Path(folder)
    raise FileNotFoundError("the hugosnip package has no theme folder: reinstall it (pip install hugosnip)")


def files(folder: Path) -> dict[str, str]:
    """sha256 of every file of a copy, by its path relative to the copy (stamp aside)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not (_SKIP & set(path.relative_to(folder).parts)):
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for rel, sha in files(folder).items():
        h.update(f"{rel}\0{sha}\n".encode())
    return h.hexdigest()[:16]


def stamp_of(copy: Path) -> str | None:
    try:
        return (copy / STAMP).read_text(encoding="utf-8").split()[1]
    except (OSError, IndexError):
        return None


def differences(copy: Path) -> list[str]:
    """Files in which a site's copy differs from the plugin's: changed, missing or extra."""
    ours, theirs = files(source()), files(copy)
    return sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))


def install(copy: Path) -> None:
    """Make ``copy`` the plugin's Hugo side, as this version ships it, with the stamp."""
    src = source()
    if copy.resolve() == src.resolve():
        return
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns(*_SKIP))
    (copy / STAMP).write_text(f"hugosnip {__version__} {digest(src)}\n"
                              "# Written by `hugosnip init`; `hugosnip init --upgrade` refreshes this folder.\n",
                              encoding="utf-8")


def site_copy_problems(root: Path) -> list:
    """``check``: the site's themes/hugosnip is another version than the installed plugin's."""
    from .errors import InputError
    copy = root / "themes" / NAME
    if not copy.is_dir() or copy.resolve() == source().resolve():
        return []
    diff = differences(copy)
    if not diff:
        return []
    said = stamp_of(copy)
    return [InputError(f"themes/{NAME}/", None,
                       f"the site's copy of hugosnip's Hugo side ({'version ' + said if said else 'no version stamp'}) "
                       f"differs from the installed plugin's (version {__version__}) in {len(diff)} file(s)",
                       ["run `hugosnip init --upgrade` to refresh it"])]
