"""The fork server of an edit, started before the build reads anything.

A build that ran something leaves ``.hugosnip/fork-hint``: the interpreter, the workers' seed and
threads, and for each snippet file the heavy libraries it imports (from the analysis cache, as
``run.changed_preload`` reads them). When a later ``hugosnip build`` does not take the warm path,
the command reads the hint before its own imports. If snippet files changed since that build (newer
than its report.json), and the hint knows every one of them, the command starts the fork server with
their libraries at once, ~10 ms into the process instead of ~60 ms, and leaves out the early Hugo
run, which a build that runs a module drops anyway.

The build takes that server only when it is the one it would start itself
(``run.early_fork_server``: the same site, preload and workers' environment); else it is closed
unused. Nothing here decides what runs: a stale hint costs a server that is not used.
"""

from __future__ import annotations

import os
import sys

HINT = os.path.join(".hugosnip", "fork-hint")
FORMAT = "hugosnip fork-hint 1"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))   # on the workers' path

started = None   # (root, preload, env, Popen, socket): the server the command started (start)


def worker_env(root: str, seed: int, threads: int) -> dict[str, str]:
    """The workers' environment (``run.worker_env``): thread counts fixed (``threads``, default 1)
    so that results do not depend on -j and parallel modules do not fight over the cores."""
    return dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED=str(seed),
                **dict.fromkeys(THREAD_VARIABLES, str(threads)),
                PYTHONPATH=os.pathsep.join(filter(None, [root, TOOLS_DIR, os.environ.get("PYTHONPATH")])))


def spawn(root: str, env: dict[str, str], preload: list[str]):
    """Start ``zygote.py`` importing ``preload``; its process and the parent's end of its socket."""
    import socket
    import subprocess
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen([sys.executable, "-m", "hugosnip.zygote", str(theirs.fileno()), ",".join(preload)],
                            pass_fds=(theirs.fileno(),), stdout=subprocess.DEVNULL, cwd=root, env=env,
                            start_new_session=True)
    theirs.close()
    return proc, ours


def write(config, preloads: dict[str, list[str]]) -> None:
    """Leave the hint: ``preloads`` maps each snippet file (relative to the site) to its heavy
    libraries' preload."""
    lines = [FORMAT, f"python\t{sys.executable}", f"seed\t{config.seed}", f"threads\t{config.threads}",
             f"snippets\t{os.path.relpath(config.snippet_dir, config.root)}"]
    lines += [f"f\t{rel}\t{','.join(preload)}" for rel, preload in sorted(preloads.items())
              if not any(c in rel for c in "\t\n\r")]
    target = os.path.join(str(config.root), HINT)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join([*lines, "end", ""]))
        os.replace(tmp, target)
    except OSError:
        pass


def forget(config) -> None:
    try:
        os.unlink(os.path.join(str(config.root), HINT))
    except OSError:
        pass


def _read(root: str) -> dict | None:
    try:
        with open(os.path.join(root, HINT), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0] != FORMAT or "end" not in lines:
        return None
    hint: dict = {"files": {}}
    for line in lines[1:lines.index("end")]:
        kind, _, rest = line.partition("\t")
        if kind == "f":
            rel, _, preload = rest.partition("\t")
            hint["files"][rel] = [p for p in preload.split(",") if p]
        else:
            hint[kind] = rest
    return hint


def newer_snippets(root: str, top: str, since: int | None) -> list[str] | None:
    """The ``.py`` files under ``top`` (``__pycache__`` left out, symbolic links to folders not
    followed, as ``Path.rglob`` does not follow them either) modified after ``since`` (ns; None:
    every one), as paths relative to ``root`` with ``/``; None when one cannot be read. The one
    walk both ``changed_preload`` functions make (this one before the build's imports)."""
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            try:
                if since is not None and os.stat(path).st_mtime_ns <= since:
                    continue
            except OSError:
                return None
            found.append(os.path.relpath(path, root).replace(os.sep, "/"))
    return found


def changed_preload(root: str, hint: dict) -> list[str] | None:
    """The preload of the snippet files changed since the build that left ``hint``; None when none
    changed, or one of them is not in the hint (a new file: the build decides, run.changed_preload)."""
    try:
        since = os.stat(os.path.join(root, ".hugosnip", "report.json")).st_mtime_ns
    except OSError:
        return None
    changed = newer_snippets(root, os.path.join(root, hint.get("snippets", "snippets")), since)
    if not changed or any(rel not in hint["files"] for rel in changed):
        return None
    return sorted({top for rel in changed for top in hint["files"][rel]})


def start(root: str) -> None:
    """The command's first step when the warm path did not hold: the fork server, if the hint says
    snippet files changed (see the module's text)."""
    global started
    hint = _read(root)
    if hint is None or hint.get("python") != sys.executable:
        return
    preload = changed_preload(root, hint)
    if preload is None:
        return
    try:
        env = worker_env(root, int(hint["seed"]), int(hint["threads"]))
        started = (root, preload, env, *spawn(root, env, preload))
    except (KeyError, ValueError, OSError):
        started = None


def take(root: str, preload: list[str] | None, env: dict[str, str]):
    """The server ``start`` began, as (Popen, socket), when it is the one the build would start
    (same site, preload and environment); else it is closed here and None is returned."""
    global started
    if started is None:
        return None
    mine, started = started, None
    if (mine[0], mine[1], mine[2]) == (root, preload, env):
        return mine[3], mine[4]
    _close(mine[3], mine[4])
    return None


def discard() -> None:
    """Close the server ``start`` began, if any: the build will not use it (a cluster build)."""
    global started
    if started is not None:
        mine, started = started, None
        _close(mine[3], mine[4])


def _close(proc, sock) -> None:
    import threading
    sock.close()   # the server sees the end and exits; a thread reaps it
    threading.Thread(target=proc.wait, name="hugosnip-reap-hinted", daemon=True).start()


def pending() -> bool:
    """Whether the command started a server (then the build is expected to run a module)."""
    return started is not None
