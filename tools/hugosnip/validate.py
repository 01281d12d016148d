"""Results from elsewhere, checked before anything of them is written.

A Dask worker (cluster.py) sends a module's results back to the build machine, which stores them
in the site. A hostile or broken worker could send anything: figure names such as
``../../x``, bytes that are not the figure their name promises, a megabyte of "output" past
``output_limit``, a host name holding HTML. ``task_result`` checks what came back against the
shape the local runner (run.py, worker.py) produces, field by field, and returns the first reason
it is not that shape ('' when it is). Nothing is written before it says ''.

The same rules serve files read back from disk: ``figure_name`` for a name found in a result.
"""

from __future__ import annotations

import hashlib
import math
import re

FIGURE_NAME = re.compile(r"[0-9a-f]{16}\.(?:svg|png|jpg)")
CELL_KEYS = {"outputs", "truncated", "value", "vars", "figures", "error"}
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
IMAGE_TYPES = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
TEXT_TYPES = {"text/plain", "text/html", "text/markdown", "text/latex", "application/json",
              "application/vnd.plotly.v1+json", "application/vnd.vegalite.v4+json",
              "application/vnd.vegalite.v5+json", "application/vnd.vegalite.v6+json"}
OUTPUTS_LIMIT = 100_000        # outputs of one cell
SIZE_LIMIT = 1 << 20           # pixels along one side of an image
DESCRIBED_KEYS = {"repr", "number"}
# Bounds of what the local runner can produce (worker.py): output is cut at output_limit bytes
# plus a note; a repr at REPR_LIMIT characters plus a note. Fields it does not cut get a wide
# bound, so a result this machine would make always passes.
NOTE = 256                     # bytes of the "[... output cut ...]" note, with room to spare
REPR_LIMIT = 10_000 + 64       # worker.REPR_LIMIT and its "... [N more characters]"
TEXT_LIMIT = 1 << 20           # an error message or a traceback line, a detail
FIGURE_LIMIT = 256 << 20       # bytes of one figure
FIGURES_LIMIT = 1 << 30        # bytes of all the figures of one module
NAME_LIMIT = 255               # a host, a device, a worker's address
HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
WORKER = re.compile(r"(?:tcp|tls|inproc|ucx)://[A-Za-z0-9._:\[\]-]{1,250}")
# The problems a task may report: those the runner itself reports (run.py), nothing else.
PROBLEM_KINDS = {"SnippetRaised", "SnippetTimeout", "WorkerDied", "EnvironmentProblem"}


def figure_name(name) -> bool:
    """A figure's name as the worker makes it: the start of its bytes' sha256, then .svg|.png|.jpg."""
    return isinstance(name, str) and FIGURE_NAME.fullmatch(name) is not None


def _text(value, limit: int, what: str) -> str:
    if not isinstance(value, str):
        return f"{what} is not text ({type(value).__name__})"
    if len(value) > limit or len(value.encode("utf-8", "replace")) > limit:
        return f"{what} is over {limit} bytes"
    return ""


def _name(value, pattern: re.Pattern | None, what: str) -> str:
    if (why := _text(value, NAME_LIMIT, what)):
        return why
    if pattern is not None and not pattern.fullmatch(value):
        return f"{what} {value[:40]!r} is not a valid name"
    if any(not c.isprintable() or c in "<>&\"'`" for c in value):
        return f"{what} {value[:40]!r} holds markup or control characters"
    return ""


def _number(value, what: str, integral: bool = False) -> str:
    kinds = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < 0:
        return f"{what} is not a number of 0 or more"
    return ""


def _described(value, what: str) -> str:
    if not isinstance(value, dict) or set(value) != DESCRIBED_KEYS:
        return f"{what} is not a value (repr and number)"
    if (why := _text(value["repr"], REPR_LIMIT * 4, f"{what}'s repr")):
        return why
    number = value["number"]
    if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))
                               or isinstance(number, float) and not math.isfinite(number)):
        return f"{what}'s number is not a finite number"
    return ""


