"""The shortcode contract, shared with the Hugo side: ``data/hugosnip_contract.toml`` of the theme
component (the installed copy, ``theme.source()``). It names the shortcodes and their parameters,
the flags, exclusive pairs, one-of groups and patterns, the result format version and the result
folder. The templates read the same file (``hugo.Data.hugosnip_contract``), so ``hugosnip check``
refuses what Hugo refuses.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from .errors import ReferenceProblem

FILE = "data/hugosnip_contract.toml"


@cache
def load() -> dict:
    from .theme import source
    return tomllib.loads((source() / FILE).read_text(encoding="utf-8"))


def schema() -> int:
    return int(load()["schema"])


def results() -> str:
    """The result folder's name: data/<it>/ for the JSON, assets/<it>/ for the figures."""
    return load()["results"]


def shortcodes() -> dict[str, dict]:
    return load()["shortcodes"]


def snippet_kinds() -> dict[str, dict]:
    """The shortcodes that name a snippet file, by name."""
    return {name: c for name, c in shortcodes().items() if c.get("snippet", True)}


def known(kind: str) -> list[str]:
    c = shortcodes()[kind]
    return [*c.get("required", []), *c.get("optional", [])]


def check_params(kind: str, params: dict, page: str, line: int) -> None:
    """Raise a ReferenceProblem for the first rule of the contract that ``params`` break, in the
    order the Hugo side checks them (_partials/hugosnip/params.html)."""
    c = shortcodes()[kind]
    names = known(kind)
    if not names and params:
        raise ReferenceProblem(page, line, f"{kind}: takes no parameters")
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ReferenceProblem(page, line, f"{kind}: unknown parameter {unknown[0]!r}; known: {', '.join(names)}")
    required = c.get("required", [])
    missing = [p for p in required if not params.get(p)]
    if missing:
        raise ReferenceProblem(page, line, f"{kind}: missing parameter {missing[0]!r} "
                               f"(required: {', '.join(required)})")
    values = load()["flag_values"]
    for flag in c.get("flags", []):
        if flag in params and params[flag].lower() not in values:
            raise ReferenceProblem(page, line, f"{kind}: parameter {flag!r} must be true or false, "
                                   f"not {params[flag]!r}")
    for a, b in c.get("exclusive", []):
        if a in params and b in params:
            raise ReferenceProblem(page, line, f"{kind}: give {a} or {b}, not both")
    for group in c.get("one_of", []):
        if not any(params.get(p) for p in group):
            raise ReferenceProblem(page, line, f"{kind}: give {' or '.join(group)}")
    for name, rule in c.get("patterns", {}).items():
        if name in params and not re.search(rule["pattern"], params[name]):
            raise ReferenceProblem(page, line, f"{kind}: {name}={params[name]!r} must be {rule['expect']}")
    suffix, file = load()["suffix"], params.get("file", "")
    outside = file.startswith("/") or ".." in file.split("/")    # project.safe_path says why first
    if "file" in required and not file.endswith(suffix) and not outside:
        raise ReferenceProblem(page, line, f"{kind}: file {params['file']!r} must end in {suffix}")
