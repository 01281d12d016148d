"""The worker: runs one snippet module's cells in a fresh process and reports each result.

Started by ``run.py`` as ``python -m hugosnip.worker EVENT_FD`` with the job as JSON on stdin.
It writes one JSON line per event to EVENT_FD: ``start`` and ``done`` per cell, ``failed`` when a
cell raises (or does not raise when it should), ``end``, and ``gone`` once every process a cell
started is killed and only the worker's own exit is left. The parent owns the clock: it kills
the whole process group when a cell passes its timeout. Only this process imports the
snippet's libraries (numpy, torch, matplotlib).
"""

from __future__ import annotations

import ast
import builtins
import faulthandler
import hashlib
import importlib.abc
import importlib.util
import io
import json
import math
import numbers
import os
import random
import re
import resource
import sys
import time
import traceback
import types
import warnings

REPR_LIMIT = 10_000


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``hook(module)`` right after ``name`` is first imported (to seed torch lazily)."""

    def __init__(self, name: str, hook):
        self.name, self.hook = name, hook

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, hook = spec.loader, self.hook

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                hook(module)

        spec.loader = Loader()
        return spec


def seed_everything(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy
        numpy.random.seed(seed)
    except ImportError:
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    else:  # importing torch costs seconds: seed it when (if) a cell imports it
        sys.meta_path.insert(0, _AfterImport("torch", lambda torch: torch.manual_seed(seed)))


def number(value):
    """The value as a JSON number if it is a finite real number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        # beyond float64 Hugo cannot read it as a number (Go reads every JSON number as a float64)
        return int(value) if abs(int(value)) <= sys.float_info.max else None
    if isinstance(value, numbers.Real):
        as_float = float(value)
        return as_float if math.isfinite(as_float) else None
    for lib in ("numpy", "torch"):
        mod = sys.modules.get(lib)
        kind = getattr(mod, "ndarray" if lib == "numpy" else "Tensor", None) if mod else None
        if kind is not None and isinstance(value, kind) and value.ndim == 0:
            try:
                return number(value.item())
            except (TypeError, ValueError, RuntimeError):
                return None
    return None


def _use_our_display(module) -> None:
    from .display import display
    module.display = display


def route_ipython_display() -> None:
    """``IPython.display.display`` without a running IPython shell only prints: make it (and what
    imports it later) this worker's ``display``, once a cell imports IPython. IPython itself is
    never imported here."""
    name = "IPython.core.display_functions"
    if name in sys.modules:
        _use_our_display(sys.modules[name])
        for other in ("IPython.display", "IPython.core.display", "IPython"):
            if hasattr(sys.modules.get(other), "display"):
                _use_our_display(sys.modules[other])
    else:
        sys.meta_path.insert(0, _AfterImport(name, _use_our_display))


def chart_mimetypes() -> None:
    """Plotly and Altair figures shown as their chart specs, as in Jupyter (charts.RENDERERS)."""
    from .charts import RENDERERS
    for name, hook in RENDERERS.items():
        if name in sys.modules:
            hook(sys.modules[name])
        else:
            sys.meta_path.insert(0, _AfterImport(name, hook))


# A header cell with nothing in it (pandas' corner above the row labels, `&nbsp;` in a Styler).
EMPTY_HEADER = re.compile(r"<th((?:\s[^>]*)?)>(?:\s|&nbsp;)*</th>")


