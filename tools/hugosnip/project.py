"""The snippet folder: its modules, parsed once, and the resolution of references against them."""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path, PurePosixPath

from . import __version__
from .cells import Cell, Options, cell_dict, parse_cells
from .config import Config
from .errors import InputError, PathRefused, Problem, ReferenceProblem
from .objects import find_objects
from .scan import Reference, not_nfc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


ANALYSIS_CACHE = Path(".hugosnip", "analysis.json")


def statements(body: list[ast.stmt]):
    """Every statement in ``body``, nested ones too, without visiting expressions (an import is
    a statement: this finds them all ~3 times faster than ``ast.walk``)."""
    for node in body:
        yield node
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from statements(inner)
        for part in [*getattr(node, "handlers", ()), *getattr(node, "cases", ())]:   # except, match
            yield from statements(part.body)


def imported_names(tree: ast.Module, package: str) -> list[str]:
    """Dotted names a module may import, relative imports made absolute, sorted."""
    names: set[str] = set()
    for node in statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            names.add(origin)
            names.update(f"{origin}.{alias.name}" for alias in node.names)  # may be submodules
    return sorted(names)


def _cell_from(data: dict) -> Cell:
    options = dict(data["options"], data=tuple(data["options"]["data"]))
    if "resources" in options:  # a list once it went through the analysis cache's JSON
        options["resources"] = tuple(options["resources"])
    return Cell(data["name"], data["line"], data["code"], data["code_line"], Options(**options))


def _analysis_ok(cached) -> bool:
    """A module's entry in the analysis cache is of the shape ``Module.analysis`` stores; anything
    else (edited, damaged, an older hugosnip's) is a miss, and the source is read again."""
    if not (isinstance(cached, dict) and set(cached) == {"cells", "objects", "imports"}):
        return False
    cells, objects, imports = cached["cells"], cached["objects"], cached["imports"]
    if not (isinstance(cells, list) and isinstance(objects, dict) and isinstance(imports, list)
            and all(isinstance(i, str) for i in imports)):
        return False
    fields_of_options = {f.name for f in fields(Options)}
    for cell in cells:
        if not (isinstance(cell, dict) and {"name", "line", "code", "code_line", "options"} == set(cell)
                and isinstance(cell["name"], str) and isinstance(cell["code"], str)
                and isinstance(cell["line"], int) and isinstance(cell["code_line"], int)
                and isinstance(cell["options"], dict) and set(cell["options"]) <= fields_of_options
                and isinstance(cell["options"].get("data", []), list)):
            return False
    return all(isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("line"), int)
               for k, v in objects.items())


