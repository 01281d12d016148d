"""Which modules need running, and why: a pure function of the files on disk.

What a result depends on (its cache key) is listed in one place, ``key.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .errors import InputError, Problem
from .key import key_for
from .project import Module, Project
from .scan import not_nfc


@dataclass
class Entry:
    module: Module
    inputs: dict
    key: str
    result: Path
    previous: dict | None          # the committed result, if it loads
    reasons: list[str] = field(default_factory=list)   # empty: the result is up to date
    damaged_line: int | None = None   # where a damaged result is broken (a conflict marker, bad JSON)

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


@dataclass
class Plan:
    entries: list[Entry]
    orphan_results: list[Path]
    orphan_figures: list[Path]
    problems: list[Problem]
    kept_figures: set[str]   # named by the results of modules that cannot be planned now

    @property
    def stale(self) -> list[Entry]:
        return [e for e in self.entries if e.stale]


def why(old: dict, new: dict) -> list[str]:
    """Human reasons a result made from ``old`` inputs is stale for ``new`` ones."""
    reasons = []
    old_files, new_files = old.get("files", {}), new["files"]
    for path in sorted(set(old_files) | set(new_files)):
        if path not in old_files:
            reasons.append(f"{path} is a new dependency")
        elif path not in new_files:
            reasons.append(f"{path} is no longer a dependency")
        elif old_files[path] != new_files[path]:
            reasons.append(f"{path} changed")
    # versions and settings as one list of names (an older result kept some settings in versions)
    old_v = {**old.get("versions", {}), **old.get("settings", {})}
    new_v = {**new.get("versions", {}), **new.get("settings", {})}
    for name in sorted(set(old_v) | set(new_v)):
        if name == "hugosnip" and str(old_v.get(name)) != str(new_v.get(name)):
            reasons.append(f"made by an older hugosnip (runner version {old_v.get(name, 'absent')}; "
                           f"this one is {new_v.get(name)})" if str(old_v.get(name)).isdigit()
                           and int(old_v[name]) < int(new_v.get(name, 0)) else
                           f"made by another hugosnip (runner version {old_v.get(name, 'absent')}; "
                           f"this one is {new_v.get(name)})")
        elif str(old_v.get(name)) != str(new_v.get(name)):
            reasons.append(f"{name} {old_v.get(name, 'absent')} -> {new_v.get(name, 'absent')}")
    return reasons or ["inputs changed"]


def _add(problems: list[Problem], problem: Problem, module: Module) -> None:
    """Add a problem once: a broken library is reported once, with the modules that import it."""
    same = next((p for p in problems if (p.file, p.line, p.message) == (problem.file, problem.line,
                                                                        problem.message)), None)
    if same is None:
        problems.append(problem)
        same = problem
    if problem.file != module.rel and f"imported by {module.rel}" not in same.detail:
        same.detail.append(f"imported by {module.rel}")


def make_plan(project: Project) -> Plan:
    config = project.config
    entries, problems = [], []
    kept = set()   # results of modules that cannot be planned now: never orphans
    folders = {ref.rpartition("/")[0] for ref in project.modules}
    for module in project.modules.values():
        stem = module.ref[: -len(".py")]
        if (problem := not_nfc(module.rel)):
            problems.append(problem)
            kept.add(store.result_path(config, module.ref))
            continue
        if any(f == stem or f.startswith(stem + "/") for f in folders):
            problems.append(InputError(module.rel, None, f"{module.rel} and the folder {config.snippets}/{stem}/ "
                                       f"would share data/hugosnip/{stem}: rename one of them"))
            kept.add(store.result_path(config, module.ref))
            continue
        try:
            if module.is_library and not module.objects:
                continue  # nothing a page could embed (an empty __init__.py, say)
            inputs, key = key_for(project, module)
        except Problem as problem:
            _add(problems, problem, module)
            kept.add(store.result_path(config, module.ref))
            continue
        result = store.result_path(config, module.ref)
        entry = Entry(module, inputs, key, result, None)
        try:
            entry.previous = store.load(result)
        except FileNotFoundError:
            entry.reasons.append("no result yet")
        except store.Older as exc:
            entry.reasons.append(f"result {result.relative_to(config.root).as_posix()} was {exc}: re-run")
        except store.Damaged as exc:
            entry.damaged_line = exc.line
            entry.reasons.append(f"result {result.relative_to(config.root).as_posix()} is damaged ({exc}): re-run")
        if entry.previous is not None and entry.previous.get("key") != entry.key:
            entry.reasons.extend(why(entry.previous.get("inputs", {}), inputs))
        if entry.previous is not None:
            for name in store.figures_of(entry.previous):
                rel = (config.figure_dir / name).relative_to(config.root).as_posix()
                damage = store.figure_damage(config.figure_dir / name)
                if damage:
                    entry.reasons.append(f"its figure {rel}{damage}")
        entries.append(entry)
    known = {e.result for e in entries} | kept
    orphan_results = [p for p in store.result_files(config) if p not in known]
    kept_figures = set()
    for path in kept:
        try:
            kept_figures.update(store.figures_of(store.load(path)))
        except (FileNotFoundError, store.Damaged):
            pass
    orphan_figures = unnamed_figures(config, kept_figures, [e.previous for e in entries if e.previous])
    return Plan(entries, orphan_results, orphan_figures, problems, kept_figures)


def unnamed_figures(config, kept_figures: set[str], docs) -> list[Path]:
    """Figure files that neither ``kept_figures`` nor any of the result documents ``docs`` names."""
    used = set(kept_figures)
    for doc in docs:
        used.update(store.figures_of(doc))
    return [p for p in store.figure_files(config) if p.name not in used]