def _image(payload, mime: str, what: str) -> str:
    if not isinstance(payload, dict) or set(payload) != {"file", "width", "height"}:
        return f"{what}'s {mime} is not an image (file, width, height)"
    if not figure_name(payload["file"]) or not payload["file"].endswith("." + IMAGE_TYPES[mime]):
        return f"{what}'s {mime} names a file that is not <16 hex digits>.{IMAGE_TYPES[mime]}"
    for side in ("width", "height"):
        if (why := _number(payload[side], f"{what}'s {mime} {side}", integral=True)) or payload[side] > SIZE_LIMIT:
            return why or f"{what}'s {mime} {side} is over {SIZE_LIMIT}"
    return ""


def outputs_result(outputs, what: str, output_limit: int) -> tuple[str, list[str]]:
    """Why a cell's outputs are not of the runner's shape ('' when they are), and the image files
    they name, in order."""
    images: list[str] = []
    if not isinstance(outputs, list) or len(outputs) > OUTPUTS_LIMIT:
        return f"{what}'s outputs are not a list of outputs", images
    streamed = {"stdout": 0, "stderr": 0}
    rich = 0
    for n, output in enumerate(outputs, 1):
        at = f"{what}'s output {n}"
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind not in OUTPUT_TYPES:
            return f"{at} is not an output of a known type", images
        if kind == "stream":
            if set(output) != {"output_type", "name", "text"} or output["name"] not in streamed:
                return f"{at} is not a stream (stdout or stderr, and its text)", images
            if not isinstance(output["text"], str):
                return f"{at}'s text is not text ({type(output['text']).__name__})", images
            streamed[output["name"]] += len(output["text"].encode("utf-8", "replace"))
            if streamed[output["name"]] > output_limit + NOTE:
                return f"{what}'s {output['name']} is over {output_limit + NOTE} bytes (output_limit)", images
        elif kind == "error":
            if set(output) != {"output_type", "text"} or (why := _text(output["text"], TEXT_LIMIT, f"{at}'s text")):
                return f"{at} is not an error (its text)", images
        else:
            if not set(output) <= {"output_type", "data", "metadata"} or not isinstance(output.get("data"), dict) \
                    or "text/plain" not in output["data"]:
                return f"{at} is not a bundle (data with text/plain)", images
            if "metadata" in output and output["metadata"] != {"figure": True}:
                return f"{at}'s metadata is not what the runner writes", images
            for mime, payload in output["data"].items():
                if mime in IMAGE_TYPES:
                    if (why := _image(payload, mime, at)):
                        return why, images
                    images.append(payload["file"])
                elif mime in TEXT_TYPES:
                    if (why := _text(payload, REPR_LIMIT * 4 if mime == "text/plain" else TEXT_LIMIT * 64,
                                     f"{at}'s {mime}")):
                        return why, images
                    if mime != "text/plain" and "vnd." not in mime:
                        rich += len(payload.encode("utf-8", "replace"))
                else:
                    return f"{at} holds a MIME type the runner does not keep ({str(mime)[:40]!r})", images
    if rich > output_limit:
        return f"{what}'s HTML, Markdown, LaTeX and JSON outputs are over {output_limit} bytes (output_limit)", images
    return "", images


def cell_result(result, name: str, output_limit: int) -> str:
    """Why a cell's result is not of the runner's shape ('' when it is)."""
    what = f"cell {name!r}"
    if not isinstance(result, dict) or set(result) != CELL_KEYS:
        return f"{what}'s result does not have the fields a result has"
    if not isinstance(result["figures"], list) or not all(figure_name(f) for f in result["figures"]):
        return f"{what} names a figure that is not <16 hex digits>.svg, .png or .jpg"
    why, images = outputs_result(result["outputs"], what, output_limit)
    if why:
        return why
    if (why := _text(result["error"], TEXT_LIMIT, f"{what}'s error")):
        return why
    if not isinstance(result["truncated"], bool):
        return f"{what}'s truncated is not true or false"
    if result["value"] is not None and (why := _described(result["value"], f"{what}'s value")):
        return why
    if not isinstance(result["vars"], dict):
        return f"{what}'s vars are not a table"
    for var, described in result["vars"].items():
        if not isinstance(var, str) or not var.isidentifier():
            return f"{what} binds a variable whose name is not a Python name"
        if (why := _described(described, f"{what}'s variable {var!r}")):
            return why
    if result["figures"] != images:
        return f"{what}'s figures are not the image files its outputs name"
    return ""


