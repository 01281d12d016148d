"""``hugosnip serve``: Hugo's live server, with snippets re-run as they are saved.

It watches ``content/`` and the snippet folder: woken by the file system's events (inotify, on
Linux, through ctypes), elsewhere every 0.1 s. After a save it applies the build's rules (only the
modules that depend on the saved file run, forked from a server kept for serve's life with the
libraries the snippets import already imported), writes the results, and Hugo reloads the browser. A failing snippet does not stop anything: its error goes to
``data/hugosnip_serve.json``, which the shortcodes show in the page (under the server only),
while the last good result stays committed. Ctrl-C stops Hugo and every worker.

For each save it prints the delay from the save to Hugo's reload, the snippets' own run time
not counted.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import hugo, store
from .build import Update, update
from .config import Config
from .errors import EXIT_HUGO, EXIT_OK
from .run import kill_all

ERRORS_FILE = Path("data", "hugosnip_serve.json")
POLL = 0.1
QUIET = 0.015      # a save is often several events (truncate, write, close, rename): wait for the last


def _folders(config: Config):
    for top in (*config.content_paths, config.snippet_dir):
        for folder, dirs, _ in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            yield folder


class Watcher:
    """What wakes serve when a file may have changed: inotify on Linux (ctypes, no dependency),
    else a poll every POLL seconds. Either way ``watched`` then says what changed."""

    # IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE, IN_DELETE_SELF
    MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400

    def __init__(self, config: Config):
        self.config = config
        self.fd, self.libc = -1, None
        if sys.platform.startswith("linux"):
            try:
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
                if fd >= 0:
                    self.fd, self.libc = fd, libc
            except (OSError, AttributeError):
                pass
        self._watch()

    def _watch(self) -> None:
        """Watch every folder (again: a folder made since is added; one already watched is kept)."""
        if self.fd < 0:
            return
        for folder in _folders(self.config):
            if self.libc.inotify_add_watch(self.fd, os.fsencode(folder), self.MASK) < 0:
                self.close()   # out of watches (fs.inotify.max_user_watches): poll instead
                return

    def _drain(self) -> bool:
        got = False
        while True:
            try:
                got = bool(os.read(self.fd, 65536)) or got
            except BlockingIOError:
                return got

    def wait(self, timeout: float = 1.0) -> None:
        """Until something may have changed (or ``timeout`` seconds, to look at Hugo)."""
        if self.fd < 0:
            time.sleep(POLL)
            return
        if not select.select([self.fd], [], [], timeout)[0]:
            return
        self._drain()
        while select.select([self.fd], [], [], QUIET)[0]:
            self._drain()
        self._watch()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def watched(config: Config) -> dict[str, tuple[int, int]]:
    """mtime and size of every file a save in which matters."""
    found = {}
    skip: set[str] = set()
    for top in (*config.content_paths, config.snippet_dir):
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                path = os.path.join(folder, name)
                if name.startswith(".") or path in skip:
                    continue
                try:
                    info = os.stat(path)
                except FileNotFoundError:
                    continue
                found[path] = (info.st_mtime_ns, info.st_size)
    return found


def write_errors(config: Config, result: Update) -> bool:
    """The errors of failing snippet modules, keyed as pages name them; True if the file changed."""
    prefix = config.snippets.rstrip("/") + "/"
    errors = {}
    for problem in result.problems:
        if problem.file.startswith(prefix) and problem.file.endswith(".py"):
            errors[problem.file[len(prefix):]] = {"where": problem.where(), "text": problem.render()}
    path = config.root / ERRORS_FILE
    data = json.dumps(errors, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    try:
        if path.read_text(encoding="utf-8") == data:
            return False
    except OSError:
        if not errors:
            return False
    store.write_atomic(path, data.encode("utf-8"))
    return True


def _echo_hugo(proc: subprocess.Popen, rebuilt: queue.Queue, out, config: Config) -> None:
    for line in proc.stdout:
        print(f"hugo: {line.rstrip()}", file=out, flush=True)
        if line.lstrip().startswith("Total in"):  # a rebuild
            rebuilt.put(time.time())
        if line.lstrip().startswith(("Built in", "Total in")):  # the first build, a rebuild
            # hugo server writes the site to disk (public/) and serves it from there, so what
            # post_build adds (a search index) is served too.
            if failed := hugo.post_build(config.root, config.post_build):
                print(f"hugosnip: {failed}", file=out, flush=True)


def serve(config: Config, port: int = 1313, out=None) -> int:
    out = out or sys.stdout
    exe = hugo.binary()
    if exe is None:
        print(f"hugosnip: Hugo is not installed: {hugo.INSTALL}", file=sys.stderr)
        return EXIT_HUGO
    write_errors(config, update(config, out=out))
    proc = subprocess.Popen([exe, "server", "--bind", "127.0.0.1", "--port", str(port), "--disableFastRender"],
                            cwd=config.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    rebuilt: queue.Queue = queue.Queue()
    threading.Thread(target=_echo_hugo, args=(proc, rebuilt, out, config), daemon=True).start()
    from .project import Project
    from .run import kept_fork_server
    kept = kept_fork_server(Project(config))
    kept.__enter__()     # left in the finally below
    watcher = Watcher(config)
    seen = watched(config)
    try:
        while proc.poll() is None:
            watcher.wait()
            now = watched(config)
            changed = sorted(p for p in set(now) | set(seen) if now.get(p) != seen.get(p))
            seen = now
            if not changed:
                continue
            saved = max((now[p][0] / 1e9 for p in changed if p in now), default=time.time())
            while not rebuilt.empty():
                rebuilt.get_nowait()
            result = update(config, out=out)
            write_errors(config, result)
            try:
                reloaded = rebuilt.get(timeout=15)
            except queue.Empty:
                continue
            names = ", ".join(os.path.relpath(p, config.root) for p in changed)
            delay = reloaded - saved - result.run_time
            print(f"hugosnip: {names} saved: page reloaded {delay:.2f} s later "
                  f"(snippet run time {result.run_time:.2f} s not counted)", file=out, flush=True)
        print(f"hugosnip: hugo server stopped with status {proc.returncode}", file=sys.stderr)
        return EXIT_HUGO
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        watcher.close()
        kill_all()
        kept.__exit__(None, None, None)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        try:
            (config.root / ERRORS_FILE).unlink()
        except FileNotFoundError:
            pass
