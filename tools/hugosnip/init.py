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
- with ``--example``: one snippet and one post that uses every shortcode, and a second snippet
  whose cells show each kind of rich output whose packages are installed (``example_outputs``).
A file of the user's is never replaced without ``--force``; every change is printed.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path

from . import theme as plugin_theme
from . import headhooks
from .headhooks import HEAD_LINE
from .errors import ConfigError, InputError
from .root import CONFIG_NAMES, config_files

HEAD_CALL = re.compile(r'partial(?:Cached)?\s+"hugosnip/head\.html"')
# A call inside a template comment ({{/* … */}}) or an HTML comment renders nothing that works.
COMMENTS = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}|<!--.*?-->", re.S)
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
# The second example module: each kind of rich output once. A cell is written only when the
# packages it imports are installed (init says which to install for the others); Markdown and HTML
# need none. (cell, packages it needs as (import name, pip name), its code, the post's sentence)
EXAMPLE_OUTPUTS = (
    ("text", (), '''from hugosnip.display import HTML, Markdown, display

display(Markdown("A *Markdown* output, rendered like the post's own text."))
print("printed text comes between the outputs, in order")
HTML("<p>An <b>HTML</b> output, placed as it is (the cell's own, trusted).</p>")
''', "Markdown and HTML, displayed between prints:"),
    ("table", (("pandas", "pandas"),), '''import pandas as pd

frame = pd.DataFrame({"k": [1, 2, 3, 4], "k squared": [1, 4, 9, 16]})
frame
''', "A pandas DataFrame, as a table:"),
    ("math", (("sympy", "sympy"),), '''import sympy

x = sympy.Symbol("x")
sympy.integrate(sympy.exp(-x**2), (x, -sympy.oo, sympy.oo))
''', "A sympy expression, as math:"),
    ("picture", (("PIL", "pillow"),), '''from PIL import Image

Image.linear_gradient("L").resize((96, 32))
''', "A PIL image, stored as a PNG file:"),
    ("heatmap figure_format=png", (("matplotlib", "matplotlib"),), '''import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4, 3))
ax.imshow([[(i * j) % 7 for j in range(20)] for i in range(20)], cmap="viridis")
ax.set_title("A matplotlib figure saved as PNG")
''', "A matplotlib figure saved as PNG (`figure_format=png`):"),
    ("plotly", (("plotly", "plotly"),), '''import plotly.graph_objects as go

go.Figure(go.Scatter(x=list(range(10)), y=[k * k for k in range(10)], mode="lines+markers"),
          layout={"width": 500, "height": 320, "title": {"text": "A Plotly chart"}})
''', "A Plotly chart, interactive, with its static image for readers without JavaScript:"),
    ("altair", (("altair", "altair"),), '''import altair as alt

points = alt.Data(values=[{"k": k, "k squared": k * k} for k in range(10)])
alt.Chart(points, title="An Altair chart").mark_line(point=True).encode(x="k:Q", y="k squared:Q")
''', "An Altair (Vega-Lite) chart, the same way:"),
)
# What a chart's static image needs beside the chart's own package (the chart shows without it).
STATIC_IMAGE_PACKAGES = {"plotly": (("kaleido", "kaleido"),), "altair": (("vl_convert", "vl-convert-python"),)}


def _installed(module: str) -> bool:
    import importlib.util
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def example_outputs(installed=_installed) -> tuple[str, str, list[str]]:
    """The second example module, the post's section that shows it, and the pip names of what is
    not installed (each cell whose packages are missing is left out)."""
    cells, section, missing = [], ["", "## Rich outputs", "",
                                   "Each kind of output a cell can show, from `snippets/example_outputs.py`:", ""], []
    for header, needs, code, sentence in EXAMPLE_OUTPUTS:
        absent = [pip for module, pip in needs if not installed(module)]
        if absent:
            missing += absent
            continue
        name = header.split()[0]
        missing += [pip for module, pip in STATIC_IMAGE_PACKAGES.get(name, ()) if not installed(module)]
        cells.append(f"# %% {header}\n{code}")
        section += [sentence, "", f'{{{{< snip-cell file="example_outputs.py" cell="{name}" >}}}}', ""]
    module = ('"""Rich outputs, made by `hugosnip init --example`: each kind of output a cell can show."""\n\n'
              + "\n\n".join(cells))
    return module, "\n".join(section), missing


