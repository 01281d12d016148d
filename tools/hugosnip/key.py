"""The cache key: every input that can change a snippet module's result, in one place.

A result is reused while its key is the key the inputs give now. ``inputs_of`` lists them all:

- files: the module's source, every local module it imports (followed through their imports,
  its packages' ``__init__.py`` included), and the data files its cells declare (``data=``);
- versions: Python's major.minor, the version of each installed library the module imports
  (directly or through local modules; local build tags such as ``+cpu`` left out), and
  ``RUNNER``, hugosnip's own output version;
- settings: the ``[params.hugosnip]`` values that reach the worker and change what it produces
  (``KEYED``). Every other setting is declared in ``HARMLESS`` with the reason it cannot change
  a result; tests/plugin/test_trust.py fails when a setting is in neither.

A library module's result (the source of its functions and classes) depends on its own file and
``RUNNER`` only.

Imports of modules that sit in the site's root folder, outside the snippet folder, are refused:
their edits would not be seen (move them into the snippet folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
from functools import lru_cache
from pathlib import Path

from .errors import InputError

# Raise it whenever a change to hugosnip changes what a worker produces or what a result holds
# (the worker's capture, value or figure handling, the stored fields): every result goes stale.
RUNNER = 3

# Settings that change a result, and how.
KEYED = {
    "seed": "random, numpy and torch are seeded with it",
    "output_limit": "where stored output is cut",
    "threads": "BLAS/OpenMP/torch threads: sums may round differently",
    "decimal_mark": "the decimal mark of figures' tick labels",
    "snippets": "the modules' names and paths (module.__package__, tracebacks)",
    "figure_format": "matplotlib figures stored as SVG or PNG",
    "html": "HTML outputs stored as the snippet made them or cleaned with nh3",
}
# Settings that cannot change a stored result, and why.
HARMLESS = {
    "root": "results hold paths relative to the site, so a clone elsewhere has the same results",
    "timeout": "a run that ends in time gives the same output; one that does not stores nothing",
    "memory_limit": "a run under the limit gives the same output; one past it stores nothing",
    "jobs": "modules run in separate workers: the same bytes at any -j (tests/plugin/test_parallel.py)",
    "rtol": "used only to compare a re-run with the stored result",
    "figure_limit": "only decides when a big figure is warned about",
    "math": "how Hugo renders the pages' formulas; snippets never see it",
    "dark": "the CSS's colour scheme; snippets never see it",
    "content_dirs": "where the pages are read from, not what a snippet runs",
    "language": "labels are translated by Hugo when the page is rendered, not stored",
    "source_url": "only the link Hugo draws in the page's run-it-yourself box",
    "source_pages": "publishes the sources as pages (data/hugosnip_sources.json); snippets never see it",
    "mime_priority": "which stored MIME type Hugo shows; every type is stored whatever it says",
    "post_build": "runs after Hugo, on the built site; snippets never see it",
    "scheduler": "a cluster runs the same runner: the same bytes as a local build (tests/plugin/test_cluster.py)",
    "tls_ca_file": "how the build machine reaches a tls:// scheduler; never shipped to a worker",
    "tls_cert": "how the build machine reaches a tls:// scheduler; never shipped to a worker",
    "tls_key": "how the build machine reaches a tls:// scheduler; never shipped to a worker",
}

# Import names whose distribution (what `pip install` takes) has another name, for when the
# package is not installed here to say so itself; the rest are installed as they are imported.
DISTRIBUTIONS = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "PyYAML", "cv2": "opencv-python",
                 "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
                 "IPython": "ipython", "attr": "attrs", "google": "protobuf", "jwt": "PyJWT",
                 "Crypto": "pycryptodome", "serial": "pyserial", "usb": "pyusb", "OpenGL": "PyOpenGL",
                 "docx": "python-docx", "pptx": "python-pptx", "dotenv": "python-dotenv",
                 "magic": "python-magic", "fitz": "PyMuPDF", "wx": "wxPython", "gi": "PyGObject",
                 "zmq": "pyzmq", "git": "GitPython", "github": "PyGithub", "Levenshtein": "levenshtein",
                 "sentencepiece": "sentencepiece", "tensorflow_datasets": "tensorflow-datasets",
                 "mpl_toolkits": "matplotlib", "pkg_resources": "setuptools"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def _dist_infos() -> dict[str, tuple[str, str]]:
    """Installed distributions, by normalised name: (the name as its folder spells it, version),
    read off the ``*.dist-info`` folder names. That is what ``importlib.metadata`` finds, without
    the cost of its import on every warm build."""
    found: dict[str, tuple[str, str]] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info") and "-" in entry:
                dist, _, version = entry[: -len(".dist-info")].rpartition("-")
                found.setdefault(_normal(dist), (dist, version))
    return found


def _installed() -> dict[str, str]:
    """Installed distributions and their versions, by normalised name."""
    return {name: version for name, (_, version) in _dist_infos().items()}


def release(version: str) -> str:
    """A version without its local build tag: ``2.13.0+cpu`` -> ``2.13.0``."""
    return version.split("+", 1)[0]


def library_version(name: str) -> str:
    """The installed version of the library imported as ``name``, or ``absent``."""
    installed = _installed()
    for dist in (DISTRIBUTIONS.get(name, name), name):
        if _normal(dist) in installed:
            return release(installed[_normal(dist)])
    from importlib import metadata
    try:
        dists = metadata.packages_distributions().get(name, [])
        return release(metadata.version(dists[0])) if dists else "absent"
    except metadata.PackageNotFoundError:
        return "absent"


@lru_cache(maxsize=1)
def _owners() -> dict[str, list[str]]:
    from importlib import metadata
    try:
        return metadata.packages_distributions()
    except Exception:   # a broken distribution's metadata must not stop a build
        return {}


def pip_name(name: str) -> str:
    """What ``pip install`` takes for the top-level package imported as ``name`` (``PIL`` ->
    ``pillow``): an installed distribution of that very name; else the installed distribution that
    provides it (``packages_distributions``, read only then: it costs a quarter of a second);
    else ``DISTRIBUTIONS``; else the name."""
    if name not in DISTRIBUTIONS and _normal(name) in _dist_infos():
        return _dist_infos()[_normal(name)][0]
    owners = sorted(set(_owners().get(name, [])), key=str.lower)
    if len(owners) == 1:
        return owners[0]
    if name in DISTRIBUTIONS:
        return DISTRIBUTIONS[name]
    return owners[0] if owners else name


def python_version() -> str:
    """Python's major.minor: a patch release does not change what a snippet prints."""
    return ".".join(platform.python_version().split(".")[:2])


