"""One build at a time per site: an advisory lock on ``.hugosnip/lock``."""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def build_lock(root: Path):
    """Hold the site's build lock; a second build waits for the first, saying so."""
    folder = root / ".hugosnip"
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            print(f"hugosnip: waiting for another build (pid {holder}) to finish", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
