"""What a build says about itself: progress while it runs, then a table, JSON and JUnit XML.

Progress goes to a terminal as one line rewritten in place, or as plain lines elsewhere (CI).
The provenance of each result (when, where, with what) is kept in the result itself
(``results.provenance``); Hugo's ``snip-report`` shortcode shows it on a page the site writes.
"""

from __future__ import annotations

import functools
import json
import platform
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import store
from .config import Config


@dataclass
class Row:
    module: str          # snippets/demo/basics.py
    action: str          # ran, reused, read (library), failed
    why: str
    duration: float      # seconds; 0 when reused
    peak_mb: float       # worker's peak resident memory; 0 when reused
    status: str          # ok, raised, timeout, died, input
    message: str = ""    # first line of the problem
    detail: str = ""     # the rest (traceback)
    worker: str = ""     # the Dask worker it ran on (cluster builds only)


STATUS = {3: "raised", 4: "timeout", 5: "died", 2: "input"}


def rows_of(plan, snippets, outcomes) -> list[Row]:
    by_ref = {e.module.ref: o for e, o in zip(snippets, outcomes)}
    rows = []
    for entry in plan.entries:
        rel = entry.module.rel
        if not entry.stale:
            rows.append(Row(rel, "reused", "up to date", 0.0, 0.0, "ok"))
        elif entry.module.is_library:
            rows.append(Row(rel, "read", "; ".join(entry.reasons), 0.0, 0.0, "ok"))
        else:
            outcome = by_ref[entry.module.ref]
            problem = outcome.problem
            rows.append(Row(rel, "ran" if outcome.ok else "failed", "; ".join(entry.reasons),
                            round(outcome.duration, 3), round(outcome.peak_kb / 1024, 1),
                            "ok" if outcome.ok else STATUS.get(problem.code, "error"),
                            problem.render().splitlines()[0] if problem else "",
                            "\n".join(problem.render().splitlines()[1:]) if problem else "",
                            getattr(outcome, "worker", "")))
    return rows


@functools.lru_cache(maxsize=None)
def _env():
    """One environment per process: ``serve`` reports after every save, and compiling the two
    templates each time costs ~25 ms. The XML filters are our own: xml.sax imports urllib."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("hugosnip"), keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters["xml"] = _xml
    env.filters["attr"] = _attr
    return env


def table(rows: list[Row]) -> str:
    return _env().get_template("table.txt.j2").render(rows=rows)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _attr(text: str) -> str:
    """An XML attribute's quoted value, as xml.sax.saxutils.quoteattr writes it."""
    text = _xml(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in text:
        return '"%s"' % text.replace('"', "&quot;") if "'" in text else "'%s'" % text
    return '"%s"' % text


def warm_up() -> None:
    """Import Jinja and compile both templates (~50 ms): a build that runs snippets does it in a
    thread while they run, instead of after them."""
    try:
        env = _env()
        env.get_template("table.txt.j2")
        env.get_template("junit.xml.j2")
    except Exception:  # noqa: BLE001 - the build's own thread meets it again, and reports it
        pass


def junit(rows: list[Row]) -> str:
    return _env().get_template("junit.xml.j2").render(
        rows=rows, failures=sum(r.status != "ok" for r in rows), total=sum(r.duration for r in rows))


def machine() -> dict:
    import os
    return {"system": f"{platform.system()} {platform.machine()}", "cpus": os.cpu_count(),
            "processor": cpu_model()}


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else its architecture. Read, not asked: on Linux
    platform.processor() runs `uname -p` in a subprocess (~5 ms on every build), for "unknown"."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def write_reports(config: Config, rows: list[Row], json_path: Path | None, junit_path: Path | None) -> None:
    folder = config.root / ".hugosnip"
    own_paths = json_path is None and junit_path is None
    json_path = json_path or folder / "report.json"
    junit_path = junit_path or folder / "junit.xml"
    data = {"modules": [asdict(r) for r in rows], "machine": machine()}
    text = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if own_paths and _holds(json_path, text) and junit_path.is_file():
        return   # the last build's reports say this already (a build with nothing to run): no Jinja
    # The JUnit first: a report.json is never newer than the JUnit beside it, so one that holds
    # these rows means the JUnit was written from them.
    store.write_atomic(junit_path, junit(rows).encode("utf-8"))
    store.write_atomic(json_path, text)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


class Progress:
    """Which snippet runs, how many are left, the time spent: one live line on a terminal."""

    def __init__(self, total: int, out=None):
        self.out = out or sys.stdout
        self.total, self.done = total, 0
        self.running: list[str] = []
        self.started = time.monotonic()
        self.live = hasattr(self.out, "isatty") and self.out.isatty()
        self.lock = threading.Lock()

    def event(self, module, event: dict) -> None:
        if event["event"] != "start" or event["cell"] != module.cells[0].name:
            return
        with self.lock:
            self.running.append(module.rel)
            if self.live:
                self._draw()
            else:
                print(f"hugosnip: running {module.rel}", file=self.out, flush=True)

    def finished(self, outcome) -> None:
        with self.lock:
            self.done += 1
            if outcome.module.rel in self.running:
                self.running.remove(outcome.module.rel)
            if self.live:
                self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.started
        now = ", ".join(self.running) or "…"
        line = f"[{self.done}/{self.total}] {elapsed:5.1f} s  {now}"
        self.out.write("\r\033[K" + line[:160])
        self.out.flush()

    def close(self) -> None:
        if self.live:
            self.out.write("\r\033[K")
            self.out.flush()
