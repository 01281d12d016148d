"""``hugosnip doctor``: check that a Hugo site is set up for hugosnip; say, per problem, what to change.

When the setup is right, it builds the site once in memory (``hugo --renderToMemory``), so "all is
well" means the site builds. Exit status 0 when all is well (notes, such as math that nothing seems
to render, do not change it), 2 (bad input) when something must change, 6 when Hugo cannot build
the site.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from . import theme as plugin_theme
from .errors import EXIT_INPUT, InputError, Problem

# Math a page may hold: display math, or inline \( \) (inline $…$ alone is too often a price).
MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)", re.S)
MATH_LIBRARY = re.compile(r"(?i)katex|mathjax")
MATH_SWITCH = re.compile(r"(?im)^\s*\"?(?:math|katex|mathjax|markup\.math)\"?\s*[:=]\s*\"?(?:true|yes|on|katex|mathjax)\b")
MATH_SHORTCODE = re.compile(r"\{\{[<%]\s*(?:math|katex|mathjax|tex|latex)\b")
FENCE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$|`[^`\n]*`")


def hugo_version(exe: str) -> tuple[int, int, int] | None:
    proc = subprocess.run([exe, "version"], capture_output=True, text=True)
    found = re.search(r"v(\d+)\.(\d+)\.(\d+)", proc.stdout)
    return tuple(int(x) for x in found.groups()) if found else None


def diagnose(root: Path, notes: list[Problem] | None = None) -> list[Problem]:
    from . import headhooks, hugo, hugoconfig
    from .config import load
    from .init import HEAD_LINE, head_wired
    from .project import folder_problems

    problems: list[Problem] = []
    where = hugoconfig.main_file(root)
    exe = hugo.binary()
    if exe is None:
        return [InputError(where, None, "Hugo is not installed", [hugo.INSTALL])]
    version = hugo_version(exe)
    if version is None or version < hugo.MIN_VERSION:
        shown = ".".join(map(str, version)) if version else "unknown"
        problems.append(InputError(exe, None, f"Hugo {shown} is older than hugosnip needs (0.156 or later)",
                                   [f"{hugo.INSTALL} (or upgrade the Hugo on PATH)"]))
        return problems
    try:
        config = load(root)
    except Problem as problem:
        return problems + [problem]
    resolved = hugoconfig.resolved(root)
    themes = hugoconfig.theme_list(resolved)
    copy = hugoconfig.theme_folder(root, resolved, plugin_theme.NAME)
    themes_dir = copy.parent

    # The theme component: present, listed, the same version as the plugin.
    problems += component_problems(root, resolved)
    if copy.is_dir():
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
        pass   # said by component_problems
    elif not (head_wired(root, themes, themes_dir) or headhooks.setting_wired(resolved)):
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

    # A theme whose dark scheme follows the system alone: a note, since the boxes still read well.
    from .headhooks import dark_advice
    if notes is not None and (advice := dark_advice(resolved, config.dark)):
        notes.append(InputError(where, None, "note: " + advice))

    # Math in pages, but nothing that renders it: only a note, since the theme may do it in ways
    # no file shows (a script its pages load from elsewhere).
    if config.math != "katex" and not _site_renders_math(root, themes, themes_dir):
        for page in _pages(config):
            raw = page.read_text(encoding="utf-8", errors="replace")
            if _page_renders_math(raw):
                continue
            text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), raw)   # lines keep their numbers
            found = MATH.search(text)
            if found:
                line = text[:found.start()].count("\n") + 1
                if notes is not None:
                    notes.append(InputError(page.relative_to(root).as_posix(), line,
                                            "note: this page has math, and neither the site nor its theme seems "
                                            "to render any (no KaTeX/MathJax in their templates, no math switch "
                                            "in the page's front matter, no math shortcode)",
                                            ['if its formulas show as plain text, set [params.hugosnip] math = '
                                             '"katex" (`hugosnip init --math katex`), or add MathJax/KaTeX to '
                                             "your theme"]))
                break
    passthrough = (((resolved.get("markup") or {}).get("goldmark") or {}).get("extensions") or {}).get("passthrough") or {}
    if config.math == "katex" and not passthrough.get("enable"):
        problems.append(InputError(where, None, "[params.hugosnip] math is \"katex\" but Goldmark's passthrough "
                                   "is off, so formulas reach the Markdown parser",
                                   ["set [markup.goldmark.extensions.passthrough] enable = true, with "
                                    "delimiters (or run `hugosnip init --math katex`)"]))
    return problems


def component_problems(root: Path, resolved: dict | None = None) -> list[Problem]:
    """The plugin's Hugo side missing from the site, or not in its `theme` list: Hugo cannot build a
    page that uses a snip-* shortcode (``build`` checks this before it runs anything)."""
    from . import hugoconfig
    where = hugoconfig.main_file(root)
    resolved = hugoconfig.resolved(root) if resolved is None else resolved
    themes = hugoconfig.theme_list(resolved)
    copy = hugoconfig.theme_folder(root, resolved, plugin_theme.NAME)
    problems: list[Problem] = []
    if not copy.is_dir():
        problems.append(InputError(where, None, f"no {copy.relative_to(root).as_posix()}/: the plugin's "
                                   "Hugo side (shortcodes, CSS) is not in the site", ["run `hugosnip init`"]))
    if plugin_theme.NAME not in themes:
        names = ", ".join(f'"{t}"' for t in [*themes, plugin_theme.NAME])
        problems.append(InputError(where, None, f"\"{plugin_theme.NAME}\" is not in the site's `theme` list, so "
                                   "Hugo does not know the snip-* shortcodes",
                                   [f"set theme = [{names}] (or run `hugosnip init`)"]))
    return problems


def uses_plugin(root: Path, resolved: dict | None = None) -> bool:
    """Whether a page of the site calls a snip-* shortcode (in any language's content folder)."""
    from . import hugoconfig
    from .scan import SNIP_CALL, pages
    resolved = hugoconfig.resolved(root) if resolved is None else resolved
    folders = {resolved.get("contentdir") or "content"}
    for language in (resolved.get("languages") or {}).values():
        if isinstance(language, dict) and language.get("contentdir"):
            folders.add(language["contentdir"])
    for folder in sorted(folders):
        if (root / folder).is_dir():
            for page in pages(root / folder):
                if SNIP_CALL.search(page.read_text(encoding="utf-8", errors="replace")):
                    return True
    return False
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
    """A render hook, or KaTeX/MathJax named in a template of the site's or its theme's own
    (a script tag, a partial that loads it from a data file, a math shortcode)."""
    folders = [root / "layouts", root / "static"] + [themes_dir / n for n in themes if n != plugin_theme.NAME]
    for folder in folders:
        if not folder.is_dir():
            continue
        if any(folder.rglob("render-passthrough*.html")):
            return True
        for path in folder.rglob("*.html"):
            if MATH_LIBRARY.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
    return False


def _page_renders_math(text: str) -> bool:
    """A page that turns its theme's math on (``math: true``), loads KaTeX/MathJax itself (an
    inline shortcode) or writes its formulas through a math shortcode."""
    from .frontmatter import find
    try:
        head = find(text, "").text
    except InputError:
        head = ""
    return bool(MATH_SWITCH.search(head) or MATH_LIBRARY.search(text) or MATH_SHORTCODE.search(text))


# What Hugo prints when a build fails, and what to do about it, where hugosnip knows.
HUGO_FIXES = (
    (re.compile(r'template for shortcode "snip-[^"]*" not found'), "run `hugosnip init`"),
    (re.compile(r"no results for |hugosnip build"), "run `hugosnip build`"),
    (re.compile(r'is not whitelisted in policy "security\.'), "allow it under [security] in the site's "
                                                              "configuration (Hugo's security policy)"),
)
HUGO_TIMEOUT = 180   # seconds for doctor's in-memory build


def hugo_build_problems(root: Path, exe: str, timeout: float = HUGO_TIMEOUT) -> list[Problem]:
    """One in-memory Hugo build (nothing written to public/); its first error, with the fix."""
    from .errors import HugoFailed
    try:
        proc = subprocess.run([exe, "--renderToMemory"], cwd=root, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [HugoFailed("hugo", None, f"an in-memory build of the site did not finish in {timeout:.0f} s",
                           ["run `hugo` to see where it stops"])]
    if proc.returncode == 0:
        return []
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith("ERROR")), lines[0] if lines else
                 f"exit status {proc.returncode}")
    first = re.sub(r"^ERROR\s+", "", first)
    fixes = [fix for pattern, fix in HUGO_FIXES if pattern.search(first)]
    return [HugoFailed("hugo", None, f"Hugo cannot build the site: {first}",
                       fixes or ["run `hugo` to see every error"])]


def doctor(root: Path, out=None) -> int:
    out = out or sys.stdout
    notes: list[Problem] = []
    problems = diagnose(root, notes)
    if not problems:
        # "all is well" means the site builds: one build in memory, as a plain `hugo` would do it
        from . import hugo
        problems = hugo_build_problems(root, hugo.binary())
    for problem in problems + notes:
        print(problem.render(), file=sys.stderr)
    if problems:
        print(f"hugosnip doctor: {len(problems)} problem(s) to fix", file=sys.stderr)
        return max(EXIT_INPUT, max(p.code for p in problems))
    print("hugosnip doctor: all is well" + (f" ({len(notes)} note(s) above)" if notes else ""), file=out)
    return 0
