"""A fork server: one process imports the heavy libraries once, then forks a worker per module.

Importing numpy and matplotlib costs about half a second, torch about two and a half: paid once
per build here instead of once per snippet module. Each forked worker still starts from the
same clean state (nothing of one snippet is seen by another) and is its own process group, so
timeouts and crashes are handled exactly as for a spawned worker.

The next worker is forked ahead of time, while the current one runs: a job goes to a process
that is already waiting for it, so the fork is not on the build's path.

Protocol on the control socket (AF_UNIX, SOCK_SEQPACKET, one JSON object per message):
parent → server  {"id": N} with four file descriptors: events (write end), stdout, stderr, job file
server → parent  {"id": N, "pid": P}        the worker that gets the job (again, with a new P, if
                                            that one was found dead: the last one counts)
server → parent  {"id": N, "status": S}     when it ends (negative S: killed by signal -S)
The server hands the same message and descriptors on to the waiting worker over its own socket.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys

# How long the server waits after handing a job over before it forks the next worker: a fork
# takes a core for a millisecond or two, which the new worker and the build need first.
SPARE_DELAY = 0.01


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in filter(None, sys.argv[2].split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a snippet that needs it will report the error itself
            pass
    if "numpy" in sys.modules:
        _warm_numpy()
    from . import worker  # loaded once, before forking
    from . import capture, charts, display  # noqa: F401 - every worker imports them: ~5 ms a module otherwise
    worker.ends_with_semicolon("0;")  # its tokenizer's patterns compiled once (~1.4 ms on a cell's first value)
    gc.freeze()  # the objects loaded so far are never collected: a worker's GC leaves their pages shared
    children: dict[int, int] = {}
    # A child's end wakes the loop at once (SIGCHLD writes a byte to this pipe).
    wake = os.pipe()
    for fd in wake:
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake[1])
    signal.signal(signal.SIGCHLD, lambda *_: None)
    spare = _fork_spare(control, wake)
    try:
        while True:
            ready = select.select([control, wake[0]], [], [], None if spare else SPARE_DELAY)[0]
            if not ready:
                spare = _fork_spare(control, wake)
                continue
            if wake[0] in ready:
                try:
                    os.read(wake[0], 4096)
                except BlockingIOError:
                    pass
            idle = _reap(control, children)
            if spare and spare[0] in idle:  # the spare was killed from outside
                spare[1].close()
                spare = None
            if control not in ready:
                continue
            message, fds, _, _ = socket.recv_fds(control, 65536, 4)
            if not message:
                break  # the parent is gone: so are we
            job_id = json.loads(message)["id"]
            pid, jobs = spare or _fork_spare(control, wake)
            spare = None  # the next is forked once the worker and the build have gone on
            children[pid] = job_id
            # The build learns the pid first: once the worker has its job, it takes a core at once.
            control.send(json.dumps({"id": job_id, "pid": pid}).encode())
            try:
                socket.send_fds(jobs, [message], fds)
            except OSError:  # the spare was killed and is not reaped yet: the job goes to a new one
                jobs.close()
                children.pop(pid)
                pid, jobs = _fork_spare(control, wake)
                children[pid] = job_id
                control.send(json.dumps({"id": job_id, "pid": pid}).encode())
                socket.send_fds(jobs, [message], fds)
            jobs.close()
            for fd in fds:
                os.close(fd)
    finally:
        for pid in [*children, *(spare[:1] if spare else [])]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    os._exit(0)   # nothing to flush: no interpreter teardown (numpy and all, ~10 ms) for the build to wait on


def _warm_numpy() -> None:
    """Do once here what numpy does on its first use in a process (BLAS sets up its buffers, the
    random generators and linear algebra load their parts), so that no worker pays it: on light
    cells that is a millisecond or more per module. Nothing of it is seen by a snippet: it uses
    no generator a snippet seeds, and workers start from this state as they did before."""
    try:
        import numpy
        a = numpy.ones((64, 64))
        numpy.tanh(a @ a.T).sum()
        numpy.random.default_rng(0).standard_normal(8)
        numpy.linalg.svd(a[:8, :8], compute_uv=False)
        numpy.histogram(a.ravel(), bins=4)
    except Exception:  # noqa: BLE001 - a warm-up only
        pass


def _fork_spare(control: socket.socket, wake: tuple[int, int]) -> tuple[int, socket.socket]:
    """Fork a worker that waits for its job; returns its pid and the socket to send the job on."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wake:
            os.close(fd)
        control.close()
        ours.close()
        _child(theirs)
    theirs.close()
    return pid, ours


def _reap(control: socket.socket, children: dict[int, int]) -> set[int]:
    """Report the workers that ended; returns the pids of ended processes that had no job."""
    idle = set()
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return idle
        if pid == 0:
            return idle
        job_id = children.pop(pid, None)
        if job_id is None:
            idle.add(pid)
        else:
            try:
                control.send(json.dumps({"id": job_id, "status": os.waitstatus_to_exitcode(status)}).encode())
            except OSError:   # the build closed the server without waiting for this worker (it said
                pass          # it was gone): the loop sees the end of the socket next


def _child(jobs: socket.socket) -> None:
    try:
        os.setsid()
        from .worker import prepare, serve
        prepare()
        message, fds, _, _ = socket.recv_fds(jobs, 65536, 4)
        if not message:
            os._exit(0)  # the server closed: no job will come
        jobs.close()
        events, out, err, job_fd = fds
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        with os.fdopen(job_fd, "rb") as handle:
            job = json.loads(handle.read())
        serve(job, events)
    finally:
        os._exit(70)  # only reached if serve itself failed


if __name__ == "__main__":
    main()
