"""Compare a fresh run with the committed result, output by output and by type: text exactly but
for numbers within a tolerance, HTML once its whitespace and generated ids are normalised, images
byte for byte (their names are the start of their bytes' sha256)."""

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


# ids that libraries make at random: a pandas Styler's "T_1a2b3", a uuid4
GENERATED_ID = re.compile(r"\bT_[0-9a-f]{5,}(?=[_\"'\s#.{]|$)"
                          r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
BETWEEN_TAGS = re.compile(r">\s+<")
WHITESPACE = re.compile(r"\s+")


def normal_html(html: str) -> str:
    """HTML with generated ids as ``#id`` and whitespace folded (none between tags)."""
    return WHITESPACE.sub(" ", BETWEEN_TAGS.sub("><", GENERATED_ID.sub("#id", html))).strip()


def _text_of(payload) -> str:
    return payload if isinstance(payload, str) else ""


def _parts(cell: dict) -> dict[str, tuple[str, object]]:
    """What is compared, by a name for the diff: (kind, what) with kind text, html or image."""
    parts: dict[str, tuple[str, object]] = {}
    for n, output in enumerate(cell.get("outputs", []), 1):
        kind = output.get("output_type")
        if kind == "stream":
            parts[f"output {n} ({output['name']})"] = ("text", output["text"])
        elif kind == "error":
            parts[f"output {n} (error)"] = ("text", output["text"])
        else:
            for mime, payload in sorted(output.get("data", {}).items()):
                where = f"output {n} ({kind}) {mime}"
                if isinstance(payload, dict):
                    parts[where] = ("image", payload.get("file", ""))
                elif mime == "text/html":
                    parts[where] = ("html", _text_of(payload))
                else:
                    parts[where] = ("text", _text_of(payload))
    parts["error"] = ("text", cell.get("error", ""))
    parts["value"] = ("text", cell["value"]["repr"] if cell.get("value") else "")
    for name, value in cell.get("vars", {}).items():
        parts[f"var {name}"] = ("text", value["repr"])
    return parts


def _same(kind: str, a, b, rtol: float, varies: bool) -> bool:
    if kind == "image":
        return a == b or varies and bool(a) == bool(b)
    if kind == "html":
        a, b = normal_html(a), normal_html(b)
    return same_text(a, b, rtol, varies)


def diff_cell(name: str, old: dict, new: dict, file: str, rtol: float) -> list[str]:
    """Unified-diff lines for what differs in one cell ([] when the same). Outputs are compared in
    order and by type; a ``varies`` cell's images need only be there in both."""
    varies = old["options"].get("varies", False)
    rtol = old["options"].get("rtol") or rtol
    old_parts, new_parts = _parts(old), _parts(new)
    lines: list[str] = []
    for key in sorted(set(old_parts) | set(new_parts), key=list({**old_parts, **new_parts}).index):
        kind_a, a = old_parts.get(key, ("text", ""))
        kind_b, b = new_parts.get(key, ("text", ""))
        if kind_a != kind_b or not _same(kind_a, a, b, rtol, varies):
            if kind_a == "html" and kind_b == "html":
                a, b = normal_html(a).replace("><", ">\n<"), normal_html(b).replace("><", ">\n<")
            lines += difflib.unified_diff(str(a).splitlines(), str(b).splitlines(),
                                          f"{file}#{name} {key} (committed)", f"{file}#{name} {key} (re-run)",
                                          lineterm="")
    return lines
