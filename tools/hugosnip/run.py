"""Run one snippet module in a worker process, with a clock on every cell.

The worker (``worker.py``) runs in its own process group; on a timeout, or when the build is
interrupted, the whole group is killed, so a cell's stray threads or child processes go with it.
A worker that dies (segfault, ``os._exit``, out of memory) is reported with its exit status and
the last lines it wrote to stderr, never waited on forever.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import forkhint
from .cells import cell_dict
from .errors import EnvironmentProblem, Problem, SnippetRaised, SnippetTimeout, WorkerDied
from .project import Module, Project

STDERR_TAIL = 20


@dataclass
class Outcome:
    module: Module
    cells: dict[str, dict] = field(default_factory=dict)     # name -> result, in run order
    durations: dict[str, float] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
    problem: Problem | None = None
    saving: dict[str, float] = field(default_factory=dict)  # name -> seconds spent saving its figures
    figure_cells: dict[str, str] = field(default_factory=dict)  # figure name -> the cell that drew it
    duration: float = 0.0     # the cells' run time and their figures' saving (sum over cells)
    wall: float = 0.0         # from launch to end, start-up and waiting included
    peak_kb: int = 0          # the worker's peak resident memory

    @property
    def ok(self) -> bool:
        return self.problem is None


def _tail(path: Path) -> list[str]:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    return lines[-STDERR_TAIL:]


def _user_lines(lines: list[str], module: Module) -> list[str]:
    """A crash dump cut to what helps the author: frames in the snippet folder, paths relative."""
    root = str(module.path).rsplit(module.rel, 1)[0]
    snippet_dir = root + module.rel.split("/", 1)[0] + "/"
    kept = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("Extension modules:") or stripped.startswith("Current thread") \
                or stripped.startswith("Thread 0x"):
            continue
        if stripped.startswith("File ") and snippet_dir not in stripped:
            continue
        kept.append(line.replace(root, ""))
    return kept


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


THREAD_VARIABLES = forkhint.THREAD_VARIABLES


def worker_env(config) -> dict[str, str]:
    """The workers' environment (forkhint.worker_env; torch reads OMP_NUM_THREADS)."""
    return forkhint.worker_env(str(config.root), config.seed, config.threads)


_LIVE: set = set()            # workers running now, in any thread
_LIVE_LOCK = threading.Lock()


