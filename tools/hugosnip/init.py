"""``hugosnip init``: add hugosnip to an existing Hugo site.

What it does, each step only when it is not done yet (so running it twice changes nothing):
- copies the plugin's Hugo side into themes/hugosnip (with a version stamp; ``--upgrade``
  refreshes a copy from another version);
- adds "hugosnip" to the site's ``theme`` list, after the site's own theme, in whatever
  configuration file Hugo reads (hugo.toml/.yaml/.json, config.*, config/_default/);
- with ``--math katex``: sets [params.hugosnip] math = "katex" and Goldmark's passthrough;
- adds hugosnip's entries to .gitignore;
- creates the snippet folder with its seeding __init__.py;
- wires the plugin's head partial into the site's theme where it has a hook for it, else says
  which line to add and where;
- with ``--example``: one snippet and one post that uses every shortcode.
A file of the user's is never replaced without ``--force``; every change is printed.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path

from . import theme as plugin_theme
from .errors import ConfigError, InputError
from .root import CONFIG_NAMES, config_files

HEAD_LINE = '{{ partial "hugosnip/head.html" . }}'
HEAD_CALL = re.compile(r'partial(?:Cached)?\s+"hugosnip/head\.html"')
GITIGNORE = ("/public/", "/resources/_gen/", "/.hugo_build.lock", "/.hugosnip/",
             "/data/hugosnip_serve.json", "__pycache__/")
PASSTHROUGH_TOML = r"""
[markup.goldmark.extensions.passthrough]
  # Math for hugosnip's KaTeX render hook ([params.hugosnip] math = "katex").
  enable = true
  [markup.goldmark.extensions.passthrough.delimiters]
    block = [["$$", "$$"], ['\[', '\]']]
    inline = [["$", "$"], ['\(', '\)']]
"""
PASSTHROUGH_YAML = r"""markup:
  goldmark:
    extensions:
      passthrough:
        # Math for hugosnip's KaTeX render hook ([params.hugosnip] math: katex).
        enable: true
        delimiters:
          block: [["$$", "$$"], ['\[', '\]']]
          inline: [["$", "$"], ['\(', '\)']]
"""
SEED_INIT = '''"""Snippets of this site: run one with ``python -m {package}.<name>`` from the site's root.

Seeding here makes a run from the command line print what the pages show: hugosnip seeds
``random`` (and numpy, when it is installed) with the same seed (0) before a snippet's first cell.
"""

import random as _random

_random.seed(0)
try:
    import numpy as _np
except ImportError:
    pass
else:
    _np.random.seed(0)
'''
EXAMPLE_SNIPPET = '''"""An example made by `hugosnip init --example`: edit it, or delete it with its post."""

# %% setup
import math


def factorials(n):
    """The factorials of 1 to n, as (k, k!) pairs."""
    return [(k, math.factorial(k)) for k in range(1, n + 1)]


# %% table
for k, f in factorials(6):
    print(f"{k:2d} {f:5d}")

# %% total
total = sum(f for _, f in factorials(6))
total

# %% plot echo=false
import matplotlib.pyplot as plt

xs = [x / 10 for x in range(-30, 31)]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(xs, [math.tanh(x) for x in xs], label="tanh(x)")
ax.legend()
'''
EXAMPLE_POST = '''---
title: "hugosnip: an example"
date: {date}
---

This page was made by `hugosnip init --example`. Each block below is filled in from the results
that `hugosnip build` stores, so a plain `hugo` builds it too.

A function, shown from the snippet's source:

{{{{< snip-source file="example.py" object="factorials" >}}}}

A cell, with its code and what it printed:

{{{{< snip-cell file="example.py" cell="table" >}}}}

The sum of those factorials is {{{{< snip-value file="example.py" cell="total" >}}}}.
{math}
{{{{< snip-figure file="example.py" cell="plot" caption="The hyperbolic tangent" alt="A plot of tanh(x) from -3 to 3" >}}}}
'''
EXAMPLE_MATH = '''
With math set up, formulas are rendered at build time: $\\tanh x = \\frac{e^x - e^{-x}}{e^x + e^{-x}}$.
'''


class Changes:
    def __init__(self, root: Path, out):
        self.root, self.out, self.done, self.todo = root, out, [], []

    def did(self, what: str) -> None:
        self.done.append(what)
        print(f"  {what}", file=self.out)

    def ask(self, what: str) -> None:
        self.todo.append(what)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def main_config(root: Path) -> Path:
    """The configuration file init edits: the site's top-level one, or config/_default/'s."""
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    for name in CONFIG_NAMES:
        if (root / "config" / "_default" / name).is_file():
            return root / "config" / "_default" / name
    if (root / "config" / "_default").is_dir():
        return root / "config" / "_default" / "hugo.toml"
    raise ConfigError(str(root), None, "no Hugo configuration here (hugo.toml, hugo.yaml, hugo.json or "
                      "config/_default/): make a site first with `hugo new site`")


def _format(path: Path) -> str:
    return {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}[path.suffix]


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def set_theme(path: Path, themes: list[str], changes: Changes) -> None:
    """Write ``theme`` as ``themes`` in one configuration file."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kind = _format(path)
    if kind == "json":
        data = json.loads(text or "{}")
        data["theme"] = themes
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif kind == "toml":
        line = f"theme = {_toml_list(themes)}"
        head = re.split(r"(?m)^\s*\[", text, maxsplit=1)[0]
        found = re.search(r"(?m)^theme\s*=\s*(.*)$", head)
        if found and found.group(1).count("[") != found.group(1).count("]"):
            changes.ask(f"{changes.rel(path)}: set {line} (the present value spans lines)")
            return
        if found:
            text = text[:found.start()] + line + text[found.end():]
        else:
            text = text[:len(head)].rstrip("\n") + ("\n" if head.strip() else "") + line + "\n" + (
                "\n" + text[len(head):] if text[len(head):] else "")
    else:
        line = f"theme: {_toml_list(themes)}"
        found = re.search(r"(?m)^theme:[ \t]*(.*)\n?((?:[ \t]+-.*\n?)*)", text)
        if found:
            text = text[:found.start()] + line + "\n" + text[found.end():]
        else:
            text = line + "\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    changes.did(f"{changes.rel(path)}: theme = {_toml_list(themes)}")


