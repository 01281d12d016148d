"""Small replica sites: a theme of a few lines that reproduces one pattern of a real theme (a
search index built with resources.ExecuteAsTemplate, a dark-scheme switch, a `pre` colour...),
with or without hugosnip, and one snippet whose results are built once per session.

    root = replica.site(tmp_path / "s", results, theme={"layouts/single.html": ...}, pages={...})
    run = replica.hugo(root)          # plain `hugo`, never allowed to hang
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hugosnip import hugo as _hugo

REPO = Path(__file__).resolve().parents[2]

SNIPPET = '''\
# %% table
def row(n, v):
    return f"{n:>3} {v:>6.2f}"


rows = [(1, 2.5), (2, 3.25), (3, 4.0)]
for n, v in rows:
    print(row(n, v))

# %% mean
total = sum(v for _, v in rows)
total / len(rows)
'''

# A theme of a few lines: every page renders its content; the head has a hook the site fills.
THEME = {
    "layouts/baseof.html": '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
                           '{{ partial "head-extra.html" . }}</head>\n<body>{{ block "main" . }}{{ end }}</body></html>\n',
    "layouts/single.html": '{{ define "main" }}<main>{{ .Content }}</main>{{ end }}\n',
    "layouts/list.html": '{{ define "main" }}<main>{{ .Content }}{{ range .Pages }}<article><h2>{{ .Title }}</h2>'
                         '{{ .Summary }}</article>{{ end }}</main>{{ end }}\n',
    "layouts/_partials/head-extra.html": "",
}

USES = """---
title: Uses hugosnip
---

The mean is {{< snip-value file="stats.py" cell="mean" digits="2" >}}.

{{< snip-cell file="stats.py" cell="table" >}}
"""

PLAIN = """---
title: Plain
---

A page with no snippet, some `code`, and math: $a+b<c$ and

$$
x^2 + y^2 = z^2
$$
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_results(base: Path) -> Path:
    """A site with the snippet only, after `hugosnip build --no-hugo`: its data/ and assets/."""
    from hugosnip.cli import main
    root = base / "results"
    write(root / "hugo.toml", 'baseURL = "/"\ntheme = ["hugosnip"]\n')
    (root / "themes").mkdir()
    (root / "themes" / "hugosnip").symlink_to(REPO / "themes" / "hugosnip")
    write(root / "snippets" / "stats.py", SNIPPET)
    (root / "content").mkdir()
    assert main(["-C", str(root), "build", "--no-hugo"]) == 0
    return root


def site(root: Path, results: Path | None, *, theme: dict | None = None, pages: dict | None = None,
         config: str = "", plugin: bool = True) -> Path:
    """A replica site: THEME with ``theme``'s files over it, ``pages`` under content/, and, with
    ``plugin``, hugosnip in the theme list, its head partial wired and the snippet's results."""
    themes = ["replica", "hugosnip"] if plugin else ["replica"]
    write(root / "hugo.toml", f'baseURL = "/"\ntitle = "Replica"\ntheme = {themes!r}\n'.replace("'", '"') + config)
    for name, text in {**THEME, **(theme or {})}.items():
        write(root / "themes" / "replica" / name, text)
    if plugin:
        (root / "themes" / "hugosnip").symlink_to(REPO / "themes" / "hugosnip")
        write(root / "layouts" / "_partials" / "head-extra.html", '{{ partial "hugosnip/head.html" . }}')
        write(root / "snippets" / "stats.py", SNIPPET)
        for folder in ("data", "assets"):
            if results is not None and (results / folder).is_dir():
                shutil.copytree(results / folder, root / folder)
    for name, text in (pages or {}).items():
        write(root / "content" / name, text)
    return root


def hugo(root: Path, dest: str = "public", *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """Plain `hugo` on a site; a run that takes longer than ``timeout`` fails the test as a hang."""
    try:
        return subprocess.run([_hugo.binary(), "-d", str(root / dest), *args], cwd=root,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hugo hung: no result after {timeout} s in {root}")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
