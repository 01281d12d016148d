"""Results on disk: ``data/hugosnip/<module>.json`` and ``assets/hugosnip/<hash>.svg``.

Every write goes to a temporary file in the same folder, is flushed to disk (fsync), then renamed
over the target, so a reader (Hugo, git, a second build) sees the old file or the new one, never half.
Figures are written before the JSON that names them; nothing is deleted until the new result
is in place. Each JSON carries a checksum of its own content, so a hand edit or a truncated
file is detected and the module re-run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path, PurePosixPath

from .config import Config

SCHEMA = 1
_UMASK = os.umask(0)
os.umask(_UMASK)


class Damaged(Exception):
    """A result file that is not valid JSON, or whose checksum does not match."""


def result_path(config: Config, ref: str) -> Path:
    return config.data_dir / PurePosixPath(ref).with_suffix(".json")


def result_files(config: Config) -> list[Path]:
    return sorted(config.data_dir.rglob("*.json")) if config.data_dir.is_dir() else []


def figure_files(config: Config) -> list[Path]:
    return sorted(config.figure_dir.glob("*.svg")) if config.figure_dir.is_dir() else []


def figures_of(doc: dict) -> list[str]:
    return [name for cell in doc.get("cells", {}).values() for name in cell.get("figures", [])]


def checksum(doc: dict) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dumps(doc: dict) -> str:
    doc = dict(doc, checksum=checksum(doc))
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def load(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Damaged("not UTF-8") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Damaged(f"not valid JSON: {exc.msg}: line {exc.lineno} column {exc.colno}") from None
    if not isinstance(doc, dict) or doc.get("hugosnip") != SCHEMA:
        raise Damaged(f"not a hugosnip result of format {SCHEMA}")
    if doc.get("checksum") != checksum(doc):
        raise Damaged("checksum mismatch: edited by hand or cut short")
    return doc


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    # The folder is not synced: after a power cut the rename may be lost, which leaves the
    # previous (good) file; a killed process cannot lose it. This halves the cost of a write.


def save(config: Config, ref: str, doc: dict, figures: dict[str, bytes]) -> Path:
    """Write a module's figures, then its JSON. Returns the JSON's path."""
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
