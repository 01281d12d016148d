"""Run stale snippet modules on a Dask cluster: ``hugosnip build --scheduler tcp://host:8786``.

Build side (``ClusterExecutor``): each stale module becomes one Dask task. The task carries
everything the module needs, by content: its source and the local modules it imports (the
plan's dependencies), the data files its cells declare, the site's settings, the cache key and
the versions in it. Workers need no checkout and no shared filesystem. Results (cells and
figures) come back to the build machine, which alone writes them, atomically, as a local build.

Worker side (``run_task``): the task first compares the versions in the cache key with its own
and refuses to run under others. It then writes the files into a temporary site tree and runs the
module with ``run.run_module``, through a fork server kept per Dask worker process: the same
runner as a local build (fresh process, per-cell timeout, memory limit, process-group kill,
crash dump).

Failures: a Dask worker that dies mid-task is reported as the worker dying (exit 5); the
scheduler's ``allowed-failures`` is set to the modules' ``retries=`` (0 unless a cell sets it)
while the build runs, so a snippet is never re-run behind the author's back. Ctrl-C cancels
every task and kills the snippets already running. Each module has a deadline on the build side
(its cells' timeouts, twice, plus a margin): a worker that never answers cannot hold the build.

Trust: what a worker sends back is checked (``validate.task_result``) before anything of it is
written: a result of another shape than the local runner's is refused (exit 10). The connection
is Dask's: ``tls://`` with certificates (``[params.hugosnip] tls_*`` or Dask's own
``distributed.comm.tls`` settings) encrypts and authenticates it; plain ``tcp://`` does neither,
and a build warns when it goes to another host than this one. Dask sends results as pickles, so
the scheduler and the workers must be trusted all the same (docs/cluster.md, "Security").
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import ipaddress
import logging
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

import distributed  # noqa: F401 - here, so that a missing package is reported before anything runs

from . import errors
from .config import Config
from .errors import (EnvironmentMismatch, Problem, ResourceMissing, ResultRefused, SchedulerUnreachable,
                     WorkerDied)
from .run import ForkServer, Outcome, preload_for, run_module

CONNECT_TIMEOUT = 10.0       # seconds to reach the scheduler
RESULT_TIMEOUT = 120.0       # seconds to fetch a finished task's result from its worker
DEADLINE_MARGIN = 60.0       # seconds a module may take beyond its cells' timeouts (start-up, transfer)
TOPIC = "hugosnip-start"     # workers say on it when a module's first cell starts (progress line)
# Settings that are not shipped: where the site is, where to run, and this machine's certificates
# (the worker's own business, and secrets).
NOT_SHIPPED = {"root", "scheduler", "tls_ca_file", "tls_cert", "tls_key"}
PROTOCOLS = ("tcp", "tls")


@dataclass
class ClusterOutcome(Outcome):
    worker: str = ""    # the Dask worker's address
    host: str = ""      # its host name
    device: str = ""    # the GPU's name for resources=GPU modules, else the CPU's


def resources_of(module) -> list[str]:
    return sorted({name for cell in module.cells for name in cell.options.resources})


def retries_of(module) -> int:
    return max((cell.options.retries for cell in module.cells), default=0)


# ---------------------------------------------------------------------------------------------
# build side

def make_task(project, entry, preload: list[str], key: str) -> dict:
    """What one stale module needs on a worker, by content."""
    config, module = project.config, entry.module
    files = {dep.rel: dep.raw for dep in project.dependencies(module)}
    for cell in module.cells:
        for name in cell.options.data:
            path = project.data_path(name, module.rel, cell.line)
            files[path.relative_to(config.root).as_posix()] = path.read_bytes()
    return {
        "key": key, "ref": module.ref, "rel": module.rel, "cache_key": entry.key,
        "versions": dict(entry.inputs.get("versions", {})),
        "settings": {f.name: getattr(config, f.name) for f in fields(config) if f.name not in NOT_SHIPPED},
        "files": dict(sorted(files.items())), "preload": preload,
        # the module's cells as the build machine read them (by its digest): not parsed again there
        "analysis": {f"{module.rel}:{module.digest}": module.analysis},
        "gpu": "GPU" in resources_of(module),
    }


def _probe(address: str) -> None:
    """Open and close a TCP connection to the scheduler: a refused one fails here at once."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    protocol, location = parse_address(address)
    if protocol not in PROTOCOLS:
        raise ValueError(f"hugosnip builds on tcp:// and tls:// schedulers, not {protocol}://")
    host, port = parse_host_port(location)
    socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()


