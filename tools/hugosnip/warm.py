"""The warm stamp: a ``hugosnip build`` that finds the site as its last clean check left it starts
Hugo at once, without reading the pages, planning or importing the rest of hugosnip.

A check is clean when it found every result up to date, changed no file and had nothing to say
but its one line. After one, ``write`` records what that check depended on, as ``make`` and Git's
index do: the size, times and inode of every file and folder that could change its answer (the
pages, the snippet folder, the results and figures, the reports, the site's and its themes'
settings, the theme component's folder, hugosnip's own code, the folders Python imports
libraries from, the interpreter and Hugo) and the environment variables Hugo and Python read. A
folder's times change when a file is added to it, removed or renamed, so a new page or snippet is
seen without listing anything.

``build`` (called by the command line before it reads anything else) compares them with what is
on disk now. When every one matches, it prints the check's line and runs Hugo as the full build
would; when one differs, or the stamp is missing or unreadable, it returns None and the full
build runs (which removes the stamp first and writes a new one only if it is clean again).

A file changed twice within the file system's clock tick would keep its times: entries changed
less than ``RACY`` seconds before the stamp was written make the stamp unusable (Git's "racily
clean" rule), so the next clean check writes it again. Only ``os`` and ``sys`` are imported here.
"""

from __future__ import annotations

import os
import sys

STAMP = os.path.join(".hugosnip", "warm-stamp")
FORMAT = "hugosnip warm stamp 1"
RACY = 2.0          # seconds: a coarse file system's tick (FAT, HFS+, some network file systems)
RACY_FINE = 0.1     # seconds, where the times recorded show a fine clock (ext4, XFS, APFS, tmpfs)


def environment() -> str:
    """The environment variables that can change the check's answer: Hugo's (its settings, its
    environment) and Python's (where libraries are imported from), as one line."""
    names = sorted(k for k in os.environ if k[:4].upper() == "HUGO" or k[:6].upper() == "PYTHON")
    return "\x1f".join(f"{k}={os.environ[k]}" for k in names)


def _entry(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mode:o} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def header() -> list[str]:
    from . import __version__
    return [FORMAT, f"version {__version__}", f"python {sys.executable} {sys.version}",
            f"environment {environment()}"]


