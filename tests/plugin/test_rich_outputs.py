"""Rich outputs (#22): a cell's outputs in order, the display protocol, images as files, HTML
rules, the result format and what reads it (compare, notebook, pip names, Hugo)."""

import base64
import hashlib
import importlib.util
import json
import re
import subprocess
import sys

import pytest

from hugosnip import capture, compare, key, plan, store
from hugosnip.config import load
from hugosnip.project import Project

from conftest import run_snippet as run, require, write


def needs(module: str) -> None:
    require(importlib.util.find_spec(module) is not None,
            f"{module} is not installed (the blog's requirements-blog.txt pins it)")


def test_prints_and_displays_come_in_the_order_they_were_made(site):
    outcome = run(site, (
        "# %% c\nimport sys\nfrom hugosnip.display import display, HTML, Markdown\n"
        "print('a')\nprint('b')\ndisplay(HTML('<b>x</b>'))\nprint('w', file=sys.stderr)\n"
        "display(Markdown('*m*'), 5)\nprint('c')\n41 + 1\n"))
    assert outcome.ok, outcome.problem
    assert outcome.cells["c"]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "a\nb\n"},
        {"output_type": "display_data", "data": {"text/html": "<b>x</b>",
                                                 "text/plain": "<hugosnip.display.HTML object>"}},
        {"output_type": "stream", "name": "stderr", "text": "w\n"},
        {"output_type": "display_data", "data": {"text/markdown": "*m*",
                                                 "text/plain": "<hugosnip.display.Markdown object>"}},
        {"output_type": "display_data", "data": {"text/plain": "5"}},
        {"output_type": "stream", "name": "stdout", "text": "c\n"},
        {"output_type": "execute_result", "data": {"text/plain": "42"}},
    ]
    assert outcome.cells["c"]["value"] == {"repr": "42", "number": 42}
    assert capture.stream_text(outcome.cells["c"], "stdout") == "a\nb\nc\n"


@pytest.mark.parametrize("code, outputs", [
    ("1 + 1;", []),
    ("1 + 1", [{"output_type": "execute_result", "data": {"text/plain": "2"}}]),
    ("x = 1 + 1", []),
    ("None", []),
], ids=["semicolon", "value", "assignment", "none"])
def test_a_trailing_semicolon_hides_the_value(site, code, outputs):
    assert run(site, f"# %% c\n{code}\n").cells["c"]["outputs"] == outputs


CLASSES = """
class Every:
    def _repr_html_(self): return '<i>h</i>'
    def _repr_markdown_(self): return '*m*'
    def _repr_latex_(self): return '$x$'
    def _repr_svg_(self): return '<svg xmlns="http://www.w3.org/2000/svg" width="3pt" height="6pt"></svg>'
    def _repr_json_(self): return {'b': 1, 'a': [1, 2]}
    def __repr__(self): return 'Every()'

class Bundled(Every):
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {'text/html': '<u>from the bundle</u>', 'text/plain': 'bundled'}

class Broken:
    def _repr_html_(self): raise ValueError('no')
    def _repr_markdown_(self): return 'fallback'
    def __repr__(self): return 'Broken()'

class Nothing:
    def _repr_html_(self): return None
    def __repr__(self): return 'Nothing()'

class Quiet:
    def _repr_html_(self): return '<p>only html</p>'

class NotAPng:
    def _repr_png_(self): return b'not a png at all'
    def _repr_markdown_(self): return 'text instead'
    def __repr__(self): return 'NotAPng()'
"""


@pytest.mark.parametrize("expr, data", [
    ("Every()", {"application/json": '{\n "a": [\n  1,\n  2\n ],\n "b": 1\n}', "image/svg+xml": "svg 4x8",
                 "text/html": "<i>h</i>", "text/latex": "$x$", "text/markdown": "*m*", "text/plain": "Every()"}),
    ("Bundled()", {"application/json": '{\n "a": [\n  1,\n  2\n ],\n "b": 1\n}', "image/svg+xml": "svg 4x8",
                   "text/html": "<u>from the bundle</u>", "text/latex": "$x$", "text/markdown": "*m*",
                   "text/plain": "bundled"}),
    ("Broken()", {"text/markdown": "fallback", "text/plain": "Broken()"}),
    ("Nothing()", {"text/plain": "Nothing()"}),
    ("Quiet()", {"text/html": "<p>only html</p>", "text/plain": "<__main__.Quiet object>"}),
    ("NotAPng()", {"text/markdown": "text instead", "text/plain": "NotAPng()"}),
], ids=["every-method", "mimebundle-first", "raising-method-falls-back", "none-falls-back", "default-repr-with-html",
        "bytes-that-are-no-png-are-no-image"])