EXAMPLE_MATH = '''
With math set up, formulas are rendered at build time: $\\tanh x = \\frac{e^x - e^{-x}}{e^x + e^{-x}}$.
'''


class Changes:
    """What init changed, kept so that it can be undone: init writes all of its changes or none."""

    def __init__(self, root: Path, out):
        self.root, self.out, self.done, self.todo = root, out, [], []
        self.saved: list[tuple[Path, bytes | None]] = []   # each file init wrote, as it was before
        self.made: list[Path] = []                         # folders init made (removed on undo)
        self.moved: list[tuple[Path, Path]] = []           # (folder, where it was moved aside)
        self.backups: list[Path] = []                      # moved-aside folders the user keeps

    def did(self, what: str) -> None:
        self.done.append(what)

    def ask(self, what: str) -> None:
        self.todo.append(what)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def keep(self, path: Path) -> None:
        """Remember a file as it is, before init writes it (and the folders it makes for it)."""
        if any(p == path for p, _ in self.saved):
            return
        missing = [folder for folder in [path.parent, *path.parent.parents] if not folder.exists()]
        if missing:
            self.made.append(missing[-1])
        self.saved.append((path, path.read_bytes() if path.is_file() else None))

    def write(self, path: Path, data: str | bytes) -> None:
        self.keep(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)

    def move_aside(self, folder: Path, to: Path | None = None) -> Path:
        """Move a folder out of the way (to ``to``, a backup the user keeps, or a temporary name)."""
        import os
        target = to or folder.with_name(f".{folder.name}.init-{os.getpid()}")
        folder.rename(target)
        self.moved.append((folder, target))
        if to is not None:
            self.backups.append(to)
        return target

    def undo(self) -> None:
        import shutil
        for path, data in reversed(self.saved):
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            except OSError:
                pass
        for folder in reversed(self.made):
            shutil.rmtree(folder, ignore_errors=True)
        for folder, aside in reversed(self.moved):
            shutil.rmtree(folder, ignore_errors=True)
            try:
                aside.rename(folder)
            except OSError:
                pass
        self.saved, self.made, self.moved = [], [], []

    def commit(self) -> None:
        import shutil
        for _, aside in self.moved:
            if aside not in self.backups:
                shutil.rmtree(aside, ignore_errors=True)
        for what in self.done:
            print(f"  {what}", file=self.out)


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
    changes.write(path, text)
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
            edited = yaml_params_math(text)
            if edited is None:
                changes.ask(f"{rel}: add math: katex under params.hugosnip (init edits only a block-style "
                            "`params:` it can follow; yours is left as it is):\n      params:\n        hugosnip:\n"
                            "          math: katex")
                need_math = False
            else:
                text = edited
        if need_passthrough:
            if re.search(r"(?m)^markup:", text):
                changes.ask(f"{rel}: under markup.goldmark.extensions, set passthrough: "
                            "{enable: true, delimiters: {block: [['$$', '$$'], ['\\[', '\\]']], "
                            "inline: [['$', '$'], ['\\(', '\\)']]}}")
                need_passthrough = False
            else:
                text = text.rstrip("\n") + "\n" + PASSTHROUGH_YAML
    if need_math or need_passthrough:
        changes.write(path, text)
        what = [w for w, n in (('math = "katex"', need_math), ("math passthrough on", need_passthrough)) if n]
        changes.did(f"{rel}: {', '.join(what)}")


