"""``hugosnip build`` and ``hugosnip clean``: scan, plan, run, store, then Hugo."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from . import hugo, store
from .config import Config
from .errors import EXIT_OK, HugoFailed, Problem, exit_status
from .lock import build_lock
from . import report as reporting
from .plan import Plan, environment, make_plan, unnamed_figures
from .project import Project
from .results import check_against, embedded_at, make_doc
from .scan import Reference, scan_site


def report(problems: list[Problem], out=None) -> int:
    out = out or sys.stderr
    for problem in problems:
        print(problem.render(), file=out)
    return exit_status(problems)


def collect(config: Config) -> tuple[Project, list[Reference], list[Problem]]:
    """Scan the pages and resolve their references (stages scan + resolve)."""
    project = Project(config)
    refs, problems, project.pages_seen = scan_site(config.root, config.content_dir, project.cache)
    problems += project.resolve_all(refs)
    return project, refs, problems


def current_docs(plan: Plan, written: dict[str, dict]) -> dict[str, dict]:
    docs = {e.module.ref: e.previous for e in plan.entries if e.previous is not None}
    docs.update(written)
    return docs


def _rel(config: Config, path: Path) -> str:
    return path.relative_to(config.root).as_posix()


def build(config: Config, *, explain: bool = False, jobs: int | None = None, run_hugo: bool = True,
          hugo_args: tuple[str, ...] = (), out=None, early=None, json_path: Path | None = None,
          junit_path: Path | None = None) -> int:
    """Bring the results up to date, then build the site with Hugo.

    Results are usually up to date, so Hugo starts at once (the command line starts it even
    before importing this module: ``early``), beside the planning, with its output held back;
    if anything is written, that early run is dropped and Hugo runs again after.
    """
    out = out or sys.stdout
    if run_hugo and early is None:
        early = hugo.start(config.root, list(hugo_args))
    try:
        result = update(config, explain=explain, jobs=jobs, out=out, json_path=json_path,
                        junit_path=junit_path)
        status, changed = result.status, result.changed
    except BaseException:
        hugo.cancel(early)
        raise
    if status or changed or not run_hugo:
        hugo.cancel(early)
        early = None
    if status or not run_hugo:
        return status
    try:
        code = hugo.finish(early) if early else hugo.run(config.root, list(hugo_args))
    except FileNotFoundError as exc:
        return report([HugoFailed("hugo", None, str(exc))])
    if code:
        return report([HugoFailed("hugo", None, f"Hugo failed with status {code} (its errors are above)")])
    if failed := hugo.post_build(config.root, config.post_build):
        return report([HugoFailed("config.toml", None, failed)])
    return EXIT_OK


@dataclass
class Update:
    status: int                 # exit status
    changed: bool               # anything written (Hugo must read the results again)
    problems: list[Problem]     # as reported
    run_time: float = 0.0       # the snippets' own run time, summed


def update(config: Config, *, explain: bool = False, jobs: int | None = None, out=None,
           json_path: Path | None = None, junit_path: Path | None = None) -> Update:
    """Scan, plan, run what is stale, store."""
    out = out or sys.stdout
    project, refs, problems = collect(config)
    if problems:
        return Update(report(problems), False, problems)
    with build_lock(config.root):
        strays = store.stray_temporaries(config)
        store.remove(strays)
        plan = make_plan(project)
        project.save_cache()
        problems += plan.problems
        embeds = embedded_at(refs)
        written: dict[str, dict] = {}
        for entry in plan.stale:
            if entry.module.is_library:
                written[entry.module.ref] = doc = make_doc(entry, None)
                store.save(config, entry.module.ref, doc, {})
        snippets = [e for e in plan.stale if not e.module.is_library]
        by_ref = {e.module.ref: e for e in snippets}
        outcomes = []

        def finished(outcome) -> None:
            """Store each good result as soon as its module ends (in its runner's thread)."""
            progress.finished(outcome)
            if outcome.ok:
                doc = make_doc(by_ref[outcome.module.ref], outcome)
                store.save(config, outcome.module.ref, doc, outcome.figures)
                written[outcome.module.ref] = doc

        if snippets:
            from .run import run_many  # only a build that runs something pays for it
            progress = reporting.Progress(len(snippets), out)
            try:
                outcomes = run_many(project, [e.module for e in snippets],
                                    jobs if jobs is not None else config.jobs,
                                    on_event=progress.event, on_done=finished)
            finally:
                progress.close()
        for entry, outcome in zip(snippets, outcomes):
            if not outcome.ok:
                problem = outcome.problem
                problem.detail[:0] = [f"embedded at {w}" for w in embeds.get(entry.module.ref, [])]
                problems.append(problem)
        docs = current_docs(plan, written)
        # figures that no result names once this build's results are in (a damaged one names none)
        unused = (unnamed_figures(config, plan.kept_figures, docs.values())
                  if (written or plan.orphan_results or plan.orphan_figures) else [])
        store.remove(plan.orphan_results + unused)
        problems += check_against(refs, docs)
        rows = reporting.rows_of(plan, snippets, outcomes)
        if explain or snippets:
            print(reporting.table(rows), file=out, end="")
        else:
            print(f"hugosnip: {len(rows)} result(s) up to date, nothing ran", file=out)
        reporting.write_reports(config, rows, json_path, junit_path)
        provenance = False
        if snippets or plan.orphan_results:
            provenance = reporting.update_runs(config, plan, snippets, outcomes, environment(config))
            provenance = reporting.write_page(config) or provenance
    changed = bool(written or strays or plan.orphan_results or unused or provenance)
    run_time = sum(o.duration for o in outcomes)
    if problems:
        print(f"hugosnip: {len(problems)} problem(s); the committed results of failing snippets "
              "are left as they were", file=sys.stderr)
        return Update(report(problems), changed, problems, run_time)
    return Update(EXIT_OK, changed, problems, run_time)


def clean(config: Config, out=None) -> int:
    out = out or sys.stdout
    project = Project(config)
    with build_lock(config.root):
        plan = make_plan(project)
        doomed = plan.orphan_results + plan.orphan_figures + store.stray_temporaries(config)
        for path in doomed:
            print(f"removed {_rel(config, path)}", file=out)
        store.remove(doomed)
    return report(plan.problems)
