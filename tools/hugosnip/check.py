"""``hugosnip check``: are the committed results complete and up to date? Writes nothing.

Without ``--rerun`` it runs no snippet: it compares the inputs' hashes with those each result
recorded. With ``--rerun`` it runs every snippet module again in a scratch folder and compares
the outputs with the committed ones (text exactly, numbers within a tolerance).
"""

from __future__ import annotations

import sys

from .build import _rel, collect, report
from .compare import diff_cell
from .config import Config
from .errors import Stale, exit_status
from .plan import make_plan
from .results import check_against, make_doc
from .run import run_many


def check(config: Config, *, rerun: bool = False, jobs: int | None = None, out=None) -> int:
    out = out or sys.stdout
    project, refs, problems = collect(config)
    from .theme import site_copy_problems
    problems += site_copy_problems(config.root)
    if problems:
        return report(problems)
    plan = make_plan(project)
    problems += plan.problems
    for entry in plan.stale:
        problems.append(Stale(_rel(config, entry.result), entry.damaged_line,
                              f"stale result of {entry.module.rel}: {'; '.join(entry.reasons)}",
                              ["run 'hugosnip build' to bring it up to date"]))
    for path in plan.orphan_results:
        problems.append(Stale(_rel(config, path), None, "orphaned result: its snippet is gone",
                              ["'hugosnip clean' removes it"]))
    for path in plan.orphan_figures:
        problems.append(Stale(_rel(config, path), None, "orphaned figure: no result names it",
                              ["'hugosnip clean' removes it"]))
    docs = {e.module.ref: e.previous for e in plan.entries if e.previous is not None}
    problems += check_against(refs, docs)
    from . import sources
    problems += sources.problems(config, project, docs)
    from .charts import script_problems
    problems += script_problems(config, docs.values())
    if rerun:
        problems += _rerun(config, project, plan, jobs)
    if not problems:
        print(f"hugosnip: {len(plan.entries)} result(s) up to date", file=out)
    return report(problems)


def _rerun(config: Config, project, plan, jobs) -> list:
    entries = [e for e in plan.entries if not e.module.is_library and e.previous is not None]
    outcomes = run_many(project, [e.module for e in entries], jobs if jobs is not None else config.jobs)
    problems = []
    for entry, outcome in zip(entries, outcomes):
        if not outcome.ok:
            problems.append(outcome.problem)
            continue
        new = make_doc(entry, outcome)
        lines = []
        for name in entry.previous["order"]:
            old_cell, new_cell = entry.previous["cells"][name], new["cells"].get(name)
            if new_cell is None:
                lines.append(f"cell {name!r} is gone")
                continue
            lines += diff_cell(name, old_cell, new_cell, entry.module.rel, config.rtol)
        if lines:
            problems.append(Stale(entry.module.rel, None, "re-run differs from the committed result", lines))
    return problems
