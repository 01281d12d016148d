"""The plugin's settings: the ``[params.hugosnip]`` table of the site's configuration, as Hugo
resolves it (any file name or format, config/_default/, environments, theme components)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path

from . import hugoconfig
from .errors import ConfigError
from .root import config_files



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
    decimal_mark: str = "."         # in figures' tick labels: "," where 8,99 is written (part of the key)
    figure_limit: int = 1_000_000   # bytes: a bigger figure gets a warning naming its cell; 0 = none
    math: str = "none"              # "katex": the theme component renders math at build time
    dark: str = "class"             # the CSS's dark scheme: "class" (the page says) or "system"
    # Read from Hugo's own settings, not from [params.hugosnip]:
    content_dirs: tuple = ("content",)   # contentDir, languages' contentDir, mounts onto content
    language: str = "en"                 # defaultContentLanguage
    scheduler: str = "local"        # "local", or a Dask scheduler's address (tcp://host:8786): cluster.py
    tls_ca_file: str = ""           # tls:// schedulers: the CA's certificate, this machine's certificate
    tls_cert: str = ""              # and its key (PEM files, paths from the site's root); "" = Dask's
    tls_key: str = ""               # own distributed.comm.tls settings
    source_url: str = ""            # a cell's source online, "https://…/{path}#L{line}"; "" = no link
    source_pages: bool = False      # publish the snippet sources as pages of the site (sources.py)
    figure_format: str = "svg"      # matplotlib figures as "svg" or "png" (a cell's figure_format wins)
    html: str = "trusted"           # HTML outputs: "trusted" (scripts removed) or "sanitise" (nh3)
    mime_priority: tuple[str, ...] = ()   # Hugo's order of MIME types to show; () = the contract's
    post_build: tuple[str, ...] = ()  # a command run in the site's root after each Hugo build
                                      # (build and serve), e.g. ["node_modules/.bin/pagefind"]

    @property
    def snippet_dir(self) -> Path:
        return self.root / self.snippets

    @property
    def data_dir(self) -> Path:
        from . import contract
        return self.root / "data" / contract.results()

    @property
    def figure_dir(self) -> Path:
        from . import contract
        return self.root / "assets" / contract.results()

    @property
    def content_dir(self) -> Path:
        return self.root / self.content_dirs[0]

    @property
    def content_paths(self) -> list[Path]:
        return [self.root / d for d in self.content_dirs]


_TYPES = {"snippets": str, "timeout": (int, float), "output_limit": int, "rtol": (int, float),
          "seed": int, "jobs": int, "memory_limit": int, "threads": int, "decimal_mark": str,
          "math": str, "dark": str, "figure_limit": int,
          "scheduler": str, "source_url": str, "post_build": list, "source_pages": bool,
          "tls_ca_file": str, "tls_cert": str, "tls_key": str, "figure_format": str, "html": str,
          "mime_priority": list}
_CHOICES = {"decimal_mark": (".", ","), "math": ("katex", "none"), "dark": ("class", "system"),
            "figure_format": ("svg", "png"), "html": ("trusted", "sanitise")}
_ANY_CASE = {"math", "dark", "figure_format", "html"}     # "KaTeX" is "katex", for check and for Hugo alike
_FROM_HUGO = {"root", "content_dirs", "language"}


def env_variable(path: list[str]) -> str | None:
    """The environment variable that sets the setting at ``path`` (["params", "hugosnip", "seed"]),
    as Hugo reads them: HUGO, a delimiter (``_``, or any other character: HUGOxPARAMSx…), then the
    path's keys joined by it, in any case. A variable whose path goes deeper names its start."""
    want = [k.lower() for k in path]
    for name in sorted(os.environ):
        if len(name) > 5 and name[:4].upper() == "HUGO":
            parts = [p.lower() for p in name[5:].split(name[4])]
            if parts[: len(want)] == want:
                return name
    return None