def kill_all() -> None:
    """Kill every worker still running (Ctrl-C: leave nothing behind)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for worker in live:
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Spawned:
    """A worker started as a new Python process (``python -m hugosnip.worker``)."""

    def __init__(self, config, events: int, out, err, job):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hugosnip.worker", str(events)],
            stdin=job, stdout=out, stderr=err, pass_fds=(events,),
            cwd=config.root, env=worker_env(config), start_new_session=True)
        self.pid = self.proc.pid

    def wait(self) -> int:
        return self.proc.wait()


class ForkServer:
    """The parent's side of ``zygote.py``: launches forked workers and learns how they end."""

    def __init__(self, config, preload: list[str], started=None):
        """``started``: (process, socket) of a server the command began already (forkhint.take)."""
        self.root = config.root
        self.proc, self.sock = started or forkhint.spawn(str(config.root), worker_env(config), preload)
        self.send_lock = threading.Lock()
        self.changed = threading.Condition()
        self.pids: dict[int, int] = {}
        self.statuses: dict[int, int] = {}
        self.forgotten: set[int] = set()   # jobs whose status is not wanted (forget)
        self.alive = True
        self.next_id = 0
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                message = self.sock.recv(65536)
            except OSError:
                message = b""
            with self.changed:
                if not message:
                    self.alive = False
                    self.changed.notify_all()
                    return
                reply = json.loads(message)
                if "pid" in reply:
                    self.pids[reply["id"]] = reply["pid"]
                elif reply["id"] in self.forgotten:
                    self.forgotten.discard(reply["id"])
                else:
                    self.statuses[reply["id"]] = reply["status"]
                self.changed.notify_all()

    def launch(self, events: int, out, err, job) -> "Forked":
        with self.send_lock:
            job_id, self.next_id = self.next_id, self.next_id + 1
            socket.send_fds(self.sock, [json.dumps({"id": job_id}).encode()],
                            [events, out.fileno(), err.fileno(), job.fileno()])
        if not self.alive:
            raise RuntimeError("the fork server died")
        return Forked(self, job_id)   # its pid is read when needed (at the end, or to kill it)

    def forget(self, job_id: int) -> None:
        """The status of this job is not wanted (its worker said it is gone): not kept when it comes."""
        with self.changed:
            if self.statuses.pop(job_id, None) is None:
                self.forgotten.add(job_id)
            self.pids.pop(job_id, None)

    def status(self, job_id: int) -> int:
        with self.changed:
            self.changed.wait_for(lambda: job_id in self.statuses or not self.alive)
            return self.statuses.get(job_id, -signal.SIGKILL)

    def close(self, wait: bool = True) -> None:
        """Close the socket: the server kills its spare worker and exits. ``wait=False``: a thread
        reaps it, so that the build goes on (to Hugo) meanwhile."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # the server sees the end at once
        except OSError:
            pass
        self.sock.close()
        if wait:
            self._reap()
        else:
            threading.Thread(target=self._reap, name="hugosnip-reap-server", daemon=True).start()

    def _reap(self) -> None:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Forked:
    def __init__(self, server: ForkServer, job_id: int):
        self.server, self.job_id = server, job_id

    @property
    def pid(self) -> int:
        """The worker's pid, as the server last said (it replaces a spare it finds dead); waits for
        the server's word, which comes before the worker gets its job. ProcessLookupError if the
        server died first (then there is no worker to kill)."""
        server = self.server
        with server.changed:
            server.changed.wait_for(lambda: self.job_id in server.pids or not server.alive)
            if self.job_id not in server.pids:
                raise ProcessLookupError(f"the fork server died before it started job {self.job_id}")
            return server.pids[self.job_id]

    def wait(self) -> int:
        return self.server.status(self.job_id)


SCRATCH = Path(".hugosnip", "scratch")


def scratch_folder(config) -> Path:
    """Where workers get their scratch folders: ``.hugosnip/scratch`` in the site, so that what a
    killed build leaves there is found and removed by the next one (``clean_scratch``); the
    system's temporary folder when the site cannot be written."""
    folder = config.root / SCRATCH
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def clean_scratch(config) -> None:
    """Remove the scratch folders of processes that are gone (a build killed with ``kill -9``)."""
    import shutil
    folder = config.root / SCRATCH
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = entry.name.split("-")[1] if entry.name.startswith("run-") else ""
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ScratchPool:
    """Scratch folders kept for the next module of one ``run_many``: a folder is made once per
    runner thread instead of once per module. One goes back only when its cell left nothing in its
    working folder (its figures, read already, are removed; the job, stdout and stderr files are
    rewritten by the next job); otherwise it is removed and the next module gets a new one."""

    def __init__(self, config):
        self.config = config
        self.free: list[str] = []
        self.lock = threading.Lock()

    @contextmanager
    def folder(self):
        with self.lock:
            scratch = self.free.pop() if self.free else None
        if scratch is None:
            scratch = tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=scratch_folder(self.config))
        try:
            yield scratch
        except BaseException:
            _remove_tree(scratch)
            raise
        try:
            figures = os.path.join(scratch, "figures")
            if os.listdir(figures):          # read already: the next module starts with none
                _remove_tree(figures)
                os.mkdir(figures)
            reusable = not os.listdir(os.path.join(scratch, "cwd"))
        except OSError:
            reusable = False
        if not reusable:                     # a cell's files in its working folder: not for the next
            _remove_tree(scratch)
            return
        with self.lock:
            self.free.append(scratch)

    def close(self) -> None:
        with self.lock:
            free, self.free = self.free, []
        for scratch in free:
            _remove_tree(scratch)


def _remove_tree(path: str) -> None:
    """Remove a scratch folder as TemporaryDirectory does (read-only folders a cell made included)."""
    remove = getattr(tempfile.TemporaryDirectory, "_rmtree", None)
    if remove is not None:
        remove(path, ignore_errors=True)
    else:
        import shutil
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _scratch(config, pool: ScratchPool | None):
    if pool is not None:
        with pool.folder() as scratch:
            yield scratch
    else:
        with tempfile.TemporaryDirectory(prefix=f"run-{os.getpid()}-", dir=scratch_folder(config)) as scratch:
            yield scratch