def set_math(path: Path, resolved: dict, changes: Changes) -> None:
    """[params.hugosnip] math = "katex", and Goldmark's passthrough when it is not on yet."""
    params = (resolved.get("params") or {}).get("hugosnip") or {}
    passthrough = (((resolved.get("markup") or {}).get("goldmark") or {}).get("extensions") or {}).get("passthrough") or {}
    need_math = str(params.get("math", "none")).lower() != "katex"
    need_passthrough = not passthrough.get("enable")
    if not (need_math or need_passthrough):
        return
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kind = _format(path)
    rel = changes.rel(path)
    if kind == "json":
        data = json.loads(text or "{}")
        if need_math:
            data.setdefault("params", {}).setdefault("hugosnip", {})["math"] = "katex"
        if need_passthrough:
            ext = data.setdefault("markup", {}).setdefault("goldmark", {}).setdefault("extensions", {})
            ext["passthrough"] = {"enable": True, "delimiters": {"block": [["$$", "$$"], ["\\[", "\\]"]],
                                                                 "inline": [["$", "$"], ["\\(", "\\)"]]}}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif kind == "toml":
        if need_math:
            table = re.search(r"(?m)^\[params\.hugosnip\][ \t]*\n", text)
            if table:
                text = text[:table.end()] + '  math = "katex"\n' + text[table.end():]
            elif re.search(r"(?m)^\s*hugosnip\s*=", text):
                changes.ask(f'{rel}: add math = "katex" to [params.hugosnip]')
                need_math = False
            else:
                text = text.rstrip("\n") + '\n\n[params.hugosnip]\n  math = "katex"\n'
        if need_passthrough:
            if "[markup.goldmark.extensions.passthrough" in text or re.search(r"(?m)^\s*passthrough\s*=", text):
                changes.ask(f"{rel}: set [markup.goldmark.extensions.passthrough] enable = true")
                need_passthrough = False
            else:
                text = text.rstrip("\n") + "\n" + PASSTHROUGH_TOML
    else:
        if need_math:
            params_line = re.search(r"(?m)^params:[ \t]*\n", text)
            if not params_line:
                text = text.rstrip("\n") + "\nparams:\n  hugosnip:\n    math: katex\n"
            else:
                block = re.search(r"(?m)^([ \t]+)hugosnip:[ \t]*\n", text[params_line.end():])
                if block:
                    at = params_line.end() + block.end()
                    text = text[:at] + block.group(1) * 2 + "math: katex\n" + text[at:]
                else:
                    text = text[:params_line.end()] + "  hugosnip:\n    math: katex\n" + text[params_line.end():]
        if need_passthrough:
            if re.search(r"(?m)^markup:", text):
                changes.ask(f"{rel}: under markup.goldmark.extensions, set passthrough: "
                            "{enable: true, delimiters: {block: [['$$', '$$'], ['\\[', '\\]']], "
                            "inline: [['$', '$'], ['\\(', '\\)']]}}")
                need_passthrough = False
            else:
                text = text.rstrip("\n") + "\n" + PASSTHROUGH_YAML
    if need_math or need_passthrough:
        path.write_text(text, encoding="utf-8")
        what = [w for w, n in (('math = "katex"', need_math), ("math passthrough on", need_passthrough)) if n]
        changes.did(f"{rel}: {', '.join(what)}")


