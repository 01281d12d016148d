"""A cell's outputs as the worker collects them: an ordered list in Jupyter's own terms.

``stream`` (what the cell printed; consecutive writes to one stream merge), ``display_data``
(each ``display(...)``, and the figures left open at the end), ``execute_result`` (the last
expression) and ``error`` (the expected exception). Each bundle's images are written to the
figure folder, named by the start of their sha256, and the bundle keeps ``{"file", "width",
"height"}``; text payloads share the cell's ``output_limit``. See docs/results.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct

from .display import json_text

# The MIME types a result keeps (others a bundle carries are dropped); Hugo picks among them
# (themes/hugosnip/data/hugosnip_contract.toml, [outputs] priority).
CHART_TYPES = ("application/vnd.plotly.v1+json", "application/vnd.vegalite.v6+json",
               "application/vnd.vegalite.v5+json", "application/vnd.vegalite.v4+json")
TEXT_TYPES = ("text/html", "text/markdown", "text/latex", "application/json")
IMAGE_EXTENSIONS = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
KEPT = set(CHART_TYPES) | set(TEXT_TYPES) | set(IMAGE_EXTENSIONS) | {"text/plain"}

SCRIPT = re.compile(r"<script\b[^>]*>.*?(?:</script\s*>|\Z)", re.I | re.S)


def without_scripts(html: str) -> str:
    """HTML with its ``<script>`` elements taken out (an unclosed one to the end)."""
    return SCRIPT.sub("", html) if "<script" in html.lower() else html


def sanitised(html: str) -> str:
    """HTML cleaned with nh3's allow-list (tags and attributes a table or text needs; class kept)."""
    import nh3
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = set(attributes.get("*", set())) | {"class", "title", "lang"}
    return nh3.clean(html, attributes=attributes)


# --- images -----------------------------------------------------------------------------

_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_LENGTH = re.compile(r"\s*([0-9.]+)\s*(px|pt|pc|in|cm|mm)?\s*$")


def _svg_length(text: str | None) -> float | None:
    found = _LENGTH.match(text or "")
    if not found:
        return None
    try:
        return float(found.group(1)) * _UNITS[found.group(2) or ""]
    except ValueError:
        return None


def svg_size(data: bytes) -> tuple[int, int]:
    """An SVG's size in CSS pixels, from its root's width/height (pt as matplotlib writes them),
    else its viewBox; (0, 0) when it has neither."""
    head = data[:4096].decode("utf-8", "replace")
    root = re.search(r"<svg\b[^>]*>", head, re.S)
    if not root:
        return 0, 0
    attrs = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', root.group(0)))
    width, height = _svg_length(attrs.get("width")), _svg_length(attrs.get("height"))
    if (width is None or height is None) and attrs.get("viewBox"):
        parts = attrs["viewBox"].replace(",", " ").split()
        if len(parts) == 4:
            try:
                width, height = float(parts[2]), float(parts[3])
            except ValueError:
                pass
    return (round(width), round(height)) if width and height else (0, 0)


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's pixel size, from its IHDR chunk; (0, 0) when it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return 0, 0
    return struct.unpack(">II", data[16:24])


def jpeg_size(data: bytes) -> tuple[int, int]:
    """A JPEG's pixel size, from its first start-of-frame segment; (0, 0) when none is found."""
    if data[:2] != b"\xff\xd8":
        return 0, 0
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return 0, 0
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        if marker == 0xFF:
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                return 0, 0
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    return 0, 0


def image_size(data: bytes, ext: str) -> tuple[int, int]:
    return {"svg": svg_size, "png": png_size, "jpg": jpeg_size}[ext](data)


def image_name(data: bytes, ext: str) -> str:
    return hashlib.sha256(data).hexdigest()[:16] + "." + ext


# --- the outputs of one cell -----------------------------------------------------------------