def settings(config) -> dict:
    return {name: getattr(config, name) for name in sorted(KEYED)}


def _top_names(project, modules) -> dict[str, object]:
    """The top-level names of non-local imports, each with the first module that imports it."""
    local = project.package.split(".")[0]
    found: dict[str, object] = {}
    for module in modules:
        for name in module.imports:
            top = name.split(".")[0]
            if top and top != local and top != "__future__" and top not in sys.stdlib_module_names:
                found.setdefault(top, module)
    return dict(sorted(found.items()))


def _site_helper(root: Path, name: str) -> str | None:
    """The site-root file that ``import name`` would find outside the snippet folder, if any."""
    if (root / f"{name}.py").is_file():
        return f"{name}.py"
    folder = root / name
    if (folder / "__init__.py").is_file() or folder.is_dir() and any(folder.glob("*.py")):
        return f"{name}/"
    return None


def _import_line(module, name: str) -> int | None:
    pattern = re.compile(rf"^\s*(from\s+{re.escape(name)}[\s.]|import\s+(.*,\s*)?{re.escape(name)}\b)")
    return next((n for n, line in enumerate(module.source.splitlines(), 1) if pattern.match(line)), None)


def inputs_of(project, module) -> dict:
    """Everything the module's result depends on."""
    from .project import sha256

    if module.is_library:
        return {"files": {module.rel: module.digest}, "versions": {"hugosnip": str(RUNNER)}}
    config = project.config
    deps = project.dependencies(module)
    files = {dep.rel: dep.digest for dep in deps}
    for cell in module.cells:
        for name in cell.options.data:
            path = project.data_path(name, module.rel, cell.line)
            files[path.relative_to(config.root).as_posix()] = sha256(path.read_bytes())
    versions = {"hugosnip": str(RUNNER), "python": python_version()}
    for top, importer in _top_names(project, deps).items():
        helper = _site_helper(config.root, top)
        if helper is not None:
            raise InputError(importer.rel, _import_line(importer, top),
                             f"imports {top!r} from {helper} in the site's root folder, outside "
                             f"{config.snippets}/, where hugosnip cannot see its edits; move it into "
                             f"{config.snippets}/ and import it from there")
        versions[top] = library_version(top)
    return {"files": dict(sorted(files.items())), "versions": versions, "settings": settings(config)}


def key_of(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def key_for(project, module) -> tuple[dict, str]:
    """The module's inputs and the key they give: what its stored result is compared with."""
    inputs = inputs_of(project, module)
    return inputs, key_of(inputs)
