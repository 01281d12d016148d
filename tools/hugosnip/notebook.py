"""What a reader downloads to run a snippet module on their own: one zip archive.

The archive is ``<name>/`` holding, at their paths in the site:
- the module, every local module it imports (the plan's dependencies, followed through their
  imports, with the ``__init__.py`` of every package on the way, so whatever a site's package
  does on import, such as seeding, happens as in the build) and the data files its cells declare;
- ``<name>.ipynb``: a Jupyter notebook of its cells, with the outputs of the published run as
  Jupyter writes them (stream, display_data, execute_result, error; images inside the
  notebook, PNG and JPEG as base64);
- ``README.txt``: the two ways to run it, and the packages to install (pip's names for them).

Unzipped, ``python -m <module>`` and the notebook both run from that folder with nothing but
those packages installed. The archive is made from a result document and the files its inputs
name, so a build can add it to a result that is up to date without running anything.

Written by hand rather than with nbformat: the format is small, and the output must be the same
bytes every time (no timestamps, no random cell ids: each cell's id is its name).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import sys
import zipfile
from .project import imported_names, statements
from .store import indented

# a fixed time for every member, so that the same inputs give the same bytes
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def zip_folder(name: str, members: dict[str, bytes]) -> bytes:
    """A zip archive that unpacks into one folder ``name/``, its members in sorted order with a
    fixed date and mode: the same members always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for rel in sorted(members):
            info = zipfile.ZipInfo(f"{name}/{rel}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[rel], compresslevel=9)
    return buffer.getvalue()


def download_name(ref: str) -> str:
    """``part2/train.py`` -> ``part2-train``: the archive's and the notebook's name."""
    return ref[: -len(".py")].replace("/", "-") if ref.endswith(".py") else ref.replace("/", "-")


def _setup_code(dotted: str, imports: set[str], relative: bool, seed: int) -> str:
    """The first code cell: what the worker does before a module's first cell."""
    package = dotted.rpartition(".")[0]
    lines = ["# Set up as for the published run: the module's package imported first, as",
             "# `python -m` does, then the random generators seeded."]
    if package:
        lines.append(f"import {package}")
    if relative:  # the cells' `from .x import y` resolve against this package
        lines.append(f"__package__ = {package!r}")
    lines += ["import random", f"random.seed({seed})"]
    if "numpy" in imports:
        lines += ["import numpy", f"numpy.random.seed({seed})"]
    if "torch" in imports:
        lines += ["import torch", f"torch.manual_seed({seed})"]
    return "\n".join(lines)


def _payload(mime: str, value, figures: dict[str, bytes]):
    """A stored payload as a notebook holds it: text as lines, an image file's bytes inline."""
    if isinstance(value, dict) and "file" in value:
        data = figures[value["file"]]
        if mime == "image/svg+xml":
            return _lines(data.decode("utf-8"))
        return base64.b64encode(data).decode("ascii")
    if "json" in mime and mime != "application/json":   # a chart's spec: JSON data in a notebook
        return json.loads(value)
    if mime == "application/json":
        return json.loads(value)
    return _lines(value)


def _output(output: dict, count: int, figures: dict[str, bytes]) -> dict:
    """One stored output (docs/results.md) as a notebook output (nbformat 4)."""
    kind = output["output_type"]
    if kind == "stream":
        return {"output_type": "stream", "name": output["name"], "text": _lines(output["text"])}
    if kind == "error":
        ename, _, evalue = output["text"].partition(": ")
        return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}
    data = {mime: _payload(mime, value, figures) for mime, value in output["data"].items()}
    metadata = {}
    for mime, value in output["data"].items():
        if isinstance(value, dict) and "file" in value and value.get("width"):
            metadata[mime] = {"width": value["width"], "height": value["height"]}
    made = {"output_type": kind, "metadata": metadata, "data": data}
    if kind == "execute_result":
        made = {"output_type": kind, "execution_count": count, "metadata": metadata, "data": data}
    return made


def notebook(doc: dict, figures: dict[str, bytes], imports: set[str], relative: bool, seed: int) -> dict:
    """The notebook of a result document's cells, with their published outputs."""
    intro = (f"Cells of `{doc['file']}`, with the outputs of the published run. Open this "
             "notebook from the folder it came in: it imports the modules next to it.")
    out = [{"cell_type": "markdown", "id": "hugosnip-intro", "metadata": {}, "source": _lines(intro)},
           {"cell_type": "code", "id": "hugosnip-setup", "metadata": {}, "execution_count": 1,
            "source": _lines(_setup_code(doc["module"], imports, relative, seed)), "outputs": []}]
    for count, name in enumerate(doc["order"], start=2):
        cell = doc["cells"][name]
        outputs = [_output(o, count, figures) for o in cell.get("outputs", [])]
        # Jupyter's "run all" goes on past a cell tagged so, as the build does past `raises=`
        metadata = {"tags": ["raises-exception"]} if cell.get("options", {}).get("raises") else {}
        out.append({"cell_type": "code", "id": name[:64], "metadata": metadata, "execution_count": count,
                    "source": _lines(cell["code"]), "outputs": outputs})
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _string_rows(code: str) -> set[int]:
    """Rows (1-based, within ``code``) that continue a token begun on an earlier row: inside a
    multi-line string. Indenting them would change the string, so they are left as they are."""
    import tokenize
    rows: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type not in (tokenize.NEWLINE, tokenize.NL) and token.end[0] > token.start[0]:
                rows.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return rows


