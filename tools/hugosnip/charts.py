"""Interactive charts (Plotly, Vega-Lite/Altair): their static images, and their JavaScript for the site.

In the worker, ``static_image`` makes the image a chart output carries beside its spec (for feeds,
print and readers without JavaScript): Plotly's with kaleido, which drives a local Chromium (Debian's
``/usr/bin/chromium``, or ``BROWSER_PATH``; nothing is ever downloaded), Vega-Lite's with
vl-convert. Both are SVG, made the same bytes from the same spec.

In ``hugosnip build``, ``update_scripts`` writes the charts' JavaScript into the site's
``assets/hugosnip/js/`` from the Python packages that bundle it (plotly's ``plotly.min.js``,
vl-convert's bundle of Vega, Vega-Lite and vega-embed), only for the kinds some result shows, and
removes a file no result needs; ``script_problems`` tells ``hugosnip check`` which is missing or
stale. The pages load them (``_partials/hugosnip/chart.html``) only where a chart is shown.
Every import here is lazy: the plugin itself needs none of these packages.
"""

from __future__ import annotations

import json
import os
import re
import resource
from pathlib import Path

PLOTLY = "application/vnd.plotly.v1+json"
VEGALITE = ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json",
            "application/vnd.vegalite.v4+json")
KINDS = {PLOTLY: "plotly", **{mime: "vega" for mime in VEGALITE}}

# The scripts a kind needs, under assets/hugosnip/js/ (chart-scripts.html names the same files).
SCRIPTS = {"plotly": "plotly.min.js", "vega": "vega-embed.min.js"}
PACKAGES = {"plotly": "plotly", "vega": "vl-convert-python"}
DEFAULT_SIZE = (700, 450)   # Plotly's image when its layout gives no width/height (px)
CHROMIUM = "/usr/bin/chromium"


class StaticImageError(Exception):
    """No static image for a chart: the message says why and what to install (the chart itself is kept)."""


# ---------------------------------------------------------------- in the worker

def _plotly_mimetype(pio) -> None:
    pio.renderers.default = "plotly_mimetype"


def _altair_spec(spec: dict, **options) -> dict:
    """Altair's renderer for a build: the Vega-Lite spec under Jupyter's MIME type for its major
    version (Altair's own "mimetype" renderer names v6 ``application/vnd.vegalite.v6.json``)."""
    found = re.search(r"/v(\d+)[.\d]*\.json$", str(spec.get("$schema", "")))
    major = found.group(1) if found and f"application/vnd.vegalite.v{found.group(1)}+json" in VEGALITE else "6"
    return {f"application/vnd.vegalite.v{major}+json": spec, "text/plain": "alt.Chart(...)"}


def _altair_mimetype(altair) -> None:
    altair.renderers.register("hugosnip", _altair_spec)
    altair.renderers.enable("hugosnip")


# As in Jupyter, a figure shown gives its chart spec (a MIME type of its own), not an HTML page
# that loads its scripts from a CDN: the worker calls each hook right after the module is imported.
RENDERERS = {"plotly.io": _plotly_mimetype, "altair": _altair_mimetype}


def static_image(mime: str, spec: dict) -> tuple[bytes, str, int, int] | None:
    """The chart's static image as (bytes, "svg", width, height), or None for a MIME type that is
    no chart. Raises StaticImageError when it cannot be made here."""
    kind = KINDS.get(mime)
    if kind == "plotly":
        return _plotly_svg(spec)
    if kind == "vega":
        return _vegalite_svg(spec)
    return None


def _missing(package: str, what: str) -> StaticImageError:
    return StaticImageError(f"[no static image for this {what} chart: the {package} package is not "
                            f"installed (pip install {package}); the page shows the chart with JavaScript only]")


def browser_path() -> str | None:
    """The Chromium that kaleido drives: BROWSER_PATH, else Debian's, else None (kaleido's own search)."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    return CHROMIUM if os.path.exists(CHROMIUM) else None


class _WholeAddressSpace:
    """Lift the worker's soft limit on address space (memory_limit) while Chromium starts: Chromium
    reserves far more address space than it uses and does not start under a few GB. The hard limit,
    the machine's own, still holds."""

    def __enter__(self):
        self.before = resource.getrlimit(resource.RLIMIT_AS)
        soft, hard = self.before
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        return self

    def __exit__(self, *exc):
        resource.setrlimit(resource.RLIMIT_AS, self.before)


def _plotly_svg(spec: dict) -> tuple[bytes, str, int, int]:
    try:
        import kaleido
    except ImportError:
        raise _missing("kaleido", "Plotly") from None
    try:
        import plotly   # noqa: F401  (kaleido takes plotly.js from it: no CDN)
    except ImportError:
        raise _missing("plotly", "Plotly") from None
    figure = {"data": [dict(trace) for trace in spec.get("data", [])], "layout": dict(spec.get("layout", {}))}
    for n, trace in enumerate(figure["data"]):
        trace.setdefault("uid", f"hugosnip{n}")   # else a random id in the SVG
    width = int(figure["layout"].get("width") or DEFAULT_SIZE[0])
    height = int(figure["layout"].get("height") or DEFAULT_SIZE[1])
    options: dict = {"mathjax": False}   # kaleido's MathJax comes from a CDN: never
    if (path := browser_path()):
        options["path"] = path
    try:
        with _WholeAddressSpace():
            svg = kaleido.calc_fig_sync(figure, opts={"format": "svg", "width": width, "height": height},
                                        kopts=options)
    except Exception as exc:   # kaleido's and choreographer's own errors have no common base
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StaticImageError(f"[no static image for this Plotly chart: kaleido failed ({first}); it needs "
                               f"Chromium: apt-get install chromium, or set BROWSER_PATH]") from None
    return _stable_plotly(svg), "svg", width, height


