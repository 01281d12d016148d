"""A page's front matter, found and read the way Hugo reads it.

Hugo accepts four forms at the top of a content file (after a byte-order mark and blank lines):
YAML between ``---`` lines, TOML between ``+++`` lines, a JSON object, and org-mode's ``#+KEY:
value`` lines. Each is read here with a real parser (``tomllib``, PyYAML's safe composer, ``json``)
so that a page Hugo accepts is never refused; when one is broken, the error names the page's own
line. The callers decide what a broken front matter means: ``scan`` refuses only a page that
uses a snip-* shortcode (Hugo would fail on it anyway, later and less clearly); any other page is
Hugo's business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import InputError

BOM = "\ufeff"


@dataclass(frozen=True)
class FrontMatter:
    kind: str          # "yaml", "toml", "json", "org", or "" for a page without front matter
    first_line: int    # the page line of the front matter's first line of content
    text: str          # the front matter itself, fences left out
    body: int          # offset in the page where the content starts


def _lead(text: str) -> int:
    """Offset of the first character that is not a byte-order mark or white space."""
    pos = 1 if text.startswith(BOM) else 0
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def find(text: str, page: str) -> FrontMatter:
    """Where the front matter is. Raises an InputError at page:line when a fence is never closed."""
    start = _lead(text)
    line = text.count("\n", 0, start) + 1
    for fence, kind in (("---", "yaml"), ("+++", "toml")):
        opener = re.compile(rf"{re.escape(fence)}[ \t]*\r?\n").match(text, start)
        if opener:
            closer = re.compile(rf"^{re.escape(fence)}[ \t]*\r?$", re.M).search(text, opener.end())
            if closer is None:
                raise InputError(page, line, f"front matter: opened with {fence!r} and never closed; end it "
                                 f"with a {fence!r} line")
            end = closer.end()
            if text.startswith("\r\n", end):
                end += 2
            elif text.startswith("\n", end):
                end += 1
            return FrontMatter(kind, line + 1, text[opener.end():closer.start()], end)
    if text.startswith("{", start) and not text.startswith("{{", start):   # {{< a shortcode: Hugo's to refuse
        try:
            _, end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise InputError(page, exc.lineno, f"front matter: not valid JSON: {exc.msg}") from None
        return FrontMatter("json", line, text[start:end], end)
    if text.startswith("#+", start):
        end = start
        while text.startswith("#+", end):
            newline = text.find("\n", end)
            end = len(text) if newline < 0 else newline + 1
        return FrontMatter("org", line, text[start:end], end)
    return FrontMatter("", line, "", 0)


def body_start(text: str) -> int:
    """Offset where the content starts (0 for a page without front matter, or a broken one)."""
    try:
        return find(text, "").body
    except InputError:
        return 0


def check(text: str, page: str) -> None:
    """Raise an InputError at page:line when Hugo could not read the front matter."""
    fm = find(text, page)
    if fm.kind == "toml":
        _check_toml(fm, page)
    elif fm.kind == "yaml":
        _check_yaml(fm, page)
    elif fm.kind == "json":
        if not isinstance(json.loads(fm.text), dict):   # raw_decode above read it already
            raise InputError(page, fm.first_line, "front matter: the JSON front matter is not an object")


def _check_toml(fm: FrontMatter, page: str) -> None:
    import tomllib
    try:
        tomllib.loads(fm.text)
    except tomllib.TOMLDecodeError as exc:
        m = re.fullmatch(r"(.*?)\s*\(at (?:line (\d+), column \d+|end of document)\)", str(exc), re.S)
        message = m.group(1) if m else str(exc)
        line = fm.first_line + int(m.group(2)) - 1 if m and m.group(2) else \
            fm.first_line + fm.text.count("\n")
        raise InputError(page, line, f"front matter: not valid TOML: {message}") from None


# What to do about the mistakes authors make most, keyed by what the parser says.
_YAML_HINTS = {
    "mapping values are not allowed here": "a value that holds ': ' must be in quotes",
    "expected <block end>, but found '<scalar>'": "text after a closing quote: put the whole value in "
                                                  "quotes (inside '...' write '' for a quote)",
    "found character '\\t' that cannot start any token": "YAML indents with spaces only, not tabs",
}


def _compose(text: str):
    """The YAML's node tree. libyaml's parser reads it when PyYAML has it (~14 times faster);
    on any error PyYAML's own parser reads it again, for the messages the hints above know."""
    import yaml
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _check_yaml(fm: FrontMatter, page: str) -> None:
    import yaml
    try:
        node = _compose(fm.text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "cannot be read").strip()
        line = fm.first_line + (mark.line if mark else 0)
        if problem == "found unexpected end of stream" and exc.context_mark is not None:
            problem = f"{exc.context.replace('while scanning a ', 'a ')} is never closed"
            line = fm.first_line + exc.context_mark.line
        message = f"front matter: not valid YAML: {problem}"
        if problem in _YAML_HINTS:
            message += f"; {_YAML_HINTS[problem]}"
        raise InputError(page, line, message) from None
    except yaml.YAMLError as exc:
        raise InputError(page, fm.first_line, f"front matter: not valid YAML: {exc}") from None
    if node is None:
        return
    if not isinstance(node, yaml.MappingNode):
        raise InputError(page, fm.first_line + node.start_mark.line,
                         "front matter: not a list of 'key: value' lines")
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = fm.first_line + key.start_mark.line
        if key.value in seen:
            raise InputError(page, line, f"front matter: {key.value!r} is set twice (first on line "
                             f"{seen[key.value]})")
        seen[key.value] = line


__all__ = ["FrontMatter", "find", "body_start", "check"]
