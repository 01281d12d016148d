"""``hugosnip build`` and ``hugosnip clean``: scan, plan, run, store, then Hugo."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from . import hugo, store
from .config import Config
from .errors import EXIT_ENV, EXIT_OK, HugoFailed, Problem, exit_status
from .lock import build_lock
from . import report as reporting
from .plan import Plan, make_plan, unnamed_figures
from .project import Project
from .results import check_against, embedded_at, make_doc, with_archive
from .scan import Reference, scan_site


def report(problems: list[Problem], out=None) -> int:
    out = out or sys.stderr
    for problem in problems:
        print(problem.render(), file=out)
    return exit_status(problems)


def collect(config: Config) -> tuple[Project, list[Reference], list[Problem]]:
    """Scan the pages and resolve their references (stages scan + resolve)."""
    from .project import folder_problems, name_problems, sibling_import_problems
    if (problems := folder_problems(config)):
        return Project(config), [], problems
    project = Project(config)
    refs, problems, project.pages_seen = scan_site(config.root, config.content_paths, project.cache)
    problems += name_problems(project)
    problems += sibling_import_problems(project)
    problems += project.resolve_all(refs)
    return project, refs, problems


def current_docs(plan: Plan, written: dict[str, dict]) -> dict[str, dict]:
    docs = {e.module.ref: e.previous for e in plan.entries if e.previous is not None}
    docs.update(written)
    return docs


# Provenance used to live in this one file that every build rewrote; now each result holds its own.
LEGACY_RUNS = Path("data", "hugosnip_runs.json")


def big_figures(config: Config, outcomes) -> list[str]:
    """A warning for each figure over ``figure_limit`` bytes, naming its cell (it still builds)."""
    warnings = []
    if not config.figure_limit:
        return warnings
    for outcome in outcomes:
        lines = {c.name: c.line for c in outcome.module.cells}
        for name, data in sorted(outcome.figures.items()):
            if len(data) > config.figure_limit:
                cell = outcome.figure_cells.get(name, "?")
                where = f"{outcome.module.rel}:{lines[cell]}" if cell in lines else outcome.module.rel
                warnings.append(f"{where}: warning: cell {cell!r} drew a "
                                f"figure of {len(data) / 1e6:.1f} MB ({_rel(config, config.figure_dir / name)}), "
                                f"over [params.hugosnip] figure_limit = {config.figure_limit}; plot fewer "
                                "points, or raise the limit")
    return warnings


def _rel(config: Config, path: Path) -> str:
    return path.relative_to(config.root).as_posix()


def build(config: Config, *, explain: bool = False, jobs: int | None = None, run_hugo: bool = True,
          hugo_args: tuple[str, ...] = (), out=None, early=None, json_path: Path | None = None,
          junit_path: Path | None = None, scheduler: str | None = None) -> int:
    """Bring the results up to date, then build the site with Hugo.

    Results are usually up to date, so Hugo starts at once (the command line starts it even
    before importing this module: ``early``), beside the planning, with its output held back;
    if anything is written, that early run is dropped and Hugo runs again after.
    """
    out = out or sys.stdout
    if run_hugo and early is None:   # (the command line checked this before it started ``early``)
        # Without the plugin's Hugo side, Hugo cannot build the pages: say so before running anything.
        from .doctor import component_problems, uses_plugin
        try:
            missing = component_problems(config.root)
            missing = missing if missing and uses_plugin(config.root) else []
        except Problem as problem:
            missing = [problem]
        if missing:
            hugo.cancel(early)
            return report(missing)
    if run_hugo and early is None:
        early = hugo.start(config.root, list(hugo_args))

    def stale_found() -> None:
        """Something will be written or fail: the early run would be dropped, so stop it now and
        leave the cores to the snippets."""
        nonlocal early
        hugo.cancel(early)
        early = None

    from . import warm
    warm.forget(config.root)   # this check may end otherwise than the one that wrote it
    try:
        result = update(config, explain=explain, jobs=jobs, out=out, json_path=json_path,
                        junit_path=junit_path, scheduler=scheduler, on_stale=stale_found)
        status, changed = result.status, result.changed
    except BaseException:
        hugo.cancel(early)
        raise
    if result.clean is not None and not explain and json_path is None and junit_path is None:
        warm.write(config, *result.clean)   # a plain `hugosnip build` may now start Hugo at once
    if status or changed or not run_hugo:
        hugo.cancel(early)
        early = None
    if status or not run_hugo:
        return status
    try:
        code = hugo.finish(early) if early else hugo.run(config.root, list(hugo_args))
    except FileNotFoundError as exc:
        return report([HugoFailed("hugo", None, str(exc))])
    return after_hugo(config, code)


def after_hugo(config: Config, code: int) -> int:
    """The end of a build once Hugo exited with ``code``: its failure explained, else the site's
    post_build command (also the warm path's end, warm.py)."""
    if code:
        problems: list[Problem] = [HugoFailed("hugo", None, f"Hugo failed with status {code} (its errors are above)")]
        from .doctor import diagnose   # a setup problem (no theme component, …) says what to change
        problems += diagnose(config.root)
        return report(problems)
    if failed := hugo.post_build(config.root, config.post_build):
        from . import hugoconfig
        return report([HugoFailed(hugoconfig.main_file(config.root), None, failed)])
    return EXIT_OK


class Writer:
    """One thread that stores results in the order modules end, so that no runner waits for a
    store (a result's document, its download archive, its files) before starting its next module.
    It starts on a result once a cell has started since (``started``; at most HOLD seconds later):
    storing while the runner launches the next module slowed that launch by 1-2 ms (one GIL).
    ``close`` waits for every result handed over, and raises what storing one raised."""

    HOLD = 0.05

    def __init__(self, store_one):
        import queue
        import threading
        self.store_one = store_one
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.go = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="hugosnip-writer", daemon=True)
        self.thread.start()

    def put(self, outcome) -> None:
        self.go.clear()
        self.queue.put(outcome)

    def started(self) -> None:
        """A cell started: the next module is under way, the writer may take the GIL."""
        self.go.set()

    def _loop(self) -> None:
        while (outcome := self.queue.get()) is not None:
            self.go.wait(self.HOLD)
            if self.error is None:
                try:
                    self.store_one(outcome)
                except BaseException as exc:  # noqa: B036 - raised again by close, in the build's thread
                    self.error = exc

    def close(self, raising: bool = True) -> None:
        self.go.set()
        self.queue.put(None)
        self.thread.join()
        if raising and self.error is not None:
            raise self.error