def is_loopback(address: str) -> bool:
    """Whether a scheduler's address names this machine's loopback interface."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    try:
        host = parse_host_port(parse_address(address)[1])[0]
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def security_for(config: Config, address: str):
    """The Security of the connection: the site's tls_* settings, else Dask's own configuration
    (distributed.comm.tls.*); None for a tcp:// address with neither."""
    from distributed.security import Security
    from .hugoconfig import main_file
    files = {"tls_ca_file": config.tls_ca_file, "tls_client_cert": config.tls_cert,
             "tls_client_key": config.tls_key}
    if any(files.values()):
        for setting, name in (("tls_ca_file", config.tls_ca_file), ("tls_cert", config.tls_cert),
                              ("tls_key", config.tls_key)):
            if name and not (config.root / name).is_file():
                raise SchedulerUnreachable(main_file(config.root), None, f"[params.hugosnip].{setting} names "
                                           f"{name}, which is not a file (a path from the site's root)")
        security = Security(require_encryption=True, **{k: str(config.root / v) for k, v in files.items() if v})
    else:
        security = Security()
    if address.startswith("tls://") and not (security.tls_ca_file and security.tls_client_cert):
        raise SchedulerUnreachable(address, None, "a tls:// scheduler needs this machine's certificates: set "
                                   "[params.hugosnip] tls_ca_file, tls_cert and tls_key, or Dask's "
                                   "distributed.comm.tls settings (docs/cluster.md, \"Security\")")
    return security


async def _identity(address: str, connection_args: dict) -> dict:
    """Dask's handshake, then the far end's identity: proof that a Dask scheduler listens."""
    from distributed.comm import connect
    comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT, **connection_args),
                                  CONNECT_TIMEOUT + 1)
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), CONNECT_TIMEOUT)
        return await asyncio.wait_for(comm.read(), CONNECT_TIMEOUT)
    finally:
        comm.abort()


def _handshake(address: str, security) -> None:
    """Raise SchedulerUnreachable unless a Dask scheduler answers at ``address``."""
    args = security.get_connection_args("client") if security is not None else {}
    try:
        reply = asyncio.run(_identity(address, args))
    except (asyncio.TimeoutError, TimeoutError):
        raise SchedulerUnreachable(address, None, f"what listens there did not answer as a Dask scheduler "
                                   f"within {CONNECT_TIMEOUT:g} s; check the address") from None
    except Exception as exc:  # noqa: BLE001 - garbage frames: MemoryError, struct.error, an SSL error
        import ssl
        if isinstance(exc, ssl.SSLError) or "SSL" in type(exc).__name__ or "certificate" in str(exc).lower():
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SchedulerUnreachable(address, None, f"the TLS handshake with the Dask scheduler failed "
                                       f"({reason[:200]}); check the certificates") from None
        raise SchedulerUnreachable(address, None, "what listens there does not speak Dask's protocol "
                                   f"({type(exc).__name__}); check the address and the port") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        kind = reply.get("type") if isinstance(reply, dict) else None
        raise SchedulerUnreachable(address, None, f"what listens there is not a Dask scheduler"
                                   f"{f' (a {kind})' if isinstance(kind, str) and kind.isidentifier() else ''}; "
                                   "name the scheduler's address") from None


def _set_allowed_failures(dask_scheduler, count: int) -> int:
    previous = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = count
    return previous