def pandas_table(obj, data: dict) -> dict:
    """pandas shown as a table a reader can use: a Series as a one-column table (Jupyter shows
    it as text only), and an empty header cell written as a plain cell, since a header that
    names nothing is read out as nothing. Only when the snippet imported pandas itself."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return data
    styler = getattr(sys.modules.get("pandas.io.formats.style"), "Styler", None)
    if not isinstance(obj, (pandas.DataFrame, pandas.Series) + ((styler,) if styler else ())):
        return data
    if isinstance(obj, pandas.Series) and "text/html" not in data:
        try:
            html = obj.to_frame(name="" if obj.name is None else obj.name)._repr_html_()
        except Exception:   # a broken frame keeps its text form
            html = None
        if isinstance(html, str):
            data = {**data, "text/html": html}
    if isinstance(data.get("text/html"), str):
        data = {**data, "text/html": EMPTY_HEADER.sub(r"<td\1></td>", data["text/html"])}
    return data


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{4,}")
# Terminal escapes (colours, cursor moves, OSC 8 links): a page is not a terminal, and an OSC link
# may carry a javascript: URL. CSI and OSC sequences are taken out; any other ESC is shown as text.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[0-~]")


def without_escapes(text: str) -> str:
    return ANSI.sub("", text).replace("\x1b", "\\x1b") if "\x1b" in text else text


def without_addresses(text: str) -> str:
    """``<Line2D object at 0x7f3a...>`` -> ``<Line2D object>``: an address differs on every run."""
    return ADDRESS.sub("", text) if " at 0x" in text else text


def ends_with_semicolon(code: str) -> bool:
    """True when the cell's last statement ends in ``;`` (Jupyter's way to hide the value)."""
    if ";" not in code:
        return False   # no need to tokenize (~0.1 ms a cell)
    import tokenize
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.DEDENT,
            tokenize.INDENT}
    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            if token.type not in skip:
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def shown_text(value) -> str:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        value = value.item()  # 8.98 rather than np.float64(8.98)
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the run
        text = f"<repr failed: {type(exc).__name__}: {exc}>"
    text = without_addresses(text)
    if len(text) > REPR_LIMIT:
        text = text[:REPR_LIMIT] + f"... [{len(text) - REPR_LIMIT} more characters]"
    return text


def describe(value) -> dict:
    return {"repr": shown_text(value), "number": number(value)}


def scalar_vars(namespace: dict, before: dict[str, int]) -> dict:
    """Top-level numbers and short strings the cell bound or re-bound."""
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or before.get(name) == id(value):
            continue
        # an integer beyond float64 is kept too, as text (its number is None)
        if number(value) is not None or (isinstance(value, str) and len(value) <= 200) \
                or isinstance(value, numbers.Integral) and not isinstance(value, bool):
            found[name] = describe(value)
    return dict(sorted(found.items()))


def with_decimal_mark(inner, mark: str):
    """A matplotlib tick formatter that writes what ``inner`` writes with ``mark`` as decimal mark."""
    from matplotlib.ticker import Formatter

    def swap(text: str) -> str:
        # in mathtext a bare "," is punctuation, followed by a space: "{,}" is not
        return text.replace(".", "{,}" if mark == "," and text.startswith("$") else mark)

    class DecimalMark(Formatter):
        def set_axis(self, axis):
            super().set_axis(axis)
            inner.set_axis(axis)

        def set_locs(self, locs):
            inner.set_locs(locs)

        def __call__(self, x, pos=None):
            return swap(inner(x, pos))

        def format_ticks(self, values):
            return [swap(label) for label in inner.format_ticks(values)]

        def get_offset(self):
            return swap(inner.get_offset())

        def format_data(self, value):
            return swap(inner.format_data(value))

        def format_data_short(self, value):
            return swap(inner.format_data_short(value))

    return DecimalMark()


def use_decimal_mark(figure, mark: str) -> None:
    """Give the figure's numeric axes (plain ScalarFormatter ones) the decimal mark ``mark``."""
    if mark == ".":
        return
    from matplotlib.ticker import ScalarFormatter
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(with_decimal_mark(axis.get_major_formatter(), mark))
            if type(axis.get_minor_formatter()) is ScalarFormatter:
                axis.set_minor_formatter(with_decimal_mark(axis.get_minor_formatter(), mark))


