"""What isolation costs a module: the floor under the `cold` figure of bench/author_wait.py.

    .venv/bin/python bench/fork_floor.py [--modules 100] [--repeats 3]

On the synthetic site of author_wait.py (N modules of 5 light numpy cells), each module's cells
are run four ways in this one process's children, with numpy, the worker and its capture already
imported and frozen, as in hugosnip's fork server (zygote.py):

  one process     every module exec'd in turn in one process (author_wait.py's B side)
  worker here     hugosnip's worker (worker.Worker: the AST, the capture, the events) on each
                  module, in one process: the worker's own Python work, without isolation
  forked worker   the same, each module in a child forked for it, as the fork server does
                  (the child's page faults and cold caches included; no build around it)
  bare fork       a child forked and ended at once: the kernel's part alone
  two at a time   the forked workers, two children at a time: `-j 2` without a build around it

It prints the median of ``--repeats`` runs per module for each, and the child's page faults.
``forked worker`` minus ``one process`` is what a fresh process per module costs before the build
does anything else: the part of the `cold` figure that isolation per module cannot give back.
BLAS/OpenMP threads are 1, as in hugosnip's workers.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hugosnip.run import THREAD_VARIABLES

os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))   # before numpy is imported

import numpy  # noqa: E402,F401 - imported before forking, as the fork server does

from author_wait import make_site   # noqa: E402 - bench/ is the script's own folder
from hugosnip import capture, charts, display, worker, zygote   # noqa: E402,F401
from hugosnip.config import load   # noqa: E402
from hugosnip.project import Project   # noqa: E402
from hugosnip.run import make_job   # noqa: E402


def one_process(files: list[Path]) -> None:
    for path in files:
        code = compile(path.read_text(), str(path), "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, {"__name__": "__main__"})


def worker_here(jobs: list[dict], null: int) -> None:
    for job in jobs:
        os.chdir(job["cwd"])
        worker.Worker(job, null).run()


def forked(jobs: list[dict], null: int, bare: bool = False) -> int:
    """Each job in a child of its own; the children's page faults, in all."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    for job in jobs:
        pid = os.fork()
        if pid == 0:
            if not bare:
                worker.prepare()
                os.chdir(job["cwd"])
                worker.Worker(job, null).run()
            os._exit(0)
        os.waitpid(pid, 0)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before


def forked_two(jobs: list[dict], null: int) -> None:
    """As ``forked``, two children at a time (a new one as soon as one ends): `-j 2` without a build."""
    running: set[int] = set()
    for job in jobs:
        if len(running) == 2:
            running.discard(os.wait()[0])
        pid = os.fork()
        if pid == 0:
            worker.prepare()
            os.chdir(job["cwd"])
            worker.Worker(job, null).run()
            os._exit(0)
        running.add(pid)
    for pid in running:
        os.waitpid(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hugosnip-floor-") as tmp:
        root = Path(tmp, "site")
        make_site(root, args.modules)
        sys.path.insert(0, str(root))   # the snippet package, as a worker has it
        project = Project(load(root))
        files = sorted((root / "snippets/gen").glob("m*.py"))
        scratch = Path(tmp, "scratch")
        (scratch / "cwd").mkdir(parents=True)
        (scratch / "figures").mkdir()
        jobs = [make_job(project, module, module.cells, str(scratch)) for module in map(project.load, files)]
        zygote._warm_numpy()
        worker.ends_with_semicolon("0;")
        gc.freeze()
        null = os.open(os.devnull, os.O_WRONLY)
        ways = {"one process": lambda: one_process(files),
                "worker here": lambda: worker_here(jobs, null),
                "forked worker": lambda: forked(jobs, null),
                "two at a time": lambda: forked_two(jobs, null),
                "bare fork": lambda: forked(jobs, null, bare=True)}
        times: dict[str, list[float]] = {name: [] for name in ways}
        faults: dict[str, int] = {}
        for _ in range(args.repeats + 1):   # the first round warms up, uncounted
            for name, way in ways.items():
                start = time.perf_counter()
                got = way()
                times[name].append((time.perf_counter() - start) / len(files) * 1000)
                if isinstance(got, int):
                    faults[name] = got // len(files)
        os.chdir(root)   # out of the scratch folder before it is removed
    per = {name: statistics.median(t[1:]) for name, t in times.items()}
    print(f"{args.modules} modules, median of {args.repeats} runs, ms per module:")
    for name, ms in per.items():
        extra = f"  ({faults[name]} page faults in the child)" if name in faults else ""
        print(f"  {name:<14} {ms:6.2f}{extra}")
    print(f"isolation (forked worker - one process): +{per['forked worker'] - per['one process']:.2f} ms, "
          f"{per['forked worker'] / per['one process']:.2f}x; of which the worker's own Python work "
          f"+{per['worker here'] - per['one process']:.2f} ms, the fork and exit alone {per['bare fork']:.2f} ms")
    print(f"forked workers two at a time: {per['forked worker'] / per['two at a time']:.2f}x as fast as one at a "
          "time: the most `-j 2` can gain over `-j 1` on this machine with no build around the workers")


if __name__ == "__main__":
    main()
