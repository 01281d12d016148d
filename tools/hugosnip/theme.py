"""The Hugo side of the plugin (shortcodes, partials, CSS, i18n, KaTeX's CSS and fonts).

Its canonical copy ships inside the Python package (``hugosnip/theme_data``, package data), so the
Python and Hugo sides of an install always match. ``hugosnip init`` copies it into a site's
``themes/hugosnip`` with a version stamp; ``doctor`` and ``check`` compare the two. In this
repository (a source checkout), ``themes/hugosnip`` is the canonical copy itself.
"""

from __future__ import annotations

import re
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
    import hashlib   # here, as shutil below: `build` reads NAME before it starts Hugo
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not (_SKIP & set(path.relative_to(folder).parts)):
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def digest(folder: Path) -> str:
    import hashlib
    h = hashlib.sha256()
    for rel, sha in files(folder).items():
        h.update(f"{rel}\0{sha}\n".encode())
    return h.hexdigest()[:16]


def stamp_of(copy: Path) -> str | None:
    try:
        return (copy / STAMP).read_text(encoding="utf-8").split()[1]
    except (OSError, IndexError, UnicodeDecodeError):
        return None


def _stamp_lines(copy: Path) -> list[str]:
    try:
        return (copy / STAMP).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def installed_files(copy: Path) -> dict[str, str] | None:
    """sha256 of each file as ``init`` wrote it (the stamp's list), None for a stamp without one."""
    lines = _stamp_lines(copy)
    listed = [line.split(" ", 1) for line in lines if re.fullmatch(r"[0-9a-f]{64} \S.*", line)]
    return {rel: sha for sha, rel in listed} if listed else None


def edited(copy: Path) -> list[str]:
    """Files of a site's copy that differ from what ``init`` wrote there: edited, added or removed
    by hand. A copy whose stamp lists no files (an older init) is compared as a whole with the
    digest in its stamp; when that differs, every file that differs from this plugin's counts."""
    have = files(copy)
    wrote = installed_files(copy)
    if wrote is not None:
        return sorted(k for k in have.keys() | wrote.keys() if have.get(k) != wrote.get(k))
    lines = _stamp_lines(copy)
    said = lines[0].split() if lines else []
    if len(said) >= 3 and said[2] == digest(copy):
        return []
    return differences(copy)


def differences(copy: Path) -> list[str]:
    """Files in which a site's copy differs from the plugin's: changed, missing or extra."""
    ours, theirs = files(source()), files(copy)
    return sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))


def install(copy: Path) -> None:
    """Make ``copy`` the plugin's Hugo side, as this version ships it, with the stamp (which lists
    each file's sha256, so that a later ``init`` tells an edit from another version)."""
    src = source()
    if copy.resolve() == src.resolve():
        return
    if copy.is_symlink():
        raise FileExistsError(f"{copy} is a symlink: not replaced")
    import shutil
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns(*_SKIP))
    listed = "".join(f"{sha} {rel}\n" for rel, sha in files(copy).items())
    (copy / STAMP).write_text(f"hugosnip {__version__} {digest(src)}\n"
                              "# Written by `hugosnip init`; `hugosnip init --upgrade` refreshes this folder.\n"
                              "# The sha256 of each file as written, so that an edit is told from another version:\n"
                              + listed, encoding="utf-8")


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