def test_the_display_protocol_asks_each_method_in_order(site, expr, data):
    outcome = run(site, f"# %% c\n{CLASSES}\n{expr}\n")
    (output,) = outcome.cells["c"]["outputs"]
    got = dict(output["data"])
    if "image/svg+xml" in got:
        image = got["image/svg+xml"]
        got["image/svg+xml"] = f"svg {image['width']}x{image['height']}"
        assert outcome.cells["c"]["figures"] == [image["file"]]
    assert (output["output_type"], got) == ("execute_result", data)


def test_images_are_files_named_by_content_with_their_size(site):
    needs("PIL")
    outcome = run(site, "# %% c\nfrom PIL import Image\nfrom hugosnip.display import display\n"
                        "display(Image.new('RGB', (7, 5), 'red'))\nImage.new('L', (3, 9), 128)\n")
    cell = outcome.cells["c"]
    shown = [o["data"]["image/png"] for o in cell["outputs"]]
    assert [(s["width"], s["height"]) for s in shown] == [(7, 5), (3, 9)]
    assert cell["figures"] == [s["file"] for s in shown]
    for name in cell["figures"]:
        data = outcome.figures[name]
        assert name == hashlib.sha256(data).hexdigest()[:16] + ".png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert [o["data"]["text/plain"] for o in cell["outputs"]] == [
        "<PIL.Image.Image image mode=RGB size=7x5>", "<PIL.Image.Image image mode=L size=3x9>"]


