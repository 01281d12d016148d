"""The site's snippet sources published as pages of the site itself (``source_pages = true``).

For a site whose code has no public repository to link to, ``hugosnip build`` writes
``data/hugosnip_sources.json``: the text of every module under the snippet folder, and one zip
archive of the whole package (its modules, the data files its cells declare, a
``requirements.txt`` and a ``README.txt``). The theme component's content adapter
(``themes/hugosnip/content/_content.gotmpl``) turns it into one page per module, highlighted
with an anchor on every line, and an index page with the archive; the "run it yourself" boxes
link a cell's line there when ``source_url`` is empty.

The document is made from the files as they are, so the same files give the same bytes (the zip's
members have a fixed time); ``hugosnip check`` compares it with what the files would give now.
"""

from __future__ import annotations

import ast
import base64
import json
import sys
from pathlib import Path

from . import store
from .notebook import zip_folder
from .config import Config
from .errors import Stale
from .project import Project, imported_names

SOURCES = Path("data", "hugosnip_sources.json")


def path_of(config: Config) -> Path:
    return config.root / SOURCES


def _requirements(project: Project, versions: dict[str, str]) -> list[str]:
    """The packages the package's modules import, pinned to the versions its results were made
    with where one is recorded (``numpy==2.4.6``), named as pip installs them (``PIL`` -> ``pillow``)."""
    from .key import pip_name
    from .notebook import _named_imports
    names: set[str] = set()
    for module in project.modules.values():
        tree = ast.parse(module.raw)
        owner = module.dotted if module.path.name == "__init__.py" else module.dotted.rpartition(".")[0]
        names.update(name.split(".")[0] for name in imported_names(tree, owner) if name)
        names.update(_named_imports(tree))
    top = project.package.split(".")[0]
    names = {n for n in names if n and n != top and n not in sys.stdlib_module_names and n != "__future__"}
    return sorted({f"{pip_name(n)}=={versions[n]}" if n in versions else pip_name(n) for n in names},
                  key=str.lower)


def _readme(folder: str, example: str | None) -> str:
    run = (f"then run any module from this folder, e.g.\n\n    python -m {example}\n"
           if example else "then import its modules from this folder.\n")
    return (f"The snippet package of this site: every module under {folder}/, as the site was built "
            "from it.\n\n"
            "Needs Python 3. Install what its modules import:\n\n    pip install -r requirements.txt\n\n"
            + run)


def make(config: Config, project: Project, results: dict[str, dict]) -> dict:
    """The sources document of ``project`` as its files are now; ``results`` maps a module's ref to
    its result document (for the versions its run recorded, and the data files its cells name)."""
    versions: dict[str, str] = {}
    data_files: set[str] = set()
    for doc in results.values():
        for name, version in (doc.get("inputs", {}).get("versions") or {}).items():
            if name not in ("hugosnip", "python"):
                versions.setdefault(name, version)
        for rel in doc.get("inputs", {}).get("files", {}):
            if not rel.endswith(".py"):
                data_files.add(rel)
    files = []
    members: dict[str, bytes] = {}
    example = None
    for ref, module in project.modules.items():
        files.append({"path": module.rel, "module": module.dotted, "text": module.raw.decode("utf-8"),
                      "download": ref in results and "archive" in results[ref]})
        members[module.rel] = module.raw
        if example is None and ref in results and results[ref].get("cells"):
            example = module.dotted
    for rel in sorted(data_files):
        try:
            members[rel] = (config.root / rel).read_bytes()
        except OSError:
            continue
    requires = _requirements(project, versions)
    members["requirements.txt"] = "".join(f"{line}\n" for line in requires).encode("utf-8")
    members["README.txt"] = _readme(config.snippets, example).encode("utf-8")
    name = f"{project.package.split('.')[-1] or 'snippets'}-all"   # not a module's download name
    data = zip_folder(name, members)
    return {"hugosnip": store.SCHEMA, "folder": config.snippets, "files": files,
            "archive": {"name": f"{name}.zip", "requires": requires,
                        "data": base64.b64encode(data).decode("ascii")}}


def _current(config: Config) -> dict | None:
    try:
        return json.loads(path_of(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def update(config: Config, project: Project, results: dict[str, dict]) -> bool:
    """Write (or remove) the sources document as the settings and files ask; True if it changed."""
    path = path_of(config)
    if not config.source_pages:
        if path.exists():
            path.unlink()
            return True
        return False
    text = store.dumps(make(config, project, results))
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    store.write_atomic(path, text.encode("utf-8"))
    return True


def problems(config: Config, project: Project, results: dict[str, dict]) -> list:
    """For ``hugosnip check``: the committed sources document is missing, stale or left over."""
    rel = SOURCES.as_posix()
    current = _current(config)
    if not config.source_pages:
        if current is not None or path_of(config).exists():
            return [Stale(rel, None, "source pages are off ([params.hugosnip] source_pages), but their "
                                     "document is still here", ["run 'hugosnip build' to remove it"])]
        return []
    want = json.loads(store.dumps(make(config, project, results)))
    if current is None:
        return [Stale(rel, None, "missing: [params.hugosnip] source_pages is on",
                      ["run 'hugosnip build' to write it"])]
    if current != want:
        old = {f.get("path"): f for f in current.get("files", []) if isinstance(f, dict)}
        new = {f["path"]: f for f in want["files"]}
        changed = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
        detail = [f"differs for {', '.join(changed[:5])}"] if changed else []
        return [Stale(rel, None, "stale: the snippet files changed since it was written",
                      detail + ["run 'hugosnip build' to bring it up to date"])]
    return []
