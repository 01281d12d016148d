"""What a reader downloads from a "run it yourself" box runs on its own and prints what the page shows.

Each published archive is unzipped into a fresh folder outside the repository and run there with
the venv's Python, PYTHONPATH unset: ``python -m <module>`` and its notebook, executed by nbclient
with a python3 kernel. What they print is compared with the committed result by the plugin's own
rules (numbers within ``rtol``, ``varies`` cells by shape).

The fixture site's tests check the mechanism in seconds. The blog's run every blog snippet twice
(once as ``python -m``, once as a notebook, side by side): one test per module a page offers,
several minutes in all, so they are in the slow tier (``pytest --full``; docs/reference.md,
"Run it yourself").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hugosnip import config as hugosnip_config
from hugosnip.capture import stream_text
from hugosnip.compare import same_text
from hugosnip.run import THREAD_VARIABLES

from conftest import REPO, require, write

try:
    import nbclient
    import nbformat
except ImportError:
    require(False, "nbclient and nbformat are not installed (requirements-blog.txt)")

LINK = re.compile(r'<a href="([^"]*/hugosnip/run/([^"/]+\.zip))" download>')
NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool_)\w*\((.*)\)")
# A chart's MIME types (Altair names its own with a dot in a kernel): in Jupyter a chart is shown
# by its library's renderer, not as the cell's value, and the build's static image is its own.
CHART = re.compile(r"^application/vnd\.(?:plotly\.v1|vegalite\.v\d)[+.]json$")


def is_chart(data) -> bool:
    return any(CHART.match(mime) for mime in data)


def displays_objects(cell: dict) -> bool:
    """Whether a committed cell displayed something that is not a figure: outside Jupyter,
    display() prints the object's text form among the cell's own prints."""
    return any(o["output_type"] == "display_data" and not o.get("metadata", {}).get("figure")
               for o in cell["outputs"])


def published(public: Path) -> dict[str, Path]:
    """Every archive a page of the built site links to, by file name."""
    found = {}
    for page in public.rglob("*.html"):
        for href, name in LINK.findall(page.read_text(encoding="utf-8")):
            found[name] = public / href.lstrip("/")
    return found


def reader_env(config, home: Path) -> dict[str, str]:
    """A reader's shell: the venv's Python first on PATH, no PYTHONPATH, and the build's fixed
    thread counts, hash seed and matplotlib backend (what the worker runs with; the notebook's
    kernel keeps Jupyter's backend)."""
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
           "HOME": str(home), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "PYTHONHASHSEED": str(config.seed), "MPLCONFIGDIR": str(home / "mpl")}
    env.update({name: str(config.threads) for name in THREAD_VARIABLES})
    return env