def task_result(data, module, versions: dict, output_limit: int) -> str:
    """Why what a cluster task returned is not what the local runner would give ('' when it is).

    ``module`` is the module the task ran (its cells' names, its path), ``versions`` those of the
    cache key the task carried."""
    if not isinstance(data, dict):
        return f"the result is a {type(data).__name__}, not a table"
    for field, pattern in (("worker", WORKER), ("host", HOST), ("device", None)):
        if (why := _name(data.get(field), pattern, field)):
            return why
    if "refused" in data:
        refused = data["refused"]
        if set(data) != {"worker", "host", "device", "refused"} or not isinstance(refused, list) or not refused:
            return "a refusal of another shape than a worker's"
        for item in refused:
            if not (isinstance(item, (list, tuple)) and len(item) == 3 and item[0] in versions
                    and item[1] == versions[item[0]] and not _text(item[2], 100, "version")
                    and item[2].isprintable()):
                return "a refusal that names a version the task did not carry"
        return ""
    expected = {"worker", "host", "device", "cells", "durations", "figures", "duration", "wall", "peak_kb",
                "problem"}
    if set(data) != expected:
        return "the result does not have the fields a result has"
    order = [c.name for c in module.cells]
    cells = data["cells"]
    if not isinstance(cells, dict) or list(cells) != order[: len(cells)]:
        return "its cells are not the module's cells, in order"
    for name, result in cells.items():
        if (why := cell_result(result, name, output_limit)):
            return why
    durations = data["durations"]
    if not isinstance(durations, dict) or set(durations) != set(cells):
        return "its cell durations are not those of its cells"
    for name, seconds in durations.items():
        if (why := _number(seconds, f"cell {name!r}'s duration")):
            return why
    for field in ("duration", "wall"):
        if (why := _number(data[field], field)):
            return why
    if (why := _number(data["peak_kb"], "peak_kb", integral=True)):
        return why
    figures = data["figures"]
    named = {f for result in cells.values() for f in result["figures"]}
    if not isinstance(figures, dict) or set(figures) != named:
        return "its figures are not those its cells name"
    total = 0
    for name, blob in figures.items():
        if not isinstance(blob, bytes):
            return f"figure {name} is not bytes"
        if len(blob) > FIGURE_LIMIT:
            return f"figure {name} is over {FIGURE_LIMIT} bytes"
        total += len(blob)
        if hashlib.sha256(blob).hexdigest()[:16] + name[16:] != name:
            return f"figure {name}'s bytes are not those its name was made from"
    if total > FIGURES_LIMIT:
        return f"its figures are over {FIGURES_LIMIT} bytes in all"
    problem = data["problem"]
    if problem is None:
        if len(cells) != len(order):
            return "it ran only some of the module's cells and reports no problem"
        return ""
    if not isinstance(problem, (list, tuple)) or len(problem) != 5:
        return "its problem is not of a problem's shape"
    kind, file, line, message, detail = problem
    if kind not in PROBLEM_KINDS:
        return f"its problem is of a kind the runner does not report ({str(kind)[:40]!r})"
    if file != module.rel and (_name(file, None, "its problem's file") or file.startswith("/")
                               or ".." in file.split("/")):
        return "its problem names a file that is not a path in the site"
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
        return "its problem's line is not a line number"
    if (why := _text(message, TEXT_LIMIT, "its problem's message")):
        return why
    if not isinstance(detail, list) or len(detail) > 10_000 or \
            any(_text(d, TEXT_LIMIT, "detail") for d in detail):
        return "its problem's detail is not a list of lines of text"
    return ""
