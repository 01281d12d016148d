"""Issue #22's acceptance site (tests/fixtures/rich): one page whose cells show a DataFrame (as
display() and as the value), a Styler, a Series, a sympy expression, Markdown, HTML, a PIL image,
a matplotlib figure with figure_format=png, a Plotly figure and an Altair chart, between prints;
and a page with a cell but no chart.

Built once for the module by `hugosnip build` (the snippets really run: pandas, sympy, pillow,
matplotlib, plotly + kaleido on Debian's Chromium, altair + vl-convert). The page shows each output
in order; Chromium, with every request to another host refused, finds each one rendered (the charts
drawn from their specs, their static images there for readers without JavaScript), no console error,
no serious or critical axe-core finding in light and dark, and no chart JavaScript on the pages
without charts. `check` passes; `check --rerun`, a second build from scratch and the download
(module and notebook) are the slow tier.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hugosnip.cli import main

from conftest import REPO, require, snapshot, without_provenance

RICH = REPO / "tests" / "fixtures" / "rich"
GALLERY = "/2026/12/gallery/"
PLAIN = "/2026/11/plain/"
NEEDED = {"pandas": "pandas", "sympy": "sympy", "PIL": "pillow", "matplotlib": "matplotlib", "IPython": "ipython",
          "plotly": "plotly", "kaleido": "kaleido", "altair": "altair", "vl_convert": "vl-convert-python"}
for _module, _package in NEEDED.items():
    require(importlib.util.find_spec(_module) is not None,
            f"{_package} is not installed (requirements-blog.txt pins it; ./setup.sh installs it)")
require(Path("/usr/bin/chromium").exists(), "no Chromium at /usr/bin/chromium (setup.sh installs Debian's "
        "chromium): kaleido needs it for Plotly's static images")

# What each cell's box shows, in order: (tag, class) of each output, the prints included.
STDOUT = ("pre", "hugosnip-stdout")
TABLE = ("div", "hugosnip-html")
EXPECTED = {
    "frame": [STDOUT, TABLE, STDOUT, TABLE],
    "styler": [STDOUT, TABLE],
    "series": [STDOUT, TABLE],      # a one-column table (Jupyter shows a Series as text only)
    "math": [STDOUT, ("div", "hugosnip-latex")],
    "text": [("div", "hugosnip-markdown"), STDOUT, ("div", "hugosnip-html")],
    "image": [STDOUT, ("img", "hugosnip-img")],
    "raster": [STDOUT, ("img", "hugosnip-img")],
    "plotly": [STDOUT, ("figure", "hugosnip-chart")],
    "altair": [STDOUT, ("figure", "hugosnip-chart")],
}
OUTPUT_CLASSES = {cls for outputs in EXPECTED.values() for _, cls in outputs} | {"hugosnip-stderr", "hugosnip-error"}


class Outputs(HTMLParser):
    """The outputs of each cell box of a page, in order: {caption's cell name: [(tag, class)]}."""

    def __init__(self):
        super().__init__()
        self.cells: list[list[tuple[str, str]]] = []
        self.names: list[str] = []
        self.depth = 0          # inside an output element already counted (a table in an HTML output)
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "hugosnip-cell" in classes:
            self.cells.append([])
        elif "hugosnip-caption" in classes and self.cells:
            self.in_caption = True
        found = [c for c in classes if c in OUTPUT_CLASSES]
        if found and self.cells and not any(c == "hugosnip-chart-static" for c in classes):
            self.cells[-1].append((tag, found[0]))

    def handle_endtag(self, tag):
        if tag == "div":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_caption and (m := re.search(r"ô (\w+)", data)):
            self.names.append(m.group(1))
            self.in_caption = False


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rich") / "site"
    shutil.copytree(RICH, root)
    (root / "themes").symlink_to(REPO / "themes")
    assert main(["-C", str(root), "build"]) == 0
    return root


def page_outputs(html: str) -> dict[str, list[tuple[str, str]]]:
    parser = Outputs()
    parser.feed(html)
    return dict(zip(parser.names, parser.cells))


def test_the_page_shows_each_output_in_order(rich_site):
    html = (rich_site / "public" / GALLERY.strip("/") / "index.html").read_text(encoding="utf-8")
    assert page_outputs(html) == EXPECTED
    doc = json.loads((rich_site / "data/hugosnip/gallery.json").read_text(encoding="utf-8"))
    plotly = doc["cells"]["plotly"]["outputs"][1]["data"]
    altair = doc["cells"]["altair"]["outputs"][1]["data"]
    assert sorted(plotly) == ["application/vnd.plotly.v1+json", "image/svg+xml", "text/plain"]
    assert sorted(altair) == ["application/vnd.vegalite.v6+json", "image/svg+xml", "text/plain"]
    assert (plotly["image/svg+xml"]["width"], plotly["image/svg+xml"]["height"]) == (500, 300)
    # each chart's container: a deterministic id, the spec in a data- attribute, its static image
    for cell, kind, spec in (("plotly", "plotly", plotly["application/vnd.plotly.v1+json"]),
                             ("altair", "vega", altair["application/vnd.vegalite.v6+json"])):
        found = re.search(rf'<figure class="hugosnip-chart" id="hugosnip-chart-gallery-{cell}-2" '
                          rf'data-hugosnip-chart="{kind}" tabindex="0">\n<div class="hugosnip-chart-view" data-spec="([^"]*)"></div>\n'
                          r'<img class="hugosnip-img hugosnip-chart-static" src="/hugosnip/([0-9a-f]{16})\.svg" '
                          r'width="(\d+)" height="(\d+)" alt="([^"]+)" loading="lazy">', html)
        assert found, cell
        from html import unescape
        assert unescape(found.group(1)) == spec
        static = (plotly if cell == "plotly" else altair)["image/svg+xml"]
        assert (found.group(2) + ".svg", int(found.group(3)), int(found.group(4))) == (
            static["file"], static["width"], static["height"])


SCRIPT = re.compile(r'<script[^>]*\bsrc="([^"]+)"')


def chart_scripts(html: str) -> list[str]:
    return [src for src in SCRIPT.findall(html) if re.search(r"plotly|vega|hugosnip-charts", src)]


def test_chart_scripts_load_only_where_a_chart_is_shown(rich_site):
    public = rich_site / "public"
    gallery = chart_scripts((public / GALLERY.strip("/") / "index.html").read_text(encoding="utf-8"))
    assert [re.sub(r"\.[0-9a-f]{64}\.js$", ".js", s) for s in gallery] == [
        "/hugosnip/js/plotly.min.js", "/hugosnip/js/vega-embed.min.js", "/js/hugosnip-charts.min.js"]
    for page in sorted(public.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if page.parent.name != "gallery":
            assert chart_scripts(text) == [], page.relative_to(public)
    assert '<script defer src="/hugosnip/js/plotly.min.' in (public / GALLERY.strip("/") / "index.html").read_text()
    # the scripts are the packages' own, copied by the build
    import plotly
    assert (rich_site / "assets/hugosnip/js/plotly.min.js").read_bytes() == (
        Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def test_check_passes(rich_site, cli):
    result = cli(rich_site, "check")
    assert (result.status, result.out, result.err) == (0, "hugosnip: 1 result(s) up to date\n", "")


# ---------------------------------------------------------------- in Chromium

@pytest.fixture(scope="module")
def served(rich_site):
    sys.path.insert(0, str(REPO / "tests"))
    from blogsite import serve
    server, base = serve(rich_site / "public")
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from blogsite import ARGS, CHROMIUM
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (setup.sh installs Debian's chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Page:
    """A page opened in a fresh context; requests to any other host are refused and recorded."""

    def __init__(self, browser, base: str, path: str, scheme: str = "light", javascript: bool = True):
        from blogsite import local_only
        self.base, self.errors = base, []
        self.context = browser.new_context(color_scheme=scheme, java_script_enabled=javascript)
        self.outside = local_only(self.context, base)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(base + path, wait_until="load")

    def close(self):
        self.context.close()


def load_images(page) -> None:
    """Bring each image that is shown into view, so that lazy ones load, and wait for it (a chart's
    static image is hidden once the chart is drawn, and never loads)."""
    for i in range(page.evaluate("document.images.length")):
        if page.evaluate("i => document.images[i].offsetParent !== null", i):
            page.evaluate("i => document.images[i].scrollIntoView()", i)
            page.wait_for_function("i => document.images[i].complete", arg=i)


CHARTS = """() => [...document.querySelectorAll('.hugosnip-chart')].map(f => {
  const img = f.querySelector('.hugosnip-chart-static');
  return {id: f.id, drawn: f.classList.contains('hugosnip-chart-drawn'),
          marks: f.querySelectorAll('.hugosnip-chart-view svg, .hugosnip-chart-view canvas').length > 0,
          static: getComputedStyle(img).display !== 'none' && img.complete && img.naturalWidth > 0};
})"""
RENDERED = """() => ({
  tables: [...document.querySelectorAll('.hugosnip-html table')].filter(t => t.querySelector('th')).length,
  katex: document.querySelectorAll('.hugosnip-latex .katex').length,
  markdown: [...document.querySelectorAll('.hugosnip-markdown em, .hugosnip-markdown a')].map(e => e.textContent),
  html: [...document.querySelectorAll('.hugosnip-html p.from-html b')].map(e => e.textContent),
  images: [...document.querySelectorAll('img.hugosnip-img:not(.hugosnip-chart-static)')].map(i => [i.width, i.height]),
})"""
AXE_SERIOUS = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(x => x.impact === 'serious' || x.impact === 'critical')
  .map(x => x.id + ': ' + x.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')))"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_output_is_rendered_and_the_charts_are_drawn(rich_site, served, browser, scheme):
    from blogsite import AXE
    doc = json.loads((rich_site / "data/hugosnip/gallery.json").read_text(encoding="utf-8"))
    sizes = [[o["data"]["image/png"]["width"], o["data"]["image/png"]["height"]]
             for name in ("image", "raster") for o in doc["cells"][name]["outputs"] if "image/png" in o.get("data", {})]
    assert sizes[0] == [64, 32] and len(sizes) == 2
    v = Page(browser, served, GALLERY, scheme=scheme)
    try:
        v.page.wait_for_function("document.querySelectorAll('.hugosnip-chart-drawn').length === 2", timeout=20000)
        load_images(v.page)
        assert v.page.evaluate(CHARTS) == [
            {"id": "hugosnip-chart-gallery-plotly-2", "drawn": True, "marks": True, "static": False},
            {"id": "hugosnip-chart-gallery-altair-2", "drawn": True, "marks": True, "static": False}]
        assert v.page.evaluate(RENDERED) == {"tables": 4, "katex": 1, "markdown": ["Markdown", "link"],
                                             "html": ["HTML"], "images": sizes}
        require(AXE.exists(), "axe-core is not installed (npm ci)")
        v.page.add_script_tag(path=str(AXE))
        assert v.page.evaluate(AXE_SERIOUS) == []
        v.page.set_viewport_size({"width": 360, "height": 740})   # a phone: wide charts scroll in their box
        v.page.wait_for_timeout(200)
        assert v.page.evaluate(AXE_SERIOUS) == []
        assert v.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert (v.errors, v.outside) == ([], [])
    finally:
        v.close()


def test_without_javascript_the_static_images_show(served, browser):
    v = Page(browser, served, GALLERY, javascript=False)
    try:
        load_images(v.page)
        assert [(c["drawn"], c["marks"], c["static"]) for c in v.page.evaluate(CHARTS)] == [(False, False, True)] * 2
    finally:
        v.close()


def test_print_shows_the_static_images_not_the_charts(served, browser):
    v = Page(browser, served, GALLERY)
    try:
        v.page.wait_for_function("document.querySelectorAll('.hugosnip-chart-drawn').length === 2", timeout=20000)
        v.page.emulate_media(media="print")
        shown = v.page.evaluate("""() => [...document.querySelectorAll('.hugosnip-chart')].map(f =>
            [getComputedStyle(f.querySelector('.hugosnip-chart-view')).display,
             getComputedStyle(f.querySelector('.hugosnip-chart-static')).display])""")
        assert shown == [["none", "block"]] * 2
    finally:
        v.close()


def test_a_page_without_charts_loads_no_chart_script(served, browser):
    v = Page(browser, served, PLAIN)
    try:
        loaded = v.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert [u for u in loaded if re.search(r"plotly|vega|hugosnip-charts", u)] == []
        assert v.page.evaluate("[typeof Plotly, typeof vegaEmbed]") == ["undefined", "undefined"]
        assert (v.errors, v.outside) == ([], [])
    finally:
        v.close()


# ---------------------------------------------------------------- the slow tier

@pytest.mark.slow
def test_check_rerun_passes(rich_site, cli):
    result = cli(rich_site, "check", "--rerun")
    assert (result.status, result.err) == (0, ""), result


@pytest.mark.slow
def test_a_second_build_gives_the_same_bytes(rich_site, tmp_path):
    again = tmp_path / "site"
    shutil.copytree(RICH, again)
    (again / "themes").symlink_to(REPO / "themes")
    assert main(["-C", str(again), "build"]) == 0
    assert without_provenance(snapshot(again)) == without_provenance(snapshot(rich_site))
    pages = {p.relative_to(again / "public").as_posix(): p.read_bytes()
             for p in sorted((again / "public").rglob("*")) if p.is_file() and "pagefind" not in p.parts}
    first = {p.relative_to(rich_site / "public").as_posix(): p.read_bytes()
             for p in sorted((rich_site / "public").rglob("*")) if p.is_file() and "pagefind" not in p.parts}
    assert sorted(pages) == sorted(first)
    assert [name for name in pages if pages[name] != first[name]] == []


def _shown(output: dict) -> list[str]:
    """The kinds of rich data an output carries: Altair's own names for its Vega-Lite MIME type
    and its HTML form in a Jupyter kernel count as ours; a chart's static image, made by the build,
    and the HTML form Plotly adds in Jupyter count as the chart."""
    if output["output_type"] == "stream":
        return [output["name"]]
    data = output.get("data", {})
    kinds = {re.sub(r"^application/vnd\.vegalite\.v(\d)\.json$", r"application/vnd.vegalite.v\1+json", m)
             for m in data}
    if "vegaEmbed(" in "".join(data.get("text/html", "")):   # Altair's default renderer in a kernel
        kinds = {"application/vnd.vegalite.v6+json"}
    charts = kinds & {"application/vnd.plotly.v1+json", "application/vnd.vegalite.v6+json"}
    if charts:   # the build's static image of a chart is its own: Jupyter makes none
        return sorted(charts)
    return sorted(kinds & {"text/html", "text/latex", "text/markdown", "image/png", "image/svg+xml"})


@pytest.mark.slow
def test_the_download_runs_and_its_notebook_shows_the_same_outputs(rich_site, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    doc = json.loads((rich_site / "data/hugosnip/gallery.json").read_text(encoding="utf-8"))
    html = (rich_site / "public" / GALLERY.strip("/") / "index.html").read_text(encoding="utf-8")
    href = re.search(r'<a href="([^"]*/hugosnip/run/gallery\.zip)" download>', html).group(1)
    with zipfile.ZipFile(rich_site / "public" / href.lstrip("/")) as zf:
        zf.extractall(tmp_path)
    folder = tmp_path / "gallery"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg",
           "LANG": "C.UTF-8"}
    run = subprocess.run([sys.executable, "-m", doc["module"]], cwd=folder, env=env, capture_output=True,
                         text=True, timeout=300)
    printed = "".join(o["text"] for name in doc["order"] for o in doc["cells"][name]["outputs"]
                      if o["output_type"] == "stream" and o["name"] == "stdout")
    assert run.returncode == 0, run.stderr
    # outside Jupyter, display() prints each object's text form between the cells' own prints
    lines = iter(run.stdout.splitlines())
    assert [line for line in printed.splitlines() if any(line == got for got in lines)] == printed.splitlines()
    nb = nbformat.read(folder / "gallery.ipynb", as_version=4)
    published = {cell.get("id"): cell for cell in nb.cells if cell.cell_type == "code"}
    for name in doc["order"]:   # as published: the committed outputs, the static images included
        assert ([sorted(o.get("data", {})) for o in published[name]["outputs"]]
                == [sorted(o.get("data", {})) for o in doc["cells"][name]["outputs"]]), name
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute(env={k: v for k, v in env.items() if k != "MPLBACKEND"}, cwd=str(folder))
    by_id = {cell.get("id"): cell for cell in nb.cells if cell.cell_type == "code"}
    for name in doc["order"]:
        want = [_shown(o) for o in doc["cells"][name]["outputs"]]
        if name == "series":   # hugosnip shows a Series as a table too, Jupyter as text only
            want = [[kind for kind in kinds if kind != "text/html"] for kinds in want]
        got = [_shown(o) for o in by_id[name]["outputs"]]
        assert got == want, name
        texts = [o["text"] for o in doc["cells"][name]["outputs"] if o["output_type"] == "stream"]
        assert [o["text"] for o in by_id[name]["outputs"] if o["output_type"] == "stream"] == texts, name
