"""Where a theme lets a site add to every page's <head>: the table of known hooks, and the search.

``hugosnip init`` wires the plugin's head partial (``{{ partial "hugosnip/head.html" . }}``) into
the hook of the site's theme, as a file of the site's own (``layouts/_partials/<hook>``) that
overrides the theme's empty one, or adds the line to the site's override when it already exists.
A hook is taken when the theme's (or the site's) templates render it, or when the theme ships
the file; so a theme that is not in the table is wired too when it uses one of these names.
When a theme has none, ``no_hook_advice`` names the exact file to make. docs/guide.md lists the
same table for people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The line init adds to a hook. `-}}` takes the newline written after it, so a page that uses no
# snip-* shortcode (the partial writes nothing there) renders the same bytes as before.
HEAD_LINE = '{{ partial "hugosnip/head.html" . -}}'


@dataclass(frozen=True)
class Hook:
    partial: str                # path under layouts/_partials/ (or layouts/partials/)
    themes: tuple[str, ...]     # the themes known to render it at the end of <head>


# Checked in this order against each theme's own files (theme repositories, 2026-12):
HEAD_HOOKS: tuple[Hook, ...] = (
    Hook("head-additions.html", ("Ananke",)),               # baseof.html: partials.Include "head-additions.html"
    Hook("docs/inject/head.html", ("hugo-book",)),          # baseof.html: partial "docs/inject/head"
    Hook("head_custom.html", ("Beautiful Hugo",)),          # partials/head.html
    Hook("extend_head.html", ("PaperMod",)),                # _partials/head.html
    Hook("head/custom.html", ("Stack",)),                   # _partials/head/head.html
    Hook("head/extensions.html", ("hugo-coder",)),          # _partials/head.html
    Hook("extend-head-uncached.html", ("Blowfish",)),       # partials/head.html (extend-head.html is
                                                            # cached once per site: no page to read)
    Hook("extend-head.html", ("Congo",)),                   # partials/head.html, when the site has it
    Hook("hooks/head-end.html", ("Docsy",)),                # _partials/head.html
    Hook("extra-head.html", ("Hermit",)),                   # baseof.html, when the site has it
    Hook("extended_head.html", ("Terminal",)),              # partials/head.html
    # names other themes use for the same purpose
    Hook("custom-head.html", ()),
    Hook("head-custom.html", ()),
    Hook("head/extend.html", ()),
    Hook("head-end.html", ()),
)

# Themes that take extra head partials from a setting instead of a file.
HEAD_SETTINGS = {
    # FixIt: {{ range .Site.Params.custom_partials.head }}{{ partial . $ctx }}{{ end }}
    "custom_partials.head": ("FixIt",),
}

# Themes whose dark scheme can follow the reader's system alone (a media query, with no class or
# attribute on the page that the plugin's CSS could read): the site setting that says so, and its
# value. There the plugin's boxes need [params.hugosnip] dark = "system".
SYSTEM_DARK = {
    "booktheme": ("hugo-book", "auto"),     # hugo-book: BookTheme = "auto" (light and dark are fixed)
}


def dark_advice(resolved: dict, dark: str) -> str | None:
    """What to set so the plugin's boxes turn dark with the theme, or None when nothing is needed."""
    if dark == "system":
        return None
    params = resolved.get("params") or {}
    for key, (theme, value) in SYSTEM_DARK.items():
        if str(params.get(key, "")).lower() == value:
            return (f"theme {theme!r} follows the reader's system colour scheme ({key} = {value!r}): set "
                    '[params.hugosnip] dark = "system" so hugosnip\'s boxes turn dark with it')
    return None


# Themes known to have no head hook at all (LoveIt, Mainroad): no_hook_advice names the file.
NO_HOOK = ("LoveIt", "Mainroad")