class ClusterExecutor:
    """Connects to the scheduler at once: an unreachable one stops the build before anything runs."""

    def __init__(self, config: Config, address: str):
        from distributed import Client
        self.config, self.address = config, address
        self.quiet = _Quiet()   # distributed's own log lines (tracebacks of lost connections) held back
        try:
            security = security_for(config, address)
            if address.startswith("tcp://") and not is_loopback(address):
                print(f"hugosnip: warning: {address} is plain tcp://, neither encrypted nor authenticated: "
                      "anyone who can reach the scheduler can run code on its workers and send results "
                      "to this build; use tls:// with [params.hugosnip] tls_cert (docs/cluster.md, "
                      "\"Security\")", file=sys.stderr)
            try:
                _probe(address)  # a refused or bad address fails here at once, with no Client half made
            except Exception as exc:  # noqa: BLE001 - OSError, ValueError for a bad address
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SchedulerUnreachable(address, None, f"cannot reach the Dask scheduler ({reason}); start "
                                           "it with `dask scheduler`, or build here with --scheduler local") from None
            _handshake(address, security)
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False, security=security)
            except Exception as exc:  # noqa: BLE001 - it went away between the handshake and now
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SchedulerUnreachable(address, None, f"cannot reach the Dask scheduler ({reason[:200]}); "
                                           "start it with `dask scheduler`, or build here with --scheduler "
                                           "local") from None
        except BaseException:
            self.quiet.restore()
            raise
        self.name = address
        self.allowed_failures = None
        self.started: set[str] = set()
        self.start_times: dict[str, float] = {}
        self.lock = threading.Lock()

    def workers(self) -> dict[str, dict]:
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def run(self, project, entries, on_event=None, on_done=None) -> list[Outcome]:
        from distributed import as_completed
        workers = self.workers()
        if not workers:
            raise SchedulerUnreachable(self.address, None, "the Dask scheduler has no workers; start one with "
                                       f"`dask worker {self.address}`")
        self._check_resources(entries, workers)
        self.allowed_failures = self._allowed_failures(max(retries_of(e.module) for e in entries))
        preload = preload_for(project, [e.module for e in entries])
        by_key, futures = {}, {}
        modules = {}
        budgets: dict[str, float] = {}
        overdue: set[str] = set()
        stop = threading.Event()

        def started(event) -> None:  # in the client's event loop: a module's first cell started
            _, message = event
            self._started(modules.get(message.get("key")) if isinstance(message, dict) else None, on_event)

        self.client.subscribe_topic(TOPIC, started)
        try:
            for entry in entries:
                module = entry.module
                key = f"hugosnip-{module.ref}-{uuid.uuid4().hex[:12]}"
                modules[key] = module
                budgets[key] = budget_of(module, self.config)
                resources = {name: 1 for name in resources_of(module)} or None
                future = self.client.submit(run_task, make_task(project, entry, preload, key), key=key,
                                            pure=False, resources=resources, retries=retries_of(module))
                futures[future] = entry
            watchdog = threading.Thread(target=self._watch, args=(futures, budgets, overdue, stop), daemon=True)
            watchdog.start()
            for future in as_completed(list(futures), loop=self.client.loop):
                entry = futures[future]
                outcome = self._finished(entry, future, budgets, overdue)
                self._started(entry.module, on_event)   # its start event may still be on its way
                with self.lock:
                    self.started.add(f"done:{entry.module.ref}")
                by_key[entry.module.ref] = outcome
                if on_done:
                    on_done(outcome)
        except BaseException:  # Ctrl-C: cancel what waits, kill the snippets already running
            stop.set()
            try:
                self.client.cancel(list(futures), force=True)
                self.client.run(_stop_tasks, list(modules))
            except Exception:  # noqa: BLE001 - a worker or a scheduler that is gone has nothing left to stop
                pass
            raise
        finally:
            stop.set()
            try:
                self.client.unsubscribe_topic(TOPIC)
            except Exception:  # noqa: BLE001 - the scheduler is gone
                pass
        return [by_key[e.module.ref] for e in entries]

    def _watch(self, futures: dict, budgets: dict[str, float], overdue: set[str], stop: threading.Event) -> None:
        """Cancel the task of a module past its deadline (counted from its start, else from now: a
        task still waiting for a worker gets the budgets of all the modules before it)."""
        submitted = time.monotonic()
        total = sum(budgets.values())
        while not stop.wait(0.25):
            now = time.monotonic()
            for future, entry in list(futures.items()):
                if future.done() or future.key in overdue:
                    continue
                began = self.start_times.get(entry.module.ref)
                if (began is not None and now - began > budgets[future.key]) or now - submitted > total:
                    overdue.add(future.key)
                    # its state first, in the client's loop: as_completed sees it at once
                    self.client.loop.add_callback(future._state.cancel, "hugosnip-deadline")
                    threading.Thread(target=self._cancel_quietly, args=(future,), daemon=True).start()

    def _cancel_quietly(self, future) -> None:
        try:
            self.client.cancel([future], force=True)
        except Exception:  # noqa: BLE001 - a scheduler that is gone
            pass

    def _finished(self, entry, future, budgets: dict[str, float], overdue: set[str]) -> ClusterOutcome:
        """The outcome of a task that ended, however it ended; never raises for a task's failure."""
        module = entry.module
        if future.key in overdue:
            return ClusterOutcome(module, problem=WorkerDied(
                module.rel, None, f"the Dask worker sent no result within {budgets[future.key]:g} s (its cells' "
                "timeouts, twice, and a margin); its task was cancelled",
                ["a worker that cannot send its result back (an error Dask cannot serialise), or hangs, "
                 "ends here; the module is not run again"]))
        status = future.status
        try:
            if status == "finished":
                data = future.result(timeout=RESULT_TIMEOUT)
            elif status == "error":
                data = future.exception(timeout=RESULT_TIMEOUT)
            else:   # cancelled: by Dask, when the connection to the scheduler was lost
                data = getattr(future._state, "exception", None) or _Lost(status)
        except Exception as exc:  # noqa: BLE001 - the result or the error cannot be fetched or read back
            data = exc
        return self._outcome(module, data, entry)

    def _started(self, module, on_event) -> None:
        if module is None:
            return
        with self.lock:
            self.start_times.setdefault(module.ref, time.monotonic())
            if not on_event or module.ref in self.started or f"done:{module.ref}" in self.started:
                return
            self.started.add(module.ref)
        on_event(module, {"event": "start", "cell": module.cells[0].name})

    def _check_resources(self, entries, workers: dict[str, dict]) -> None:
        offered = {name for info in workers.values() for name in (info.get("resources") or {})}
        problems = []
        for entry in entries:
            for name in resources_of(entry.module):
                if name not in offered:
                    cell = next(c for c in entry.module.cells if name in c.options.resources)
                    problems.append(ResourceMissing(entry.module.rel, cell.line, f"cell {cell.name!r} asks for "
                                    f"resources={name}, and no worker of the Dask scheduler at {self.address} "
                                    f"offers {name}; start one with `dask worker {self.address} --resources "
                                    f"{name}=1`, or build here with --scheduler local"))
        if problems:
            raise _Several(problems)

    def _allowed_failures(self, count: int) -> int | None:
        """A snippet is not assumed idempotent: its task is not re-run when its worker dies."""
        try:
            return self.client.run_on_scheduler(_set_allowed_failures, count=count)
        except Exception as exc:  # noqa: BLE001 - a scheduler that refuses run_on_scheduler
            print(f"hugosnip: warning: cannot set the scheduler's allowed-failures to {count} ({exc}); "
                  "start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0", file=sys.stderr)
            return None

    def _outcome(self, module, data, entry=None) -> ClusterOutcome:
        """The outcome from what the task returned (or the exception it ended with), checked first."""
        from distributed.client import FutureCancelledError
        from distributed.comm.core import CommClosedError
        from distributed.scheduler import KilledWorker
        if isinstance(data, KilledWorker):
            where = getattr(data.last_worker, "address", "?")
            return ClusterOutcome(module, problem=WorkerDied(
                module.rel, None, f"the Dask worker {where} running it died (killed, or out of memory)",
                ["it is not run again: a snippet is not assumed to be safe to re-run; "
                 "'# %% name retries=N' allows N more tries"]), worker=where)
        if isinstance(data, (FutureCancelledError, CommClosedError, _Lost, asyncio.CancelledError)) \
                or isinstance(data, (OSError, TimeoutError)) and self.client.status != "running":
            return ClusterOutcome(module, problem=SchedulerUnreachable(
                module.rel, None, f"lost the connection to the Dask scheduler at {self.address} while it ran",
                ["nothing of it is stored; build again when the scheduler is back, or build here with "
                 "--scheduler local"]))
        if isinstance(data, BaseException):  # the task itself failed on the worker
            text = str(data).splitlines()[0][:300] if str(data) else ""
            if any(isinstance(arg, bytes) for arg in data.args) or not text.isprintable():
                said = f"an error that cannot be read back here ({type(data).__name__})"
            else:
                said = f"{type(data).__name__}{': ' + text if text else ''}"
            return ClusterOutcome(module, problem=WorkerDied(
                module.rel, None, f"the Dask worker could not run it: {said}",
                ["is hugosnip installed on the workers? pip install 'hugosnip[dask]'"]))
        from .validate import task_result
        versions = dict(entry.inputs.get("versions", {})) if entry is not None else {}
        why = task_result(data, module, versions, self.config.output_limit)
        if why:
            worker = data.get("worker") if isinstance(data, dict) and isinstance(data.get("worker"), str) else "?"
            shown = worker if len(worker) <= 80 and worker.isprintable() else "?"
            return ClusterOutcome(module, problem=ResultRefused(
                module.rel, None, f"the result sent by the Dask worker {shown} is refused: {why}",
                ["nothing of it is stored; a worker sends what the local runner makes, or it is broken "
                 "or hostile (docs/cluster.md, \"Security\")"]))
        outcome = ClusterOutcome(module, worker=data["worker"], host=data["host"], device=data["device"])
        if data.get("refused"):
            versions = "; ".join(f"{name} {want} in the cache key, {have} on the worker"
                                 for name, want, have in data["refused"])
            outcome.problem = EnvironmentMismatch(module.rel, None, f"refused by the Dask worker {data['worker']} "
                                                  f"({data['host']}): {versions}",
                                                  ["install the build machine's versions on the workers, "
                                                   "or build here with --scheduler local"])
            return outcome
        outcome.cells, outcome.durations = data["cells"], data["durations"]
        outcome.figures = data["figures"]
        outcome.duration, outcome.wall, outcome.peak_kb = data["duration"], data["wall"], data["peak_kb"]
        if data["problem"]:
            kind, file, line, message, detail = data["problem"]
            outcome.problem = getattr(errors, kind)(file, line, message, list(detail))
        return outcome

    def close(self) -> None:
        try:
            if self.allowed_failures is not None:
                self.client.run_on_scheduler(_set_allowed_failures, count=self.allowed_failures)
        except Exception:  # noqa: BLE001 - the scheduler is gone: nothing to restore
            pass
        try:
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001 - a scheduler that went away mid-build
            pass
        self.quiet.restore()