def figure_image(figure, fmt: str, decimal_mark: str = ".") -> tuple[bytes, str, tuple[int, int]]:
    """A matplotlib figure as SVG (text as paths, no date, fixed ids) or PNG (drawn at twice its
    dpi, placed at its size: sharp on high-density screens), with its size in CSS pixels."""
    import matplotlib
    from .capture import png_size, svg_size
    use_decimal_mark(figure, decimal_mark)
    buf = io.BytesIO()
    if fmt == "png":
        dpi = 2 * figure.dpi
        figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        data = buf.getvalue()
        width, height = png_size(data)
        return data, "png", ((width + 1) // 2, (height + 1) // 2)
    with matplotlib.rc_context({"svg.hashsalt": "hugosnip", "svg.fonttype": "path"}):
        figure.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = buf.getvalue()
    return data, "svg", svg_size(data)


def is_figure(value) -> bool:
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(value, module.Figure)


def figure_bundle(outputs, figure, fmt: str, decimal_mark: str) -> dict:
    data, ext, size = figure_image(figure, fmt, decimal_mark)
    mime = "image/png" if ext == "png" else "image/svg+xml"
    return {mime: outputs.image(data, ext, size), "text/plain": without_addresses(repr(figure))}


def save_figures(outputs, fmt: str, decimal_mark: str = ".", shown: set | None = None) -> None:
    """Each figure left open, as a display_data output (Jupyter's inline backend does the same at
    the end of a cell); those the cell displayed already are not shown twice. Then all are closed."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in plt.get_fignums():
        figure = plt.figure(num)
        if id(figure) in (shown or ()):
            continue
        outputs.bundle(figure_bundle(outputs, figure, fmt, decimal_mark), metadata={"figure": True})
    plt.close("all")


class Worker:
    def __init__(self, job: dict, fd: int):
        self.job, self.fd = job, fd
        self.file = job["file"]
        self.user_dir = os.path.realpath(job["snippet_dir"]) + os.sep
        self.root = os.path.realpath(job["root"]) + os.sep
        # what is written relative to the site: the site's path, as given and as resolved
        self.prefixes = sorted({self.root, os.path.abspath(job["root"]) + os.sep}, key=len, reverse=True)

    def relative(self, text: str) -> str:
        """Text with the site's own path taken out (warnings, error messages), and no addresses."""
        for prefix in self.prefixes:
            if prefix in text:
                text = text.replace(prefix, "")
        return without_addresses(text)

    def stable(self, result: dict) -> dict:
        """A cell's result as it must be on any machine: paths relative to the site, no addresses."""
        result["error"] = without_escapes(self.relative(result["error"]))
        for output in result["outputs"]:
            if "text" in output:
                output["text"] = without_escapes(self.relative(output["text"]))
            if "text/plain" in output.get("data", {}):
                output["data"]["text/plain"] = without_escapes(self.relative(output["data"]["text/plain"]))
        for described in ([result["value"]] if result["value"] else []) + list(result["vars"].values()):
            described["repr"] = without_escapes(self.relative(described["repr"]))
        return result

    def send(self, **event) -> None:
        data = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def user_traceback(self, exc: BaseException) -> tuple[str, int | None]:
        """The traceback cut to frames in the snippet folder, paths relative to the site."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.realpath(f.filename).startswith(self.user_dir)]
        line = next((f.lineno for f in reversed(frames) if f.filename == self.file), None)
        text = ""
        if frames:
            text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
        text += "".join(traceback.format_exception_only(type(exc), exc))
        return self.relative(text), line

    def run(self) -> None:
        job = self.job
        namespace_module = types.ModuleType("__main__")
        namespace_module.__dict__.update(
            __file__=self.file, __package__=job["dotted"].rpartition(".")[0],
            __spec__=importlib.util.spec_from_file_location(job["dotted"], self.file),
            __builtins__=builtins, __cached__=None)
        if namespace_module.__package__:
            try:
                importlib.import_module(namespace_module.__package__)  # as `python -m` does
            except BaseException as exc:  # noqa: B036
                text, _ = self.user_traceback(exc)
                self.send(event="failed", cell=None, kind="import", line=None, traceback=text,
                          message=self.relative(f"importing {namespace_module.__package__} failed: "
                                                f"{type(exc).__name__}: {exc}"))
                self.send(event="end")
                return
        sys.modules["__main__"] = namespace_module
        sys.argv = [self.file]
        seed_everything(job["seed"])
        route_ipython_display()
        chart_mimetypes()
        namespace = namespace_module.__dict__
        for cell in job["cells"]:
            if not self.run_cell(cell, namespace):
                break
        self.send(event="end", peak_kb=_peak_kb())

    def figure_format(self, options: dict) -> str:
        return options.get("figure_format") or self.job.get("figure_format") or "svg"

    def show(self, outputs, obj, output_type: str, options: dict, shown: set, data: dict | None = None,
             include=None, exclude=None) -> None:
        """One object (or a ready bundle) as an output, through the display protocol."""
        from . import display
        if data is None and is_figure(obj):
            data = figure_bundle(outputs, obj, self.figure_format(options), self.job.get("decimal_mark", "."))
            shown.add(id(obj))
        elif data is None:
            styler = getattr(sys.modules.get("pandas.io.formats.style"), "Styler", None)
            if styler is not None and isinstance(obj, styler):   # its ids are random: make them the cell's
                obj.set_uuid(f"hugosnip-{self.cell_name}-{len(outputs.items) + 1}")
            data = pandas_table(obj, display.bundle(obj, include, exclude, plain=shown_text))
        outputs.bundle(data, output_type)

    def run_cell(self, cell: dict, namespace: dict) -> bool:
        from . import capture, display
        name, options = cell["name"], cell["options"]
        self.cell_name = name
        self.send(event="start", cell=name)
        outputs = capture.Outputs(self.job["output_limit"], self.job["figure_dir"],
                                  scripts=options.get("scripts", False),
                                  sanitise=options.get("sanitise", False) or self.job.get("html") == "sanitise",
                                  clean=self.relative)
        shown: set[int] = set()    # figures the cell displayed itself
        before = {k: id(v) for k, v in namespace.items()}
        value, error, failure = None, "", None
        started = time.perf_counter()
        sys.stdout, sys.stderr = capture.Stream(outputs, "stdout"), capture.Stream(outputs, "stderr")
        display._sink = lambda obj, data, include, exclude: self.show(
            outputs, obj, "display_data", options, shown, data, include, exclude)
        try:
            tree = ast.parse(cell["code"] + "\n", filename=self.file)
            ast.increment_lineno(tree, cell["code_line"] - 1)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            body = compile(tree, self.file, "exec")
            tail = compile(last, self.file, "eval") if last else None
            exec(body, namespace)
            if tail is not None:
                result = eval(tail, namespace)
                # None, a value the cell hides with a trailing ";", and objects with only the
                # default repr ("<... at 0x7f...>") and no rich form show nothing.
                if result is not None and not ends_with_semicolon(cell["code"]):
                    plain_repr = type(result).__repr__ is not object.__repr__
                    if plain_repr:
                        value = describe(result)
                    if plain_repr or is_figure(result) or rich(result):
                        self.show(outputs, result, "execute_result", options, shown)
        except BaseException as exc:  # noqa: B036 - SystemExit and KeyboardInterrupt are the cell's too
            text, line = self.user_traceback(exc)
            if _expected(exc, options["raises"]):
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            else:
                kind, message = "raised", f"{type(exc).__name__}: {exc}".strip()
                if isinstance(exc, MemoryError) and self.job.get("memory_limit"):
                    kind, message = "memory", (f"went past the memory limit of {self.job['memory_limit']} MB "
                                               "([params.hugosnip] memory_limit)")
                failure = {"kind": kind, "message": self.relative(message), "traceback": text,
                           "line": line or cell["code_line"]}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            display._sink = None
        duration = time.perf_counter() - started
        if failure is None and options["raises"] and not error:
            failure = {"kind": "not-raised", "line": cell["line"], "traceback": "",
                       "message": f"expected {options['raises'] if options['raises'] != 'true' else 'an exception'}"
                                  " but the cell ran without raising"}
        variables = scalar_vars(namespace, before)
        # Saving figures has its own clock: the parent gives it the cell's timeout again.
        self.send(event="saving", cell=name)
        started = time.perf_counter()
        try:
            save_figures(outputs, self.figure_format(options), self.job.get("decimal_mark", "."), shown)
        except OSError as exc:   # the disk is full (or the scratch folder gone): the machine's problem
            failure = failure or {"kind": "environment", "errno": exc.errno, "traceback": "", "line": cell["line"],
                                  "message": f"could not save its figures: {(exc.strerror or str(exc)).lower()}"}
        if error:
            outputs.error(error)
        saving = time.perf_counter() - started
        result = self.stable({
            "outputs": outputs.finish(), "truncated": outputs.truncated,
            "value": value, "vars": variables, "figures": outputs.figures, "error": error,
        })
        if failure:
            self.send(event="failed", cell=name, duration=duration, saving=saving, result=result, **failure)
            return False
        self.send(event="done", cell=name, duration=duration, saving=saving, result=result)
        return True


def rich(value) -> bool:
    """Whether the value's type has a rich form (a method of the display protocol)."""
    from .display import REPR_METHODS
    kind = type(value)
    return any(getattr(kind, name, None) is not None for name, _ in REPR_METHODS + (("_repr_mimebundle_", ""),))


def _peak_kb() -> int:
    """Peak resident memory of this worker, in KiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _expected(exc: BaseException, raises: str) -> bool:
    if not raises:
        return False
    if raises == "true":
        return True
    names = {c.__name__ for c in type(exc).__mro__} | {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    return raises in names


def limit_memory(megabytes: int) -> None:
    """Cap the address space, so a runaway cell gets MemoryError instead of harming the machine.
    The soft limit only: charts.py lifts it while Chromium starts (it reserves far more than it uses)."""
    if megabytes > 0:
        size = megabytes * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:   # never above the machine's own limit (run.py says so first)
            size = min(size, hard)
        resource.setrlimit(resource.RLIMIT_AS, (size, hard))


def die_with_parent() -> None:
    """Be killed when the process that started us dies, even by ``kill -9`` (Linux).

    Without it a worker whose build was killed would run its cell to the end, or forever:
    the build owned the clock. A parent that died before this call is noticed all the same:
    the worker's next event finds the pipe closed.
    """
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Adopt every orphan among our descendants (Linux), even one a cell started in a new session
    (``setsid``), so that ``kill_descendants`` finds it. Elsewhere the process group has to do."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        pass


def children_of(pid: int) -> list[int]:
    """The live children of a process, read from /proc (Linux); [] elsewhere."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
        except OSError:
            continue
    return found


def kill_descendants() -> None:
    """Kill every process a cell started and left running, then reap it. As a subreaper, this
    worker inherits the children of each one killed, until none is left."""
    import signal
    for _ in range(1000):
        children = children_of(os.getpid())
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def prepare() -> None:
    """What every worker sets up before its job (a forked one does it while it waits for the job)."""
    die_with_parent()
    become_subreaper()
    sys.stdin = open(os.devnull)
    faulthandler.enable(file=sys.__stderr__)
    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")


def serve(job: dict, fd: int) -> None:
    """Run a job in this process (set up by ``prepare``), then end it."""
    sys.path.insert(0, job["root"])
    os.chdir(job.get("cwd") or job["root"])   # a scratch folder: a cell's stray files land there
    limit_memory(job.get("memory_limit", 0))
    Worker(job, fd).run()
    sys.__stdout__.flush()
    sys.__stderr__.flush()
    kill_descendants()
    try:   # nothing of this worker is left but its own exit: the build need not wait for it
        os.write(fd, b'{"event": "gone"}\n')
    except OSError:
        pass
    os._exit(0)  # threads a cell left running must not keep the worker alive


def main() -> None:
    job = json.loads(sys.stdin.read())
    prepare()
    serve(job, int(sys.argv[1]))


if __name__ == "__main__":
    main()
