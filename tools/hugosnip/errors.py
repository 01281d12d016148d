"""Every failure hugosnip reports: one class per kind, one exit status per class.

A problem prints as one line, ``file:line: message``, then indented detail.
When several problems are reported, the exit status is the highest of their codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit statuses, documented in README ("Exit statuses").
EXIT_OK = 0
EXIT_STALE = 1        # check: a result is missing, stale, orphaned or differs
EXIT_INPUT = 2        # bad input: reference, cell marker, config, path
EXIT_RAISED = 3       # a cell raised (or did not raise when it should)
EXIT_TIMEOUT = 4      # a cell ran past its timeout and was killed
EXIT_DIED = 5         # the worker process died (crash, os._exit, signal)
EXIT_HUGO = 6         # Hugo failed
EXIT_BUSY = 7         # reserved: builds wait for the lock (lock.py) rather than fail with it
EXIT_ENV = 8          # the machine, not the site: disk full, read-only folder, a bad output path
EXIT_SCHEDULER = 9    # the Dask scheduler cannot be reached, or has no workers (cluster.py)
EXIT_ENVIRONMENT = 10 # a cluster worker's versions differ from the cache key's, or its result is refused
EXIT_RESOURCES = 11   # no cluster worker has a resource a module asks for (resources=GPU)

# What each status means, as README's table of exit statuses says (tests/plugin/test_readme_tables.py
# checks that table against this one, and each status against the fault suite).
MEANINGS = {
    EXIT_OK: "all good",
    EXIT_STALE: "`check`: a result is missing, stale, orphaned, damaged, or differs on `--rerun`",
    EXIT_INPUT: "bad input: a reference, a cell marker, a setting in `config.toml`, a path out of `snippets/`",
    EXIT_RAISED: "a cell raised (or did not raise when `raises=` said it would), or went past `memory_limit`",
    EXIT_TIMEOUT: "a cell ran past its timeout and was killed (with its threads and child processes)",
    EXIT_DIED: "the worker died: segfault, `os._exit`, killed from outside (e.g. the OOM killer); "
               "its crash dump, cut to the snippet's frames, is shown",
    EXIT_HUGO: "Hugo failed",
    EXIT_BUSY: "reserved: another build holds the lock (builds wait for it today)",
    EXIT_ENV: "the machine is in the way, not the site: disk full, a read-only checkout, an output "
              "path (`--json`, `--junit`, `--figures`) that cannot be written; nothing committed changed",
    EXIT_SCHEDULER: "`--scheduler`: the Dask scheduler cannot be reached, or has no workers",
    EXIT_ENVIRONMENT: "`--scheduler`: a cluster worker's Python or library versions differ from those in the "
                      "cache key, or what it sent back is not a result of the local runner's shape (a figure "
                      "name that is not its bytes' hash, output past the limits); refused, nothing is stored",
    EXIT_RESOURCES: "`--scheduler`: no cluster worker has a resource a module asks for (`resources=GPU`)",
}


@dataclass
class Problem(Exception):
    """A problem located in a file: ``file:line: message`` plus detail lines."""

    file: str
    line: int | None
    message: str
    detail: list[str] = field(default_factory=list)
    code = EXIT_INPUT

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def render(self) -> str:
        lines = [f"{self.where()}: {self.message}"]
        lines += ["    " + d for d in self.detail]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class InputError(Problem):
    """Bad input the author can fix: a reference, a cell marker, the config."""


class ReferenceProblem(InputError):
    """A shortcode names a file, cell, object, variable or figure that does not exist."""


class CellSyntaxError(InputError):
    """A ``# %%`` line or a snippet file that cannot be parsed."""


class PathRefused(InputError):
    """A reference points outside the snippet directory."""


class ConfigError(InputError):
    """config.toml or its [params.hugosnip] table is wrong."""


class SnippetRaised(Problem):
    code = EXIT_RAISED


class SnippetTimeout(Problem):
    code = EXIT_TIMEOUT


class WorkerDied(Problem):
    code = EXIT_DIED


class HugoFailed(Problem):
    code = EXIT_HUGO


class Stale(Problem):
    code = EXIT_STALE


class EnvironmentProblem(Problem):
    """The machine stops hugosnip (disk full, read-only checkout, an output path it cannot write)."""
    code = EXIT_ENV


def environment_problem(exc: OSError, root=None) -> EnvironmentProblem:
    """An OSError from reading or writing a file, as one line that says what to do."""
    import errno
    import os
    name = exc.filename or ""
    if root is not None and name:
        try:
            name = os.path.relpath(name, root) if os.path.isabs(name) and \
                os.path.realpath(name).startswith(os.path.realpath(root) + os.sep) else name
        except ValueError:
            pass
    what = exc.strerror or str(exc)
    advice = {
        errno.ENOSPC: "free some disk space and run it again",
        errno.EDQUOT: "free some disk space and run it again",
        errno.EROFS: "the folder is read-only: run it in a checkout you can write to",
        errno.EACCES: "hugosnip cannot write here: run it in a checkout you can write to, or fix the permissions",
        errno.EPERM: "hugosnip cannot write here: run it in a checkout you can write to, or fix the permissions",
        errno.EISDIR: "that is a folder: name a file",
        errno.ENOTDIR: "a part of that path is a file, not a folder",
        errno.ENOENT: "its folder does not exist",
    }.get(exc.errno, "check the path and the disk, then run it again")
    return EnvironmentProblem(str(name) or "hugosnip", None,
                              f"{what.lower() if what[:1].isupper() and what[1:2].islower() else what}; "
                              f"{advice} (committed results are as they were)")


class SchedulerUnreachable(Problem):
    code = EXIT_SCHEDULER


class EnvironmentMismatch(Problem):
    code = EXIT_ENVIRONMENT


class ResultRefused(Problem):
    """What a cluster worker sent back is not of the local runner's shape (validate.py): refused."""
    code = EXIT_ENVIRONMENT


class ResourceMissing(Problem):
    code = EXIT_RESOURCES


def exit_status(problems: list[Problem]) -> int:
    return max((p.code for p in problems), default=EXIT_OK)
