"""Rich outputs: ``display(...)`` and the IPython display protocol, without IPython.

A snippet writes ``from hugosnip.display import display, HTML, Markdown, Latex, Image`` (or the
same names from ``IPython.display``, which the worker routes here). ``bundle(obj)`` asks an
object for its MIME bundle the way Jupyter does: ``_repr_mimebundle_`` first, then each
``_repr_<type>_`` method in ``REPR_METHODS`` order, then ``repr`` as ``text/plain``. A method
that raises or returns None is skipped, so the next one is used.

Inside ``hugosnip build`` the worker sets the sink and each call becomes one ``display_data``
output of the cell; anywhere else ``display`` prints the text form, as IPython's does without
a notebook. Nothing here imports pandas, IPython or any other library.
"""

from __future__ import annotations

import base64
import json

# The protocol's methods, in the order they are asked, with the MIME type each gives.
REPR_METHODS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_latex_", "text/latex"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_json_", "application/json"),
)
IMAGE_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}

_sink = None   # set by the worker: called with (bundle, metadata) for each display


def _payload(mime: str, value):
    """A repr method's result as a bundle payload, or None: (data, metadata) pairs lose their
    metadata; PNG/JPEG as bytes (IPython gives them as base64 text); JSON kept as given."""
    if isinstance(value, tuple) and len(value) == 2:
        value = value[0]
    if value is None:
        return None
    if mime in ("image/png", "image/jpeg"):
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=False)
            except ValueError:
                return None
        return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None
    if mime == "application/json" or "json" in mime:
        return value if not isinstance(value, (bytes, bytearray)) else value.decode("utf-8", "replace")
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def bundle(obj, include=None, exclude=None, plain=repr) -> dict:
    """The object's MIME bundle: {mime: payload}. ``plain`` makes its text/plain (the worker's
    is a cleaned repr)."""
    found: dict = {}
    method = getattr(type(obj), "_repr_mimebundle_", None)
    if method is not None and not isinstance(obj, type):
        try:
            given = obj._repr_mimebundle_(include=include, exclude=exclude)
        except TypeError:
            try:
                given = obj._repr_mimebundle_()
            except Exception:
                given = None
        except Exception:
            given = None
        if isinstance(given, tuple) and len(given) == 2:
            given = given[0]
        if isinstance(given, dict):
            for mime, value in given.items():
                if isinstance(mime, str) and (payload := _payload(mime, value)) is not None:
                    found[mime] = payload
    for name, mime in REPR_METHODS:
        if mime in found or isinstance(obj, type) or getattr(type(obj), name, None) is None:
            continue
        try:
            payload = _payload(mime, getattr(obj, name)())
        except Exception:   # a broken repr method: the next one is used
            continue
        if payload is not None:
            found[mime] = payload
    if "text/plain" not in found:
        found["text/plain"] = plain(obj)
    if include:
        found = {k: v for k, v in found.items() if k in include or k == "text/plain"}
    if exclude:
        found = {k: v for k, v in found.items() if k not in exclude}
    return found


def display(*objs, include=None, exclude=None, metadata=None, raw=False, **_ignored) -> None:
    """Show each object as one output of the cell (IPython's ``display``; ``raw=True``: each
    object is already a MIME bundle). ``transient``, ``display_id`` and the rest are accepted
    and ignored."""
    for obj in objs:
        if raw and isinstance(obj, dict):
            data = {k: _payload(k, v) for k, v in obj.items()}
            data = {k: v for k, v in data.items() if v is not None}
        else:
            data = None
        if _sink is not None:
            _sink(obj if data is None else None, data, include, exclude)
        else:
            found = data if data is not None else bundle(obj, include, exclude)
            print(found.get("text/plain", ""))


class DisplayObject:
    """Text or bytes shown with one MIME type (the IPython class of the same name, smaller)."""

    mime = "text/plain"

    def __init__(self, data=None, url=None, filename=None, metadata=None):
        if filename is not None:
            mode = "rb" if self.mime.startswith("image/") and self.mime != "image/svg+xml" else "r"
            with open(filename, mode) as handle:
                data = handle.read()
        self.data = data
        self.url, self.filename, self.metadata = url, filename, metadata

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object>"


class HTML(DisplayObject):
    mime = "text/html"

    def _repr_html_(self):
        return self.data


class Markdown(DisplayObject):
    mime = "text/markdown"

    def _repr_markdown_(self):
        return self.data


class Latex(DisplayObject):
    mime = "text/latex"

    def _repr_latex_(self):
        return self.data


class Math(DisplayObject):
    """A formula without delimiters: shown as display math."""
    mime = "text/latex"

    def _repr_latex_(self):
        text = (self.data or "").strip()
        return text if text.startswith("$") else f"$\\displaystyle {text}$"


class SVG(DisplayObject):
    mime = "image/svg+xml"

    def _repr_svg_(self):
        data = self.data
        return data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data


class JSON(DisplayObject):
    mime = "application/json"

    def _repr_json_(self):
        return self.data


class Image(DisplayObject):
    """A PNG or JPEG image, from bytes or a file (``format`` "png" or "jpeg"; guessed from the
    bytes when not given)."""

    def __init__(self, data=None, url=None, filename=None, format=None, **_ignored):
        if isinstance(data, str) and filename is None and not data.startswith(("http:", "https:")):
            data, filename = None, data   # Image("photo.png"), as IPython reads it
        self.mime = "image/png"
        super().__init__(data, url, filename)
        kind = (format or "").lower()
        if kind in ("jpg", "jpeg") or (not kind and (filename or "").lower().endswith((".jpg", ".jpeg"))) \
                or (not kind and isinstance(self.data, bytes) and self.data[:3] == b"\xff\xd8\xff"):
            self.mime = "image/jpeg"

    def _repr_png_(self):
        return self.data if self.mime == "image/png" else None

    def _repr_jpeg_(self):
        return self.data if self.mime == "image/jpeg" else None


def json_text(value) -> str:
    """JSON data as indented text (what a result stores for application/json)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True, default=repr)
