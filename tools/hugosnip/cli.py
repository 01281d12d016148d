"""The ``hugosnip`` command: build, check, run, clean.

Imports nothing heavy at the top (argparse and pathlib included): a warm ``hugosnip build``
starts Hugo from ``console`` before any of them is read (warm.py).
"""

from __future__ import annotations

import sys

from . import __version__

DESCRIPTION = "Run the Python snippets a Hugo site embeds, check them, and build the site."


def _parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path
    parser = argparse.ArgumentParser(prog="hugosnip", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"hugosnip {__version__}")
    parser.add_argument("-C", "--root", type=Path, default=Path.cwd(),
                        help="the site (a folder with hugo.toml, hugo.yaml, config/_default/…, or below one); "
                             "default: here")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="run stale snippets, store their results, build the site with Hugo")
    build.add_argument("--explain", action="store_true", help="say for every module why it ran or was reused")
    build.add_argument("-j", "--jobs", type=_jobs, help="snippet modules run at once (default: one per core)")
    build.add_argument("--no-hugo", action="store_true", help="stop after storing results")
    build.add_argument("--scheduler", metavar="ADDRESS", help="run the stale modules on a Dask cluster "
                       "(tcp://host:8786), or 'local' (default: [params.hugosnip] scheduler, else local)")
    build.add_argument("--json", type=Path, metavar="FILE", help="the build report as JSON "
                       "(default .hugosnip/report.json)")
    build.add_argument("--junit", type=Path, metavar="FILE", help="the build report as JUnit XML "
                       "(default .hugosnip/junit.xml)")
    build.add_argument("hugo_args", nargs="*", metavar="-- HUGO_ARG", help="passed to hugo after '--'")

    check = sub.add_parser("check", help="exit non-zero when a result is missing, stale or orphaned")
    check.add_argument("--rerun", action="store_true",
                       help="also re-run every snippet in scratch space and diff with the committed results")
    check.add_argument("-j", "--jobs", type=_jobs, help="snippet modules run at once with --rerun")

    run = sub.add_parser("run", help="run one snippet and print its cells as a reader sees them")
    run.add_argument("target", metavar="FILE[#CELL]",
                     help="a snippet, relative to the snippet folder or as a path (demo/basics.py#loss)")
    run.add_argument("--figures", type=Path, metavar="DIR", help="save the cells' figures in DIR")

    sub.add_parser("clean", help="remove orphaned results and figures")

    init = sub.add_parser("init", help="add hugosnip to this Hugo site (theme component, snippet folder, …)")
    init.add_argument("--math", choices=["katex", "none"], help="katex: render math at build time with KaTeX "
                      "(sets [params.hugosnip] math and Goldmark's passthrough); default: leave math alone")
    init.add_argument("--example", action="store_true", help="also write one snippet and one post using every shortcode")
    init.add_argument("--upgrade", action="store_true", help="refresh themes/hugosnip from this version of the plugin")
    init.add_argument("--force", action="store_true", help="replace files of yours that init would write")

    sub.add_parser("doctor", help="check the site's setup for hugosnip and say what to change")

    serve = sub.add_parser("serve", help="hugo server with live reload; re-run snippets as they are saved")
    serve.add_argument("--port", type=int, default=1313, help="port of the local server (default 1313)")
    return parser


def _jobs(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs from 0 (one per core) to 64")
    return value


def _writable(option: str, path: Path | None, folder: bool) -> Path | None:
    """Refuse, before anything runs, an output path hugosnip could not write (exit 8). A report
    path that is a symlink is written through (the path returned is its target); one that is a
    device, a FIFO or a socket is refused, never replaced by a regular file."""
    if path is None:
        return None
    import os
    import stat
    import tempfile
    from .errors import EnvironmentProblem
    where = f"{option} {path}"
    if not folder:
        target = path.resolve() if path.is_symlink() else path
        try:
            mode = target.stat().st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                    else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
            shown = f" (through the symlink, {target})" if target != path else ""
            raise EnvironmentProblem(where, None, f"is {kind}{shown}, not a regular file: hugosnip writes its "
                                     "report beside it and renames it into place; name a regular file")
        path = target
    if folder and path.exists() and not path.is_dir():
        raise EnvironmentProblem(where, None, "is a file; name a folder for the figures")
    if not folder and path.is_dir():
        raise EnvironmentProblem(where, None, "is a folder; name a file")
    parent = path if folder else path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".hugosnip-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise EnvironmentProblem(where, None, f"cannot write there ({exc.strerror or exc}); "
                                 "name a path in a folder you can write to") from None
    return path