@pytest.mark.parametrize("option, setting, mime, ext", [
    ("", "svg", "image/svg+xml", "svg"),
    (" figure_format=png", "svg", "image/png", "png"),
    ("", "png", "image/png", "png"),
    (" figure_format=svg", "png", "image/svg+xml", "svg"),
], ids=["default-svg", "cell-png", "site-png", "cell-svg-over-site-png"])
def test_matplotlib_figures_come_last_in_the_format_asked(site, option, setting, mime, ext):
    outcome = run(site, f"# %% c{option}\nimport matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3))\n"
                        "plt.plot([1, 2])\nprint('after')\n", figure_format=setting)
    first, last = outcome.cells["c"]["outputs"]
    assert first == {"output_type": "stream", "name": "stdout", "text": "after\n"}
    assert (last["output_type"], last["metadata"], sorted(last["data"])) == (
        "display_data", {"figure": True}, sorted([mime, "text/plain"]))
    assert last["data"]["text/plain"] == "<Figure size 400x300 with 1 Axes>"
    image = last["data"][mime]
    assert image["file"].endswith("." + ext) and outcome.cells["c"]["figures"] == [image["file"]]
    data = outcome.figures[image["file"]]
    if ext == "png":   # drawn at twice its dpi, placed at half its pixels (rounded up)
        width, height = capture.png_size(data)
        assert ((width + 1) // 2, (height + 1) // 2) == (image["width"], image["height"])
    else:
        assert capture.svg_size(data) == (image["width"], image["height"])
    assert 300 < image["width"] < 400 and 200 < image["height"] < 300   # bbox_inches="tight"


def test_a_figure_the_cell_displays_is_not_shown_again_at_the_end(site):
    outcome = run(site, "# %% c\nimport matplotlib.pyplot as plt\nfig = plt.figure()\nplt.plot([1])\nfig\n")
    (output,) = outcome.cells["c"]["outputs"]
    assert output["output_type"] == "execute_result" and "image/svg+xml" in output["data"]


@pytest.mark.parametrize("header, html", [
    ("# %% c", "<p>a</p><p>b</p>"),
    ("# %% c scripts=true", "<p>a</p><script>alert(1)</script><p>b</p><SCRIPT src='x.js'></SCRIPT>"),
], ids=["removed", "kept-with-scripts-true"])
def test_scripts_in_html_outputs_are_removed_unless_the_cell_says(site, header, html):
    outcome = run(site, f"{header}\nfrom hugosnip.display import HTML\n"
                        "HTML(\"<p>a</p><script>alert(1)</script><p>b</p><SCRIPT src='x.js'></SCRIPT>\")\n")
    assert outcome.cells["c"]["outputs"][0]["data"]["text/html"] == html


@pytest.mark.parametrize("header, setting", [("# %% c sanitise=true", "trusted"), ("# %% c", "sanitise")],
                         ids=["cell-option", "site-setting"])
def test_html_outputs_are_sanitised_with_nh3_when_asked(site, header, setting):
    needs("nh3")
    outcome = run(site, f"{header}\nfrom hugosnip.display import HTML\n"
                        "HTML('<table class=\"t\" onclick=\"x()\"><tr><th>a</th></tr></table><iframe></iframe>')\n",
                  html=setting)
    assert outcome.cells["c"]["outputs"][0]["data"]["text/html"] == \
        '<table class="t"><tbody><tr><th>a</th></tr></tbody></table>'


def test_sanitising_without_nh3_is_an_error_naming_the_cell(site, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nh3" else real(name, *a))
    outcome = run(site, "# %% first\nx = 1\n# %% c sanitise=true\nx\n")
    assert outcome.problem.render() == (
        "snippets/s.py:3: cell 'c' asks for sanitise=true, which cleans HTML outputs with nh3, and nh3 "
        "is not installed\n    install it: pip install 'hugosnip[sanitise]' (or pip install nh3)")
    assert outcome.cells == {}


def test_sanitising_without_nh3_names_the_setting(site, monkeypatch):
    config = site / "config.toml"
    config.write_text(config.read_text().replace("[params.hugosnip]", '[params.hugosnip]\n  html = "sanitise"'))
    line = config.read_text().splitlines().index('  html = "sanitise"') + 1
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nh3" else real(name, *a))
    outcome = run(site, "# %% c\nx = 1\n")
    assert outcome.problem.render() == (
        f'config.toml:{line}: [params.hugosnip].html is "sanitise", which cleans HTML outputs with nh3, and nh3 '
        "is not installed\n    install it: pip install 'hugosnip[sanitise]' (or pip install nh3)")


@pytest.mark.parametrize("setting, value", [("figure_format", '"png"'), ("html", '"sanitise"')])
def test_the_settings_that_change_outputs_are_keyed(built_site, setting, value):
    config = built_site / "config.toml"
    config.write_text(config.read_text().replace("[params.hugosnip]", f"[params.hugosnip]\n  {setting} = {value}"))
    stale = {e.module.rel: e.reasons for e in plan.make_plan(Project(load(built_site))).stale}
    want = value.strip('"')
    default = {"figure_format": "svg", "html": "trusted"}[setting]
    assert stale == {rel: [f"{setting} {default} -> {want}"] for rel in
                     ("snippets/demo.py", "snippets/other.py", "snippets/pkg/user.py", "snippets/plot.py")}


def test_rich_text_past_the_output_limit_is_dropped_with_a_note(site):
    outcome = run(site, "# %% c\nfrom hugosnip.display import display, HTML\n"
                        "display(HTML('<p>' + 'x' * 50 + '</p>'))\ndisplay(HTML('<p>' + 'y' * 50 + '</p>'))\n",
                  output_limit=80)
    cell = outcome.cells["c"]
    first, second = cell["outputs"]
    assert first["data"]["text/html"] == "<p>" + "x" * 50 + "</p>"
    assert second["data"] == {"text/plain": "<hugosnip.display.HTML object>\n[... text/html output of 57 bytes "
                                            "not kept: past the cell's output_limit of 80 bytes (hugosnip output_limit)]"}
    assert cell["truncated"] is True


def test_pandas_tables_are_html_and_a_stylers_ids_are_the_cells(site):
    needs("pandas")
    source = ("# %% t\nimport pandas as pd\nfrom hugosnip.display import display\n"
              "df = pd.DataFrame({'a': [1, 2]}, index=['x', 'y'])\ndisplay(df['a'])\n"
              "display(df.style.highlight_max())\ndf\n")
    first, second = run(site, source), run(site, source)
    outputs = first.cells["t"]["outputs"]
    assert outputs == second.cells["t"]["outputs"]
    series, styler, frame = outputs
    assert series["data"]["text/plain"] == "x    1\ny    2\nName: a, dtype: int64"
    # a Series is a one-column table too, its column named by the Series
    assert "<th>a</th>" in series["data"]["text/html"] and "<th>y</th>" in series["data"]["text/html"]
    # no header cell is left empty: the corner above the row labels is a plain cell
    for output in outputs:
        assert re.search(r"<th(\s[^>]*)?>(\s|&nbsp;)*</th>", output["data"]["text/html"]) is None
    assert "<td></td>" in frame["data"]["text/html"] and '<td class="blank level0" ></td>' in styler["data"]["text/html"]
    assert '<table border="1" class="dataframe">' in frame["data"]["text/html"]
    assert "<th>x</th>" in frame["data"]["text/html"] and frame["output_type"] == "execute_result"
    assert '<table id="T_hugosnip-t-2">' in styler["data"]["text/html"]
    assert "#T_hugosnip-t-2_row1_col0 {" in styler["data"]["text/html"]


def test_sympy_gives_latex(site):
    needs("sympy")
    outcome = run(site, "# %% c\nimport sympy\nx = sympy.Symbol('x')\nsympy.diff(sympy.sin(x**2), x)\n")
    (output,) = outcome.cells["c"]["outputs"]
    assert output["data"] == {"text/latex": "$\\displaystyle 2 x \\cos{\\left(x^{2} \\right)}$",
                              "text/plain": "2*x*cos(x**2)"}


def test_ipython_display_is_captured_too(site):
    needs("IPython")
    outcome = run(site, "# %% c\nfrom IPython.display import display, HTML, Markdown, Latex\n"
                        "print('p')\ndisplay(HTML('<b>h</b>'))\ndisplay(Latex('$y$'), Markdown('**m**'))\n")
    assert [(o["output_type"], {k: v for k, v in o.get("data", {}).items() if k != "text/plain"})
            for o in outcome.cells["c"]["outputs"]] == [
        ("stream", {}), ("display_data", {"text/html": "<b>h</b>"}), ("display_data", {"text/latex": "$y$"}),
        ("display_data", {"text/markdown": "**m**"})]


@pytest.mark.parametrize("module", ["IPython.display", "hugosnip.display"])
def test_image_objects_from_bytes_are_files_with_their_size(site, module):
    needs("PIL")
    if module.startswith("IPython"):
        needs("IPython")
    outcome = run(site, f"# %% c\nimport io\nfrom PIL import Image as P\nfrom {module} import Image, display\n"
                        "jpeg, png = io.BytesIO(), io.BytesIO()\nP.new('RGB', (5, 4), 'green').save(jpeg, format='JPEG')\n"
                        "P.new('RGB', (6, 2), 'green').save(png, format='PNG')\n"
                        "display(Image(data=jpeg.getvalue()))\ndisplay(Image(data=png.getvalue(), format='png'))\n")
    cell = outcome.cells["c"]
    shown = [next((m, (p["width"], p["height"])) for m, p in o["data"].items() if m != "text/plain")
             for o in cell["outputs"]]
    assert shown == [("image/jpeg", (5, 4)), ("image/png", (6, 2))]
    assert [name[16:] for name in cell["figures"]] == [".jpg", ".png"]


def test_the_worker_imports_no_library_the_snippet_did_not(site):
    outcome = run(site, "# %% c\nimport sys\nfrom hugosnip.display import display\ndisplay(1)\n"
                        "print(sorted(m for m in ('pandas', 'IPython', 'PIL', 'sympy', 'nh3', 'plotly', 'altair',"
                        " 'matplotlib') if m in sys.modules))\n")
    assert outcome.cells["c"]["outputs"] == [{"output_type": "display_data", "data": {"text/plain": "1"}},
                                             {"output_type": "stream", "name": "stdout", "text": "[]\n"}]


def test_an_expected_error_is_the_last_output(site):
    outcome = run(site, "# %% c raises=ValueError\nprint('before')\nraise ValueError('bad shape')\n")
    assert outcome.cells["c"]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "before\n"},
        {"output_type": "error", "text": "ValueError: bad shape"}]
    assert outcome.cells["c"]["error"] == "ValueError: bad shape"