def where_set(root: Path, key: str) -> tuple[str, int | None]:
    """Where a [params.hugosnip] setting comes from, for messages: the environment variable that
    sets it, else the site's main configuration file and its line."""
    variable = env_variable(["params", "hugosnip", key])
    if variable:
        return f"environment variable {variable}", None
    return hugoconfig.main_file(root), _line_of(root, key)


def _from_text(value, kind):
    """Hugo passes settings from the environment as strings: "7" is the number 7."""
    if not isinstance(value, str) or kind is str or kind is list:
        return value
    kinds = kind if isinstance(kind, tuple) else (kind,)
    try:
        if int in kinds and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        if float in kinds:
            number = float(value)
            return number
    except ValueError:
        pass
    return value


def site_sets(root: Path, key: str) -> bool:
    """Whether the site's own configuration files (not a theme component's) name ``key``."""
    pattern = re.compile(rf"(?im)^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]")
    for path in config_files(root):
        try:
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
        except OSError:
            pass
    return False


def _setter_theme(root: Path, key: str) -> tuple[str, int | None]:
    """The theme component's configuration file (and line) that sets ``key``, for messages."""
    pattern = re.compile(rf"(?im)^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]")
    themes = root / "themes"
    for theme in sorted(themes.iterdir()) if themes.is_dir() else []:
        for path in config_files(theme) if theme.is_dir() else []:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            found = pattern.search(text)
            if found:
                return path.relative_to(root).as_posix(), text.count("\n", 0, found.start()) + 1
    return "a theme component's configuration", None


def load(root: Path) -> Config:
    data = hugoconfig.resolved(root)
    where = hugoconfig.main_file(root)
    table = (data.get("params") or {}).get("hugosnip") or {}
    if not isinstance(table, dict):
        raise ConfigError(where, None, f"[params.hugosnip] must be a table of settings, not {table!r}")
    names = {f.name for f in fields(Config)} - _FROM_HUGO
    known = {n.lower(): n for n in names}          # Hugo gives keys in lower case
    values = {}
    for key, value in table.items():
        name = known.get(key.lower())
        if name is None:
            variable = env_variable(["params", "hugosnip", key])
            if variable:
                spelled = "x".join(["HUGO", "PARAMS", "HUGOSNIP", variable[len("HUGO_PARAMS_HUGOSNIP_"):]])
                raise ConfigError(f"environment variable {variable}", None,
                                  f"Hugo reads it as [params.hugosnip].{key}.… (it splits the name at each "
                                  f"'{variable[4]}'), an unknown setting; to set one whose name holds '_', use "
                                  f"another delimiter: {spelled}")
            raise ConfigError(where, None,
                              f"unknown setting [params.hugosnip].{key}; known: {', '.join(sorted(names))}")
        if env_variable(["params", "hugosnip", key]):   # Hugo passes the environment's values as text
            value = _from_text(value, _TYPES[name])
        if isinstance(value, float) and _TYPES[name] is int and value.is_integer():
            value = int(value)   # JSON's numbers (a YAML or JSON config) may come as 600.0
        if (isinstance(value, bool) and _TYPES[name] is not bool) or not isinstance(value, _TYPES[name]):
            file, line = where_set(root, name)
            raise ConfigError(file, line, f"[params.hugosnip].{name} has the wrong type: {value!r}")
        values[name] = value
    if "post_build" in values:
        command = values["post_build"]
        if not command or not all(isinstance(word, str) and word for word in command):
            raise ConfigError(where, _line_of(root, "post_build"),
                              "[params.hugosnip].post_build must be a command as a list of non-empty strings, "
                              f"e.g. [\"node_modules/.bin/pagefind\", \"--site\", \"public\"], not {command!r}")
        if not site_sets(root, "post_build") and not env_variable(["params", "hugosnip", "post_build"]):
            file, line = _setter_theme(root, "post_build")
            raise ConfigError(file, line, f"[params.hugosnip].post_build = {list(command)!r} comes from a theme "
                              "component's configuration, and only the site's own configuration may run a "
                              "command: refused, nothing was run",
                              [f"if you trust it, set post_build in {where} yourself; else remove it from {file}"])
        values["post_build"] = tuple(command)
    if "mime_priority" in values:
        order = values["mime_priority"]
        if not order or not all(isinstance(m, str) and re.fullmatch(r"[\w.+-]+/[\w.+-]+", m) for m in order):
            raise ConfigError(where, _line_of(root, "mime_priority"),
                              "[params.hugosnip].mime_priority must be a list of MIME types, e.g. "
                              f"[\"text/html\", \"image/png\", \"text/plain\"], not {order!r}")
        values["mime_priority"] = tuple(order)
    for name in _ANY_CASE & set(values):
        values[name] = values[name].lower()      # as the templates read them (math.html, head.html)
    for name, choices in _CHOICES.items():
        if name in values and values[name] not in choices:
            file, line = where_set(root, name)
            raise ConfigError(file, line, f"[params.hugosnip].{name} must be "
                              + " or ".join(f'"{c}"' for c in choices) + f", not {values[name]!r}")
    return validate(Config(root=root, content_dirs=hugoconfig.content_dirs(root, data) or ("content",),
                  language=str(data.get("defaultcontentlanguage") or "en"), **values))