def unpack(archive: Path, where: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        top = {n.split("/")[0] for n in names}
        assert top == {archive.stem}, f"{archive.name} must unzip into one folder {archive.stem}/: {sorted(top)}"
        zf.extractall(where)
    return where / archive.stem


def _value_text(text: str) -> str:
    """IPython shows a numpy scalar as ``np.float64(8.98)``; the build records ``8.98``."""
    return NUMPY_SCALAR.sub(r"\1", text)


def compare_notebook(doc: dict, nb, rtol: float) -> list[str]:
    """What differs between an executed notebook's cells and the committed result."""
    by_id = {cell.get("id"): cell for cell in nb.cells if cell.cell_type == "code"}
    problems = []
    for name in doc["order"]:
        want, cell = doc["cells"][name], by_id[name[:64]]
        cell_rtol = want["options"].get("rtol") or rtol
        varies = want["options"].get("varies", False)
        stdout = "".join(o.get("text", "") for o in cell.outputs
                         if o.output_type == "stream" and o.name == "stdout")
        if not same_text(stream_text(want, "stdout"), stdout, cell_rtol, varies):
            problems.append(f"{name}: stdout {stdout!r}, committed {stream_text(want, 'stdout')!r}")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if want["error"]:
            got = f"{errors[0].ename}: {errors[0].evalue}" if errors else "no error"
            if not same_text(want["error"], got, cell_rtol, varies):
                problems.append(f"{name}: raised {got!r}, committed {want['error']!r}")
        elif errors:
            problems.append(f"{name}: raised {errors[0].ename}: {errors[0].evalue}")
        charts = [o for o in want["outputs"] if is_chart(o.get("data", {}))]
        if charts:
            drawn = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")
                     and (is_chart(o.data) or "vegaEmbed(" in "".join(o.data.get("text/html", "")))]
            if len(drawn) != len(charts):
                problems.append(f"{name}: {len(drawn)} chart(s) shown, committed {len(charts)}")
        elif want["value"]:
            shown = [_value_text("".join(o.data["text/plain"])) for o in cell.outputs
                     if o.output_type == "execute_result"]
            if not shown or not same_text(want["value"]["repr"], shown[0], cell_rtol, varies):
                problems.append(f"{name}: value {shown}, committed {want['value']['repr']!r}")
        images = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")
                  and {"image/png", "image/jpeg", "image/svg+xml"} & set(o.data)]
        committed = [o for o in want["outputs"] if not is_chart(o.get("data", {}))
                     and any(isinstance(v, dict) for v in o.get("data", {}).values())]
        if len(images) != len(committed):
            problems.append(f"{name}: {len(images)} image output(s), committed {len(committed)}")
    return problems


def compare_module_run(doc: dict, run: subprocess.CompletedProcess, rtol: float) -> list[str]:
    """What differs between ``python -m``'s output and the committed cells' stdout.

    The archive's copy of the module goes on past a ``raises=`` cell, printing its error on
    stderr, so every cell runs and the module exits 0. The cells are compared one by one (split
    by their committed line counts), or as one text when a cell's output does not end a line."""
    cells = [doc["cells"][name] for name in doc["order"]]
    problems = []
    if run.returncode != 0:
        problems.append(f"exit {run.returncode}: {run.stderr[-2000:]}")
    for name, cell in zip(doc["order"], cells):
        if cell["error"] and not any(same_text(cell["error"], line, rtol, False)
                                     for line in run.stderr.splitlines()):
            problems.append(f"{name}: stderr does not show the expected error {cell['error']!r}")
    printed = [stream_text(c, "stdout") for c in cells]
    if any(displays_objects(c) for c in cells):
        # the displayed objects' text forms come between the prints: each printed line, in order
        lines = iter(run.stdout.splitlines())
        for name, cell, text in zip(doc["order"], cells, printed):
            rtol_, varies = cell["options"].get("rtol") or rtol, cell["options"].get("varies", False)
            for line in text.splitlines():
                if not any(same_text(line, got, rtol_, varies) for got in lines):
                    problems.append(f"{name}: the line {line!r} is not printed (in order)")
                    return problems
    elif all(not p or p.endswith("\n") for p in printed):
        lines = run.stdout.splitlines(keepends=True)
        for name, cell, text in zip(doc["order"], cells, printed):
            count = len(text.splitlines())
            got, lines = "".join(lines[:count]), lines[count:]
            if not same_text(text, got, cell["options"].get("rtol") or rtol,
                             cell["options"].get("varies", False)):
                problems.append(f"{name}: printed {got!r}, committed {text!r}")
        if lines:
            problems.append(f"printed more than the cells did: {''.join(lines)[:500]!r}")
    else:
        want = "".join(printed)
        varies = any(c["options"].get("varies") for c in cells)
        if not same_text(want, run.stdout, rtol, varies):
            problems.append(f"printed {run.stdout!r}, committed {want!r}")
    return problems