# --- image sizes, read with the standard library -------------------------------------------------

def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + (11).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big") + \
        width.to_bytes(2, "big") + b"\x01\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


@pytest.mark.parametrize("data, ext, size", [
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="460.8pt" height="345.6pt">',
     "svg", (614, 461)),
    (b'<svg width="120" height="30px">', "svg", (120, 30)),
    (b'<svg viewBox="0 0 50 20">', "svg", (50, 20)),
    (b'<svg width="1in" height="2cm">', "svg", (96, 76)),
    (b"<svg>", "svg", (0, 0)),
    (base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAMAAAAFCAAAAADHcNH/AAAAC0lEQVR4nGNgQAcAAA8AAWNLKYAAAAAASUVORK5CYII="),
     "png", (3, 5)),
    (b"not a png", "png", (0, 0)),
    (_jpeg(640, 480), "jpg", (640, 480)),
    (b"\xff\xd8\xff\xd9", "jpg", (0, 0)),
], ids=["svg-pt", "svg-px", "svg-viewbox", "svg-in-cm", "svg-no-size", "png", "png-bad", "jpeg", "jpeg-no-frame"])
def test_image_sizes(data, ext, size):
    assert capture.image_size(data, ext) == size


# --- pip names --------------------------------------------------------------------------------