def _read(root: str) -> dict | None:
    """The stamp's settings and entries, or None when it is missing, of another format or no longer
    matches the interpreter, the environment or one of its entries."""
    try:
        with open(os.path.join(root, STAMP), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    head = header()
    if lines[:len(head)] != head:
        return None
    values: dict[str, str] = {}
    for line in lines[len(head):]:
        kind, _, rest = line.partition("\t")
        if kind == "=":
            key, _, value = rest.partition("\t")
            values[key] = value
        elif kind == "p":
            path, _, recorded = rest.partition("\t")
            if _entry(os.path.join(root, path)) != recorded:
                return None
        elif kind == "end":
            return values
    return None   # cut short: written by a build that was killed


def build(argv: list[str]) -> int | None:
    """``hugosnip build [-- HUGO_ARG…]`` when the stamp in the site around the current folder still
    holds: the check's line, then Hugo (and the site's post_build command). None: run the full build."""
    if argv and argv[0] != "--":
        return None
    from .root import site_folder
    root = site_folder(os.getcwd())
    values = _read(root) if root else None
    if values is None or "results" not in values or not os.path.isfile(values.get("hugo", "")):
        return None
    import _signal   # `signal` itself would import enum (~2 ms); as main(), Ctrl-C must stop the build
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    print(f"hugosnip: {values['results']} result(s) up to date, nothing ran", flush=True)
    os.chdir(root)
    try:
        code = _wait(os.posix_spawn(values["hugo"], [values["hugo"], *argv[1:]], os.environ))
    except KeyboardInterrupt:
        print("hugosnip: interrupted; committed results are as they were", file=sys.stderr)
        return 130
    if code == 0 and not values.get("post_build"):
        return 0
    from pathlib import Path

    from .build import after_hugo   # a failure, or a post_build command: the full build's own ending
    from .config import load
    return after_hugo(load(Path(root)), code)


def _wait(pid: int) -> int:
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except KeyboardInterrupt:   # Hugo has the same Ctrl-C: wait for it to end, then stop
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:   # reaped already: the Ctrl-C was handled just after the wait returned
            pass
        raise


def _tree(folder: str) -> list[str]:
    """``folder``, and every folder and file below it but Python's byte code (the check never reads
    it); a symlinked folder is recorded (its target's times), not walked into, as the check's own
    listing does not."""
    out = [folder]
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out += [os.path.join(parent, name) for name in sorted(dirs) + sorted(files)]
    return out


def depends_on(config, plan, exe: str) -> list[str]:
    """Every path whose change can change a clean check's answer (absolute); ``exe`` is Hugo."""
    from . import hugoconfig
    from .root import config_files
    root = str(config.root)
    paths = [root, os.path.join(root, "data"), os.path.join(root, ".hugosnip", "hugo-config.json"),
             os.path.join(root, ".hugosnip", "report.json"), os.path.join(root, ".hugosnip", "junit.xml")]
    paths += [str(p) for p in hugoconfig.settings_files(config.root)]   # the site's and its themes'
    for folder in (os.path.join(root, "config"), *config.content_paths, config.snippet_dir,
                   config.data_dir, config.figure_dir):
        paths += _tree(str(folder)) if os.path.isdir(folder) else [str(folder)]
    from . import sources
    paths.append(str(sources.path_of(config)))
    settings = hugoconfig.resolved(config.root)
    for name in hugoconfig.theme_list(settings):     # the theme components, in themesDir too
        folder = hugoconfig.theme_folder(config.root, settings, name)
        paths += [str(folder.parent), str(folder), str(folder / "hugosnip-version.txt")]
        paths += [str(p) for p in config_files(folder)]
    for entry in plan.entries:                       # data files a cell declares, wherever they are
        paths += [os.path.join(root, rel) for rel in entry.inputs.get("files", {})]
    here = os.path.dirname(os.path.abspath(__file__))
    paths += _tree(here)
    paths += [p for p in sys.path if p and os.path.isdir(p)]
    paths += [sys.executable, exe]
    return list(dict.fromkeys(os.path.abspath(p) for p in paths))


def write(config, plan, results: int) -> None:
    """Record the stamp after a clean check (see the module's text); nothing when an entry changed
    too recently to be trusted, or cannot be written on one line."""
    import time
    from . import hugo
    root = str(config.root)
    exe = hugo.binary()
    if exe is None:
        return
    started = time.time_ns()
    rows, times = [], []
    for path in depends_on(config, plan, exe):
        rel = os.path.relpath(path, root)
        if any(c in rel for c in "\t\n\r"):
            return
        recorded = _entry(path)
        rows.append(f"p\t{rel}\t{recorded}")
        if recorded != "-":
            times.append(tuple(int(v) for v in recorded.split()[2:4]))
    if not trusted(times, started):
        return
    text = "\n".join([*header(), f"=\thugo\t{exe}", f"=\tresults\t{results}",
                      f"=\tpost_build\t{'yes' if config.post_build else ''}", *rows, "end", ""])
    target = os.path.join(root, STAMP)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError:
        forget(root)


def trusted(times: list[tuple[int, int]], written: int) -> bool:
    """Whether entries whose (mtime, ctime) are ``times`` (ns) can be recorded by a stamp written
    at ``written`` (ns): none changed within the file system's clock tick before it. Times that
    are all multiples of 10 ms come from a coarse clock, and get the longer margin."""
    fine = any(mtime % 10_000_000 for mtime, _ in times)
    margin = int((RACY_FINE if fine else RACY) * 1e9)
    return all(max(mtime, ctime) < written - margin for mtime, ctime in times)


def forget(root) -> None:
    """Remove the stamp: what follows may change what the check would say."""
    try:
        os.unlink(os.path.join(str(root), STAMP))
    except FileNotFoundError:
        pass