def run_download(archive: Path, doc: dict, config, tmp: Path, timeout: float) -> list[str]:
    """Unzip ``archive`` into ``tmp``, run the module and execute its notebook at the same time;
    return what differs from ``doc``."""
    folder = unpack(archive, tmp / "unzipped")
    home = tmp / "home"
    home.mkdir()
    env = reader_env(config, home)
    notebook_path = folder / f"{archive.stem}.ipynb"
    nb = nbformat.read(notebook_path, as_version=4)
    nbformat.validate(nb)
    # the notebook runs on its own copy, so the module's run and the kernel never share a folder
    nb_folder = tmp / "notebook"
    shutil.copytree(folder, nb_folder)
    process = subprocess.Popen([sys.executable, "-m", doc["module"]], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                         resources={"metadata": {"path": str(nb_folder)}})
        # Jupyter's own matplotlib backend, which shows each cell's figures as outputs
        client.execute(env={k: v for k, v in env.items() if k != "MPLBACKEND"}, cwd=str(nb_folder))
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    run = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return ([f"python -m {doc['module']}: {p}" for p in compare_module_run(doc, run, config.rtol)]
            + [f"{notebook_path.name}: {p}" for p in compare_notebook(doc, nb, config.rtol)])


# ------------------------------------------------------------------ the mechanism, on the fixture site

SEEDED_INIT = "import random\nimport numpy\nrandom.seed(0)\nnumpy.random.seed(0)\n"
SEEDED = """\
# %% draw
import random
import numpy as np
from .helper import FACTOR
print(round(random.random(), 6), round(float(np.random.rand()), 6), FACTOR)
# %% wrong raises=ValueError
int("x")
# %% after
print("after the error")
np.float64(0.5) * 3
"""
RUN_PAGE = """---
title: "Chạy"
slug: run
date: 2024-03-06
---
{{< snip-cell file="plot.py" cell="figure" >}}

{{< snip-cell file="pkg/seeded.py" cell="draw" >}}
"""


@pytest.fixture
def built(site: Path, cli) -> Path:
    """The fixture site, with a page offering the plot and a seeded module with a raises= cell,
    and with the seeding package __init__.py a site puts there, built."""
    write(site / "snippets/__init__.py", SEEDED_INIT)
    write(site / "snippets/pkg/seeded.py", SEEDED)
    write(site / "content/posts/run.md", RUN_PAGE)
    result = cli(site, "build")
    assert result.status == 0, result
    return site


def load_doc(site: Path, ref: str) -> dict:
    return json.loads((site / "data/hugosnip" / ref.replace(".py", ".json")).read_text(encoding="utf-8"))


def test_every_offered_module_is_published_as_one_archive(built):
    assert sorted(published(built / "public")) == ["demo.zip", "pkg-seeded.zip", "pkg-user.zip", "plot.zip"]
    with zipfile.ZipFile(built / "public/hugosnip/run/pkg-seeded.zip") as zf:
        assert zf.namelist() == ["pkg-seeded/README.txt", "pkg-seeded/pkg-seeded.ipynb", "pkg-seeded/snippets/__init__.py",
                                 "pkg-seeded/snippets/pkg/__init__.py", "pkg-seeded/snippets/pkg/helper.py",
                                 "pkg-seeded/snippets/pkg/seeded.py"]
        # the raises= cell is wrapped, so that `python -m` prints its error and goes on
        assert zf.read("pkg-seeded/snippets/pkg/seeded.py").decode() == SEEDED.replace('int("x")\n', (
            "try:  # expected to raise ValueError: the error is printed, and the module goes on (hugosnip)\n"
            '    int("x")\n'
            "except BaseException as _expected:  # noqa: B036\n"
            "    if 'ValueError' not in {c.__name__ for c in type(_expected).__mro__} | "
            "{f'{c.__module__}.{c.__qualname__}' for c in type(_expected).__mro__}:\n"
            "        raise\n"
            "    print(''.join(__import__('traceback').format_exception_only(type(_expected), _expected)).strip(), "
            "file=__import__('sys').stderr)\n"))
        readme = zf.read("pkg-seeded/README.txt").decode()
    assert readme == ("snippets/pkg/seeded.py, as published, with the local modules it imports.\n\n"
                      "Needs Python 3 and: pip install numpy\n\n"
                      "From this folder, run the whole module:\n\n    python -m snippets.pkg.seeded\n\n"
                      "or open pkg-seeded.ipynb in Jupyter: its cells, with the published outputs.\n")


