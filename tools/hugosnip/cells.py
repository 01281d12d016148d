"""Read a snippet module: its ``# %% name key=value`` cells, or none (a library module).

The marker line is the percent format that Jupytext, VS Code and Spyder read. After ``# %%``
comes the cell's name, then options::

    # %% loss echo=false timeout=30 raises=ValueError varies=true rtol=1e-3 data=rnn/words.txt
    # %% table figure_format=png scripts=true sanitise=true

Code above the first marker runs first, as a cell named ``_preamble``.
``# %% [markdown]`` cells hold text, not code: they are kept out of the run.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field, fields

from .errors import CellSyntaxError

MARKER = re.compile(r"^# ?%%(?P<rest>.*)$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
PREAMBLE = "_preamble"


@dataclass(frozen=True)
class Options:
    echo: bool = True          # show the code
    output: bool = True        # show what the cell printed, its value and figures
    timeout: float | None = None  # seconds; None = the site's default
    raises: str = ""           # "" = must not raise; "true" = any exception; else a class name
    varies: bool = False       # output changes from run to run: compare its shape only
    rtol: float | None = None  # None = the site's default
    data: tuple[str, ...] = () # data files the cell reads (relative to the snippet folder)
    alone: bool = False        # run this module with no other module at the same time
    # On a Dask cluster (cluster.py): run only on workers that advertise these resources ("GPU"),
    # and re-run the module up to ``retries`` times if its worker dies (default: never).
    resources: tuple[str, ...] = ()
    retries: int = 0
    # Rich outputs (capture.py): matplotlib figures as "svg" or "png" ("" = the site's
    # figure_format); keep <script> elements of HTML outputs; clean HTML outputs with nh3.
    figure_format: str = ""
    scripts: bool = False
    sanitise: bool = False


def _bool(value: str) -> bool:
    if value.lower() in ("true", "yes", "1"):
        return True
    if value.lower() in ("false", "no", "0"):
        return False
    raise ValueError("expected true or false")


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("expected a positive number")
    return number


def _exception_name(value: str) -> str:
    if value.lower() == "true":
        return "true"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", value):
        raise ValueError("expected true or an exception class name")
    return value


def _paths(value: str) -> tuple[str, ...]:
    return tuple(p for p in value.split(",") if p)


def _resources(value: str) -> tuple[str, ...]:
    names = tuple(n for n in value.split(",") if n)
    if not names or not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", n) for n in names):
        raise ValueError("expected resource names separated by commas, like GPU")
    return names


def _figure_format(value: str) -> str:
    if value.lower() not in ("svg", "png"):
        raise ValueError("expected svg or png")
    return value.lower()


def _count(value: str) -> int:
    if not value.isdigit():
        raise ValueError("expected a whole number, 0 or more")
    return int(value)


PARSERS = {"echo": _bool, "output": _bool, "timeout": _positive, "raises": _exception_name,
           "varies": _bool, "rtol": _positive, "data": _paths, "alone": _bool,
           "resources": _resources, "retries": _count, "figure_format": _figure_format,
           "scripts": _bool, "sanitise": _bool}


@dataclass(frozen=True)
class Cell:
    name: str
    line: int         # line of the marker (1-based); for the preamble, 1
    code: str         # marker excluded, trailing blank lines trimmed
    code_line: int    # line of the first line of ``code``
    options: Options = field(default_factory=Options)


_OPTION_NAMES = tuple(f.name for f in fields(Options))


def options_dict(options: Options) -> dict:
    """The options as JSON values, in field order, tuples as lists (what ``dataclasses.asdict``
    gives, without its deep copy: ~20 µs against ~100 µs a cell)."""
    made = {name: getattr(options, name) for name in _OPTION_NAMES}
    made["data"] = list(options.data)
    made["resources"] = list(options.resources)
    return made


def cell_dict(cell: Cell) -> dict:
    return {"name": cell.name, "line": cell.line, "code": cell.code, "code_line": cell.code_line,
            "options": options_dict(cell.options)}


def parse_options(rest: str, where: str, line: int) -> tuple[str | None, Options]:
    """Split what follows ``# %%`` into a name and options; errors name file:line."""
    try:
        words = shlex.split(rest, comments=False)
    except ValueError as exc:
        raise CellSyntaxError(where, line, f"cannot read the cell marker: {exc}") from None
    name = None
    if words and "=" not in words[0]:
        name = words.pop(0)
        if not NAME.match(name):
            raise CellSyntaxError(where, line, f"bad cell name {name!r}: use ASCII letters, digits, _ and -")
        if name == PREAMBLE:
            raise CellSyntaxError(where, line, f"{PREAMBLE!r} is the name hugosnip gives the code above the "
                                               "first marker; give this cell another name")
    values = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise CellSyntaxError(where, line, f"expected key=value after the cell name, got {word!r}")
        if key not in PARSERS:
            raise CellSyntaxError(where, line,
                                  f"unknown cell option {key!r}; known: {', '.join(sorted(PARSERS))}")
        try:
            values[key] = PARSERS[key](value)
        except ValueError as exc:
            raise CellSyntaxError(where, line, f"bad value for {key}: {value!r} ({exc})") from None
    return name, Options(**values)


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _has_code(lines: list[str]) -> bool:
    """True when the lines hold a statement other than the module's docstring."""
    body = ast.parse("\n".join(lines)).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return bool(body)