def wire_head(root: Path, themes: list[str], themes_dir: Path, changes: Changes, resolved: dict | None = None) -> None:
    """Make every page's <head> render hugosnip/head.html (the table of hooks: headhooks.py)."""
    from . import headhooks
    if head_wired(root, themes, themes_dir) or headhooks.setting_wired(resolved or {}):
        return
    found = headhooks.find(root, themes, themes_dir, plugin_theme.NAME)
    if found:
        mine = found.site_file
        if mine.is_file():
            text = mine.read_text(encoding="utf-8")
        elif found.theme_file is not None:
            text = found.theme_file.read_text(encoding="utf-8")
        else:
            text = ""
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text(text.rstrip("\n") + ("\n" if text.strip() else "") + HEAD_LINE + "\n", encoding="utf-8")
        changes.did(f"{changes.rel(mine)}: renders hugosnip's head partial "
                    f"(the hook of theme {found.theme!r})")
        return
    # A theme of the site's own (made by `hugo new theme`, not a checkout of someone else's):
    # its head partial is the site's to edit.
    for name in [n for n in themes if n != plugin_theme.NAME]:
        base = themes_dir / name
        if (base / ".git").exists():
            continue
        for rel in ("_partials/head.html", "partials/head.html"):
            head = base / "layouts" / rel
            if head.is_file():
                text = head.read_text(encoding="utf-8")
                head.write_text(text.rstrip("\n") + "\n" + HEAD_LINE + "\n", encoding="utf-8")
                changes.did(f"{changes.rel(head)}: renders hugosnip's head partial")
                return
    by_setting = headhooks.setting(themes, themes_dir, plugin_theme.NAME)
    if by_setting:
        theme, key = by_setting
        table, _, leaf = key.rpartition(".")
        changes.ask(f"theme {theme!r} takes extra <head> partials from a setting: add \"hugosnip/head.html\" "
                    f"to it, [params.{table}] {leaf} = [\"hugosnip/head.html\"]")
        return
    changes.ask(headhooks.no_hook_advice(root, themes, themes_dir, plugin_theme.NAME))


def head_wired(root: Path, themes: list[str], themes_dir: Path) -> bool:
    """Whether some layout of the site or of its themes (hugosnip's aside) renders the head partial."""
    folders = [root / "layouts"] + [themes_dir / n / "layouts" for n in themes if n != plugin_theme.NAME]
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*.html"):
                try:
                    if HEAD_CALL.search(path.read_text(encoding="utf-8", errors="replace")):
                        return True
                except OSError:
                    pass
    return False


def write_new(path: Path, text: str, changes: Changes, force: bool) -> None:
    if path.exists():
        if path.read_text(encoding="utf-8", errors="replace") == text:
            return
        if not force:
            changes.ask(f"{changes.rel(path)} exists and differs from what init writes: left as it is "
                        "(--force replaces it)")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    changes.did(f"{changes.rel(path)}: written")


