"""Where the site is: the nearest folder at or above a path that holds config.toml.

Kept free of heavy imports: the command line calls it before starting Hugo.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "config.toml"


def find_root(start: Path) -> Path:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    from .errors import ConfigError
    raise ConfigError(str(start), None, f"no {CONFIG_FILE} here or above: run hugosnip inside a Hugo site")
