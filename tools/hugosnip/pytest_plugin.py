"""pytest collects every snippet cell as a test item, next to the unit tests.

``pytest`` (with ``snippets`` in ``testpaths``) then checks the posts' code the way a build runs
it: each module runs once, in a worker forked from one server per session, and each of its cells
becomes an item that
- passes when the cell ran and its output matches the committed result (numbers within rtol,
  ``varies`` cells by shape), when that result is up to date;
- fails with the user's own traceback when the cell raised, or with a diff when its output differs;
- is an expected failure (xfailed) when the cell has ``raises=`` and raised as expected;
- is skipped when an earlier cell of the module failed.
Items are named ``snippets/<path>.py::<cell>`` and carry the names of the pages that embed the
module as keywords, so ``-k basics`` or ``-k what-is-rnn`` selects them.
"""

from __future__ import annotations

from pathlib import Path

import pytest


class SnippetError(Exception):
    """A cell failed; its text is already what the reader should see."""


def _project(config):
    cached = getattr(config, "_hugosnip_project", None)
    if cached is None:
        from .config import load
        from .project import Project
        from .root import find_root
        try:
            root = find_root(Path(str(config.rootpath)))
        except Exception:  # noqa: BLE001 - not a hugosnip site: collect nothing
            cached = False
        else:
            cached = Project(load(root))
        config._hugosnip_project = cached
    return cached or None


def _snippet(config, file_path: Path):
    """The snippet module (with cells) at ``file_path``, and its project; or (None, None)."""
    if file_path.suffix != ".py":
        return None, None
    project = _project(config)
    if project is None or not file_path.resolve().is_relative_to(project.base):
        return None, None
    module = project.modules.get(file_path.resolve().relative_to(project.base).as_posix())
    if module is None or module.is_library:
        return None, None
    return module, project


def pytest_collect_file(file_path: Path, parent):
    module, project = _snippet(parent.config, file_path)
    if module is None:
        return None
    return SnippetFile.from_parent(parent, path=file_path, module=module, project=project)


def pytest_pycollect_makemodule(module_path: Path, parent):
    """A snippet named on the command line is ours, not a Python test module to import."""
    module, _ = _snippet(parent.config, module_path)
    if module is not None:
        return _Empty.from_parent(parent, path=module_path)
    return None


class _Empty(pytest.File):
    def collect(self):
        return []


class SnippetFile(pytest.File):
    def __init__(self, *, module, project, **kwargs):
        super().__init__(**kwargs)
        self.module, self.project = module, project
        self.outcome = None

    def collect(self):
        pages = _embedding_pages(self.project).get(self.module.ref, [])
        for cell in self.module.cells:
            item = SnippetCell.from_parent(self, name=cell.name, cell=cell)
            for page in pages:
                item.extra_keyword_matches.add(page)
            yield item

    def run(self):
        if self.outcome is None:
            from .run import run_module
            self.outcome = run_module(self.project, self.module, server=_server(self.session))
        return self.outcome


class SnippetCell(pytest.Item):
    def __init__(self, *, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self):
        outcome = self.parent.run()
        name = self.cell.name
        problem = outcome.problem
        if name not in outcome.cells:
            pytest.skip("not run: an earlier cell of this module failed" if problem else "not run")
        if problem is not None and problem.line is not None and list(outcome.cells)[-1] == name:
            raise SnippetError(problem.render())
        result = outcome.cells[name]
        diff = _diff_with_committed(self.parent, name, result)
        if diff:
            raise SnippetError("\n".join([f"{self.parent.module.rel}#{name}: output differs from the "
                                          "committed result", *diff]))
        if self.cell.options.raises:
            pytest.xfail(f"raised as expected: {result['error']}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SnippetError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.cell.line - 1, self.cell.name


def _committed(file: SnippetFile) -> dict | None:
    """The module's committed result if it is up to date (read and checked once per module)."""
    if not hasattr(file, "_committed"):
        from . import store
        from .key import key_for
        file._committed = None
        try:
            doc = store.load(store.result_path(file.project.config, file.module.ref))
        except (FileNotFoundError, store.Damaged):
            doc = None
        _, key = key_for(file.project, file.module)
        if doc is not None and doc.get("key") == key:
            file._committed = doc  # a stale one is `hugosnip check`'s to report: nothing fair to compare
    return file._committed


def _diff_with_committed(file: SnippetFile, name: str, result: dict) -> list[str]:
    from .compare import diff_cell
    doc = _committed(file)
    old = doc["cells"].get(name) if doc else None
    if old is None:
        return []
    return diff_cell(name, old, dict(old, **result), file.module.rel, file.project.config.rtol)


def _embedding_pages(project) -> dict[str, list[str]]:
    cached = getattr(project, "_pages_by_module", None)
    if cached is None:
        from .scan import scan_site
        refs, _, _ = scan_site(project.config.root, project.config.content_paths, dict(project.cache))
        cached = {}
        for ref in refs:
            cached.setdefault(ref.file, [])
            page = Path(ref.page).stem
            if page not in cached[ref.file]:
                cached[ref.file].append(page)
        project._pages_by_module = cached
    return cached


def _server(session):
    server = getattr(session, "_hugosnip_server", None)
    if server is None:
        from .run import ForkServer, preload_for
        files = [i.parent for i in session.items if isinstance(i, SnippetCell)]
        modules = list({f.module.ref: f.module for f in files}.values())
        project = files[0].project
        server = ForkServer(project.config, preload_for(project, modules))
        session._hugosnip_server = server
    return server


def pytest_sessionfinish(session):
    server = getattr(session, "_hugosnip_server", None)
    if server is not None:
        server.close()
