"""One build at a time per site: an advisory lock on ``.hugosnip/lock``."""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def build_lock(root: Path, wait: bool = True):
    folder = root / ".hugosnip"
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            if not wait:
                from .errors import Busy
                raise Busy(".hugosnip/lock", None, f"another hugosnip build (pid {holder}) is running; "
                           "try again when it ends") from None
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
