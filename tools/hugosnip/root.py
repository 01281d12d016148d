"""Where the site is: the nearest folder at or above a path that holds a Hugo configuration.

Hugo reads hugo.toml, hugo.yaml, hugo.json (and the older config.* names) at the project root,
and a config/ folder (config/_default/, one folder per environment). Kept free of heavy imports:
the command line calls it before starting Hugo.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_NAMES = tuple(f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json"))
CONFIG_DIR = "config"


def config_files(folder: Path) -> list[Path]:
    """The site's own configuration files, as Hugo would find them (any form it accepts)."""
    found = [folder / name for name in CONFIG_NAMES if (folder / name).is_file()]
    config_dir = folder / CONFIG_DIR
    if (config_dir / "_default").is_dir():
        found += sorted(p for p in config_dir.rglob("*")
                        if p.is_file() and p.suffix in (".toml", ".yaml", ".yml", ".json"))
    return found


def find_root(start: Path) -> Path:
    start = start.resolve()
    for folder in (start, *start.parents):
        if config_files(folder):
            return folder
    from .errors import ConfigError
    raise ConfigError(str(start), None, "no Hugo configuration (hugo.toml, hugo.yaml, hugo.json, config.toml "
                      "or config/_default/) here or above: run hugosnip inside a Hugo site")