def _texts(folder: Path) -> list[tuple[Path, str]]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.rglob("*.html")):
        try:
            out.append((path, path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            pass
    return out


def _rendered(hook: str, texts: list[tuple[Path, str]]) -> bool:
    """Whether one of the templates renders the partial ``hook`` (not cached once per site)."""
    name = re.escape(hook[: -len(".html")] if hook.endswith(".html") else hook)
    call = re.compile(rf'(?:\bpartial|partials\.Include)\s*\(?\s*"(?:_?partials/)?{name}(?:\.html)?"'
                      rf'|templates\.Exists\s*\(?\s*"(?:_?partials/)?{name}\.html"')
    return any(call.search(text) for _, text in texts)


@dataclass(frozen=True)
class Found:
    theme: str
    hook: Hook
    site_file: Path      # the site's own file to write (it may exist already)
    theme_file: Path | None   # the theme's empty hook, if it ships one


def find(root: Path, themes: list[str], themes_dir: Path, skip: str) -> Found | None:
    """The first known head hook that the site's themes (in order) render or ship."""
    site_layouts = root / "layouts"
    site_texts = _texts(site_layouts)
    for name in themes:
        if name == skip:
            continue
        layouts = themes_dir / name / "layouts"
        texts = site_texts + _texts(layouts)
        for hook in HEAD_HOOKS:
            shipped = next((layouts / f / hook.partial for f in ("_partials", "partials")
                            if (layouts / f / hook.partial).is_file()), None)
            if shipped is None and not _rendered(hook.partial, texts):
                continue
            mine = next((site_layouts / f / hook.partial for f in ("_partials", "partials")
                         if (site_layouts / f / hook.partial).is_file()), None)
            if mine is None:
                # templates.Exists "partials/x.html" finds layouts/partials/x.html only
                exists = re.compile(rf'templates\.Exists\s*\(?\s*"partials/{re.escape(hook.partial)}"')
                folder = shipped.parent.relative_to(layouts).parts[0] if shipped else (
                    "partials" if any(exists.search(t) for _, t in texts) or (layouts / "partials").is_dir()
                    else "_partials")
                mine = site_layouts / folder / hook.partial
            return Found(name, hook, mine, shipped)
    return None


def setting(themes: list[str], themes_dir: Path, skip: str) -> tuple[str, str] | None:
    """(theme, setting under params) when a theme takes head partials from a setting."""
    for name in themes:
        if name == skip:
            continue
        for _, text in _texts(themes_dir / name / "layouts"):
            for key in HEAD_SETTINGS:
                if re.search(rf"\.Site\.Params\.{re.escape(key)}\b", text):
                    return name, key
    return None


def setting_wired(resolved: dict, key: str = "custom_partials.head") -> bool:
    value = resolved.get("params") or {}
    for part in key.lower().split("."):
        value = (value or {}).get(part) if isinstance(value, dict) else None
    return isinstance(value, list) and "hugosnip/head.html" in value


_HEAD = re.compile(r"(?is)<head\b[^>]*>(.*?)</head>")
_CALL = re.compile(r'(?:\bpartial|partials\.Include)\s*\(?\s*"([^"]+)"')


def no_hook_advice(root: Path, themes: list[str], themes_dir: Path, skip: str) -> str:
    """What to make when no theme has a hook: the site's own copy of the theme's last partial
    rendered inside <head> with the line at its end, else of the template that holds <head>."""
    for name in themes:
        if name == skip:
            continue
        layouts = themes_dir / name / "layouts"
        for path, text in _texts(layouts):
            head = _HEAD.search(text)
            if not head:
                continue
            rel = path.relative_to(themes_dir / name).as_posix()
            calls = [c if c.endswith(".html") else c + ".html" for c in _CALL.findall(head.group(1))]
            for call in reversed(calls):
                call = re.sub(r"^_?partials/", "", call)
                for folder in ("_partials", "partials"):
                    if (layouts / folder / call).is_file():
                        theirs = f"{themes_dir.name}/{name}/layouts/{folder}/{call}"
                        return (f"theme {name!r} has no hook for extra <head> content: copy {theirs} "
                                f"to layouts/{folder}/{call} and add this line at its end:\n      {HEAD_LINE}")
            return (f"theme {name!r} has no hook for extra <head> content: copy {themes_dir.name}/{name}/{rel} "
                    f"to {rel} and add this line just before </head>:\n      {HEAD_LINE}")
    return (f"add this line inside <head> of your theme's layout (a head partial or baseof.html), "
            f"or to a partial your theme renders there:\n      {HEAD_LINE}")