def yaml_params_math(text: str) -> str | None:
    """``text`` (a YAML configuration) with params.hugosnip.math = katex, indented as the file
    indents its ``params:`` block; None when init cannot follow it (flow style, tabs, a math key
    already there): then the user adds the line."""
    lines = text.splitlines(keepends=True)
    top = [n for n, line in enumerate(lines) if re.match(r"params:", line)]
    if not top:
        return text.rstrip("\n") + ("\n" if text.strip() else "") + "params:\n  hugosnip:\n    math: katex\n"
    first = top[0]
    if len(top) > 1 or not re.fullmatch(r"params:[ \t]*(#.*)?\n?", lines[first]):
        return None   # params: {author: me}, or two params: blocks

    def indent(line: str) -> str | None:
        if not line.strip() or line.lstrip().startswith("#"):
            return None
        return line[: len(line) - len(line.lstrip(" \t"))]

    block = []
    for n in range(first + 1, len(lines)):
        lead = indent(lines[n])
        if lead == "":
            break
        block.append(n)
    children = [n for n in block if indent(lines[n])]
    if not children:
        return "".join(lines[: first + 1]) + "  hugosnip:\n    math: katex\n" + "".join(lines[first + 1:])
    unit = indent(lines[children[0]])
    if "\t" in unit or any(not indent(lines[n]).startswith(unit) for n in children):
        return None
    own = [n for n in children if indent(lines[n]) == unit and re.match(r"hugosnip\s*:", lines[n][len(unit):])]
    if not own:
        at = first + 1
        return "".join(lines[:at]) + f"{unit}hugosnip:\n{unit * 2}math: katex\n" + "".join(lines[at:])
    head = own[0]
    if not re.fullmatch(r"hugosnip:[ \t]*(#.*)?\n?", lines[head][len(unit):]):
        return None   # hugosnip: {seed: 1}
    inner = []
    for n in children[children.index(head) + 1:]:
        lead = indent(lines[n])
        if len(lead) <= len(unit):
            break
        inner.append(n)
    deeper = indent(lines[inner[0]]) if inner else unit * 2
    if any(re.match(r"math\s*:", lines[n].strip()) and indent(lines[n]) == deeper for n in inner):
        return None   # a math setting of its own: the user decides
    at = head + 1
    return "".join(lines[:at]) + f"{deeper}math: katex\n" + "".join(lines[at:])


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
        changes.keep(mine)
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text(text + HEAD_LINE + "\n", encoding="utf-8")   # the text as it was: same bytes out
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
                changes.keep(head)
                head.write_text(text + HEAD_LINE + "\n", encoding="utf-8")
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
                    if HEAD_CALL.search(COMMENTS.sub("", path.read_text(encoding="utf-8", errors="replace"))):
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
    changes.write(path, text)
    changes.did(f"{changes.rel(path)}: written")


def init(root: Path, *, math: str | None = None, example: bool = False, force: bool = False,
         upgrade: bool = False, out=None) -> int:
    """All of init's changes, or none: on any failure, what it wrote is undone before it says why."""
    out = out or sys.stdout
    root = root.resolve()
    if not config_files(root):
        main_config(root)   # raises with the fix
    changes = Changes(root, out)
    print(f"hugosnip init in {root}:", file=out)
    try:
        status = _init(root, math=math, example=example, force=force, upgrade=upgrade, changes=changes)
    except BaseException as exc:
        changes.undo()
        if isinstance(exc, UnicodeDecodeError):   # a site file init must read is not UTF-8
            raise InputError(str(root), None, f"a file init reads is not UTF-8 text ({exc.reason} at byte "
                             f"{exc.start}); nothing was changed") from None
        raise
    if status:
        changes.undo()
        return status
    changes.commit()
    if not changes.done:
        print("  nothing to change", file=out)
    for item in changes.todo:
        print(f"  to do: {item}", file=out)
    if changes.done or not changes.todo:
        print("next: `hugosnip build` runs the snippets and builds the site; `hugosnip doctor` checks the setup",
              file=out)
    return 0