def main(argv: list[str] | None = None) -> int:
    import signal
    import threading
    from .root import find_root
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C must stop a build cleanly even when started from a shell that ignores SIGINT
        # for background jobs (the child would inherit "ignore").
        signal.signal(signal.SIGINT, signal.default_int_handler)
    early = root = None
    try:
        root = find_root(args.root)
        if args.command == "init":
            from .init import init
            return init(root, math=args.math, example=args.example, force=args.force, upgrade=args.upgrade)
        if args.command == "doctor":
            from .doctor import doctor
            return doctor(root)
        from . import forkhint
        if args.command == "build" and not args.no_hugo and not forkhint.pending():
            # (a build that will run an edited module drops an early Hugo run: none is started)
            from . import hugoconfig, theme   # light: the doctor is read only when something is missing
            if not all(hugoconfig.theme_in_place(root, theme.NAME)):
                from .doctor import component_problems, uses_plugin   # without the plugin's Hugo side
                if (missing := component_problems(root)) and uses_plugin(root):     # Hugo would fail: stop now
                    for problem in missing:
                        print(problem.render(), file=sys.stderr)
                    return max(p.code for p in missing)
            from . import hugo  # start Hugo first: a warm build is mostly Hugo's time
            early = hugo.start(root, list(args.hugo_args))
        from .config import load
        config = load(root)
        if args.command == "build":
            args.json = _writable("--json", args.json, False)
            args.junit = _writable("--junit", args.junit, False)
        if args.command == "run":
            _writable("--figures", args.figures, True)
        if args.command == "build":
            from .build import build
            return build(config, explain=args.explain, jobs=args.jobs, run_hugo=not args.no_hugo,
                         hugo_args=tuple(args.hugo_args), early=early, json_path=args.json,
                         junit_path=args.junit, scheduler=args.scheduler)
        if args.command == "check":
            from .check import check
            return check(config, rerun=args.rerun, jobs=args.jobs)
        if args.command == "clean":
            from .build import clean
            return clean(config)
        if args.command == "serve":
            from .serve import serve
            return serve(config, port=args.port)
        return run_command(config, args.target, args.figures)
    except Exception as problem:
        from .errors import Problem, environment_problem
        if isinstance(problem, OSError):
            problem = environment_problem(problem, root or args.root)
        if not isinstance(problem, Problem):
            raise
        if early is not None:
            from . import hugo
            hugo.cancel(early)
        print(problem.render(), file=sys.stderr)
        return problem.code
    except KeyboardInterrupt:
        print("hugosnip: interrupted; committed results are as they were", file=sys.stderr)
        return 130


def run_command(config, target: str, figures: Path | None, out=None) -> int:
    out = out or sys.stdout
    from pathlib import Path

    import jinja2

    from .build import report
    from .errors import Problem
    from .project import Project
    from .run import run_module
    from .scan import Reference

    file, _, cell = target.partition("#")
    project = Project(config)
    path = Path(file)
    if path.is_file() and path.resolve().is_relative_to(project.base):
        file = path.resolve().relative_to(project.base).as_posix()
    ref = Reference("command line", 0, "snip-cell", {"file": file, **({"cell": cell} if cell else {})})
    try:
        module = project.resolve(ref)
    except Problem as problem:
        problem.line = None
        return report([problem])
    if module.is_library:
        return report([Problem(module.rel, None, "a library module has no cells to run; "
                               "mark cells with '# %% name' lines")])
    outcome = run_module(project, module, until=cell or None)
    if figures:
        figures.mkdir(parents=True, exist_ok=True)
        for name, data in outcome.figures.items():
            (figures / name).write_bytes(data)
    shown = [dict(cell=c, **outcome.cells[c.name]) for c in module.cells if c.name in outcome.cells]
    if cell:
        shown = [s for s in shown if s["cell"].name == cell]
    env = jinja2.Environment(loader=jinja2.PackageLoader("hugosnip"), keep_trailing_newline=True,
                             autoescape=False)
    text = env.get_template("run.txt.j2").render(
        file=module.rel,
        cells=[dict(name=s["cell"].name, line=s["cell"].line, code=s["cell"].code,
                    options=s["cell"].options, **{k: v for k, v in s.items() if k != "cell"}) for s in shown],
        rule=lambda title: f"── {title} " + "─" * max(3, 60 - len(title)),
        figure_note=lambda name: str(figures / name) if figures else f"{name} (not saved: pass --figures DIR)")
    out.write(text)
    out.flush()
    return report([outcome.problem]) if outcome.problem else 0


def console() -> None:
    """The ``hugosnip`` command: main(), then the end of the process without the interpreter's
    teardown, which frees every module and object the command loaded (10-15 ms after a build).
    What that teardown would do that matters is done first: other threads are joined, exit
    handlers run (a Dask cluster's among them), and the output is flushed."""
    import os
    code = None
    if sys.argv[1:2] == ["build"]:   # warm: Hugo starts before the rest of hugosnip is read
        from .warm import build
        code = build(sys.argv[2:])
        if code is None:   # an edited snippet: its fork server starts before the rest is read
            from . import forkhint
            from .root import site_folder
            if (root := site_folder(os.getcwd())) is not None:
                forkhint.start(root)
    if code is None:
        import atexit
        import threading
        code = main()
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe (`hugosnip build | head`)
            pass
    os._exit(0 if code is None else int(code))


if __name__ == "__main__":
    console()