@pytest.mark.parametrize("imported, package", [
    ("PIL", "pillow"), ("sklearn", "scikit-learn"), ("cv2", "opencv-python"), ("yaml", "PyYAML"),
    ("bs4", "beautifulsoup4"), ("skimage", "scikit-image"), ("IPython", "ipython"),
    ("dateutil", "python-dateutil"), ("numpy", "numpy"), ("mpl_toolkits", "matplotlib"),
    ("not_a_package_anywhere", "not_a_package_anywhere"),
])
def test_pip_names_of_imports(imported, package):
    assert key.pip_name(imported) == package


def test_the_download_names_pip_packages(site):
    needs("PIL")
    write(site / "snippets/img.py", "# %% c\nfrom PIL import Image\nimport yaml_is_not_here_either as y\n")
    from hugosnip.notebook import archive
    project = Project(load(site))
    module = project.load(site / "snippets/img.py")
    inputs, _ = key.key_for(project, module)
    doc = {"file": module.rel, "module": module.dotted, "inputs": inputs, "order": [], "cells": {}}
    made = archive(doc, module.ref, project.config)
    assert made["requires"] == ["pillow", "yaml_is_not_here_either"]


# --- the stored format and its readers --------------------------------------------------------

def test_a_runner_bump_says_the_result_was_made_by_an_older_hugosnip():
    assert plan.why({"files": {}, "versions": {"hugosnip": "2"}}, {"files": {}, "versions": {"hugosnip": "3"}}) \
        == ["made by an older hugosnip (runner version 2; this one is 3)"]


def test_a_result_of_the_old_format_is_remade_with_a_reason(built_site, cli):
    path = built_site / "data/hugosnip/demo.json"
    doc = json.loads(path.read_text())
    doc["hugosnip"] = 1
    path.write_text(store.dumps(doc), encoding="utf-8")
    done = cli(built_site, "build", "--no-hugo")
    assert done.status == 0
    (row,) = [line for line in done.out.splitlines() if " snippets/demo.py " in line]
    assert row.startswith("ok      ran ") and row.endswith(
        "  snippets/demo.py      result data/hugosnip/demo.json was made by an older hugosnip "
        f"(result format 1; this one writes {store.SCHEMA}): re-run")
    assert store.load(path)["hugosnip"] == store.SCHEMA