def _init(root: Path, *, math: str | None, example: bool, force: bool, upgrade: bool, changes: Changes) -> int:
    from . import hugoconfig
    from .project import folder_problems
    try:
        resolved = hugoconfig.resolved(root)
    except ConfigError:
        # Hugo cannot load a site whose `theme` already names hugosnip before its copy exists.
        copy = root / "themes" / plugin_theme.NAME
        if copy.exists() or copy.is_symlink():
            raise
        changes.made.append(copy)
        plugin_theme.install(copy)
        changes.did(f"{changes.rel(copy)}/: the plugin's Hugo side (hugosnip {plugin_theme.__version__})")
        resolved = hugoconfig.resolved(root)
    themes_dir = root / (resolved.get("themesdir") or "themes")

    # 1. The plugin's Hugo side.
    copy = themes_dir / plugin_theme.NAME
    install_copy(copy, changes, upgrade=upgrade, force=force)

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
    if changes.saved:
        check_config_edit(root, resolved, changes)

    # 4. .gitignore
    ignore = root / ".gitignore"
    add_to_gitignore(ignore, changes)

    # 5. The snippet folder.
    from .config import load
    config = load(root)
    problems = folder_problems(config)
    if problems:
        for p in problems:
            print(p.render(), file=sys.stderr)
        print("hugosnip init: nothing was changed", file=sys.stderr)
        return problems[0].code
    package = ".".join(Path(config.snippets).parts)
    if not (config.snippet_dir / "__init__.py").exists():   # an existing one is the site's own
        write_new(config.snippet_dir / "__init__.py", SEED_INIT.format(package=package), changes, force)

    # 6. The head partial.
    wire_head(root, themes, themes_dir, changes, resolved)
    if advice := headhooks.dark_advice(resolved, config.dark):
        changes.ask(advice)

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
        module, section, missing = example_outputs()
        write_new(config.snippet_dir / "example_outputs.py", module, changes, force)
        if missing:
            changes.ask(f"not installed here: {', '.join(sorted(set(missing)))}, so the example shows fewer "
                        f"kinds of output: pip install {' '.join(sorted(set(missing)))}, then "
                        "`hugosnip init --example --force` adds them")
        write_new(post, text + section, changes, force)
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


def install_copy(copy: Path, changes: Changes, *, upgrade: bool, force: bool) -> None:
    """Step 1: the plugin's Hugo side in themes/hugosnip. A copy edited by hand is never replaced
    without --force, and then it is kept beside it (themes/hugosnip.local-<date>/)."""
    version = plugin_theme.__version__
    rel = changes.rel(copy) if copy.is_relative_to(changes.root) else str(copy)
    if copy.is_symlink():
        target = copy.resolve()
        if target == plugin_theme.source().resolve() or not target.is_dir() or \
                not plugin_theme.differences(copy):
            if not target.is_dir():
                raise InputError(rel, None, f"is a symlink to {copy.readlink()}, which is not a folder: remove the "
                                 "link, then run `hugosnip init` again")
            return
        if upgrade or force:
            raise InputError(rel, None, f"is a symlink to {copy.readlink()}: init does not replace a link; upgrade "
                             "that copy (`hugosnip init --upgrade` in its own site), or replace the link with "
                             "a folder and run `hugosnip init --upgrade` again; nothing was changed")
        changes.ask(f"{rel} is a symlink to {copy.readlink()}, another version of hugosnip's Hugo side: upgrade "
                    "that copy, or replace the link with a folder")
        return
    if not copy.exists():
        changes.made.append(copy)
        plugin_theme.install(copy)
        changes.did(f"{rel}/: the plugin's Hugo side (hugosnip {version})")
        return
    if copy.resolve() == plugin_theme.source().resolve() or not plugin_theme.differences(copy):
        return
    edited = plugin_theme.edited(copy)
    shown = ", ".join(edited[:5]) + (", …" if len(edited) > 5 else "")
    if edited and not force:
        message = (f"{len(edited)} file(s) edited locally: {shown}")
        if upgrade:
            raise InputError(f"{rel}/", None, f"{message}; --upgrade would replace them, so nothing was changed",
                             ["put the change in the site's own layouts/ (they override the component's), then "
                              "run `hugosnip init --upgrade --force`: it keeps the edited copy as "
                              f"{rel}.local-<date>/"])
        changes.ask(f"{rel}/ has {message}: left as it is (`hugosnip init --upgrade --force` refreshes it and "
                    f"keeps the edited copy as {rel}.local-<date>/)")
        return
    if not (upgrade or force):
        changes.ask(f"{rel}/ is hugosnip's Hugo side of another version (the copy says "
                    f"{plugin_theme.stamp_of(copy) or 'no version'}; this is {version}): run "
                    "`hugosnip init --upgrade` to refresh it")
        return
    if edited:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = copy.with_name(f"{copy.name}.local-{stamp}")
        changes.move_aside(copy, backup)
        plugin_theme.install(copy)
        changes.did(f"{rel}/: refreshed to hugosnip {version}; the edited copy ({shown}) is kept in "
                    f"{changes.rel(backup) if backup.is_relative_to(changes.root) else backup}/")
    else:
        changes.move_aside(copy)
        plugin_theme.install(copy)
        changes.did(f"{rel}/: refreshed to hugosnip {version}")


