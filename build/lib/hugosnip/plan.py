"""Which modules need running, and why: a pure function of the files on disk.

A snippet module's result depends on exactly: its own source, the local modules it imports
(followed through their imports), the data files its cells declare, and the versions of Python,
numpy, torch and hugosnip. A library module's result (its objects' source) depends on its source.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, store
from .errors import InputError, Problem
from .project import Module, Project, sha256
from .scan import not_nfc


def installed_version(dist: str) -> str:
    """A distribution's version, read off its ``<name>-<version>.dist-info`` folder name.

    This is what ``importlib.metadata.version`` finds, without the 20 ms its import costs on
    every warm build; it is used as a fallback for other layouts.
    """
    prefix = dist.lower() + "-"
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.lower().startswith(prefix) and name.endswith(".dist-info"):
                return name[len(prefix):-len(".dist-info")]
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "hugosnip": __version__,
            "numpy": installed_version("numpy"), "torch": installed_version("torch")}


def environment(config) -> dict[str, str]:
    """What besides files decides a snippet's output: the versions, the worker's thread count, and
    the figures' decimal mark when it is not the default."""
    env = dict(versions(), threads=str(config.threads))
    if config.decimal_mark != ".":
        env["decimal_mark"] = config.decimal_mark
    return env


def local_files(project: Project, dotted: str) -> list[Module]:
    """The modules that importing ``dotted`` executes inside the snippet package."""
    prefix = project.package.split(".")
    parts = dotted.split(".")
    if parts[: len(prefix)] != prefix:
        return []
    found = []
    for depth in range(len(prefix), len(parts) + 1):
        sub = "/".join(parts[len(prefix):depth])
        for ref in (f"{sub}/__init__.py" if sub else "__init__.py", f"{sub}.py"):
            if ref in project.modules:
                found.append(project.modules[ref])
    return found


def dependencies(project: Project, module: Module) -> list[Module]:
    """The module and every local module it imports, transitively, sorted by path."""
    seen = {module.ref: module}
    todo = [module]
    for parent in local_files(project, module.dotted)[:-1]:  # its packages' __init__ run first
        seen.setdefault(parent.ref, parent)
        todo.append(parent)
    while todo:
        current = todo.pop()
        for name in current.imports:
            for dep in local_files(project, name):
                if dep.ref not in seen:
                    seen[dep.ref] = dep
                    todo.append(dep)
    return [seen[k] for k in sorted(seen)]


def inputs_of(project: Project, module: Module, env: dict[str, str]) -> dict:
    if module.is_library:
        return {"files": {module.rel: module.digest}, "versions": {"hugosnip": env["hugosnip"]}}
    files = {dep.rel: dep.digest for dep in dependencies(project, module)}
    for cell in module.cells:
        for name in cell.options.data:
            path = project.data_path(name, module.rel, cell.line)
            files[path.relative_to(project.config.root).as_posix()] = sha256(path.read_bytes())
    return {"files": dict(sorted(files.items())), "versions": env}


def key_of(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


@dataclass
class Entry:
    module: Module
    inputs: dict
    key: str
    result: Path
    previous: dict | None          # the committed result, if it loads
    reasons: list[str] = field(default_factory=list)   # empty: the result is up to date

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
    old_v, new_v = old.get("versions", {}), new["versions"]
    for name in sorted(set(old_v) | set(new_v)):
        if old_v.get(name) != new_v.get(name):
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
    env = environment(config)
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
            inputs = inputs_of(project, module, env)
        except Problem as problem:
            _add(problems, problem, module)
            kept.add(store.result_path(config, module.ref))
            continue
        result = store.result_path(config, module.ref)
        entry = Entry(module, inputs, key_of(inputs), result, None)
        try:
            entry.previous = store.load(result)
        except FileNotFoundError:
            entry.reasons.append("no result yet")
        except store.Damaged as exc:
            entry.reasons.append(f"result {result.relative_to(config.root).as_posix()} is damaged ({exc}): re-run")
        if entry.previous is not None and entry.previous.get("key") != entry.key:
            entry.reasons.extend(why(entry.previous.get("inputs", {}), inputs))
        if entry.previous is not None:
            entry.reasons.extend(f"its figure {(config.figure_dir / name).relative_to(config.root).as_posix()} "
                                 "is missing" for name in store.figures_of(entry.previous)
                                 if not (config.figure_dir / name).is_file())
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