@pytest.mark.parametrize("old, new, same", [
    ('<table id="T_1a2b3"><tr><td id="T_1a2b3_row0_col0">1</td></tr></table>',
     '<table id="T_9f8e7">\n  <tr>\n    <td id="T_9f8e7_row0_col0">1</td>\n  </tr>\n</table>', True),
    ("<td>1.0000001</td>", "<td>1.0000002</td>", True),
    ("<td>1</td>", "<td>2</td>", False),
], ids=["styler-ids-and-whitespace", "numbers-within-rtol", "different"])
def test_check_rerun_compares_html_after_normalising(old, new, same):
    def cell(html):
        return {"options": {}, "outputs": [{"output_type": "display_data",
                                            "data": {"text/html": html, "text/plain": "x"}}],
                "value": None, "vars": {}, "error": "", "figures": []}
    lines = compare.diff_cell("c", cell(old), cell(new), "snippets/s.py", 1e-6)
    assert (lines == []) is same


def test_check_rerun_compares_images_byte_for_byte():
    def cell(name):
        return {"options": {}, "outputs": [{"output_type": "display_data", "data": {
            "image/png": {"file": name, "width": 1, "height": 1}, "text/plain": "x"}}],
            "value": None, "vars": {}, "error": "", "figures": [name]}
    assert compare.diff_cell("c", cell("0" * 16 + ".png"), cell("0" * 16 + ".png"), "s.py", 1e-6) == []
    assert compare.diff_cell("c", cell("0" * 16 + ".png"), cell("1" * 16 + ".png"), "s.py", 1e-6) == [
        "--- s.py#c output 1 (display_data) image/png (committed)",
        "+++ s.py#c output 1 (display_data) image/png (re-run)",
        "@@ -1 +1 @@", "-0000000000000000.png", "+1111111111111111.png"]


def test_the_notebook_carries_the_outputs_with_their_bundles(site):
    needs("PIL")
    from hugosnip.notebook import notebook
    outcome = run(site, "# %% c\nfrom PIL import Image\nfrom hugosnip.display import display, HTML\n"
                        "print('p')\ndisplay(HTML('<b>h</b>'))\nImage.new('RGB', (2, 2), 'blue')\n")
    cell = outcome.cells["c"]
    doc = {"file": "snippets/s.py", "module": "snippets.s", "order": ["c"],
           "cells": {"c": dict(cell, code="...", options={"raises": ""})}}
    nb = notebook(doc, outcome.figures, set(), False, 0)
    stream, html, image = nb["cells"][2]["outputs"]
    assert stream == {"output_type": "stream", "name": "stdout", "text": ["p\n"]}
    assert html == {"output_type": "display_data", "metadata": {},
                    "data": {"text/html": ["<b>h</b>"], "text/plain": ["<hugosnip.display.HTML object>"]}}
    name = cell["figures"][0]
    assert image == {"output_type": "execute_result", "execution_count": 2,
                     "metadata": {"image/png": {"width": 2, "height": 2}},
                     "data": {"image/png": base64.b64encode(outcome.figures[name]).decode("ascii"),
                              "text/plain": ["<PIL.Image.Image image mode=RGB size=2x2>"]}}


# --- the page ---------------------------------------------------------------------------------

RICH = """# %% a
import sys
from hugosnip.display import display, HTML, Markdown, Latex, JSON
print("first")
display(HTML("<table><tr><th>h</th></tr><tr><td>1</td></tr></table><script>alert(1)</script>"))
print("<not html>", file=sys.stderr)
display(Markdown("*em* and [a link](https://example.org/)"))
display(Latex(r"$$\\frac{1}{2}$$"))
JSON({"k": [1, 2]})
# %% fig figure_format=png
import matplotlib.pyplot as plt
plt.figure(figsize=(2, 1))
plt.plot([1, 2])
print("drawn")
"""