def going_on(source: str, doc: dict) -> str:
    """The module's text for its download, with each ``raises=`` cell wrapped so that ``python -m``
    prints the expected error (on stderr, as the page shows it) and runs on, as the build did.

    Each such cell's code is indented under a ``try:``; its ``except`` prints
    ``ValueError: message`` and re-raises any other exception. Two lines are added per cell."""
    cells = sorted((c for c in doc["cells"].values() if (c.get("options") or {}).get("raises")),
                   key=lambda c: c["code_line"], reverse=True)
    if not cells:
        return source
    lines = source.splitlines(keepends=True)
    for cell in cells:
        code_rows = cell["code"].splitlines()
        if not code_rows:
            continue
        first = cell["code_line"] - 1
        last = first + len(code_rows)
        keep = _string_rows(cell["code"])
        body = [line if (n in keep or not line.strip()) else "    " + line
                for n, line in enumerate(lines[first:last], start=1)]
        if body and not body[-1].endswith("\n"):
            body[-1] += "\n"
        raises = cell["options"]["raises"]
        if raises == "true":
            test = ""
        else:
            test = (f"    if {raises!r} not in {{c.__name__ for c in type(_expected).__mro__}} | "
                    "{f'{c.__module__}.{c.__qualname__}' for c in type(_expected).__mro__}:\n"
                    "        raise\n")
        wrapped = ([f"try:  # expected to raise {raises if raises != 'true' else 'an exception'}: "
                    "the error is printed, and the module goes on (hugosnip)\n"]
                   + body
                   + ["except BaseException as _expected:  # noqa: B036\n", test,
                      "    print(''.join(__import__('traceback').format_exception_only(type(_expected), "
                      "_expected)).strip(), file=__import__('sys').stderr)\n"])
        lines[first:last] = [w for w in wrapped if w]
    return "".join(lines)


def _readme(doc: dict, name: str, requires: list[str]) -> str:
    needs = f"pip install {' '.join(requires)}" if requires else "nothing outside Python's standard library"
    return (f"{doc['file']}, as published, with the local modules it imports.\n\n"
            f"Needs Python 3 and: {needs}\n\n"
            f"From this folder, run the whole module:\n\n    python -m {doc['module']}\n\n"
            f"or open {name}.ipynb in Jupyter: its cells, with the published outputs.\n")


_FACTS: dict[str, tuple[str, tuple[frozenset[str], bool]]] = {}   # path -> (digest, facts)


def _import_facts(rel: str, digest: str, data: bytes) -> tuple[frozenset[str], bool]:
    """The top-level names a site file imports or finds by name, and whether it has a relative
    import. Kept by path, for the digest last seen (a build's modules share their packages'
    ``__init__.py``; a long ``serve`` keeps one entry per file, not one per version)."""
    seen, facts = _FACTS.get(rel, (None, None))
    if seen != digest:
        tree = ast.parse(data)
        dotted = rel[: -len(".py")].replace("/", ".")
        owner = dotted.removesuffix(".__init__") if rel.endswith("/__init__.py") else dotted.rpartition(".")[0]
        tops = {name.split(".")[0] for name in imported_names(tree, owner) if name}
        if b"find_spec" in data or b"import_module" in data:   # the only calls _named_imports looks for
            tops |= _named_imports(tree)
        relative = any(isinstance(node, ast.ImportFrom) and node.level for node in statements(tree.body))
        facts = (frozenset(tops), relative)
        _FACTS[rel] = (digest, facts)
    return facts


def _named_imports(tree: ast.Module) -> set[str]:
    """Top-level packages found or imported by a literal name: ``importlib.util.find_spec("x")``,
    ``importlib.import_module("x")`` (a package read as data, a corpus say, is one too)."""
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith(".")
                and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("find_spec", "import_module")):
            found.add(node.args[0].value.split(".")[0])
    return found


def archive(doc: dict, ref: str, config, figures: dict[str, bytes] | None = None) -> dict | None:
    """``{"name", "requires", "data"}`` (data: the zip, base64) for a snippet module's result.

    ``ref`` is the module's path under the snippet folder; ``figures`` the bytes of image files
    not on disk yet (a run's). ``requires`` names pip packages (``pillow``, not ``PIL``). None when a file the result was made from is no longer as it
    was (the result is then stale, and its next run makes the archive) or a figure it names is
    missing.
    """
    files: dict[str, bytes] = {}
    for rel, digest in sorted(doc["inputs"]["files"].items()):
        try:
            data = (config.root / rel).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        files[rel] = data
    svgs: dict[str, bytes] = {}
    for cell in doc["cells"].values():
        for figure in cell.get("figures", []):
            try:
                svgs[figure] = (figures or {}).get(figure) or (config.figure_dir / figure).read_bytes()
            except OSError:
                return None
    package = doc["module"].split(".")[0]
    imports: set[str] = set()
    relative = False
    for rel, data in files.items():
        if rel.endswith(".py"):
            tops, is_relative = _import_facts(rel, doc["inputs"]["files"][rel], data)
            imports.update(tops)
            relative = relative or (rel == doc["file"] and is_relative)
    from .key import pip_name
    requires = sorted({pip_name(name) for name in imports
                       if name != package and name not in sys.stdlib_module_names and name != "__future__"},
                      key=str.lower)
    if doc["file"] in files:   # `python -m` goes on past an expected error, as the build did
        files[doc["file"]] = going_on(files[doc["file"]].decode("utf-8"), doc).encode("utf-8")
    name = download_name(ref)
    nb = notebook(doc, svgs, imports, relative, config.seed)
    members = {**files,
               f"{name}.ipynb": (indented(nb, allow_nan=True) + "\n").encode("utf-8"),
               "README.txt": _readme(doc, name, requires).encode("utf-8")}
    data = zip_folder(name, members)
    return {"name": f"{name}.zip", "requires": requires, "data": base64.b64encode(data).decode("ascii")}
