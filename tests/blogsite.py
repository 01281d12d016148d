"""Building the blog for the theme and browser tests: the fixture posts of tests/fixtures/oldposts
under the project's own config.toml, or the project itself, always into a temporary folder."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

from hugosnip import hugo

REPO = Path(__file__).resolve().parent.parent
OLDPOSTS = REPO / "tests" / "fixtures" / "oldposts"
PART1 = REPO / "content" / "posts" / "what-is-rnn.md"
POSTS = sorted((REPO / "content" / "posts").glob("*.md"))
# The browser tests' tools: Debian's Chromium (setup.sh), axe-core and Pagefind (npm ci).
CHROMIUM = Path(os.environ.get("HUGOSNIP_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PAGEFIND = REPO / "node_modules" / ".bin" / "pagefind"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path):
    """A local HTTP server for FOLDER on a free loopback port, in a thread: (server, base URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def local_only(context, base: str) -> list[str]:
    """Let a browser context reach BASE (and data: URLs) only: every other request is refused
    and its URL recorded in the list returned."""
    outside: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", route)
    return outside


def post_page(public: Path, post: Path) -> Path:
    """The built page of POST in PUBLIC: the index.html whose folder is named after its slug
    (the front matter's `slug`, or the file's name)."""
    slug = next((line.split(":", 1)[1].strip().strip('"')
                 for line in post.read_text(encoding="utf-8").splitlines()
                 if line.startswith("slug:")), post.stem)
    pages = sorted(public.glob(f"*/*/{slug}/index.html"))
    assert len(pages) == 1, f"{post.relative_to(REPO)}: {len(pages)} built pages for slug {slug!r}"
    return pages[0]


def oldposts_site(root: Path) -> Path:
    """A site made of the fixture posts, with the project's config.toml and themes."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "config.toml", root / "config.toml")
    shutil.copytree(OLDPOSTS / "content", root / "content")
    shutil.copytree(OLDPOSTS / "static", root / "static")
    (root / "themes").symlink_to(REPO / "themes")
    return root


def build(source: Path, destination: Path, **env: str) -> subprocess.CompletedProcess:
    """Run Hugo (no Python snippets: the committed results are used) on SOURCE into DESTINATION.
    Keyword arguments become HUGO_* environment settings, e.g. PAGINATION_PAGERSIZE="2"."""
    environ = dict(os.environ, **{f"HUGO_{k}": v for k, v in env.items()})
    return subprocess.run([hugo.binary(), "--source", str(source), "--destination", str(destination),
                           "--cacheDir", str(destination.parent / "hugo-cache")],
                          capture_output=True, text=True, env=environ)