def test_the_page_shows_each_output_in_order(site, cli):
    write(site / "snippets/rich.py", RICH)
    write(site / "content/posts/rich.md", "---\ntitle: Rich\ndate: 2024-01-01\n---\n"
          '{{< snip-cell file="rich.py" cell="a" >}}\n{{< snip-cell file="rich.py" cell="fig" code=false >}}\n'
          '{{< snip-figure file="rich.py" cell="fig" alt="a line" >}}\n')
    done = cli(site, "build")
    assert done.status == 0, done.err
    page = (site / "public/2024/01/rich/index.html").read_text(encoding="utf-8")
    doc = store.load(site / "data/hugosnip/rich.json")
    png = doc["cells"]["fig"]["outputs"][1]["data"]["image/png"]
    expected = [
        '<pre class="hugosnip-stdout" tabindex="0"><code>first\n</code></pre>',
        '<div class="hugosnip-html" tabindex="0"><table><tr><th>h</th></tr><tr><td>1</td></tr></table></div>',
        '<pre class="hugosnip-stderr" tabindex="0"><code>&lt;not html&gt;\n</code></pre>',
        '<div class="hugosnip-markdown"><p><em>em</em> and <a href="https://example.org/">a link</a></p>\n</div>',
        '<div class="hugosnip-latex"><span class="katex-display" tabindex="0"><span class="katex">',
        '<pre class="hugosnip-json" tabindex="0"><code>{\n &#34;k&#34;: [\n  1,\n  2\n ]\n}</code></pre>',
        '<pre class="hugosnip-stdout" tabindex="0"><code>drawn\n</code></pre>',
        f'<img class="hugosnip-img" src="/hugosnip/{png["file"]}" width="{png["width"]}" '
        f'height="{png["height"]}" alt="Hình 1 của ô fig" loading="lazy">',
        f'<img src="/hugosnip/{png["file"]}" width="{png["width"]}" height="{png["height"]}" alt="a line" '
        'loading="lazy">',
    ]
    at = [page.find(part) for part in expected]
    assert -1 not in at, [part for part, n in zip(expected, at) if n == -1]
    assert at == sorted(at)
    assert "<script>alert(1)" not in page
    assert re.search(r'<link[^>]+href="[^"]*katex[^"]*\.css"', page), "a LaTeX output links KaTeX's CSS"
    assert (site / "public/hugosnip" / png["file"]).read_bytes() == (site / "assets/hugosnip" / png["file"]).read_bytes()


def test_a_sites_mime_priority_changes_what_the_page_shows(site, cli):
    write(site / "snippets/rich.py", "# %% a\nfrom hugosnip.display import HTML\nHTML('<b>bold</b>')\n")
    write(site / "content/posts/rich.md", "---\ntitle: Rich\ndate: 2024-01-01\n---\n"
          '{{< snip-cell file="rich.py" cell="a" >}}\n')
    config = site / "config.toml"
    config.write_text(config.read_text().replace("[params.hugosnip]",
                                                 '[params.hugosnip]\n  mime_priority = ["text/plain"]'))
    done = cli(site, "build")
    assert done.status == 0, done.err
    page = (site / "public/2024/01/rich/index.html").read_text(encoding="utf-8")
    assert '<pre class="hugosnip-repr" tabindex="0"><code>&lt;hugosnip.display.HTML object&gt;</code></pre>' in page
    assert "<b>bold</b>" not in page


def test_an_image_no_result_names_any_more_is_removed(site, cli):
    write(site / "snippets/pic.py", "# %% c figure_format=png\nimport matplotlib.pyplot as plt\nplt.plot([1])\n")
    assert cli(site, "build", "--no-hugo").status == 0
    (old,) = store.load(site / "data/hugosnip/pic.json")["cells"]["c"]["figures"]
    assert old.endswith(".png") and (site / "assets/hugosnip" / old).is_file()
    write(site / "snippets/pic.py", "# %% c\nimport matplotlib.pyplot as plt\nplt.plot([1])\n")
    assert cli(site, "build", "--no-hugo").status == 0
    (new,) = store.load(site / "data/hugosnip/pic.json")["cells"]["c"]["figures"]
    assert new.endswith(".svg") and (site / "assets/hugosnip" / new).is_file()
    assert not (site / "assets/hugosnip" / old).exists()