def budget_of(module, config: Config) -> float:
    """Seconds the build waits for a module once it started: each cell's timeout twice (its code,
    then the saving of its figures), the import's, a margin, and as many tries as retries= allows."""
    cells = sum(2 * (cell.options.timeout or config.timeout) for cell in module.cells)
    return (cells + config.timeout + DEADLINE_MARGIN) * (1 + retries_of(module))


class _Lost(Exception):
    """A task Dask ended without a result or an error (cancelled when the scheduler went away)."""


class _Quiet:
    """Hold back distributed's log lines while a build talks to a cluster (a lost scheduler logs
    tracebacks; the build reports what happened itself, in one line)."""

    def __init__(self):
        names = ["distributed"] + [n for n in logging.root.manager.loggerDict if n.startswith("distributed.")]
        self.levels = {name: logging.getLogger(name).level for name in names}
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def restore(self) -> None:
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)
        self.levels = {}


class _Several(Problem):
    """Several problems found before anything was submitted (reported one per line)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(problems[0].file, problems[0].line, problems[0].message, problems[0].detail)
        self.code = max(p.code for p in problems)

    def render(self) -> str:
        return "\n".join(Problem.render(p) for p in self.problems)


# ---------------------------------------------------------------------------------------------
# worker side

def _version_here(name: str, wanted: str) -> str:
    if name == "python":  # as precise as the key is: "3.11" or "3.11.7"
        return ".".join(platform.python_version().split(".")[: len(wanted.split("."))])
    from . import key
    if name == "hugosnip":  # the runner's output version, as the key holds it
        return str(key.RUNNER)
    return key.library_version(name)


def mismatches(versions: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, in the key, here) for each version in the cache key that differs on this worker."""
    found = []
    for name, wanted in sorted(versions.items()):   # the key's versions hold no settings (key.py)
        have = _cached_version(name, wanted)
        if have != wanted:
            found.append((name, wanted, have))
    return found


