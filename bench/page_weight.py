"""Page weight: what a reader's browser downloads for each page, images excluded.

Builds the site with Hugo alone (the committed results) into a temporary folder, serves it on
127.0.0.1, opens each page in Chromium (Debian's, through Playwright) and records every response:
the HTML, the stylesheets, the fonts the page really uses (a browser fetches a KaTeX font only
when a formula needs it) and the scripts. Prints a Markdown table with the bytes as served
(uncompressed) and gzipped (what a server with compression sends), and the number of
render-blocking scripts.

    .venv/bin/python bench/page_weight.py            # the main pages
    .venv/bin/python bench/page_weight.py --all      # every page in the sitemap
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from hugosnip import hugo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
KINDS = {"document": "html", "stylesheet": "css", "font": "fonts", "script": "scripts"}
GOAL = 150 * 1024


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages_of(public: Path, every: bool) -> list[str]:
    import re
    urls = re.findall(r"<loc>([^<]+)</loc>", (public / "sitemap.xml").read_text(encoding="utf-8"))
    paths = sorted({urlsplit(u).path for u in urls}, key=lambda p: (p != "/", p.count("/"), p))
    if not every:
        taxonomies = ("/categories/", "/tags/", "/series/")
        paths = [p for p in paths if p == "/" or p in taxonomies or not p.startswith(taxonomies)
                 and not p.startswith("/page/") and p != "/posts/"]
    return paths + ["/404.html"]


def weigh(base: str, paths: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in paths:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            got: list = []
            page.on("response", lambda r: got.append(r))
            page.goto(base + path, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            row = {"page": unquote(path), "html": 0, "css": 0, "fonts": 0, "scripts": 0, "gzip": 0}
            for response in got:
                kind = KINDS.get(response.request.resource_type)
                if kind is None or not response.url.startswith(base):
                    continue
                body = response.body()
                row[kind] += len(body)
                row["gzip"] += len(gzip.compress(body, 9)) if kind != "fonts" else len(body)  # woff2 is compressed
            row["total"] = row["html"] + row["css"] + row["fonts"] + row["scripts"]
            row["blocking"] = page.evaluate(
                "[...document.querySelectorAll('head script[src]:not([defer]):not([async]):not([type=module])')].length"
                " + performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script'"
                " && e.renderBlockingStatus === 'blocking').length")
            rows.append(row)
            context.close()
        browser.close()
    return rows


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every page of the sitemap, terms included")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        public = Path(tmp) / "public"
        run = subprocess.run([hugo.binary(), "--source", str(ROOT), "--destination", str(public),
                              "--cacheDir", str(Path(tmp) / "cache")], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(public)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            rows = weigh(f"http://127.0.0.1:{server.server_address[1]}", pages_of(public, args.all))
        finally:
            server.shutdown()
    print("| page | HTML | CSS | fonts | scripts | total KB | gzipped KB | render-blocking scripts |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        print(f"| `{r['page']}` | {kb(r['html'])} | {kb(r['css'])} | {kb(r['fonts'])} | {kb(r['scripts'])} "
              f"| {kb(r['total'])} | {kb(r['gzip'])} | {r['blocking']} |")
    over_sent = [r["page"] for r in rows if r["gzip"] > GOAL]
    over_raw = [r["page"] for r in rows if r["total"] > GOAL]
    blocking = [r["page"] for r in rows if r["blocking"]]
    print(f"\nKB = 1024 bytes; images excluded. Goal: under {GOAL // 1024} KB, no render-blocking script.")
    print("Sent gzipped (as static hosts serve it): "
          + (f"over the goal: {', '.join(over_sent)}." if over_sent else "every page meets the goal."))
    print("Uncompressed: " + (f"over {GOAL // 1024} KB: {', '.join(over_raw)}." if over_raw else "every page is under it."))
    print("Render-blocking scripts: " + (", ".join(blocking) if blocking else "none."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
