"""Run one snippet module in a worker process, with a clock on every cell.

The worker (``worker.py``) runs in its own process group; on a timeout, or when the build is
interrupted, the whole group is killed, so a cell's stray threads or child processes go with it.
A worker that dies (segfault, ``os._exit``, out of memory) is reported with its exit status and
the last lines it wrote to stderr, never waited on forever.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, asdict
from pathlib import Path

from .errors import Problem, SnippetRaised, SnippetTimeout, WorkerDied
from .project import Module, Project

TOOLS_DIR = str(Path(__file__).resolve().parent.parent)
STDERR_TAIL = 20


@dataclass
class Outcome:
    module: Module
    cells: dict[str, dict] = field(default_factory=dict)     # name -> result, in run order
    durations: dict[str, float] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
    problem: Problem | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _options(cell, default_timeout: float) -> dict:
    options = asdict(cell.options)
    options["data"] = list(options["data"])
    options["timeout"] = options["timeout"] or default_timeout
    return options


def _tail(path: Path) -> list[str]:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    return lines[-STDERR_TAIL:]


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_module(project: Project, module: Module, *, until: str | None = None,
               on_event=None) -> Outcome:
    """Run the module's cells in order (stopping after cell ``until`` if given)."""
    config = project.config
    outcome = Outcome(module)
    cells = module.cells
    if until is not None:
        names = [c.name for c in cells]
        cells = cells[: names.index(until) + 1]
    by_name = {c.name: c for c in cells}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hugosnip-run-") as scratch:
        figure_dir = Path(scratch, "figures")
        figure_dir.mkdir()
        job = {
            "root": str(config.root), "file": str(module.path), "dotted": module.dotted,
            "snippet_dir": str(project.base), "seed": config.seed, "output_limit": config.output_limit,
            "figure_dir": str(figure_dir),
            "cells": [{"name": c.name, "line": c.line, "code": c.code, "code_line": c.code_line,
                       "options": _options(c, config.timeout)} for c in cells],
        }
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED=str(config.seed),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(config.root), TOOLS_DIR,
                                                            os.environ.get("PYTHONPATH")])))
        read_fd, write_fd = os.pipe()
        stdout_path, stderr_path = Path(scratch, "stdout"), Path(scratch, "stderr")
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "hugosnip.worker", str(write_fd)],
                stdin=subprocess.PIPE, stdout=out, stderr=err, pass_fds=(write_fd,),
                cwd=config.root, env=env, start_new_session=True)
        os.close(write_fd)
        try:
            proc.stdin.write(json.dumps(job).encode("utf-8"))
            proc.stdin.close()
            _follow(proc, read_fd, outcome, by_name, config.timeout, stderr_path, on_event)
        finally:
            os.close(read_fd)
            _kill_group(proc)
        for name in outcome.figures:
            outcome.figures[name] = (figure_dir / name).read_bytes()
    outcome.duration = time.perf_counter() - started
    return outcome


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _follow(proc, fd, outcome: Outcome, cells: dict, default_timeout: float, stderr_path: Path,
            on_event) -> None:
    module = outcome.module
    buffer = b""
    current = None                       # the cell running now
    deadline = time.monotonic() + default_timeout   # the import of the module's package
    limit = default_timeout
    while True:
        wait = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(wait, 0))[0] if wait > 0 else []
        if not ready:
            _kill_group(proc)
            line = cells[current].line if current else None
            what = f"cell {current!r}" if current else "the import of its package"
            outcome.problem = SnippetTimeout(module.rel, line, f"{what} ran past its timeout of "
                                             f"{limit:g} s and was killed",
                                             ["raise it with '# %% name timeout=SECONDS' or the "
                                              "site's [params.hugosnip] timeout"])
            return
        chunk = os.read(fd, 1 << 20)
        if not chunk:
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
                limit = cells[current].options.timeout or default_timeout
                deadline = time.monotonic() + limit
            elif kind == "done":
                outcome.cells[event["cell"]] = event["result"]
                outcome.durations[event["cell"]] = event["duration"]
                outcome.figures.update(dict.fromkeys(event["result"]["figures"], b""))
                current = None
                deadline = time.monotonic() + default_timeout
            elif kind == "failed":
                name = event["cell"]
                where = f"cell {name!r} " if name else ""
                detail = event["traceback"].rstrip("\n").splitlines()
                outcome.problem = SnippetRaised(module.rel, event["line"] or (cells[name].line if name else None),
                                                f"{where}{'raised ' if event['kind'] == 'raised' else ''}"
                                                f"{event['message']}", detail)
                if name:
                    outcome.cells[name] = event["result"]
                    outcome.figures.update(dict.fromkeys(event["result"]["figures"], b""))
            elif kind == "end":
                proc.wait()
                return
    status = proc.wait()
    cause = f"was killed by {_signal_name(-status)}" if status < 0 else f"exited with status {status}"
    line = cells[current].line if current else None
    what = f"while running cell {current!r}" if current else "before its first cell"
    hint = {"SIGSEGV": " (segmentation fault)", "SIGKILL": " (out of memory, or killed from outside)"}
    detail = _tail(stderr_path)
    outcome.problem = WorkerDied(module.rel, line, f"the worker {cause}{hint.get(_signal_name(-status), '') if status < 0 else ''} "
                                 f"{what}", detail)


def run_many(project: Project, modules: list[Module], jobs: int, on_event=None, on_done=None) -> list[Outcome]:
    """Run modules, ``jobs`` at a time; results come back in the order given."""
    jobs = jobs or os.cpu_count() or 1

    def one(module: Module) -> Outcome:
        outcome = run_module(project, module, on_event=on_event)
        if on_done:
            on_done(outcome)
        return outcome

    if jobs == 1 or len(modules) <= 1:
        return [one(m) for m in modules]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, modules))
