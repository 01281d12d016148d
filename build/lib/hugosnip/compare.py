"""Compare a fresh run with the committed result: text exactly, numbers within a tolerance."""

from __future__ import annotations

import difflib
import math
import re

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\b(?:nan|inf)\b")
SPACES = re.compile(r"[ \t]+")
ATOL = 1e-12


def shape(text: str) -> str:
    """The text with every number as ``#`` and every run of spaces as one space.

    Spaces are folded because a table pads its columns to the width of the numbers in it, and
    that width changes with the digits (``8227`` against ``13584``).
    """
    return SPACES.sub(" ", NUMBER.sub("#", text))


def _close(a: str, b: str, rtol: float) -> bool:
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= rtol * max(abs(x), abs(y)) + ATOL


def same_text(old: str, new: str, rtol: float, varies: bool) -> bool:
    """Equal but for numbers within ``rtol``; for a ``varies`` cell, equal but for the digits."""
    if varies:
        return shape(old) == shape(new)
    if NUMBER.sub("#", old) != NUMBER.sub("#", new):
        return False
    return all(_close(a, b, rtol) for a, b in zip(NUMBER.findall(old), NUMBER.findall(new)))


def _parts(cell: dict) -> dict[str, str]:
    parts = {"stdout": cell["stdout"], "stderr": cell["stderr"], "error": cell["error"],
             "value": cell["value"]["repr"] if cell["value"] else ""}
    for name, value in cell["vars"].items():
        parts[f"var {name}"] = value["repr"]
    return parts


def diff_cell(name: str, old: dict, new: dict, file: str, rtol: float) -> list[str]:
    """Unified-diff lines for what differs in one cell ([] when the same)."""
    varies = old["options"].get("varies", False)
    rtol = old["options"].get("rtol") or rtol
    old_parts, new_parts = _parts(old), _parts(new)
    lines: list[str] = []
    for key in sorted(set(old_parts) | set(new_parts), key=list({**old_parts, **new_parts}).index):
        a, b = old_parts.get(key, ""), new_parts.get(key, "")
        if not same_text(a, b, rtol, varies):
            lines += difflib.unified_diff(a.splitlines(), b.splitlines(),
                                          f"{file}#{name} {key} (committed)", f"{file}#{name} {key} (re-run)",
                                          lineterm="")
    old_figs, new_figs = old["figures"], new["figures"]
    if (len(old_figs) != len(new_figs)) if varies else (old_figs != new_figs):
        lines += [f"--- {file}#{name} figures (committed)", f"+++ {file}#{name} figures (re-run)",
                  *(f"-{f}" for f in old_figs), *(f"+{f}" for f in new_figs)]
    return lines
