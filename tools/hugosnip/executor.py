"""Where a build runs its stale snippet modules: here (the local pool) or on a Dask cluster.

An executor takes the plan's stale snippet entries and returns one ``Outcome`` per entry, in the
order given, calling ``on_event(module, event)`` as cells start and ``on_done(outcome)`` as each
module ends (the build stores the result there). Both executors run a module through the same
runner, ``run.run_module``: a fresh worker process per module, a clock on every cell, a memory
limit, the whole process group killed at the end, a crash dump kept.

``distributed`` is imported only when a scheduler is named: a local build never loads it.
"""

from __future__ import annotations

from .config import Config
from .errors import InputError

LOCAL = "local"


class LocalPool:
    """This machine's cores: ``run.run_many`` (a fork server, ``jobs`` modules at a time)."""

    name = LOCAL

    def __init__(self, jobs: int):
        self.jobs = jobs

    def run(self, project, entries, on_event=None, on_done=None):
        from .run import run_many
        return run_many(project, [e.module for e in entries], self.jobs, on_event=on_event, on_done=on_done)

    def close(self) -> None:
        pass


def executor_for(config: Config, scheduler: str | None, jobs: int):
    """The executor for ``--scheduler`` (or ``[params.hugosnip] scheduler``); connects at once."""
    where = scheduler or config.scheduler or LOCAL
    if where == LOCAL:
        return LocalPool(jobs)
    try:
        from .cluster import ClusterExecutor
    except ImportError as exc:
        origin = "--scheduler" if scheduler else "config.toml"
        raise InputError(origin, None, f"the scheduler {where} needs Dask's distributed package, which is "
                                       f"not installed ({exc.msg}): pip install 'hugosnip[dask]'") from None
    return ClusterExecutor(config, where)
