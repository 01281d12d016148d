"""Results on disk: ``data/hugosnip/<module>.json`` and ``assets/hugosnip/<hash>.svg|png|jpg``.

Every write goes to a temporary file in the same folder, is flushed to disk (fsync), then renamed
over the target, so a reader (Hugo, git, a second build) sees the old file or the new one, never half.
Figures are written before the JSON that names them; nothing is deleted until the new result
is in place. Each JSON carries a checksum of its own content, so a hand edit or a truncated
file is detected and the module re-run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import tempfile
from json.encoder import encode_basestring as _json_string   # json's own (C) string writer
from pathlib import Path, PurePosixPath

from . import contract
from .config import Config

SCHEMA = contract.schema()    # data/hugosnip_contract.toml of the theme component: Hugo reads it too
_UMASK = os.umask(0)
os.umask(_UMASK)


class Damaged(Exception):
    """A result file that is not valid JSON, or whose checksum does not match."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class Older(Damaged):
    """A result written by an older hugosnip, in an earlier result format: re-made, not damaged."""


CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.M)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def hugo_safe(value):
    """The value with what Hugo's JSON reader cannot take kept as text: integers beyond float64's
    range (Go reads every JSON number as a float64), NaN and infinities."""
    if isinstance(value, dict):
        return {k: hugo_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hugo_safe(v) for v in value]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:   # a lone surrogate ("\ud800"): not UTF-8, shown as "?"
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) <= sys.float_info.max else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    return value


