"""A fork server: one process imports the heavy libraries once, then forks a worker per module.

Importing numpy and matplotlib costs about half a second, torch about two and a half: paid once
per build here instead of once per snippet module. Each forked worker still starts from the
same clean state (nothing of one snippet is seen by another) and is its own process group, so
timeouts and crashes are handled exactly as for a spawned worker.

Protocol on the control socket (AF_UNIX, SOCK_SEQPACKET, one JSON object per message):
parent → server  {"id": N} with four file descriptors: events (write end), stdout, stderr, job file
server → parent  {"id": N, "pid": P}        once the worker is forked
server → parent  {"id": N, "status": S}     when it ends (negative S: killed by signal -S)
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


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in filter(None, sys.argv[2].split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a snippet that needs it will report the error itself
            pass
    from . import worker  # noqa: F401 - loaded once, before forking
    gc.freeze()  # the objects loaded so far are never collected: a worker's GC leaves their pages shared
    children: dict[int, int] = {}
    # A child's end wakes the loop at once (SIGCHLD writes a byte to this pipe).
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready = select.select([control, wake_read], [], [])[0]
        if wake_read in ready:
            try:
                os.read(wake_read, 4096)
            except BlockingIOError:
                pass
        _reap(control, children)
        if control not in ready:
            continue
        message, fds, _, _ = socket.recv_fds(control, 65536, 4)
        if not message:
            break  # the parent is gone: so are we
        job_id = json.loads(message)["id"]
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wake_read)
            os.close(wake_write)
            _child(control, fds)
        for fd in fds:
            os.close(fd)
        children[pid] = job_id
        control.send(json.dumps({"id": job_id, "pid": pid}).encode())
    for pid in children:
        try:
            os.killpg(pid, 9)
        except OSError:
            pass


def _reap(control: socket.socket, children: dict[int, int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        job_id = children.pop(pid, None)
        if job_id is not None:
            control.send(json.dumps({"id": job_id, "status": os.waitstatus_to_exitcode(status)}).encode())


def _child(control: socket.socket, fds: list[int]) -> None:
    try:
        events, out, err, job_fd = fds
        control.close()
        os.setsid()
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        with os.fdopen(job_fd, "rb") as handle:
            job = json.loads(handle.read())
        from .worker import serve
        serve(job, events)
    finally:
        os._exit(70)  # only reached if serve itself failed


if __name__ == "__main__":
    main()