def parse_cells(source: str, where: str, tree: ast.Module | None = None) -> list[Cell]:
    """The code cells of a module, in order; [] for a library module. ``tree``: the source's
    syntax tree when the caller has it (the source is parsed here otherwise, to say where it fails)."""
    if tree is None:
        try:
            ast.parse(source, filename=where)
        except SyntaxError as exc:
            raise CellSyntaxError(where, exc.lineno, f"syntax error: {exc.msg}") from None
    lines = source.splitlines()
    markers = [(i + 1, m.group("rest")) for i, l in enumerate(lines) if (m := MARKER.match(l))]
    if not markers:
        return []
    cells: list[Cell] = []
    first = markers[0][0]
    head = _trim(lines[: first - 1])
    if _has_code(head):
        cells.append(Cell(PREAMBLE, 1, "\n".join(head), 1, Options(echo=False)))
    seen: dict[str, int] = {}
    for n, (line, rest) in enumerate(markers):
        end = markers[n + 1][0] - 1 if n + 1 < len(markers) else len(lines)
        if rest.strip().startswith("[markdown]") or rest.strip().startswith("[md]"):
            continue
        name, options = parse_options(rest, where, line)
        name = name or f"cell{n + 1}"
        if name in seen:
            raise CellSyntaxError(where, line, f"cell {name!r} is already defined at line {seen[name]}")
        seen[name] = line
        body = lines[line:end]
        # Skip blank lines right after the marker so the shown code starts with code.
        skip = 0
        while skip < len(body) and not body[skip].strip():
            skip += 1
        body = _trim(body[skip:])
        cells.append(Cell(name, line, "\n".join(body), line + 1 + skip, options))
    for cell in cells:
        _check_alone(cell, source, where, [m[0] for m in markers])
    return cells


def _check_alone(cell: Cell, source: str, where: str, markers: list[int]) -> None:
    """Each cell runs as its own piece of code: it must parse on its own. A file that parses whole
    can still split badly, e.g. at a ``# %%`` line inside a triple-quoted string."""
    try:
        ast.parse("\n" * (cell.code_line - 1) + cell.code, filename=where)
    except SyntaxError as exc:
        inside = _markers_in_strings(source, markers)
        hint = (f"; the '# %%' line {inside[0]} is inside a string, and a marker starts a new cell even there"
                if inside else "")
        raise CellSyntaxError(where, exc.lineno, f"syntax error in cell {cell.name!r}: {exc.msg}{hint}") from None


def _markers_in_strings(source: str, markers: list[int]) -> list[int]:
    """The marker lines that Python reads as part of a string."""
    import io
    import tokenize
    inside = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.start[0] != token.end[0]:
                inside += [m for m in markers if token.start[0] < m <= token.end[0]]
    except (tokenize.TokenError, SyntaxError):
        pass
    return inside