@dataclass
class Update:
    status: int                 # exit status
    changed: bool               # anything written (Hugo must read the results again)
    problems: list[Problem]     # as reported
    run_time: float = 0.0       # the snippets' own run time, summed
    clean: tuple | None = None  # (plan, number of results) when nothing ran, changed or was said


def update(config: Config, *, explain: bool = False, jobs: int | None = None, out=None,
           json_path: Path | None = None, junit_path: Path | None = None,
           scheduler: str | None = None, on_stale=None) -> Update:
    """Scan, plan, run what is stale, store. ``on_stale()`` is called once the plan has stale
    modules, before anything runs."""
    out = out or sys.stdout
    from .run import early_fork_server
    local = _local(config, scheduler)
    if not local:   # a server the command started for an edit is not this build's
        from . import forkhint
        forkhint.discard()
    with early_fork_server(config) if local else nullcontext():
        return _update(config, explain=explain, jobs=jobs, out=out, json_path=json_path,
                       junit_path=junit_path, scheduler=scheduler, on_stale=on_stale)


def _local(config: Config, scheduler: str | None) -> bool:
    """Whether the modules run on this machine (else on a Dask cluster: cluster.py)."""
    return (scheduler or config.scheduler or "local") == "local"


def _update(config: Config, *, explain: bool, jobs: int | None, out, json_path: Path | None,
            junit_path: Path | None, scheduler: str | None, on_stale) -> Update:
    project, refs, problems = collect(config)
    if problems:
        return Update(report(problems), False, problems)
    with build_lock(config.root):
        from .run import clean_scratch
        clean_scratch(config)   # what a killed build left
        strays = store.stray_temporaries(config)
        store.remove(strays)
        legacy = [p for p in [config.root / LEGACY_RUNS] if p.is_file()]
        store.remove(legacy)
        plan = make_plan(project)
        if on_stale and plan.stale:
            on_stale()
        project.save_cache()
        problems += plan.problems
        embeds = embedded_at(refs)
        written: dict[str, dict] = {}
        for entry in plan.stale:
            if entry.module.is_library:
                written[entry.module.ref] = doc = make_doc(entry, None)
                store.save(config, entry.module.ref, doc, {})
        for entry in plan.entries:  # an up-to-date result made before downloads existed gets its own
            previous = entry.previous   # (and one with a raises= cell, whose download wraps that cell)
            if not entry.stale and previous and previous.get("cells") and (
                    "archive" not in previous
                    or any(c.get("options", {}).get("raises") for c in previous["cells"].values())):
                doc = {k: v for k, v in previous.items() if k not in ("source", "notebook", "checksum")}
                if with_archive(doc, entry.module.ref, config):
                    store.save(config, entry.module.ref, doc, {})
                    written[entry.module.ref] = doc
        snippets = [e for e in plan.stale if not e.module.is_library]
        by_ref = {e.module.ref: e for e in snippets}
        outcomes = []

        def finished(outcome) -> None:
            """Hand each good result to the writer as soon as its module ends: the runner's thread
            goes on to the next module while the writer stores this one."""
            progress.finished(outcome)
            if outcome.ok:
                writer.put(outcome)

        def stored(outcome) -> None:
            """Store one result (in the writer's thread)."""
            doc = make_doc(by_ref[outcome.module.ref], outcome, config)
            try:
                store.save(config, outcome.module.ref, doc, outcome.figures)
            except OSError as exc:   # this module's result: the others are still stored
                from .errors import environment_problem
                outcome.problem = environment_problem(exc, config.root)
                return
            written[outcome.module.ref] = doc

        if snippets:
            # only a build that runs something pays for it; a scheduler is reached before anything runs
            from .executor import executor_for
            executor = executor_for(config, scheduler, jobs if jobs is not None else config.jobs)
            progress = reporting.Progress(len(snippets), out)
            import threading
            reports_ready = threading.Thread(target=reporting.warm_up, name="hugosnip-jinja", daemon=True)
            reports_ready.start()   # Jinja, for the table and the JUnit, loads while the snippets run
            writer = Writer(stored)

            def event(module, event) -> None:
                progress.event(module, event)
                if event["event"] == "start":
                    writer.started()

            try:
                try:
                    outcomes = executor.run(project, snippets, on_event=event, on_done=finished)
                except BaseException:
                    writer.close(raising=False)   # what ended before a Ctrl-C is stored too
                    raise
                writer.close()
            finally:
                progress.close()
                executor.close()
        for entry, outcome in zip(snippets, outcomes):
            if not outcome.ok:
                problem = outcome.problem
                if problem.code != EXIT_ENV:   # the machine's problem (disk full), not the pages'
                    problem.detail[:0] = [f"embedded at {w}" for w in embeds.get(entry.module.ref, [])]
                problems.append(problem)
        docs = current_docs(plan, written)
        from . import sources
        sources_changed = sources.update(config, project, docs)
        from . import charts
        charts_changed, chart_warnings = charts.update_scripts(config, docs.values())
        for warning in chart_warnings:
            print(f"hugosnip: warning: {warning}", file=sys.stderr)
        # figures that no result names once this build's results are in (a damaged one names none)
        unused = (unnamed_figures(config, plan.kept_figures, docs.values())
                  if (written or plan.orphan_results or plan.orphan_figures) else [])
        store.remove(plan.orphan_results + unused)
        problems += check_against(refs, docs)
        rows = reporting.rows_of(plan, snippets, outcomes)
        if snippets:
            reports_ready.join()
        if explain or snippets:
            print(reporting.table(rows), file=out, end="")
        else:
            print(f"hugosnip: {len(rows)} result(s) up to date, nothing ran", file=out)
        reporting.write_reports(config, rows, json_path, junit_path)
        if snippets:   # for the next build of an edit: its fork server at once (forkhint.py)
            from . import forkhint
            if _local(config, scheduler):
                from .run import heavy_preloads
                forkhint.write(config, heavy_preloads(project))
            else:   # on a cluster no local server runs a module: none is started for the next build
                forkhint.forget(config)
        for warning in big_figures(config, outcomes):
            print(warning, file=sys.stderr)
    changed = bool(written or strays or plan.orphan_results or unused or legacy or sources_changed
                   or charts_changed)
    run_time = sum(o.duration for o in outcomes)
    if problems:
        print(f"hugosnip: {len(problems)} problem(s); the committed results of failing snippets "
              "are left as they were", file=sys.stderr)
        return Update(report(problems), changed, problems, run_time)
    clean = (plan, len(rows)) if not (snippets or changed or chart_warnings or plan.stale) else None
    return Update(EXIT_OK, changed, problems, run_time, clean)


def clean(config: Config, out=None) -> int:
    out = out or sys.stdout
    project = Project(config)
    with build_lock(config.root):
        from .run import clean_scratch
        clean_scratch(config)
        plan = make_plan(project)
        doomed = plan.orphan_results + plan.orphan_figures + store.stray_temporaries(config)
        for path in doomed:
            print(f"removed {_rel(config, path)}", file=out)
        store.remove(doomed)
    return report(plan.problems)
