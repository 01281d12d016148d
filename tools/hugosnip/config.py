"""The plugin's settings: the ``[params.hugosnip]`` table of the site's config.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ConfigError
from .root import CONFIG_FILE



@dataclass(frozen=True)
class Config:
    root: Path
    snippets: str = "snippets"      # folder of snippet and library modules
    timeout: float = 600.0          # seconds a cell may run before it is killed
    output_limit: int = 200_000     # bytes of stdout (and of stderr) kept per cell
    rtol: float = 1e-6              # relative tolerance of numbers in `check --rerun`
    seed: int = 0                   # random, numpy and torch are seeded with it
    jobs: int = 0                   # snippet modules run at once; 0 = one per core
    memory_limit: int = 8192        # megabytes of address space per worker; 0 = no limit
    threads: int = 1                # BLAS/OpenMP/torch threads per worker (part of the cache key)
    decimal_mark: str = "."         # in figures' tick labels: "," for Vietnamese (part of the key)
    post_build: tuple[str, ...] = ()  # a command run in the site's root after each Hugo build
                                      # (build and serve), e.g. ["node_modules/.bin/pagefind"]

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
          "seed": int, "jobs": int, "memory_limit": int, "threads": int, "decimal_mark": str,
          "post_build": list}


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
    if values.get("decimal_mark", ".") not in (".", ","):
        raise ConfigError(CONFIG_FILE, None, f"[params.hugosnip].decimal_mark must be \".\" or \",\", "
                                             f"not {values['decimal_mark']!r}")
    if "post_build" in values:
        command = values["post_build"]
        if not command or not all(isinstance(word, str) and word for word in command):
            raise ConfigError(CONFIG_FILE, None, "[params.hugosnip].post_build must be a command as a list of "
                                                 f"non-empty strings, e.g. [\"node_modules/.bin/pagefind\", \"--site\", "
                                                 f"\"public\"], not {command!r}")
        values["post_build"] = tuple(command)
    return Config(root=root, **values)
