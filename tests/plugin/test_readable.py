"""The plugin's boxes are readable in any theme, light and dark: measured in Chromium on a replica
theme that styles `pre`, `code` and `figcaption` itself (`pre { color: #ddd }`, as Ananke) and sets
`html { font-size: 62.5% }` (as Stack), for each way themes mark their dark scheme. Every text the
plugin draws has WCAG AA contrast (4.5:1) against the background it is drawn on, the boxes turn
dark with the page, and labels stay readable sizes."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

import replica

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
CHROMIUM = Path(os.environ.get("HUGOSNIP_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (setup.sh installs Debian's chromium)", allow_module_level=True)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# The theme's dark scheme follows the same marks the plugin reads (and the system, for "system").
DARK_MARKS = ('html.dark body, body.dark, html[data-scheme="dark"] body, html[data-theme="dark"] body, '
              'body.colorscheme-dark')
THEME_CSS = f"""html {{ font-size: 62.5%; }}
body {{ font-size: 1.7rem; background: #ffffff; color: #111111; }}
pre {{ color: #dddddd; }}
code {{ color: #c7254e; background: #f9f2f4; font-size: 1.2rem; }}
figcaption, table {{ color: #cccccc; }}
{DARK_MARKS} {{ background: #121212; color: #eeeeee; }}
@media (prefers-color-scheme: dark) {{ body.follows-system {{ background: #121212; color: #eeeeee; }} }}
"""
THEME = {
    "static/theme.css": THEME_CSS,
    "layouts/baseof.html": '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
                           '<link rel="stylesheet" href="/theme.css">{{ partial "head-extra.html" . }}</head>\n'
                           '<body class="follows-system">{{ block "main" . }}{{ end }}</body></html>\n',
}
PAGE = """---
title: Uses hugosnip
---

The mean is {{< snip-value file="stats.py" cell="mean" digits="2" >}}.

{{< snip-cell file="stats.py" cell="table" >}}

{{< snip-source file="stats.py" object="row" >}}
"""
# How each switch is thrown: (attribute target, class or attribute) or the system's preference.
SWITCHES = {
    "light": None,
    "html.dark (PaperMod)": "document.documentElement.classList.add('dark')",
    "body.dark": "document.body.classList.add('dark')",
    'data-scheme="dark" (Stack)': "document.documentElement.dataset.scheme = 'dark'",
    'data-theme="dark"': "document.documentElement.dataset.theme = 'dark'",
    "colorscheme-dark (hugo-coder)": "document.body.classList.add('colorscheme-dark')",
    "system preference": "system",
}
MEASURE = """() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  const out = {};
  for (const sel of ['.hugosnip-output pre', '.hugosnip-output code', '.hugosnip-label', '.hugosnip-cell > .hugosnip-caption',
                     '.hugosnip-source .hugosnip-caption', '.hugosnip-run summary']) {
    const el = document.querySelector(sel);
    const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
    out[sel] = {contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05), background: bg,
                size: parseFloat(getComputedStyle(el).fontSize)};
  }
  return out;
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory, replica_results):
    root = replica.site(tmp_path_factory.mktemp("readable") / "s", replica_results, theme=THEME,
                        config='[params.hugosnip]\n  dark = "system"\n', pages={"uses.md": PAGE})
    run = replica.hugo(root)
    assert run.returncode == 0, run.stderr

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(root / "public")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/uses/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_text_is_readable_in_light_and_in_each_dark_switch(served, browser, switch):
    how = SWITCHES[switch]
    context = browser.new_context(color_scheme="dark" if how == "system" else "light")
    try:
        page = context.new_page()
        page.goto(served, wait_until="load")
        if how and how != "system":
            page.evaluate(f"() => {{ {how}; }}")
        found = page.evaluate(MEASURE)
    finally:
        context.close()
    low = {sel: round(m["contrast"], 2) for sel, m in found.items() if m["contrast"] < 4.5}
    assert low == {}
    dark = switch != "light"
    assert {sel: m["background"] < 0.05 for sel, m in found.items()} == {sel: dark for sel in found}
    # The body text is 17 px under a 10 px root: the plugin's labels scale with it (em), not with the root.
    assert found[".hugosnip-label"]["size"] == pytest.approx(17 * 0.75)
    assert min(m["size"] for m in found.values()) >= 12