def init(root: Path, *, math: str | None = None, example: bool = False, force: bool = False,
         upgrade: bool = False, out=None) -> int:
    out = out or sys.stdout
    from . import hugoconfig
    from .project import folder_problems
    root = root.resolve()
    if not config_files(root):
        main_config(root)   # raises with the fix
    changes = Changes(root, out)
    print(f"hugosnip init in {root}:", file=out)
    try:
        resolved = hugoconfig.resolved(root)
    except ConfigError:
        # Hugo cannot load a site whose `theme` already names hugosnip before its copy exists.
        copy = root / "themes" / plugin_theme.NAME
        if copy.exists():
            raise
        plugin_theme.install(copy)
        changes.did(f"{changes.rel(copy)}/: the plugin's Hugo side (hugosnip {plugin_theme.__version__})")
        resolved = hugoconfig.resolved(root)
    themes_dir = root / (resolved.get("themesdir") or "themes")

    # 1. The plugin's Hugo side.
    copy = themes_dir / plugin_theme.NAME
    if not copy.exists():
        plugin_theme.install(copy)
        changes.did(f"{changes.rel(copy)}/: the plugin's Hugo side (hugosnip {plugin_theme.__version__})")
    elif copy.resolve() != plugin_theme.source().resolve() and plugin_theme.differences(copy):
        if upgrade or force:
            plugin_theme.install(copy)
            changes.did(f"{changes.rel(copy)}/: refreshed to hugosnip {plugin_theme.__version__}")
        else:
            changes.ask(f"{changes.rel(copy)}/ is not the Hugo side of this hugosnip "
                        f"({plugin_theme.__version__}; the copy says {plugin_theme.stamp_of(copy) or 'no version'}): "
                        "run `hugosnip init --upgrade` to refresh it")

    # 2. The theme list, the plugin after the site's own theme.
    themes = resolved.get("theme") or []
    if isinstance(themes, str):
        themes = [t.strip() for t in themes.split(",") if t.strip()]
    if plugin_theme.NAME not in themes:
        themes = [*themes, plugin_theme.NAME]
        set_theme(_file_with(root, "theme"), themes, changes)

    # 3. Math, only when asked.
    if math == "katex":
        set_math(_file_with(root, "params"), resolved, changes)

    # 4. .gitignore
    ignore = root / ".gitignore"
    present = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    missing = [e for e in GITIGNORE if e not in present]
    if missing:
        text = "\n".join(present).rstrip("\n")
        text += ("\n\n" if text else "") + "# hugosnip\n" + "\n".join(missing) + "\n"
        ignore.write_text(text, encoding="utf-8")
        changes.did(f".gitignore: {' '.join(missing)}")

    # 5. The snippet folder.
    from .config import load
    config = load(root)
    problems = folder_problems(config)
    if problems:
        for p in problems:
            print(p.render(), file=sys.stderr)
        return problems[0].code
    package = ".".join(Path(config.snippets).parts)
    if not (config.snippet_dir / "__init__.py").exists():   # an existing one is the site's own
        write_new(config.snippet_dir / "__init__.py", SEED_INIT.format(package=package), changes, force)

    # 6. The head partial.
    wire_head(root, themes, themes_dir, changes, resolved)

    # 7. The example.
    if example:
        try:
            import matplotlib  # noqa: F401
            figure = True
        except ImportError:
            figure = False
        snippet = EXAMPLE_SNIPPET if figure else EXAMPLE_SNIPPET[:EXAMPLE_SNIPPET.index("\n# %% plot")] + "\n"
        write_new(config.snippet_dir / "example.py", snippet, changes, force)
        post = example_post_path(config.content_dir, resolved)
        existing_date = None
        if post.exists():
            found = re.search(r"(?m)^date: (.*)$", post.read_text(encoding="utf-8"))
            existing_date = found.group(1) if found else None
        date = existing_date or datetime.date.today().isoformat()
        text = EXAMPLE_POST.format(date=date, math=EXAMPLE_MATH if (math == "katex" or config.math == "katex") else "")
        if not figure:
            text = text[:text.index("{{< snip-figure")].rstrip("\n") + "\n"
            changes.ask("matplotlib is not installed here, so the example has no figure: "
                        "pip install matplotlib, then `hugosnip init --example --force` adds one")
        write_new(post, text, changes, force)

    if not changes.done:
        print("  nothing to change", file=out)
    for item in changes.todo:
        print(f"  to do: {item}", file=out)
    if changes.done or not changes.todo:
        print("next: `hugosnip build` runs the snippets and builds the site; `hugosnip doctor` checks the setup",
              file=out)
    return 0


def example_post_path(content_dir: Path, resolved: dict) -> Path:
    """Where the example post goes: where it already is, else the site's main section (the first
    of params.mainSections, else the section with the most pages, else posts/), so the theme
    lists it on the home page."""
    if content_dir.is_dir():
        for found in sorted(content_dir.rglob("hugosnip-example.md")):
            return found
    main = (resolved.get("params") or {}).get("mainsections") or []
    if isinstance(main, str):
        main = [main]
    section = next((m for m in main if isinstance(m, str) and m and "/" not in m.strip("/")), None)
    if section is None and content_dir.is_dir():
        from .scan import pages
        sizes = {d.name: len(pages(d)) for d in content_dir.iterdir() if d.is_dir()}
        sizes = {k: v for k, v in sizes.items() if v}
        if sizes:
            section = max(sorted(sizes), key=lambda k: sizes[k])
    return content_dir / (section.strip("/") if section else "posts") / "hugosnip-example.md"


def _file_with(root: Path, key: str) -> Path:
    """The configuration file that sets ``key`` at its top level, else the main one."""
    pattern = {"toml": rf"(?m)^(?:{key}\s*=|\[{key}[.\]])", "yaml": rf"(?m)^{key}:", "json": rf'"{key}"\s*:'}
    for path in config_files(root):
        if path.parent.name not in (root.name, "_default") and path.parent != root:
            continue   # an environment's folder: not for settings of every build
        if path.stem == key:
            continue   # config/_default/params.toml: its keys are the params themselves
        if re.search(pattern[_format(path)], path.read_text(encoding="utf-8", errors="replace")):
            return path
    return main_config(root)


__all__ = ["init", "main_config", "head_wired", "InputError"]