@functools.lru_cache(maxsize=None)
def _cached_version(name: str, wanted: str) -> str:
    return _version_here(name, wanted)


@functools.lru_cache(maxsize=None)
def device_name(gpu: bool) -> str:
    """The GPU's name (nvidia-smi, no torch import) for a GPU module, else the CPU's model."""
    if gpu:
        try:
            names = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                                   capture_output=True, text=True, timeout=10).stdout.split("\n")
            if names[0].strip():
                return names[0].strip()
        except (OSError, subprocess.SubprocessError):
            pass
    from .report import cpu_model
    return cpu_model()


_RUNNING: dict[str, object] = {}   # task key -> its snippet worker (for Ctrl-C on the build side)
_CURRENT = threading.local()       # the task key of this thread
_SERVERS: dict[tuple, ForkServer] = {}
_SERVERS_LOCK = threading.Lock()


class _Server(ForkServer):
    """A fork server that remembers which task each snippet worker runs."""

    def launch(self, *args, **kwargs):
        forked = super().launch(*args, **kwargs)
        _RUNNING[_CURRENT.key] = forked
        return forked


def _drop_dask_environment() -> None:
    """Snippets must not inherit what Dask's nanny sets for its worker processes.

    Its ``pre-spawn-environ`` has MALLOC_TRIM_THRESHOLD_=65536: glibc then hands freed memory
    back at once, and numpy code pays fresh page faults on every allocation (a third slower on
    the benchmark's snippet). The thread counts it sets are the site's ``threads`` anyway.
    """
    import dask
    from .run import THREAD_VARIABLES
    for option in ("distributed.nanny.pre-spawn-environ", "distributed.nanny.environ"):
        for name in dask.config.get(option, None) or {}:
            if name not in THREAD_VARIABLES:
                os.environ.pop(name, None)


