"""The plugin's settings: the ``[params.hugosnip]`` table of the site's config.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ConfigError

CONFIG_FILE = "config.toml"


@dataclass(frozen=True)
class Config:
    root: Path
    snippets: str = "snippets"      # folder of snippet and library modules
    timeout: float = 600.0          # seconds a cell may run before it is killed
    output_limit: int = 200_000     # bytes of stdout (and of stderr) kept per cell
    rtol: float = 1e-6              # relative tolerance of numbers in `check --rerun`
    seed: int = 0                   # random, numpy and torch are seeded with it
    jobs: int = 0                   # snippet modules run at once; 0 = one per core

    @property
    def snippet_dir(self) -> Path:
        return self.root / self.snippets

    @property
    def data_dir(self) -> Path:
        return self.root / "data" / "hugosnip"

    @property
    def figure_dir(self) -> Path:
        return self.root / "assets" / "hugosnip"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"


_TYPES = {"snippets": str, "timeout": (int, float), "output_limit": int, "rtol": (int, float),
          "seed": int, "jobs": int}


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds config.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(str(start), None, f"no {CONFIG_FILE} here or above: run hugosnip inside a Hugo site")


def load(root: Path) -> Config:
    path = root / CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(CONFIG_FILE, None, f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(CONFIG_FILE, None, f"not valid TOML: {exc}") from None
    table = data.get("params", {}).get("hugosnip", {})
    known = {f.name for f in fields(Config)} - {"root"}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(CONFIG_FILE, None,
                              f"unknown setting [params.hugosnip].{key}; known: {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, _TYPES[key]):
            raise ConfigError(CONFIG_FILE, None, f"[params.hugosnip].{key} has the wrong type: {value!r}")
        values[key] = value
    return Config(root=root, **values)