def parse(text: str) -> dict:
    """Parse a result the way Hugo will: a number it cannot hold as a float64, or a NaN or
    Infinity, is an error, as it is for Hugo (then no page can show any result)."""
    bad: list[str] = []

    def number(token: str):
        value = float(token)
        if not math.isfinite(value):
            bad.append(token)
        return int(token) if token.lstrip("-").isdigit() else value

    def constant(token: str):
        bad.append(token)
        return None

    try:
        doc = json.loads(text, parse_int=number, parse_float=number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        if (marker := CONFLICT.search(text)):
            raise Damaged(f"merge conflict marker {marker.group(1)!r}: keep one side, or let "
                          "'hugosnip build' make it again", _line(text, marker.start())) from None
        raise Damaged(f"not valid JSON: {exc.msg}: line {exc.lineno} column {exc.colno}", exc.lineno) from None
    if bad:
        at = re.search(rf"(?<![\w.]){re.escape(bad[0])}(?![\w.])", text)
        shown = bad[0] if len(bad[0]) <= 20 else f"{bad[0][:10]}…({len(bad[0])} characters)"
        raise Damaged(f"Hugo cannot read the number {shown}: beyond float64", _line(text, at.start()) if at
                      else None)
    return doc


def result_path(config: Config, ref: str) -> Path:
    return config.data_dir / PurePosixPath(ref).with_suffix(".json")


def result_files(config: Config) -> list[Path]:
    return sorted(config.data_dir.rglob("*.json")) if config.data_dir.is_dir() else []


def figure_files(config: Config) -> list[Path]:
    """The image files in the figure folder (svg, png, jpg), named by content or not."""
    if not config.figure_dir.is_dir():
        return []
    return sorted(p for p in config.figure_dir.iterdir() if p.suffix in (".svg", ".png", ".jpg") and p.is_file())


def figures_of(doc: dict) -> list[str]:
    """The image files a result names: each cell's ``figures``, and the files its outputs' image
    payloads name (the same ones, in a result this hugosnip made)."""
    names = []
    for cell in doc.get("cells", {}).values():
        names += cell.get("figures", [])
        for output in cell.get("outputs", []):
            names += [p.get("file") for p in output.get("data", {}).values() if isinstance(p, dict)]
    return list(dict.fromkeys(names))


def checksum(doc: dict) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dumps(doc: dict) -> str:
    doc = hugo_safe(doc)
    doc = dict(doc, checksum=checksum(doc))
    return indented(doc) + "\n"


class _NotPlain(Exception):
    """A value ``indented`` leaves to the json module."""


def indented(value, allow_nan: bool = False) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1, allow_nan=allow_nan)``, the same text, in
    about 40 % of the time: with an indent the json module writes in Python through generators,
    here each piece is appended once. Anything but str keys and JSON's own value types (and a
    NaN or an infinity) goes to json.dumps, which makes the text or raises its own error."""
    parts: list[str] = []
    try:
        _indent_into(parts, value, "\n")
    except (_NotPlain, RecursionError):
        return json.dumps(value, ensure_ascii=False, indent=1, allow_nan=allow_nan)
    return "".join(parts)


def _indent_into(parts: list[str], value, newline: str) -> None:
    if isinstance(value, str):
        parts.append(_json_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _NotPlain
        parts.append(float.__repr__(value))
    elif isinstance(value, (dict, list, tuple)):
        if not value:
            parts.append("{}" if isinstance(value, dict) else "[]")
            return
        inner = newline + " "
        if isinstance(value, dict):
            separator = "{" + inner
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _NotPlain
                parts += (separator, _json_string(key), ": ")
                _indent_into(parts, item, inner)
                separator = "," + inner
            parts.append(newline + "}")
        else:
            separator = "[" + inner
            for item in value:
                parts.append(separator)
                _indent_into(parts, item, inner)
                separator = "," + inner
            parts.append(newline + "]")
    else:
        raise _NotPlain


def load(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Damaged("not UTF-8") from None
    doc = parse(text)
    if isinstance(doc, dict) and isinstance(doc.get("hugosnip"), int) and 0 < doc["hugosnip"] < SCHEMA:
        raise Older(f"made by an older hugosnip (result format {doc['hugosnip']}; this one writes {SCHEMA})")
    if not isinstance(doc, dict) or doc.get("hugosnip") != SCHEMA:
        raise Damaged(f"not a hugosnip result of format {SCHEMA}")
    if doc.get("checksum") != checksum(doc):
        raise Damaged("checksum mismatch: edited by hand or cut short")
    from .validate import figure_name
    try:
        names = figures_of(doc)
    except (AttributeError, TypeError):
        raise Damaged("its cells are not of a result's shape") from None
    if not all(figure_name(name) for name in names):
        raise Damaged("it names a figure that is not <16 hex digits>.svg, .png or .jpg")
    return doc


def figure_damage(path: Path) -> str:
    """Why a figure file is not the figure its name promises ('' when it is): missing, or its bytes
    are not those its name (the start of their sha256) was made from: a merge conflict, an edit."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return " is missing"
    except OSError as exc:
        return f" cannot be read ({exc.strerror})"
    if hashlib.sha256(data).hexdigest()[:16] + path.suffix == path.name:
        return ""
    text = data.decode("utf-8", "replace")
    if (marker := CONFLICT.search(text)):
        return f":{_line(text, marker.start())} has a merge conflict marker {marker.group(1)!r}"
    return " is damaged (its content is not the figure its name was made from)"


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # a short name: ".<the target's name>.…" would pass NAME_MAX for a long target's name
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hs-", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename is None:   # say which file (disk full: ENOSPC)
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
    # The folder is not synced: after a power cut the rename may be lost, which leaves the
    # previous (good) file; a killed process cannot lose it. This halves the cost of a write.


def save(config: Config, ref: str, doc: dict, figures: dict[str, bytes]) -> Path:
    """Write a module's figures, then its JSON. Returns the JSON's path.

    A figure's name must be what the worker makes (``<16 hex digits>.svg``, ``.png``, ``.jpg``):
    never a path."""
    from .validate import figure_name
    for name in figures:
        if not figure_name(name):
            raise ValueError(f"{name!r} is not a figure name (<16 hex digits>.svg, .png or .jpg): nothing is written")
    for name, data in sorted(figures.items()):
        target = config.figure_dir / name
        if not (target.is_file() and target.read_bytes() == data):
            write_atomic(target, data)
    path = result_path(config, ref)
    write_atomic(path, dumps(doc).encode("utf-8"))
    return path


def remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        parent = path.parent
        while parent.name != "hugosnip" and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def stray_temporaries(config: Config) -> list[Path]:
    """Temporary files a killed build left behind (harmless, removed by the next build)."""
    found = []
    for folder in (config.data_dir, config.figure_dir):
        if folder.is_dir():
            found += [p for p in folder.rglob(".*.tmp") if p.is_file()]
    return found