def _server(settings: Config, preload: list[str]) -> ForkServer:
    """One fork server per Dask worker process, per seed, thread count and preload."""
    ident = (settings.seed, settings.threads, tuple(preload))
    with _SERVERS_LOCK:
        server = _SERVERS.get(ident)
        if server is None or not server.alive:
            _drop_dask_environment()
            # its own empty folder as root: no site tree of a task is on the workers' path
            home = Config(root=Path(tempfile.mkdtemp(prefix="hugosnip-server-")), seed=settings.seed,
                          threads=settings.threads)
            server = _SERVERS[ident] = _Server(home, preload)
            server.home = home.root
    return server


@atexit.register
def _close_servers() -> None:
    for server in list(_SERVERS.values()):
        try:
            server.close()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(server.home, ignore_errors=True)


def _stop_tasks(keys: list[str]) -> None:
    """Kill the snippet workers of these tasks in this Dask worker process (client.run, Ctrl-C)."""
    for key in keys:
        forked = _RUNNING.get(key)
        if forked is not None:
            try:
                os.killpg(forked.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, KeyError):
                pass


@functools.lru_cache(maxsize=None)
def scratch_base() -> str | None:
    """Where task trees go: $HUGOSNIP_SCRATCH, else /dev/shm when writable (removing a folder on a
    disk costs milliseconds, in memory microseconds), else the system's temporary folder."""
    chosen = os.environ.get("HUGOSNIP_SCRATCH")
    if chosen:
        return chosen
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    return None


def _materialise(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            raise ValueError(f"refusing to write {rel!r} outside the task's folder")
        path = root.joinpath(*pure.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def run_task(task: dict) -> dict:
    """A Dask task: check the environment, materialise the module's site tree, run the module."""
    from distributed import get_worker
    from .project import Project
    worker = get_worker()
    where = {"worker": worker.address, "host": socket.gethostname(), "device": device_name(task["gpu"])}
    refused = mismatches(task["versions"])
    if refused:
        return dict(where, refused=refused)
    known = {f.name for f in fields(Config)}
    scratch = Path(tempfile.mkdtemp(prefix="hugosnip-task-", dir=scratch_base()))
    try:
        _materialise(scratch, task["files"])
        config = Config(root=scratch, **{k: v for k, v in task["settings"].items() if k in known})
        project = Project(config)
        project.cache.update(task["analysis"])   # keyed by file and digest: used only for these bytes
        module = project.modules[task["ref"]]
        first = module.cells[0].name

        def on_event(_module, event) -> None:
            if event["event"] == "start" and event["cell"] == first:
                worker.log_event(TOPIC, {"key": task["key"]})

        _CURRENT.key = task["key"]
        try:
            outcome = run_module(project, module, on_event=on_event, server=_server(config, task["preload"]))
        finally:
            _RUNNING.pop(task["key"], None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    problem = outcome.problem
    return dict(where, cells=outcome.cells, durations=outcome.durations, figures=outcome.figures,
                duration=outcome.duration, wall=outcome.wall, peak_kb=outcome.peak_kb,
                problem=(type(problem).__name__, problem.file, problem.line, problem.message,
                         problem.detail) if problem else None)