class Outputs:
    """The ordered outputs of one cell, and the image files they name."""

    def __init__(self, limit: int, figure_dir: str, scripts: bool = False, sanitise: bool = False,
                 clean=lambda text: text):
        self.limit = limit
        self.figure_dir = figure_dir
        self.scripts, self.sanitise = scripts, sanitise
        self.clean = clean             # paths relative to the site, no addresses
        self.items: list[dict] = []
        self.kept = {"stdout": 0, "stderr": 0}
        self.dropped = {"stdout": 0, "stderr": 0}
        self.rich_left = limit         # bytes of rich text (HTML, Markdown, LaTeX, JSON) still kept
        self.rich_dropped = False
        self.figures: list[str] = []   # every image file, in output order
        self.files: dict[str, bytes] = {}

    # streams
    def write(self, name: str, text: str) -> None:
        size = len(text.encode("utf-8", "replace"))
        room = self.limit - self.kept[name]
        if size > room:
            text = text.encode("utf-8", "replace")[:max(room, 0)].decode("utf-8", "ignore")
            self.dropped[name] += size - len(text.encode("utf-8"))
            size = len(text.encode("utf-8"))
        self.kept[name] += size
        if not text:
            return
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    @property
    def truncated(self) -> bool:
        return bool(self.dropped["stdout"] or self.dropped["stderr"] or self.rich_dropped)

    # images
    def image(self, data: bytes, ext: str, size: tuple[int, int] | None = None) -> dict:
        name = image_name(data, ext)
        if name not in self.files:
            with open(os.path.join(self.figure_dir, name), "wb") as out:
                out.write(data)
            self.files[name] = data
        self.figures.append(name)
        width, height = size or image_size(data, ext)
        return {"file": name, "width": int(width), "height": int(height)}

    # bundles
    def _rich(self, mime: str, text: str, plain: list[str]) -> str | None:
        size = len(text.encode("utf-8", "replace"))
        if size > self.rich_left:
            self.rich_dropped = True
            plain.append(f"[... {mime} output of {size} bytes not kept: past the cell's output_limit "
                         f"of {self.limit} bytes (hugosnip output_limit)]")
            return None
        self.rich_left -= size
        return text

    def bundle(self, data: dict, output_type: str = "display_data", metadata: dict | None = None) -> dict | None:
        """Add one bundle ({mime: payload} as ``display.bundle`` gives it) as an output."""
        kept: dict = {}
        notes: list[str] = []
        if "image/png" in data and "image/jpeg" in data:
            data = {k: v for k, v in data.items() if k != "image/jpeg"}   # one raster image is enough
        if any(m in data for m in CHART_TYPES):   # a chart's HTML form loads its scripts (random ids): its spec is kept
            data = {k: v for k, v in data.items() if k != "text/html"}
        for mime, value in data.items():
            if mime not in KEPT:
                continue
            if mime in IMAGE_EXTENSIONS:
                if isinstance(value, dict) and "file" in value:     # made already (a figure)
                    kept[mime] = value
                    continue
                blob = value.encode("utf-8") if isinstance(value, str) else bytes(value)
                ext = IMAGE_EXTENSIONS[mime]
                if ext != "svg" and image_size(blob, ext) == (0, 0):
                    continue   # bytes that are not the PNG or JPEG they claim to be: no image
                kept[mime] = self.image(blob, ext)
            elif mime in CHART_TYPES:
                spec = json.loads(value) if isinstance(value, str) else value
                kept[mime] = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                        default=repr)
                if not any(m in data for m in ("image/svg+xml", "image/png")):
                    static = _static_image(mime, spec, notes)
                    if static is not None:
                        blob, ext, width, height = static
                        kept["image/png" if ext == "png" else "image/svg+xml"] = self.image(blob, ext, (width, height))
            elif mime == "text/plain":
                continue
            else:
                text = json_text(value) if mime == "application/json" else str(value)
                if mime == "text/html":
                    text = self.clean(text)
                    text = text if self.scripts else without_scripts(text)
                    if self.sanitise:
                        text = sanitised(text)
                if (text := self._rich(mime, text, notes)) is not None:
                    kept[mime] = text
        plain = str(data.get("text/plain", ""))
        if notes:
            plain = "\n".join([plain, *notes]) if plain else "\n".join(notes)
        kept["text/plain"] = plain
        output = {"output_type": output_type, "data": dict(sorted(kept.items()))}
        if metadata:
            output["metadata"] = metadata
        self.items.append(output)
        return output

    def error(self, text: str) -> None:
        self.items.append({"output_type": "error", "text": text})

    def finish(self) -> list[dict]:
        """The outputs, with a note at the end of each stream that was cut."""
        for name in ("stdout", "stderr"):
            if not self.dropped[name]:
                continue
            note = (f"\n[... output cut at {self.limit} bytes: {self.dropped[name]} more bytes not shown "
                    "(hugosnip output_limit)]\n")
            last = next((o for o in reversed(self.items) if o["output_type"] == "stream" and o["name"] == name),
                        None)
            if last is None:
                self.items.append({"output_type": "stream", "name": name, "text": note})
            else:
                last["text"] += note
        return self.items


def _static_image(mime: str, spec, notes: list[str]):
    """The chart's static image made at build time (charts.py, when it is there), or None; why
    not (what to install) goes to ``notes``."""
    try:
        from . import charts
    except ImportError:
        return None
    try:
        made = charts.static_image(mime, spec)
    except charts.StaticImageError as exc:
        notes.append(str(exc))
        return None
    return made if made else None


class Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` of a cell: what is written becomes a stream output."""

    def __init__(self, outputs: Outputs, name: str):
        self.outputs, self.name = outputs, name
        self.buffer = _BytesToText(self)

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return "utf-8"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.outputs.write(self.name, text)
        return len(text)


class _BytesToText:
    """``sys.stdout.buffer`` for a Stream: bytes are decoded, bad UTF-8 shown as U+FFFD."""

    def __init__(self, owner: Stream):
        self.owner = owner

    def write(self, data: bytes) -> int:
        self.owner.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        pass


def stream_text(cell: dict, name: str) -> str:
    """Everything a cell result's outputs wrote to one stream ("stdout" or "stderr"), joined."""
    return "".join(o["text"] for o in cell.get("outputs", ())
                   if o.get("output_type") == "stream" and o.get("name") == name)
