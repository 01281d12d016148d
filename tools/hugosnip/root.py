"""Where the site is: the nearest folder at or above a path that holds a Hugo configuration.

Hugo reads hugo.toml, hugo.yaml, hugo.json (and the older config.* names) at the project root,
and a config/ folder (config/_default/, one folder per environment). Kept free of imports (pathlib
included): the command line and the warm stamp (warm.py) read it before starting Hugo.
"""

from __future__ import annotations

# (annotations name pathlib.Path; they are never evaluated: `from __future__ import annotations`)

CONFIG_NAMES = tuple(f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json"))
CONFIG_DIR = "config"


def _config_paths(folder: str) -> tuple[list[str], list[str]]:
    """The configuration files in ``folder``: those at its top (in CONFIG_NAMES order), and those
    under config/ when it has config/_default/ (unsorted); with os.path only."""
    import os
    top = [p for name in CONFIG_NAMES if os.path.isfile(p := os.path.join(folder, name))]
    config_dir = os.path.join(folder, CONFIG_DIR)
    below = []
    if os.path.isdir(os.path.join(config_dir, "_default")):
        below = [p for d, _, names in os.walk(config_dir) for name in names
                 if os.path.splitext(name)[1] in (".toml", ".yaml", ".yml", ".json")
                 and os.path.isfile(p := os.path.join(d, name))]
    return top, below


def config_files(folder: Path) -> list[Path]:
    """The site's own configuration files, as Hugo would find them (any form it accepts)."""
    from pathlib import Path
    top, below = _config_paths(str(folder))
    return [Path(p) for p in top] + sorted(Path(p) for p in below)


def site_folder(start: str) -> str | None:
    """The nearest folder at or above ``start`` that holds a Hugo configuration (what
    ``config_files`` finds), or None; with os.path only, for the warm path (warm.py)."""
    import os
    folder = os.path.realpath(start)
    while True:
        if any(_config_paths(folder)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def find_root(start: Path) -> Path:
    from pathlib import Path
    found = site_folder(str(start))
    if found is None:
        from .errors import ConfigError
        raise ConfigError(str(Path(start).resolve()), None, "no Hugo configuration (hugo.toml, hugo.yaml, "
                          "hugo.json, config.toml or config/_default/) here or above: run hugosnip inside a Hugo site")
    return Path(found)