@dataclass
class Module:
    path: Path      # absolute
    rel: str        # relative to the site root: "snippets/demo/basics.py"
    ref: str        # relative to the snippet folder, as pages name it: "demo/basics.py"
    dotted: str     # "snippets.demo.basics"
    raw: bytes = field(repr=False)
    cache: dict = field(default_factory=dict, repr=False)   # the project's analysis cache

    @cached_property
    def analysis(self) -> dict:
        """Cells, objects and imports: read off the source once, then cached by its digest."""
        key = f"{self.rel}:{self.digest}"
        cached = self.cache.get(key)
        if not _analysis_ok(cached):
            try:
                tree = ast.parse(self.source, filename=self.rel)   # once, for all three
            except SyntaxError:
                tree = None
            cells = parse_cells(self.source, self.rel, tree)   # raises on a syntax error: not cached
            package = self.dotted if self.path.name == "__init__.py" else self.dotted.rpartition(".")[0]
            self.cache[key] = {
                "cells": [cell_dict(c) for c in cells],
                "objects": find_objects(self.source, tree),
                "imports": imported_names(tree, package),
            }
        return self.cache[key]

    @cached_property
    def source(self) -> str:
        try:
            return self.raw.decode("utf-8-sig")   # a byte-order mark is valid Python: dropped
        except UnicodeDecodeError as exc:
            raise ReferenceProblem(self.rel, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    @cached_property
    def digest(self) -> str:
        return sha256(self.raw)

    @cached_property
    def cells(self) -> list[Cell]:
        return [_cell_from(c) for c in self.analysis["cells"]]

    @property
    def objects(self) -> dict[str, dict]:
        return self.analysis["objects"]

    @property
    def imports(self) -> list[str]:
        return self.analysis["imports"]

    @property
    def is_library(self) -> bool:
        return not self.cells

    def cell(self, name: str) -> Cell | None:
        return next((c for c in self.cells if c.name == name), None)


class Project:
    def __init__(self, config: Config):
        self.config = config
        self.base = config.snippet_dir.resolve()
        self.package = ".".join(PurePosixPath(config.snippets).parts)
        self._modules: dict[str, Module] | None = None
        self.cache = self._read_cache()
        self.pages_seen: set[str] = set()   # cache keys of the pages scanned this time
        self._snippets_in_place: set[str] = set()   # names safe_path passed in this resolve_all

    def _read_cache(self) -> dict:
        try:
            data = json.loads((self.config.root / ANALYSIS_CACHE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        # anything else than what save_cache writes (edited, damaged, an older hugosnip): start over
        if not isinstance(data, dict) or data.get("hugosnip") != __version__ \
                or not isinstance(data.get("entries"), dict):
            return {}
        return data["entries"]

    def save_cache(self) -> None:
        """Keep the analyses of the files as they are now (build only: check writes nothing)."""
        from .store import write_atomic
        keep = {f"{m.rel}:{m.digest}" for m in self.modules.values()} | set(self.pages_seen)
        entries = {k: v for k, v in self.cache.items() if k in keep}
        path = self.config.root / ANALYSIS_CACHE
        data = json.dumps({"hugosnip": __version__, "entries": entries}, ensure_ascii=False)
        try:
            if path.read_text(encoding="utf-8") == data:
                return
        except OSError:
            pass
        write_atomic(path, data.encode("utf-8"))

    @property
    def modules(self) -> dict[str, Module]:
        """Every ``.py`` file under the snippet folder, keyed by its ``ref``, sorted."""
        if self._modules is None:
            found = {}
            if self.base.is_dir():
                for path in sorted(self.base.rglob("*.py")):
                    if "__pycache__" in path.parts or not path.is_file():
                        continue
                    if not path.resolve().is_relative_to(self.base):
                        continue  # a symlink out of the snippet folder is never run
                    found[path.relative_to(self.base).as_posix()] = self.load(path)
            self._modules = found
        return self._modules

    def local_files(self, dotted: str) -> list[Module]:
        """The modules that importing ``dotted`` executes inside the snippet package."""
        prefix = self.package.split(".")
        parts = dotted.split(".")
        if parts[: len(prefix)] != prefix:
            return []
        found = []
        for depth in range(len(prefix), len(parts) + 1):
            sub = "/".join(parts[len(prefix):depth])
            for ref in (f"{sub}/__init__.py" if sub else "__init__.py", f"{sub}.py"):
                if ref in self.modules:
                    found.append(self.modules[ref])
        return found

    def dependencies(self, module: Module) -> list[Module]:
        """The module and every local module it imports, transitively, sorted by path."""
        seen = {module.ref: module}
        todo = [module]
        for parent in self.local_files(module.dotted)[:-1]:  # its packages' __init__ run first
            seen.setdefault(parent.ref, parent)
            todo.append(parent)
        while todo:
            current = todo.pop()
            for name in current.imports:
                for dep in self.local_files(name):
                    if dep.ref not in seen:
                        seen[dep.ref] = dep
                        todo.append(dep)
        return [seen[k] for k in sorted(seen)]

    def load(self, path: Path) -> Module:
        ref = path.relative_to(self.base).as_posix()
        dotted = ".".join([self.package, *PurePosixPath(ref).with_suffix("").parts])
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        rel = (PurePosixPath(self.config.snippets) / ref).as_posix()
        return Module(path, rel, ref, dotted, path.read_bytes(), self.cache)

    def data_path(self, name: str, where: str, line: int | None) -> Path:
        """A data file a cell declares, checked to lie inside the snippet folder."""
        path = self.safe_path(name, where, line, "data file")
        if not path.is_file():
            raise ReferenceProblem(where, line, f"data file {name!r} does not exist in {self.config.snippets}/")
        return path

    def safe_path(self, name: str, where: str, line: int | None, what: str) -> Path:
        pure = PurePosixPath(name)
        if pure.is_absolute() or "\\" in name or re.match(r"^[A-Za-z]:", name):
            raise PathRefused(where, line, f"{what} {name!r} is an absolute path; name it relative "
                              f"to {self.config.snippets}/")
        if ".." in pure.parts:
            raise PathRefused(where, line, f"{what} {name!r} climbs out with '..'; name it relative "
                              f"to {self.config.snippets}/")
        path = self.base / pure
        if path.exists() and not path.resolve().is_relative_to(self.base):
            raise PathRefused(where, line, f"{what} {name!r} is a symlink out of {self.config.snippets}/; "
                              "copy the file in instead")
        return path

    def module_for(self, ref: Reference) -> Module:
        if ref.file not in self._snippets_in_place:   # a module's many references: its path checked once
            self.safe_path(ref.file, ref.page, ref.line, "snippet")
            self._snippets_in_place.add(ref.file)
        module = self.modules.get(ref.file)
        if module is None:
            import unicodedata
            spelled = [m for m in self.modules.values()
                       if unicodedata.normalize("NFC", m.ref) == unicodedata.normalize("NFC", ref.file)]
            if spelled and (problem := not_nfc(spelled[0].rel)):
                raise problem
            raise ReferenceProblem(ref.page, ref.line, f"no snippet {self.config.snippets}/{ref.file}"
                                   f"{_closest(ref.file, self.modules)}")
        return module

    def resolve(self, ref: Reference) -> Module:
        """Check that a reference names an existing file, cell and object; return its module."""
        module = self.module_for(ref)
        if "cell" in ref.params:
            names = [c.name for c in module.cells]
            if not names:
                raise ReferenceProblem(ref.page, ref.line, f"{module.rel} has no cells (it is a library "
                                       "module); mark cells with '# %% name' lines")
            if ref.params["cell"] not in names:
                raise ReferenceProblem(ref.page, ref.line, f"no cell {ref.params['cell']!r} in {module.rel}"
                                       f"{_closest(ref.params['cell'], names)}")
        if "object" in ref.params and ref.params["object"] not in module.objects:
            raise ReferenceProblem(ref.page, ref.line, f"no function, class or method "
                                   f"{ref.params['object']!r} in {module.rel}"
                                   f"{_closest(ref.params['object'], module.objects)}")
        return module

    def resolve_all(self, refs: list[Reference]) -> list[Problem]:
        """The problems of every reference; one in a snippet (a syntax error, say) is said once,
        with the pages that embed it listed under it, as a failing run is."""
        problems: list[Problem] = []
        in_snippets: dict[tuple, Problem] = {}
        self._snippets_in_place.clear()   # the files as they are now
        for ref in refs:
            try:
                self.resolve(ref)
            except Problem as problem:
                if problem.file == ref.page:
                    problems.append(problem)
                    continue
                key = (type(problem), problem.file, problem.line, problem.message)
                said = in_snippets.get(key)
                if said is None:
                    in_snippets[key] = said = problem
                    problems.append(problem)
                if f"embedded at {ref.where}" not in said.detail:
                    said.detail.append(f"embedded at {ref.where}")
        return problems


def _closest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def folder_problems(config: Config) -> list[Problem]:
    """The snippet folder must be importable as a package under its own name (the worker runs
    ``python -m <folder>.<module>`` from the site root): each part of its path a Python name, and
    its top-level name not one of the standard library's, which Python would import instead."""
    import sys
    parts = PurePosixPath(config.snippets).parts
    where = config.snippets.rstrip("/") + "/"
    fix = ("rename the folder (e.g. 'snippets' or 'py_snippets') and set [params.hugosnip] snippets "
           "to its new name")
    bad = [p for p in parts if not p.isidentifier()]
    if bad or not parts:
        return [InputError(where, None, f"the snippet folder {config.snippets!r} cannot be imported as a "
                           f"Python package ({bad[0]!r} is not a Python name)" if bad else
                           "the snippet folder must be a folder below the site root", [fix])]
    if parts[0] in sys.stdlib_module_names:
        return [InputError(where, None, f"the snippet folder {parts[0]!r} has the name of Python's "
                           f"standard-library module {parts[0]!r}, which shadows it: imports of "
                           f"{parts[0]}.… break", [fix])]
    return []


def name_problems(project: Project) -> list[Problem]:
    """A snippet whose result's file name would be longer than the file system allows (255 bytes
    on most): refused before anything runs, rather than failing when its result is stored."""
    import os
    problems = []
    for module in project.modules.values():
        name = PurePosixPath(module.ref).with_suffix(".json").name
        try:
            limit = os.pathconf(project.base, "PC_NAME_MAX")
        except (OSError, ValueError):
            limit = 255
        size = len(name.encode("utf-8", "surrogateescape"))
        if size > limit:
            problems.append(InputError(module.rel, None, f"the file name is too long: its result's name "
                                       f"({name[:20]}….json) would be {size} bytes, over the {limit} bytes a file "
                                       "name may have here; shorten it"))
    return problems


def sibling_import_problems(project: Project) -> list[Problem]:
    """``import helpers`` in a snippet, where helpers.py sits next to it: that name is not on the
    worker's path (the snippet folder is a package), so say how to write it."""
    problems = []
    for module in project.modules.values():
        folder = module.path.parent
        try:
            tops = {n.split(".")[0] for n in module.imports}   # from the analysis cache
        except (Problem, SyntaxError):
            continue   # reported where the cells are parsed
        if not any((folder / f"{t}.py").is_file() or (folder / t / "__init__.py").is_file()
                   for t in tops if t and t != project.package.split(".")[0]):
            continue
        tree = ast.parse(module.source)
        package = module.dotted if module.path.name == "__init__.py" else module.dotted.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [(a.name, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [(node.module, node.module)]
            else:
                continue
            for name, _ in names:
                if not name:
                    continue
                top = name.split(".")[0]
                if top == project.package.split(".")[0]:
                    continue
                if (folder / f"{top}.py").is_file() or (folder / top / "__init__.py").is_file():
                    rest = name[len(top):]
                    problems.append(InputError(
                        module.rel, node.lineno,
                        f"'{top}' is a module next to this snippet, but the snippet folder is a package, "
                        f"so it is not importable as '{top}'",
                        [f"write 'from . import {top}' / 'from .{name} import …', or "
                         f"'import {package}.{top}{rest}'"]))
    return problems