def _stable_plotly(svg: bytes) -> bytes:
    """Plotly names its defs and clip paths after a random id per plot: use a fixed one."""
    text = svg.decode("utf-8")
    for uid in sorted(set(re.findall(r'id="(?:defs-|clip)([0-9a-f]{6})', text))):
        # only where it names an element (a uid of digits alone may also be part of a coordinate)
        text = re.sub(rf"(defs-|clip|legend){uid}", r"\g<1>000000", text)
    return text.encode("utf-8")


# vl-convert runs V8 in its process, which reserves far more address space than the worker's
# memory_limit leaves: it runs in a child process of its own, with the soft limit lifted.
_VL_CONVERT = """import json, sys, vl_convert
sys.stdout.write(vl_convert.vegalite_to_svg(json.load(sys.stdin)))
"""


def _vegalite_svg(spec: dict) -> tuple[bytes, str, int, int]:
    import importlib.util
    import subprocess
    import sys
    if importlib.util.find_spec("vl_convert") is None:
        raise _missing("vl-convert-python", "Vega-Lite")
    with _WholeAddressSpace():
        done = subprocess.run([sys.executable, "-c", _VL_CONVERT], input=json.dumps(spec).encode("utf-8"),
                              capture_output=True)
    if done.returncode:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StaticImageError("[no static image for this Vega-Lite chart: vl-convert failed: "
                               f"{lines[-1] if lines else f'exit status {done.returncode}'}]")
    svg = done.stdout.decode("utf-8")
    found = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', svg)
    width, height = (round(float(found.group(1))), round(float(found.group(2)))) if found else (0, 0)
    return svg.encode("utf-8"), "svg", width, height


# ---------------------------------------------------------------- the site's chart scripts (build, check)

def kinds_in(docs) -> set[str]:
    """The chart kinds ("plotly", "vega") that the results show."""
    found = set()
    for doc in docs:
        for cell in (doc or {}).get("cells", {}).values():
            for output in cell.get("outputs", []):
                for mime in output.get("data", {}):
                    if mime in KINDS:
                        found.add(KINDS[mime])
    return found


def _vega_header() -> bytes:
    import vl_convert
    from importlib.metadata import version
    return f"/* Vega, Vega-Lite and vega-embed: vl-convert-python {version('vl-convert-python')} */\n".encode()


def script_bytes(kind: str) -> bytes:
    """The script of a kind, from the installed package that bundles it. ImportError when absent."""
    if kind == "plotly":
        import plotly
        return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    import vl_convert
    return _vega_header() + vl_convert.javascript_bundle().encode("utf-8")


def is_current(kind: str, path: Path) -> bool:
    """Whether the script at PATH is the installed package's (vl-convert's bundle takes a second to
    make: its first line, which names the version, is compared). ImportError when absent."""
    if kind == "vega":
        header = _vega_header()
        with open(path, "rb") as handle:
            return handle.read(len(header)) == header
    return path.read_bytes() == script_bytes(kind)


def script_path(config, kind: str) -> Path:
    return config.figure_dir / "js" / SCRIPTS[kind]


def _missing_package(config, kind: str) -> str:
    rel = script_path(config, kind).relative_to(config.root).as_posix()
    return (f"results show {kind} charts but {PACKAGES[kind]} is not installed here, so "
            f"{rel} cannot be written: pip install {PACKAGES[kind]}")


def update_scripts(config, docs) -> tuple[bool, list[str]]:
    """Write the scripts the results' charts need, remove those none needs: (changed, warnings)."""
    from . import store
    needed = kinds_in(docs)
    changed, warnings = False, []
    for kind in sorted(SCRIPTS):
        path = script_path(config, kind)
        if kind not in needed:
            if path.exists():
                store.remove([path])
                changed = True
            continue
        try:
            if path.exists() and is_current(kind, path):
                continue
            data = script_bytes(kind)
        except ImportError:
            warnings.append(_missing_package(config, kind))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        store.write_atomic(path, data)
        changed = True
    return changed, warnings


def script_problems(config, docs) -> list:
    """For ``check``: each chart script that is missing, stale (another version than the installed
    package's), or left over with no chart to draw."""
    from .errors import Stale
    needed = kinds_in(docs)
    problems = []
    for kind in sorted(SCRIPTS):
        path = script_path(config, kind)
        rel = path.relative_to(config.root).as_posix()
        if kind not in needed:
            if path.exists():
                problems.append(Stale(rel, None, f"no result shows a {kind} chart any more",
                                      ["run 'hugosnip build' to remove it"]))
            continue
        if not path.exists():
            problems.append(Stale(rel, None, f"missing: results show {kind} charts",
                                  ["run 'hugosnip build' to write it"]))
            continue
        try:
            current = is_current(kind, path)
        except ImportError:
            continue   # cannot be compared here; the file is there
        if not current:
            problems.append(Stale(rel, None, f"not the script of the {PACKAGES[kind]} installed here",
                                  ["run 'hugosnip build' to write it again"]))
    return problems

