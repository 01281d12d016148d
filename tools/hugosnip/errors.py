"""Every failure hugosnip reports: one class per kind, one exit status per class.

A problem prints as one line, ``file:line: message``, then indented detail.
When several problems are reported, the exit status is the highest of their codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit statuses, documented in README ("Exit status").
EXIT_OK = 0
EXIT_STALE = 1        # check: a result is missing, stale, orphaned or differs
EXIT_INPUT = 2        # bad input: reference, cell marker, config, path
EXIT_RAISED = 3       # a cell raised (or did not raise when it should)
EXIT_TIMEOUT = 4      # a cell ran past its timeout and was killed
EXIT_DIED = 5         # the worker process died (crash, os._exit, signal)
EXIT_HUGO = 6         # Hugo failed
EXIT_BUSY = 7         # another build holds the lock
EXIT_SCHEDULER = 8    # the Dask scheduler cannot be reached, or has no workers (cluster.py)
EXIT_ENVIRONMENT = 9  # a cluster worker's versions differ from the cache key's: task refused
EXIT_RESOURCES = 10   # no cluster worker has a resource a module asks for (resources=GPU)


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


class Busy(Problem):
    code = EXIT_BUSY


class Stale(Problem):
    code = EXIT_STALE


class SchedulerUnreachable(Problem):
    code = EXIT_SCHEDULER


class EnvironmentMismatch(Problem):
    code = EXIT_ENVIRONMENT


class ResourceMissing(Problem):
    code = EXIT_RESOURCES


def exit_status(problems: list[Problem]) -> int:
    return max((p.code for p in problems), default=EXIT_OK)