# The range of each numeric setting: (lowest, highest, what to write). Checked by ``validate``.
RANGES = {
    "timeout": (0.001, 7 * 24 * 3600, "seconds, more than 0"),
    "output_limit": (1, 1 << 30, "bytes, at least 1"),
    "rtol": (0, 1, "from 0 to 1"),
    "seed": (0, 2**32 - 1, "from 0 to 4294967295 (what PYTHONHASHSEED and numpy accept)"),
    "jobs": (0, 64, "0 (one per core) up to 64"),
    "memory_limit": (0, 1 << 30, "megabytes: 0 (no limit) or at least 256"),
    "threads": (1, 256, "from 1 to 256"),
    "figure_limit": (0, 1 << 40, "bytes: 0 (no warning) or more"),
}
MEMORY_FLOOR = 256   # MB: less than Python with numpy needs to start


def _line_of(root: Path, key: str) -> int | None:
    """The line of the site's main config file that sets ``key`` (the first one), if any."""
    import re
    try:
        lines = (root / hugoconfig.main_file(root)).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*[=:]", re.I)
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)


def validate(config: Config) -> Config:
    """Check the values of the settings, however they were read: ranges, the snippet folder.

    Kept apart from ``load`` (which reads the file) so that any loader can call it.
    """
    import math

    def bad(key: str, message: str) -> ConfigError:
        return ConfigError(*where_set(config.root, key), f"[params.hugosnip].{key} {message}")

    for key, (low, high, what) in RANGES.items():
        value = getattr(config, key)
        if isinstance(value, float) and not math.isfinite(value) or not low <= value <= high \
                or key == "memory_limit" and 0 < value < MEMORY_FLOOR:
            raise bad(key, f"is {value!r}; it must be {what}")
    if config.decimal_mark not in (".", ","):
        raise bad("decimal_mark", f"must be \".\" or \",\", not {config.decimal_mark!r}")
    root = config.root.resolve()
    folder = (config.root / config.snippets).resolve()
    if not config.snippets or folder == root or not folder.is_relative_to(root):
        raise bad("snippets", f"is {config.snippets!r}; the snippet folder must be a folder inside the site "
                              "(e.g. \"snippets\")")
    if any(part.startswith(".") for part in folder.relative_to(root).parts):
        raise bad("snippets", f"is {config.snippets!r}; a hidden folder cannot hold snippets (they must be "
                              "importable as a package)")
    if config.source_url and "{path}" not in config.source_url:
        raise bad("source_url", f"must contain {{path}} (the file's path from the site's root) and may "
                                f"contain {{line}}: {config.source_url!r}")
    return config