def test_a_damaged_png_is_found_and_remade(site, cli):
    needs("PIL")
    write(site / "snippets/pic.py", "# %% c\nfrom PIL import Image\nImage.new('RGB', (2, 2), 'red')\n")
    assert cli(site, "build", "--no-hugo").status == 0
    (name,) = store.load(site / "data/hugosnip/pic.json")["cells"]["c"]["figures"]
    path = site / "assets/hugosnip" / name
    good = path.read_bytes()
    path.write_bytes(good[:-4])
    done = cli(site, "check")
    assert done.status == 1
    assert (f"data/hugosnip/pic.json: stale result of snippets/pic.py: its figure assets/hugosnip/{name} is damaged "
            "(its content is not the figure its name was made from)") in done.err.splitlines()
    assert cli(site, "build", "--no-hugo").status == 0
    assert path.read_bytes() == good


CHART = ("# %% c\nfrom hugosnip.display import display\n"
         "display({'application/vnd.vegalite.v5+json': {'mark': 'bar', 'data': {'values': [{'a': 1}]}},"
         " 'text/plain': 'a chart'}, raw=True)\n")


@pytest.mark.parametrize("partial", [True, False], ids=["stand-in-partial", "chart-partial"])
def test_a_chart_goes_to_the_chart_partial_when_there_is_one(site, cli, partial):
    write(site / "snippets/sub/charts.py", CHART)
    write(site / "content/posts/chart.md", "---\ntitle: Chart\ndate: 2024-01-01\n---\n"
          '{{< snip-cell file="sub/charts.py" cell="c" code=false >}}\n')
    if partial:   # what the chart helper's partial receives (a stand-in for it)
        write(site / "layouts/_partials/hugosnip/chart.html",
              '<div class="stand-in" id="{{ .id }}" data-mime="{{ .mime }}">{{ .spec }}|{{ .alt }}</div>\n')
    done = cli(site, "build")
    assert done.status == 0, done.err
    stored = store.load(site / "data/hugosnip/sub/charts.json")["cells"]["c"]["outputs"][0]["data"]
    spec = '{"data":{"values":[{"a":1}]},"mark":"bar"}'
    assert stored["application/vnd.vegalite.v5+json"] == spec
    page = (site / "public/2024/01/chart/index.html").read_text(encoding="utf-8")
    if partial:
        assert ('<div class="stand-in" id="hugosnip-chart-sub-charts-c-1" data-mime="application/vnd.vegalite.v5&#43;json">'
                '{&#34;data&#34;:{&#34;values&#34;:[{&#34;a&#34;:1}]},&#34;mark&#34;:&#34;bar&#34;}|Hình 1 của ô c</div>'
                ) in page
    else:   # the theme's own chart.html (tests/plugin/test_charts.py, test_rich_site.py)
        assert ('<figure class="hugosnip-chart" id="hugosnip-chart-sub-charts-c-1" data-hugosnip-chart="vega" '
                'tabindex="0">\n<div class="hugosnip-chart-view" data-spec="{&#34;data&#34;:{&#34;values&#34;:'
                '[{&#34;a&#34;:1}]},&#34;mark&#34;:&#34;bar&#34;}"></div>') in page


def test_display_outside_a_build_prints_the_text_form():
    done = subprocess.run([sys.executable, "-c", "from hugosnip.display import display, HTML\n"
                           "display(HTML('<b>x</b>'), 3)"], capture_output=True, text=True, check=True)
    assert done.stdout == "<hugosnip.display.HTML object>\n3\n"


def test_installing_the_plugin_pulls_no_library_it_displays():
    import tomllib
    from conftest import REPO
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert names.isdisjoint({"pandas", "ipython", "plotly", "altair", "numpy", "matplotlib", "pillow", "sympy",
                             "polars", "nh3"}), names
    assert project["optional-dependencies"]["sanitise"] == ["nh3>=0.2"]


def test_a_polars_frame_is_an_html_table(site):
    needs("polars")
    outcome = run(site, "# %% c\nimport polars as pl\npl.DataFrame({'a': [1, 2], 'b': ['x', 'y']})\n")
    (output,) = outcome.cells["c"]["outputs"]
    html = output["data"]["text/html"]
    assert output["output_type"] == "execute_result"
    assert "<small>shape: (2, 2)</small>" in html
    assert "<thead><tr><th>a</th><th>b</th></tr>" in html
    assert "<tbody><tr><td>1</td><td>&quot;x&quot;</td></tr>" in html