def make_job(project: Project, module: Module, cells, scratch: str) -> dict:
    """What a worker is handed for a module: its cells and the settings they run with; the cells
    start in ``scratch``/cwd and save their figures in ``scratch``/figures."""
    config = project.config
    return {
        "root": str(config.root), "file": str(module.path), "dotted": module.dotted,
        "cwd": str(Path(scratch, "cwd")),
        "snippet_dir": str(project.base), "seed": config.seed, "output_limit": config.output_limit,
        "memory_limit": config.memory_limit, "figure_dir": str(Path(scratch, "figures")),
        "decimal_mark": config.decimal_mark, "figure_format": config.figure_format, "html": config.html,
        "cells": [cell_dict(c) for c in cells],
    }


def run_module(project: Project, module: Module, *, until: str | None = None,
               on_event=None, server: ForkServer | None = None, scratch_pool: ScratchPool | None = None) -> Outcome:
    """Run the module's cells in order (stopping after cell ``until`` if given).

    This is the runner's public entry point, with ``run_many`` (what ``build``, ``check
    --rerun``, ``serve``, ``run`` and the pytest plugin call; an executor that runs modules
    elsewhere calls it per module). It never raises for a failing snippet: the Outcome holds
    the cells' results, their image files (name -> SVG/PNG/JPEG bytes), the time each took, and the problem
    if any (``Outcome.ok``). Cells run with a scratch folder as working directory, removed after.
    """
    config = project.config
    outcome = Outcome(module)
    if (problem := memory_limit_problem(config) or sanitiser_problem(config, module)):
        outcome.problem = problem
        return outcome
    cells = module.cells
    if until is not None:
        names = [c.name for c in cells]
        cells = cells[: names.index(until) + 1]
    by_name = {c.name: c for c in cells}
    started = time.perf_counter()
    with _scratch(config, scratch_pool) as scratch:
        figure_dir = Path(scratch, "figures")
        figure_dir.mkdir(exist_ok=True)
        Path(scratch, "cwd").mkdir(exist_ok=True)
        job = make_job(project, module, cells, scratch)
        job_path = Path(scratch, "job.json")
        job_path.write_text(json.dumps(job), encoding="utf-8")
        read_fd, write_fd = os.pipe()
        stdout_path, stderr_path = Path(scratch, "stdout"), Path(scratch, "stderr")
        try:
            with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err, open(job_path, "rb") as job_in:
                worker = (server.launch(write_fd, out, err, job_in) if server
                          else Spawned(config, write_fd, out, err, job_in))
        finally:
            os.close(write_fd)
        with _LIVE_LOCK:
            _LIVE.add(worker)
        gone = False
        try:
            gone = _follow(worker, read_fd, outcome, by_name, config.timeout, stderr_path, on_event)
        finally:
            os.close(read_fd)
            # a forked worker that said it is gone is reaped by the fork server: not waited for
            _kill_group(worker, reap=not (gone and isinstance(worker, Forked)))
            with _LIVE_LOCK:
                _LIVE.discard(worker)
        for name in outcome.figures:
            outcome.figures[name] = (figure_dir / name).read_bytes()
    outcome.wall = time.perf_counter() - started
    outcome.duration = sum(outcome.durations.values()) + sum(outcome.saving.values())
    return outcome