def test_the_box_offers_the_archive_what_to_install_and_the_command(built):
    page = (built / "public/2024/03/run/index.html").read_text(encoding="utf-8")
    box = re.findall(r'<details class="hugosnip-run">.*?</details>', page, re.S)[1]
    assert box == (
        '<details class="hugosnip-run">\n<summary>Tự chạy đoạn mã này</summary>\n'
        '<p>Mô-đun này, các mô-đun của blog mà nó nhập và một notebook gồm các ô cùng kết quả, gói trong '
        'một tệp: <a href="/hugosnip/run/pkg-seeded.zip" download>pkg-seeded.zip</a></p>\n'
        '<p>Cài các gói mà mã của nó nhập: <code>pip install numpy</code></p>\n'
        '<p>Giải nén tệp, rồi trong thư mục vừa tạo, chạy <code>python -m snippets.pkg.seeded</code> '
        'hoặc mở pkg-seeded.ipynb bằng Jupyter.</p>\n</details>')


@pytest.mark.parametrize("url, link", [
    ("https://example.org/me/blog/blob/main/{path}#L{line}",
     '<a href="https://example.org/me/blog/blob/main/snippets/pkg/seeded.py#L1">Mã nguồn: snippets/pkg/seeded.py, '
     'dòng 1</a>'),
    ("https://example.org/src/{path}", '<a href="https://example.org/src/snippets/pkg/seeded.py">Mã nguồn: '
                                       'snippets/pkg/seeded.py, dòng 1</a>'),
    ("", None),
])
def test_source_url_links_the_cell_s_line(built, cli, url, link):
    config = built / "config.toml"
    config.write_text(config.read_text().replace("timeout = 20", f"timeout = 20\n  source_url = {url!r}"))
    assert cli(built, "build").status == 0
    page = (built / "public/2024/03/run/index.html").read_text(encoding="utf-8")
    box = re.findall(r'<details class="hugosnip-run">.*?</details>', page, re.S)[1]
    if link:
        assert f"<p>{link}</p>" in box
    else:
        assert "Mã nguồn" not in box


def test_source_url_without_path_is_refused(site, cli):
    config = site / "config.toml"
    config.write_text(config.read_text().replace("timeout = 20", "timeout = 20\n  source_url = 'https://x/'"))
    result = cli(site, "build")
    assert (result.status, result.err.splitlines()[0]) == (
        2, "config.toml:26: [params.hugosnip].source_url must contain {path} (the file's path from the site's "
           "root) and may contain {line}: 'https://x/'")


def test_notebook_holds_the_published_outputs_and_figures(built):
    with zipfile.ZipFile(built / "public/hugosnip/run/plot.zip") as zf:
        nb = nbformat.reads(zf.read("plot/plot.ipynb").decode(), as_version=4)
    nbformat.validate(nb)
    figure_cell = next(c for c in nb.cells if c.get("id") == "figure")
    svg = (built / "assets/hugosnip" / load_doc(built, "plot.py")["cells"]["figure"]["figures"][0]).read_text()
    assert [o.output_type for o in figure_cell.outputs] == ["execute_result", "display_data"]
    assert "".join(figure_cell.outputs[0].data["text/plain"]) == "Text(0.5, 1.0, 'y = x^2')"
    assert "".join(figure_cell.outputs[1].data["image/svg+xml"]) == svg
    with zipfile.ZipFile(built / "public/hugosnip/run/pkg-seeded.zip") as zf:
        nb = nbformat.reads(zf.read("pkg-seeded/pkg-seeded.ipynb").decode(), as_version=4)
    assert [c.get("id") for c in nb.cells] == ["hugosnip-intro", "hugosnip-setup", "draw", "wrong", "after"]
    assert "".join(nb.cells[1].source) == (
        "# Set up as for the published run: the module's package imported first, as\n"
        "# `python -m` does, then the random generators seeded.\n"
        "import snippets.pkg\n__package__ = 'snippets.pkg'\nimport random\nrandom.seed(0)\n"
        "import numpy\nnumpy.random.seed(0)")
    assert nb.cells[3].metadata == {"tags": ["raises-exception"]}
    assert [(o.output_type, o.get("ename"), o.get("evalue")) for o in nb.cells[3].outputs] == [
        ("error", "ValueError", "invalid literal for int() with base 10: 'x'")]