def add_to_gitignore(ignore: Path, changes: Changes) -> None:
    """Step 4: hugosnip's lines in .gitignore, the file edited as bytes (any encoding survives)."""
    data = ignore.read_bytes() if ignore.exists() else b""
    present = data.split(b"\n")
    stripped = {line.rstrip(b"\r").strip() for line in present}
    missing = [e for e in GITIGNORE if e.encode() not in stripped]
    if not missing:
        return
    text = data.rstrip(b"\n")
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    text += (newline * 2 if text else b"") + b"# hugosnip" + newline + newline.join(
        e.encode() for e in missing) + newline
    changes.write(ignore, text)
    changes.did(f".gitignore: {' '.join(missing)}")


def _outside_hugosnip(resolved: dict) -> dict:
    """The settings init must not change: params but params.hugosnip, and markup but Goldmark's
    passthrough."""
    import copy as copying
    params = {k: v for k, v in (resolved.get("params") or {}).items() if k != "hugosnip"}
    markup = copying.deepcopy(resolved.get("markup") or {})
    ((markup.get("goldmark") or {}).get("extensions") or {}).pop("passthrough", None)
    return {"params": params, "markup": markup}


def check_config_edit(root: Path, before: dict, changes: Changes) -> None:
    """Hugo reads the edited configuration, and it changed nothing but what init sets; else undo."""
    from . import hugoconfig
    files = [changes.rel(p) for p, _ in changes.saved if p.suffix in (".toml", ".yaml", ".yml", ".json")]
    by_hand = [f"      {what}" for what in changes.done]
    try:
        after = hugoconfig.resolved(root)
    except ConfigError as exc:
        raise ConfigError(files[0] if files else hugoconfig.main_file(root), None,
                          f"after init's edit, Hugo cannot read the configuration ({exc.message}); "
                          "nothing was changed", ["make these changes by hand:", *by_hand]) from None
    old, new = _outside_hugosnip(before), _outside_hugosnip(after)
    if old != new:
        lost = sorted({*old["params"], *new["params"]} - {k for k in old["params"] if old["params"].get(k)
                                                         == new["params"].get(k)})
        said = ", ".join(f"params.{k}" for k in lost) or "markup"
        raise ConfigError(files[0] if files else hugoconfig.main_file(root), None,
                          f"init's edit would change settings that are not hugosnip's ({said}); nothing was "
                          "changed", ["make these changes by hand:", *by_hand])


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