def memory_limit_problem(config) -> Problem | None:
    """memory_limit above this machine's hard limit on a process's address space (``ulimit -v``):
    no worker can set it, so say so before starting one."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if not config.memory_limit or hard == resource.RLIM_INFINITY or config.memory_limit << 20 <= hard:
        return None
    from .config import where_set
    file, line = where_set(config.root, "memory_limit")
    return EnvironmentProblem(file, line, f"[params.hugosnip].memory_limit is {config.memory_limit} MB, above this "
                              f"machine's hard limit on a process's address space ({hard >> 20} MB, `ulimit -v`), "
                              "which no process can raise",
                              [f"set memory_limit to {hard >> 20} or less (0: the machine's own limit), or run "
                               "where the hard limit is higher"])


def sanitiser_problem(config, module: Module) -> Problem | None:
    """HTML outputs are to be cleaned (``html = "sanitise"``, or a cell's ``sanitise=true``) and nh3
    is not installed: say where it was asked for, before running anything."""
    asking = [c for c in module.cells if c.options.sanitise]
    if config.html != "sanitise" and not asking:
        return None
    import importlib.util
    if importlib.util.find_spec("nh3") is not None:
        return None
    if asking:
        file, line = module.rel, asking[0].line
        what = f"cell {asking[0].name!r} asks for sanitise=true"
    else:
        from .config import where_set
        file, line = where_set(config.root, "html")
        what = '[params.hugosnip].html is "sanitise"'
    return EnvironmentProblem(file, line, f"{what}, which cleans HTML outputs with nh3, and nh3 is not installed",
                              ["install it: pip install 'hugosnip[sanitise]' (or pip install nh3)"])


def descendants(pid: int) -> list[int]:
    """Every live descendant of a process (Linux, from /proc; [] elsewhere)."""
    from .worker import children_of
    found, todo = [], [pid]
    while todo and len(found) < 10_000:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _kill_group(worker, reap: bool = True) -> None:
    """Kill the worker, its process group, and every process it started even in a new session
    (the worker ends its own leftovers when it ends well; this is for a worker killed on a
    timeout or Ctrl-C), then reap it (``reap=False``: a forked worker whose end the fork server
    reaps; its status is not kept)."""
    try:
        strays = descendants(worker.pid)
    except (OSError, ValueError):
        strays = []
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in strays:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if reap:
        worker.wait()
    else:
        worker.server.forget(worker.job_id)


def _follow(proc, fd, outcome: Outcome, cells: dict, default_timeout: float, stderr_path: Path,
            on_event) -> bool:
    """Follow the worker's events into the outcome until it ends; True when it said it is gone
    (after ``end``: every process a cell started is killed, only its own exit is left)."""
    module = outcome.module
    buffer = b""
    current = None                       # the cell running now
    deadline = time.monotonic() + default_timeout   # the import of the module's package
    limit = default_timeout
    saving = False                       # the worker is saving the current cell's figures
    ended = False                        # it sent "end": no clock now, as when waiting for its exit
    while True:
        wait = deadline - time.monotonic()
        if ended:
            ready = select.select([fd], [], [])[0]
        else:
            ready = select.select([fd], [], [], max(wait, 0))[0] if wait > 0 else []
        if not ready:
            _kill_group(proc)
            line = cells[current].line if current else None
            what = f"cell {current!r}" if current else "the import of its package"
            if saving:
                what = f"saving the figures of cell {current!r}"
            outcome.problem = SnippetTimeout(module.rel, line, f"{what} ran past its timeout of "
                                             f"{limit:g} s and was killed",
                                             ["raise it with '# %% name timeout=SECONDS' or the "
                                              "site's [params.hugosnip] timeout"]
                                             + (["(saving figures has its own clock: the cell's code had ended; "
                                                 "fewer or smaller figures save faster)"] if saving else []))
            return False
        chunk = os.read(fd, 1 << 16)   # under malloc's mmap threshold: no map and unmap a read
        if not chunk:
            if ended:   # it ended without the word (it was killed after its last cell)
                proc.wait()
                return False
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            event = json.loads(raw)
            kind = event["event"]
            if on_event:
                on_event(module, event)
            if kind == "start":
                current = event["cell"]
                saving = False
                limit = cells[current].options.timeout or default_timeout
                deadline = time.monotonic() + limit
            elif kind == "saving":
                saving = True
                deadline = time.monotonic() + limit
            elif kind == "done":
                outcome.cells[event["cell"]] = event["result"]
                outcome.durations[event["cell"]] = event["duration"]
                outcome.saving[event["cell"]] = event.get("saving", 0.0)
                outcome.figures.update(dict.fromkeys(event["result"]["figures"], b""))
                outcome.figure_cells.update(dict.fromkeys(event["result"]["figures"], event["cell"]))
                current, saving = None, False
                deadline = time.monotonic() + default_timeout
            elif kind == "failed":
                name = event["cell"]
                where = f"cell {name!r} " if name else ""
                detail = event["traceback"].rstrip("\n").splitlines()
                if event["kind"] == "environment":   # the disk, not the snippet (worker.py)
                    import errno
                    advice = ("free some disk space and run it again" if event.get("errno") in
                              (errno.ENOSPC, errno.EDQUOT) else "check the disk, then run it again")
                    outcome.problem = EnvironmentProblem(module.rel, event["line"], f"{where}{event['message']}; "
                                                         f"{advice} (committed results are as they were)")
                else:
                    outcome.problem = SnippetRaised(module.rel, event["line"] or (cells[name].line if name else None),
                                                    f"{where}{'raised ' if event['kind'] == 'raised' else ''}"
                                                    f"{event['message']}", detail)
                if name:
                    outcome.durations[name] = event["duration"]
                    outcome.saving[name] = event.get("saving", 0.0)
                    outcome.cells[name] = event["result"]
                    outcome.figures.update(dict.fromkeys(event["result"]["figures"], b""))
            elif kind == "end":
                outcome.peak_kb = event.get("peak_kb", 0)
                ended = True
            elif kind == "gone":
                return True
    status = proc.wait()
    cause = f"was killed by {_signal_name(-status)}" if status < 0 else f"exited with status {status}"
    line = cells[current].line if current else None
    what = f"while running cell {current!r}" if current else "before its first cell"
    hint = {"SIGSEGV": " (segmentation fault)", "SIGKILL": " (out of memory, or killed from outside)"}
    detail = _user_lines(_tail(stderr_path), module)
    outcome.problem = WorkerDied(module.rel, line, f"the worker {cause}{hint.get(_signal_name(-status), '') if status < 0 else ''} "
                                 f"{what}", detail)
    return False


# What the fork server imports for a module that imports the key. numpy 2 loads numpy.random
# only when first used, and every worker seeds it: preloaded, that is ~14 ms less per module.
HEAVY = {"numpy": "numpy.random", "matplotlib": "matplotlib.pyplot", "torch": "torch", "scipy": "scipy",
         "pandas": "pandas"}


def preload_of(names) -> list[str]:
    """What the fork server imports for these imported (dotted) names: their heavy libraries."""
    tops = {str(name).split(".")[0] for name in names}
    return sorted(HEAVY[t] for t in tops if t in HEAVY)


def preload_for(project: Project, modules: list[Module]) -> list[str]:
    """The heavy libraries the modules import (directly or through local modules)."""
    return preload_of(name for m in modules for dep in project.dependencies(m) for name in dep.imports)


def heavy_preloads(project: Project) -> dict[str, list[str]]:
    """Each snippet file's own heavy libraries (its path in the site → preload), as
    ``changed_preload`` reads them from the analysis cache; a file that does not parse is left out."""
    found = {}
    for module in project.modules.values():
        try:
            found[module.rel] = preload_of(module.imports)
        except (Problem, SyntaxError):
            continue
    return found


_KEPT: ForkServer | None = None   # serve's fork server (kept_fork_server)
_EARLY: tuple[ForkServer, list[str]] | None = None   # a build's early fork server and its preload


def changed_preload(config) -> list[str] | None:
    """The heavy libraries that the snippet files changed since the last build that ran something
    import: as the analysis cache has them from that build, or, for a file it does not hold (a new
    one, or every file of a site that has no result yet), as a search of the file's text finds
    them. None when no file changed, when the site has results but no build here made them (a
    clone), or when the files cannot be read. ``run_many`` takes the early server only when this
    is the plan's own preload, so a wrong guess costs an unused server, never a wrong run."""
    import json
    from .project import ANALYSIS_CACHE
    try:
        since = (config.root / ".hugosnip" / "report.json").stat().st_mtime_ns
    except OSError:
        # Never built here. With no result at all, everything will run: every file counts as
        # changed. With results (a clone of a site whose results are committed), maybe nothing
        # will: no guess, no server importing libraries beside the early Hugo run for nothing.
        if config.data_dir.is_dir() and next(config.data_dir.rglob("*.json"), None):
            return None
        since = None
    changed = forkhint.newer_snippets(str(config.root), str(config.snippet_dir), since)
    if not changed:
        return None
    imports: dict[str, list[str]] = {}
    try:
        entries = json.loads((config.root / ANALYSIS_CACHE).read_text(encoding="utf-8"))["entries"]
        for key, value in entries.items():
            if isinstance(value, dict):   # a module's analysis (a page's is a list of its calls)
                imports.setdefault(key.rpartition(":")[0], []).extend(value.get("imports", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        imports = {}
    names = []
    for rel in changed:
        found = imports.get(rel)
        if found is None:
            try:
                found = _HEAVY_IMPORT.findall((config.root / rel).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                return None
        names += found
    return preload_of(names)


# ``import numpy``, ``from torch.nn import …`` at the start of a line: how a file's text shows a heavy import
_HEAVY_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(" + "|".join(HEAVY) + r")\b", re.M)


@contextmanager
def early_fork_server(config):
    """A fork server started at the beginning of a build whose snippet files changed since it last
    ran something, or that never ran (``changed_preload``): it imports their heavy libraries while
    the build scans and plans, instead of after. ``run_many`` takes it when the plan's stale modules want the same
    preload (however many: a single edited module runs forked, not in a fresh interpreter that
    imports numpy again); otherwise it is closed unused. Closed when the build ends."""
    global _EARLY
    preload = changed_preload(config) if _KEPT is None else None
    started = forkhint.take(str(config.root), preload, worker_env(config))   # the command's, if it is this one
    server = ForkServer(config, preload, started) if preload is not None else None
    _EARLY = (server, preload) if server else None
    try:
        yield server
    finally:
        _EARLY = None
        if server:
            server.close(wait=False)


@contextmanager
def kept_fork_server(project: Project):
    """A fork server kept for the life of ``hugosnip serve``, with the heavy libraries that the
    site's snippet modules import already imported: a saved module then runs in a fork of it
    (milliseconds) rather than in a fresh interpreter that imports them again. ``run_many`` uses
    it while it lives (one that died is replaced, for each run, by what it would do without)."""
    global _KEPT
    server = ForkServer(project.config, preload_for(project, list(project.modules.values())))
    _KEPT = server
    try:
        yield server
    finally:
        _KEPT = None
        server.close()


def run_many(project: Project, modules: list[Module], jobs: int, on_event=None, on_done=None) -> list[Outcome]:
    """Run modules, ``jobs`` at a time, then those that asked to run alone; results in the order given.

    With more than one module, workers are forked from one server that imported the heavy
    libraries once (``zygote.py``); under ``serve``, from its kept server, however many.
    """
    jobs = jobs or os.cpu_count() or 1
    kept = _KEPT if _KEPT is not None and _KEPT.alive and _KEPT.root == project.config.root else None
    if kept is None and _EARLY is not None and _EARLY[0].alive and _EARLY[0].root == project.config.root \
            and _EARLY[1] == preload_for(project, modules):
        kept = _EARLY[0]
    server = kept or (ForkServer(project.config, preload_for(project, modules)) if len(modules) > 1 else None)
    pool = ScratchPool(project.config)

    def one(module: Module) -> Outcome:
        outcome = run_module(project, module, on_event=on_event, server=server, scratch_pool=pool)
        if on_done:
            on_done(outcome)
        return outcome

    alone = [m for m in modules if any(c.options.alone for c in m.cells)]
    shared = [m for m in modules if m not in alone]
    try:
        results = _run_all(one, shared, alone, jobs)
    except BaseException:  # Ctrl-C: the threads end as soon as their workers are gone
        kill_all()
        raise
    finally:
        if server and server is not kept:
            server.close(wait=False)
        pool.close()
    by_ref = {o.module.ref: o for o in results}
    return [by_ref[m.ref] for m in modules]


def _run_all(one, shared: list[Module], alone: list[Module], jobs: int) -> list[Outcome]:
    if jobs == 1 or len(shared) <= 1:
        return [one(m) for m in shared + alone]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(one, m) for m in shared]
        try:
            results = [f.result() for f in futures]
        except BaseException:  # Ctrl-C in this thread: stop the workers the pool threads wait on
            kill_all()
            for future in futures:
                future.cancel()
            raise
    return results + [one(m) for m in alone]
