"""Find the snippet references in a page: the plugin's shortcodes, with their page:line.

A shortcode is an *example*, not a reference, when it sits in a code fence, an indented code
block, a code span, or is written in Hugo's comment form ``{{</* ... */>}}``. The page is read
with markdown-it-py after each shortcode is masked by a placeholder, so Markdown syntax inside
parameters cannot confuse the parse and line numbers stay those of the file.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import contract, frontmatter
from .errors import InputError, Problem, ReferenceProblem

# The plugin's shortcodes and their parameters: data/hugosnip_contract.toml of the theme component,
# which the Hugo templates read too.
KINDS = contract.snippet_kinds()                                          # name a snippet file
NO_SNIPPET = {k: c for k, c in contract.shortcodes().items() if k not in KINDS}   # snip-report

OPEN = re.compile(r"\{\{([<%])")
SNIP_CALL = re.compile(r"\{\{[<%]\s*snip-")
PARAM = re.compile(r'\s*(?:([A-Za-z_][\w-]*)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)')
PLACEHOLDER = "HSNIPREF{}Z"
PLACEHOLDER_RE = re.compile(r"HSNIPREF(\d+)Z")


@dataclass(frozen=True)
class Reference:
    page: str        # path relative to the site root
    line: int
    kind: str        # a key of KINDS
    params: dict = field(default_factory=dict, hash=False, compare=True)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def file(self) -> str:
        return self.params.get("file", "")


@dataclass
class _Shortcode:
    start: int
    end: int
    line: int
    inner: str
    comment: bool
    percent: bool    # the {{% ... %}} form


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def not_nfc(rel: str) -> Problem | None:
    """A file whose name is not Unicode NFC: pages, git and Hugo may each spell it otherwise."""
    import unicodedata
    if unicodedata.is_normalized("NFC", rel):
        return None
    return InputError(rel, None, "the file name is not in Unicode NFC form; rename it to its NFC form",
                      [f"name now: {ascii(rel)}", f"NFC form: {ascii(unicodedata.normalize('NFC', rel))}"])


def _shortcodes(text: str, page: str, start: int) -> list[_Shortcode]:
    found = []
    pos = start
    while (m := OPEN.search(text, pos)):
        closer = ">}}" if m.group(1) == "<" else "%}}"
        end = text.find(closer, m.end())
        line = _line_of(text, m.start())
        if end < 0:
            head = text[m.start():].split("\n", 1)[0].rstrip()
            head = head if len(head) <= 60 else head[:60] + "…"
            raise ReferenceProblem(page, line, f"unclosed shortcode: {head!r} has no closing {closer}")
        inner = text[m.end():end]
        comment = inner.lstrip().startswith("/*") and inner.rstrip().endswith("*/")
        found.append(_Shortcode(m.start(), end + len(closer), line, inner, comment, m.group(1) == "%"))
        pos = end + len(closer)
    return found


def _parse_params(inner: str, page: str, line: int) -> tuple[str, dict]:
    name, _, rest = inner.strip().partition(" ")
    params: dict[str, str] = {}
    rest = rest.strip()
    if rest.endswith("/"):  # self-closing form {{< x />}}
        rest = rest[:-1]
    pos = 0
    while pos < len(rest):
        m = PARAM.match(rest, pos)
        if not m or m.end() == pos:
            raise ReferenceProblem(page, line, f"cannot read the parameters of {name}: {rest[pos:]!r}")
        key, value = m.group(1), m.group(2)
        if key is None:
            known = ", ".join(contract.known(name)) if name in contract.shortcodes() else ""
            raise ReferenceProblem(page, line, f"{name}: takes named parameters only (key=\"value\"): {known}")
        if value[0] in "\"`":
            value = value[1:-1]
            if m.group(2)[0] == '"':
                value = re.sub(r"\\(.)", r"\1", value)
        if key in params:
            raise ReferenceProblem(page, line, f"{name}: parameter {key!r} is given twice")
        params[key] = value
        pos = m.end()
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
    return name, params


def _check_params(kind: str, params: dict, page: str, line: int) -> None:
    contract.check_params(kind, params, page, line)


@functools.cache
def _commonmark():
    """One CommonMark parser for every page (~90 µs to make, ~60 µs a page to use)."""
    from markdown_it import MarkdownIt  # imported here: only pages with shortcodes pay for it
    return MarkdownIt("commonmark", {"html": False})


# What any code in Markdown needs: a backtick (a span, a fence), ~~~ (a fence), or four columns of
# indentation (a block, also inside a quote or a list item). A page with none of them holds no code.
_MAY_HOLD_CODE = re.compile(r"`|~~~|\t| {4}")


def _example_ids(masked: str) -> set[int]:
    """Placeholders that sit in code (fences, indented blocks, code spans)."""
    examples: set[int] = set()
    if not _MAY_HOLD_CODE.search(masked):
        return examples   # not parsed: ~60 µs a page
    for token in _commonmark().parse(masked):
        if token.type in ("fence", "code_block"):
            examples.update(int(i) for i in PLACEHOLDER_RE.findall(token.content))
        for child in token.children or ():
            if child.type == "code_inline":
                examples.update(int(i) for i in PLACEHOLDER_RE.findall(child.content))
    return examples


def scan_text(text: str, page: str) -> list[Reference]:
    """The references of one page, in order. Raises a Problem for malformed shortcodes."""
    try:
        fm = frontmatter.find(text, page)
        frontmatter.check(text, page)
    except InputError:
        # Hugo's business unless the page uses the plugin: a page without snip-* never blocks a build
        if not SNIP_CALL.search(text):
            return []
        raise
    body = fm.body
    shortcodes = _shortcodes(text, page, body)
    if not any(s.inner.strip().startswith("snip-") for s in shortcodes):
        return []
    # Mask: front matter becomes blank lines, each shortcode a placeholder with its newlines kept.
    parts = ["\n" * text.count("\n", 0, body)]
    pos = body
    for i, s in enumerate(shortcodes):
        parts.append(text[pos:s.start])
        parts.append(PLACEHOLDER.format(i) + "\n" * text.count("\n", s.start, s.end))
        pos = s.end
    parts.append(text[pos:])
    examples = _example_ids("".join(parts)) if page.lower().endswith(MARKDOWN) else set()
    refs = []
    for i, s in enumerate(shortcodes):
        if s.comment or i in examples:
            continue
        name = s.inner.strip().split(None, 1)[0] if s.inner.strip() else ""
        if not name.startswith("snip-"):
            continue  # another shortcode: its parameters are Hugo's business
        name, params = _parse_params(s.inner, page, s.line)
        if name in NO_SNIPPET:
            _check_params(name, params, page, s.line)
            continue
        if name in KINDS and s.percent:
            raise ReferenceProblem(page, s.line, f"write {{{{< {name} ... >}}}}, not {{{{% {name} ... %}}}}: "
                                   "with %, Hugo reads the snippet's output as Markdown again")
        if name in KINDS:
            _check_params(name, params, page, s.line)
            refs.append(Reference(page, s.line, name, params))
        elif name.startswith("snip-"):
            import difflib
            close = difflib.get_close_matches(name, KINDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(KINDS)}"
            raise ReferenceProblem(page, s.line, f"unknown shortcode {name!r}{hint}")
    return refs


# The content formats Hugo reads (shortcodes work in each); code examples are told apart in Markdown only.
MARKDOWN = (".md", ".markdown", ".mdown")
CONTENT = MARKDOWN + (".html", ".htm", ".org", ".adoc", ".asciidoc", ".ad", ".pandoc", ".pdc", ".rst")
def _cached_refs_ok(entry) -> bool:
    """A page's entry in the analysis cache is what ``scan_site`` stores; anything else (edited,
    damaged) is a miss, and the page is parsed again."""
    return isinstance(entry, list) and all(
        isinstance(r, dict) and set(r) == {"line", "kind", "params"}
        and isinstance(r["line"], int) and not isinstance(r["line"], bool) and r["line"] >= 1
        and isinstance(r["kind"], str) and isinstance(r["params"], dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in r["params"].items())
        for r in entry)


def pages(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.rglob("*") if p.suffix.lower() in CONTENT and p.is_file())


def scan_site(root: Path, content_dir,
              cache: dict | None = None) -> tuple[list[Reference], list[Problem], set[str]]:
    """All references of all pages, the problems found (one per page at most), the cache keys used.

    ``cache`` maps "page:<path>:<sha256>" to the page's references, so an unchanged page is not
    parsed again (and markdown-it is not even imported on a warm build).
    """
    import hashlib

    cache = {} if cache is None else cache
    refs: list[Reference] = []
    problems: list[Problem] = []
    used: set[str] = set()
    dirs = [content_dir] if isinstance(content_dir, (str, Path)) else list(content_dir)
    for path in (p for d in dirs for p in pages(Path(d))):
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        if b"snip-" not in raw:
            continue   # a page that does not use the plugin: Hugo's business alone
        if (problem := not_nfc(rel)):
            problems.append(problem)
            continue
        key = f"page:{rel}:{hashlib.sha256(raw).hexdigest()}"
        used.add(key)
        if key in cache and _cached_refs_ok(cache[key]):
            refs.extend(Reference(rel, r["line"], r["kind"], r["params"]) for r in cache[key])
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(ReferenceProblem(rel, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
            continue
        try:
            found = scan_text(text, rel)
        except Problem as problem:
            problems.append(problem)
            continue
        cache[key] = [{"line": r.line, "kind": r.kind, "params": r.params} for r in found]
        refs.extend(found)
    return refs, problems, used
