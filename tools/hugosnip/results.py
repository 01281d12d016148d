"""Turn a run's outcome into the result document, and check references against results."""

from __future__ import annotations

from . import store
from .cells import options_dict
from .errors import Problem, ReferenceProblem
from .plan import Entry
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Outcome
from .scan import Reference


def cell_options(cell) -> dict:
    options = options_dict(cell.options)
    # the cluster's options appear only when set: results of sites that never use them keep their bytes
    if not options.get("resources", True):
        del options["resources"]
    if not options.get("retries", 1):
        del options["retries"]
    return options


def make_doc(entry: Entry, outcome: Outcome | None, config=None) -> dict:
    """The JSON document of a module: its cells' code and results, and its objects' source.

    With ``config``, a snippet module's document also carries the reader's download
    (``archive``, see notebook.py)."""
    module = entry.module
    cells = {}
    for cell in module.cells:
        result = outcome.cells[cell.name]
        cells[cell.name] = {"line": cell.line, "code": cell.code, "code_line": cell.code_line,
                            "options": cell_options(cell), **result}
    doc = {
        "hugosnip": store.SCHEMA,
        "file": module.rel,
        "module": module.dotted,
        "key": entry.key,
        "inputs": entry.inputs,
        "order": [c.name for c in module.cells],
        "cells": cells,
        # in source order, however the analysis cache stored them
        "objects": dict(sorted(module.objects.items(), key=lambda kv: (kv[1]["line"], kv[0]))),
    }
    if cells:
        doc["provenance"] = provenance(entry, outcome)
        if config is not None:  # what a reader downloads to run it (notebook.archive)
            if (same := same_archive(doc, entry.previous)) is not None:
                doc["archive"] = same
            else:
                with_archive(doc, module.ref, config, outcome.figures)
    return doc


# What a download is not made from: a result's own bookkeeping, and the inputs other than the files
# and the seed (versions, timeouts, … may change a result's key, never its download's bytes).
_NOT_IN_ARCHIVE = ("provenance", "archive", "checksum", "key", "inputs")


def same_archive(doc: dict, previous: dict | None) -> dict | None:
    """The previous result's download when this one would be made of exactly the same: the same
    files (by digest), seed, cells and outputs (figures are named by their bytes' digest). None otherwise."""
    if not previous or "archive" not in previous:
        return None
    new_inputs, old_inputs = doc.get("inputs") or {}, previous.get("inputs") or {}
    if (new_inputs.get("files") != old_inputs.get("files")
            or (new_inputs.get("settings") or {}).get("seed") != (old_inputs.get("settings") or {}).get("seed")):
        return None
    keys = (set(doc) | set(previous)) - set(_NOT_IN_ARCHIVE)
    if any(doc.get(k) != previous.get(k) for k in keys):
        return None
    return previous["archive"]


def provenance(entry: Entry, outcome: Outcome) -> dict:
    """When, on what and with what the result was made: kept in the module's own result, so that
    two authors who re-run different modules never touch the same file. Hugo's report shortcode
    (snip-report) shows it; nothing compares it."""
    import os
    import platform
    import time
    made = {"made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "duration": round(outcome.duration, 2), "peak_mb": round(outcome.peak_kb / 1024),
            "versions": entry.inputs.get("versions", {}),
            "machine": {"system": f"{platform.system()} {platform.machine()}", "cpus": os.cpu_count()}}
    if getattr(outcome, "host", ""):  # ran on a Dask worker (cluster.py): where, and on what device
        made["ran_on"] = {"host": outcome.host, "device": outcome.device}
    return made


def with_archive(doc: dict, ref: str, config, figures: dict[str, bytes] | None = None) -> bool:
    """Add (or refresh) a snippet module's download to its document; True if it changed."""
    from .notebook import archive
    made = archive(doc, ref, config, figures)
    if made is None or doc.get("archive") == made:
        return False
    doc["archive"] = made
    return True


def check_against(refs: list[Reference], docs: dict[str, dict]) -> list[Problem]:
    """Problems only the results can show: a missing variable or figure, a value that is no number.

    ``docs`` maps a module's ref ("demo/basics.py") to its result document.
    """
    problems: list[Problem] = []
    for ref in refs:
        doc = docs.get(ref.file)
        cell = doc and doc.get("cells", {}).get(ref.params.get("cell", ""))
        if not cell:
            continue
        if ref.kind == "snip-value":
            var = ref.params.get("var")
            if var:
                if var not in cell["vars"]:
                    known = ", ".join(cell["vars"]) or "none"
                    problems.append(ReferenceProblem(ref.page, ref.line, f"cell {ref.params['cell']!r} of "
                                                     f"{doc['file']} binds no number or string {var!r} "
                                                     f"(it binds: {known})"))
                    continue
                value = cell["vars"][var]
            else:
                value = cell["value"]
                if value is None:
                    problems.append(ReferenceProblem(ref.page, ref.line, f"cell {ref.params['cell']!r} of "
                                                     f"{doc['file']} ends with no expression; end it with "
                                                     "one, or name a variable with var="))
                    continue
            if (ref.params.get("digits") or ref.params.get("format")) and value["number"] is None:
                problems.append(ReferenceProblem(ref.page, ref.line, f"{value['repr'][:60]} is not a number: "
                                                 "drop digits=/format= to show it as text"))
        elif ref.kind == "snip-figure":
            n = ref.params.get("n", "1")
            count = len(cell["figures"])
            if not n.isdigit() or not 1 <= int(n) <= count:
                problems.append(ReferenceProblem(ref.page, ref.line, f"cell {ref.params['cell']!r} of "
                                                 f"{doc['file']} has {count} figure(s); n={n!r} is not one "
                                                 "of them"))
    return problems


def embedded_at(refs: list[Reference]) -> dict[str, list[str]]:
    """For each module ref, the page:line of every shortcode that embeds it."""
    found: dict[str, list[str]] = {}
    for ref in refs:
        found.setdefault(ref.file, []).append(ref.where)
    return found