def test_fixture_downloads_run_on_their_own(built, tmp_path):
    config = hugosnip_config.load(built)
    archives = published(built / "public")
    for name, archive in sorted(archives.items()):
        doc = load_doc(built, archive.stem.replace("-", "/") + ".py")
        work = tmp_path / name
        work.mkdir()
        problems = run_download(archive, doc, config, work, 120)
        assert not problems, f"{name}:\n" + "\n".join(problems)


def test_a_changed_output_is_caught(built, tmp_path):
    """The comparison can fail: a committed result that no longer matches what the module prints."""
    config = hugosnip_config.load(built)
    doc = load_doc(built, "pkg/seeded.py")
    (printed,) = [o for o in doc["cells"]["draw"]["outputs"] if o["output_type"] == "stream"]
    printed["text"] = "0.1 0.2 3\n"
    doc["cells"]["after"]["value"]["repr"] = "2.0"
    problems = run_download(built / "public/hugosnip/run/pkg-seeded.zip", doc, config, tmp_path, 120)
    assert problems == [
        "python -m snippets.pkg.seeded: draw: printed '0.844422 0.548814 3\\n', committed '0.1 0.2 3\\n'",
        "pkg-seeded.ipynb: draw: stdout '0.844422 0.548814 3\\n', committed '0.1 0.2 3\\n'",
        "pkg-seeded.ipynb: after: value ['1.5'], committed '2.0'"]


def test_an_up_to_date_result_gets_its_archive_without_running(built, cli):
    path = built / "data/hugosnip/demo.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    archive = doc.pop("archive")
    doc["source"], doc["notebook"] = "old", {}
    from hugosnip import store
    path.write_text(store.dumps(doc), encoding="utf-8")
    result = cli(built, "build")
    assert result.status == 0 and "nothing ran" in result.out, result
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["archive"] == archive and "source" not in again and "notebook" not in again


# ------------------------------------------------------------------ every download the blog publishes

def _offered_modules() -> list[str]:
    """Every module a page of the blog shows with snip-cell and does not turn `run` off, or with
    snip-figure run=true: those whose "run it yourself" box offers a download."""
    from hugosnip.scan import scan_site
    config = hugosnip_config.load(REPO)
    refs, _, _ = scan_site(config.root, config.content_dir, {})
    return sorted({ref.file for ref in refs
                   if ref.kind == "snip-cell" and ref.params.get("run", "true") != "false"
                   or ref.kind == "snip-figure" and ref.params.get("run", "false") == "true"})


def test_blog_publishes_a_download_for_every_module_a_page_runs(blog_public):
    """Every module a page shows with snip-cell (run not turned off) or snip-figure run=true has its
    archive, and no other."""
    offered = _offered_modules()
    assert offered, "no page of the blog runs a cell"
    assert sorted(published(blog_public)) == sorted(f"{m[:-3].replace('/', '-')}.zip" for m in offered)


@pytest.mark.slow
@pytest.mark.parametrize("module", _offered_modules())
def test_blog_download_runs_on_its_own(blog_public, tmp_path, module):
    archive = published(blog_public)[f"{module[:-3].replace('/', '-')}.zip"]
    doc = json.loads((REPO / "data/hugosnip" / module.replace(".py", ".json")).read_text(encoding="utf-8"))
    config = hugosnip_config.load(REPO)
    problems = run_download(archive, doc, config, tmp_path, 1800)
    assert not problems, "\n".join(problems)
