"""The shortcuts issue #18 added give what the long way gave: the JUnit report's bytes, a reused
download, reused scratch folders, serve's kept fork server and its file-system wake-up."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from hugosnip.capture import stream_text
from hugosnip import report, run, store
from hugosnip.config import load
from hugosnip.project import Project
from hugosnip.report import Row
from hugosnip.results import same_archive
from hugosnip.serve import Watcher

from conftest import write

AWKWARD = ["plain", "a'b", 'a"b', "a'b\"c", "<tag> & 'x'", "tab\there\nline\rend", ""]


@pytest.mark.parametrize("text", AWKWARD)
def test_junit_escapes_as_xml_sax_does(text):
    assert report._xml(text) == escape(text)
    assert report._attr(text) == quoteattr(text)


def test_junit_report_lists_failures_with_their_detail():
    rows = [Row("snippets/a.py", "ran", "no result yet", 0.25, 30.0, "ok"),
            Row("snippets/b'c.py", "failed", "changed <code>", 1.5, 31.0, "raised", 'cell "x" raised', "Trace & more")]
    assert report.junit(rows) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        '<testsuite name="hugosnip" tests="2" failures="1" errors="0" time="1.750">\n'
        '<testcase classname="hugosnip" name="snippets/a.py" time="0.250">\n'
        "<system-out>ran: no result yet</system-out>\n</testcase>\n"
        "<testcase classname=\"hugosnip\" name=\"snippets/b'c.py\" time=\"1.500\">\n"
        "<failure type=\"raised\" message='cell \"x\" raised'>Trace &amp; more</failure>\n"
        "<system-out>failed: changed &lt;code&gt;</system-out>\n</testcase>\n"
        "</testsuite>\n</testsuites>\n")


DOC = {"hugosnip": 1, "file": "snippets/s.py", "module": "snippets.s", "key": "k1", "order": ["a"],
       "inputs": {"files": {"snippets/s.py": "d1"}, "versions": {"numpy": "2.0"}, "settings": {"seed": 0}},
       "cells": {"a": {"stdout": "1\n"}}, "objects": {}, "provenance": {"made": "then"},
       "archive": {"name": "s.zip", "requires": [], "data": "UEsF"}, "checksum": "c"}


@pytest.mark.parametrize("change, reused", [
    ({}, True),
    ({"key": "k2", "provenance": {"made": "now"}, "checksum": "other"}, True),
    ({"inputs": {**DOC["inputs"], "versions": {"numpy": "2.1"}}}, True),
    ({"inputs": {**DOC["inputs"], "files": {"snippets/s.py": "d2"}}}, False),
    ({"inputs": {**DOC["inputs"], "settings": {"seed": 1}}}, False),
    ({"cells": {"a": {"stdout": "2\n"}}}, False),
    ({"order": ["a", "b"]}, False),
    ({"new_field": 1}, False),
], ids=["same", "bookkeeping", "versions", "files", "seed", "output", "order", "a-new-field"])
def test_a_download_is_reused_only_when_made_of_the_same(change, reused):
    new = {k: v for k, v in {**DOC, **change}.items() if k != "archive"}
    assert same_archive(new, DOC) == (DOC["archive"] if reused else None)


def test_no_download_to_reuse_without_a_previous_one():
    new = {k: v for k, v in DOC.items() if k != "archive"}
    assert same_archive(new, None) is None
    assert same_archive(new, new) is None


def test_a_scratch_folder_is_reused_when_its_cell_left_nothing(site):
    pool = run.ScratchPool(load(site))
    with pool.folder() as first:
        os.mkdir(os.path.join(first, "cwd"))
        os.mkdir(os.path.join(first, "figures"))
        write(Path(first, "figures", "0123456789abcdef.svg"), "<svg/>")
    with pool.folder() as second:
        assert second == first
        assert os.listdir(os.path.join(second, "figures")) == []
        write(Path(second, "cwd", "left.txt"), "a cell's file")
    assert not os.path.exists(first)   # what a cell left is never seen by the next module
    with pool.folder() as third:
        assert third != first
        os.mkdir(os.path.join(third, "cwd"))
        os.mkdir(os.path.join(third, "figures"))
    pool.close()
    assert not os.path.exists(third)


def test_run_many_leaves_no_scratch_folder(site):
    for name in ("a", "b", "c"):
        write(site / f"snippets/{name}.py", f"# %% x\nopen('here.txt', 'w').write('{name}')\nprint(open('here.txt').read())\n")
    project = Project(load(site))
    modules = [project.load(site / f"snippets/{name}.py") for name in ("a", "b", "c")]
    outcomes = run.run_many(project, modules, 1)
    assert [stream_text(o.cells["x"], "stdout") for o in outcomes] == ["a\n", "b\n", "c\n"]
    assert list((site / ".hugosnip/scratch").iterdir()) == []


def test_serve_kept_fork_server_runs_a_single_module_forked(site):
    write(site / "snippets/one.py", "# %% x\nimport os\nos.getppid()\n")
    project = Project(load(site))
    module = project.load(site / "snippets/one.py")
    with run.kept_fork_server(project) as server:
        outcome, = run.run_many(project, [module], 1)
        assert outcome.ok
        assert outcome.cells["x"]["value"]["number"] == server.proc.pid   # a child of the fork server
        again, = run.run_many(project, [module], 1)
        assert again.cells["x"]["value"] == outcome.cells["x"]["value"]
        assert server.alive
    assert run._KEPT is None
    alone, = run.run_many(project, [module], 1)   # without serve: a fresh interpreter, as before
    assert alone.cells["x"]["value"]["number"] != server.proc.pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
@pytest.mark.parametrize("where", ["snippets/s.py", "content/posts/new.md", "snippets/deep/er/m.py"])
def test_serve_wakes_on_a_save_without_polling(site, where):
    (site / "snippets/deep").mkdir(parents=True, exist_ok=True)
    watcher = Watcher(load(site))
    try:
        assert watcher.fd >= 0
        if where.count("/") > 2:   # a folder made after serve started is watched once seen
            (site / "snippets/deep/er").mkdir()
            watcher.wait(timeout=2)
        timer = threading.Timer(0.3, lambda: write(site / where, "# %% a\nx = 1\n"))
        timer.start()
        started = time.monotonic()
        watcher.wait(timeout=5)
        woke = time.monotonic() - started
        timer.join()
        assert 0.25 < woke < 2.0
    finally:
        watcher.close()


def test_serve_polls_where_there_is_no_inotify(site, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    watcher = Watcher(load(site))
    assert watcher.fd == -1
    started = time.monotonic()
    watcher.wait(timeout=5)
    assert time.monotonic() - started < 1.0   # the 0.1 s poll, not the timeout


def test_build_hears_of_stale_modules_before_they_run(site):
    """`build` stops its early Hugo run then (it would be dropped): only when something is stale."""
    from hugosnip.build import update
    heard = []
    started = len(list((site / "data").rglob("*.json"))) if (site / "data").is_dir() else 0

    def on_stale():
        heard.append(len(list((site / "data").rglob("*.json"))))

    assert update(load(site), on_stale=on_stale).status == 0
    assert heard == [started]          # once, before any result was written
    assert update(load(site), on_stale=on_stale).status == 0
    assert heard == [started]          # nothing stale: not called


@pytest.mark.parametrize("worker, expected", [
    ("", "status  action       time  peak MB  module          why\n"
         "ok      ran        1.23 s       12  snippets/a.py   changed\n"
         "raised  failed          -        -  snippets/bb.py  no result yet\n"),
    ("tcp://h:1", "status  action       time  peak MB  worker     module          why\n"
                  "ok      ran        1.23 s       12  tcp://h:1  snippets/a.py   changed\n"
                  "raised  failed          -        -  -          snippets/bb.py  no result yet\n"),
], ids=["local", "cluster"])
def test_build_table_columns(worker, expected):
    rows = [Row("snippets/a.py", "ran", "changed", 1.234, 12.4, "ok", worker=worker),
            Row("snippets/bb.py", "failed", "no result yet", 0.0, 0.0, "raised", "m", "d")]
    assert report.table(rows) == expected


@pytest.mark.parametrize("math_in, with_katex", [
    ("home", {"index.html"}),
    ("post", {"index.html", "posts/index.html", "2024/03/plain/index.html"}),
    ("none", set()),
], ids=["a-list-page-own-content", "a-listed-summary", "nowhere"])
def test_katex_css_on_the_pages_that_show_math(site, math_in, with_katex):
    """head.html scans a list's summaries once per list (listed.html): the list's own content counts too."""
    import subprocess
    from hugosnip import hugo
    (site / "content/posts/demo.md").unlink()
    if math_in == "home":
        write(site / "content/_index.md", '---\ntitle: "Trang thử"\n---\nTổng $x^2 + 1$ ở trang chủ.\n')
    if math_in == "post":
        write(site / "content/posts/plain.md", "---\ntitle: Toán\nslug: plain\ndate: 2024-03-01\n---\nMột công thức $y = x^2$.\n")
    subprocess.run([hugo.binary(), "--quiet"], cwd=site, check=True, capture_output=True)
    pages = {"index.html", "posts/index.html", "2024/03/plain/index.html"}
    shown = {p for p in pages if "katex.min." in (site / "public" / p).read_text(encoding="utf-8")}
    assert shown == with_katex


def test_reports_are_rewritten_only_when_their_rows_change(site):
    """A build with nothing to run leaves the reports that say so as they are (no Jinja); a changed
    row, or a JUnit that is gone, writes both again, the JUnit from the rows of this build."""
    from hugosnip.build import update
    reports = site / ".hugosnip"
    assert update(load(site)).status == 0                       # runs every snippet
    assert update(load(site)).status == 0                       # nothing to run: rows now "reused"
    first = {name: (reports / name).stat().st_ino for name in ("report.json", "junit.xml")}
    junit = (reports / "junit.xml").read_text()
    assert update(load(site)).status == 0                       # the same rows
    assert {name: (reports / name).stat().st_ino for name in first} == first
    (reports / "junit.xml").unlink()
    assert update(load(site)).status == 0
    assert (reports / "junit.xml").read_text() == junit
    write(site / "snippets/demo.py", (site / "snippets/demo.py").read_text() + "\n# %% extra\n2 + 2\n")
    assert update(load(site)).status == 0
    assert 'name="snippets/demo.py"' in (reports / "junit.xml").read_text()
    assert (reports / "junit.xml").read_text() != junit


def test_early_fork_server_preload_is_that_of_the_changed_files(site):
    """Only files changed since the last build that ran something, by their imports as the analysis
    cache has them, or by their text for a file it does not hold; None when nothing changed."""
    from hugosnip.build import update
    config = load(site)
    write(site / "snippets/heavy.py", "# %% x\nimport numpy\nimport json\n1\n")
    project = Project(config)
    wanted = run.preload_for(project, list(project.modules.values()))
    assert "numpy.random" in wanted
    assert run.changed_preload(config) == wanted                # never built: every file, by its text
    assert update(config).status == 0
    (site / ".hugosnip/report.json").rename(site / "report.json")
    assert run.changed_preload(config) is None                  # results, but not built here: a clone
    (site / "report.json").rename(site / ".hugosnip/report.json")
    assert run.changed_preload(config) is None                  # nothing changed since
    write(site / "snippets/heavy.py", "# %% x\nimport json\n2\n")
    assert run.changed_preload(config) == ["numpy.random"]      # as the cache has it (before the edit)
    write(site / "snippets/heavy.py", "# %% x\nimport numpy\nimport json\n2\n")
    write(site / "snippets/new.py", "# %% y\nfrom matplotlib import pyplot\n  import torch.nn\n# import scipy\n3\n")
    assert run.changed_preload(config) == ["matplotlib.pyplot", "numpy.random", "torch"]  # new: by its text


def test_a_first_build_runs_in_its_early_fork_server(site, monkeypatch):
    """A site never built: the early server, started before the scan with the preload its files'
    text shows, is the one every module runs in."""
    from hugosnip.build import update
    started, real = [], run.ForkServer

    def recording(*args):
        started.append(real(*args))
        return started[-1]

    from hugosnip import build
    at_scan, collect = [], build.collect

    def collecting(*args):
        at_scan.append(len(started))
        return collect(*args)

    monkeypatch.setattr(run, "ForkServer", recording)
    monkeypatch.setattr(build, "collect", collecting)
    for name in ("one", "two"):
        write(site / f"snippets/{name}.py", "# %% x\nimport os\nos.getppid()\n")
    assert update(load(site)).status == 0
    assert at_scan == [1]                                        # started before the scan,
    (server,) = started                                          # and the only one
    for name in ("one", "two"):
        doc = store.load(site / f"data/hugosnip/{name}.json")
        assert doc["cells"]["x"]["value"]["number"] == server.proc.pid


def test_a_build_runs_an_edited_module_in_its_early_fork_server(site, monkeypatch):
    from hugosnip.build import update
    started, real = [], run.ForkServer

    def recording(*args):
        started.append(real(*args))
        return started[-1]

    monkeypatch.setattr(run, "ForkServer", recording)
    write(site / "snippets/one.py", "# %% x\nimport os\nos.getppid()\n")
    config = load(site)
    assert update(config).status == 0
    started.clear()
    write(site / "snippets/one.py", "# %% x\nimport os\nos.getppid()  # edited\n")
    assert update(config).status == 0
    (server,) = started                                          # the early one, and no other
    doc = store.load(site / "data/hugosnip/one.json")
    assert doc["cells"]["x"]["value"]["number"] == server.proc.pid   # forked from it
    assert run._EARLY is None                                    # closed with the build,
    assert server.proc.wait(timeout=5) == 0                      # and it ends (reaped by a thread)


def test_a_forked_worker_that_is_gone_is_not_waited_for(site):
    """After its last cell the worker kills what its cells started, then says it is gone: the
    build goes on to the next module while the fork server reaps it, and keeps no status."""
    write(site / "snippets/one.py", "# %% x\nimport subprocess\np = subprocess.Popen(['sleep', '60'])\np.pid\n")
    project = Project(load(site))
    module = project.load(site / "snippets/one.py")
    events = []
    with run.kept_fork_server(project) as server:
        outcome, = run.run_many(project, [module], 1, on_event=lambda m, e: events.append(e["event"]))
        assert outcome.ok
        assert events[-2:] == ["end", "gone"]
        with pytest.raises(ProcessLookupError):     # the cell's child went with it
            os.kill(int(outcome.cells["x"]["value"]["number"]), 0)
        deadline = time.monotonic() + 5
        while (server.forgotten or server.statuses) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (server.forgotten, server.statuses) == (set(), {})


def test_fork_server_reaps_quietly_when_the_build_closed_it_first():
    """The build does not wait for the status of a worker that said it is gone, so it may close the
    fork server before that status is sent: the server then drops it, with no traceback."""
    import socket
    from hugosnip import zygote
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.close()                                  # the build is gone
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)   # ended, not reaped yet
    try:
        assert zygote._reap(theirs, {pid: 7}) == set()
    finally:
        theirs.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)               # reaped by _reap


def _until(condition, limit: float = 5.0) -> bool:
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def test_the_writer_stores_a_result_once_a_cell_started_since(monkeypatch):
    """It holds a result while the runner launches the next module (until that module's first
    cell starts, or HOLD seconds), then stores it; close stores what is left at once."""
    from hugosnip.build import Writer
    monkeypatch.setattr(Writer, "HOLD", 60.0)
    stored = []
    writer = Writer(stored.append)
    writer.put("a")
    time.sleep(0.05)
    assert stored == []                          # held: no cell started since
    writer.started()
    assert _until(lambda: stored == ["a"])
    writer.put("b")
    writer.close()                               # not held any longer
    assert stored == ["a", "b"]
    monkeypatch.setattr(Writer, "HOLD", 0.01)
    writer = Writer(stored.append)
    writer.put("c")                              # no cell starts: stored after HOLD
    assert _until(lambda: stored == ["a", "b", "c"])
    writer.close()


def test_the_report_names_the_cpu_without_starting_a_process(monkeypatch):
    """platform.processor() runs `uname -p` on Linux (~5 ms a build): the report reads the model."""
    import platform
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args[1:]}")

    monkeypatch.setattr(platform, "_uname_cache", None)     # else an earlier call's answer is reused
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    expected = platform.machine()
    if Path("/proc/cpuinfo").is_file():
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
        expected = models[0] if models else expected
    assert report.machine()["processor"] == expected


@pytest.mark.parametrize("args, status", [(("build", "--no-hugo"), 0), (("check",), 1)])
def test_the_command_skips_the_teardown_but_runs_exit_handlers_and_flushes(site, args, status):
    """console() ends the process with os._exit after main(): exit handlers have run, all output
    is out, and the status is main's (check before any build: results missing, 1)."""
    code = ("import atexit, sys\nfrom hugosnip import cli\n"
            "atexit.register(lambda: print('exit handler ran'))\n"
            f"sys.argv = ['hugosnip', '-C', {str(site)!r}, *{args!r}]\n"
            "cli.console()\nprint('not reached')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == status and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.endswith("exit handler ran\n")
    assert "not reached" not in result.stdout


@pytest.fixture
def hinted(site, monkeypatch):
    """A site built once (its fork hint left), then with one snippet edited; the servers the build
    makes are recorded with what they were handed (a started server, or None)."""
    from hugosnip import forkhint
    from hugosnip.build import update
    write(site / "snippets/one.py", "# %% x\nimport os\nos.getppid()\n")
    write(site / "snippets/two.py", "# %% y\nimport os\nos.getppid()\n")
    assert update(load(site)).status == 0
    assert (site / forkhint.HINT).is_file()
    made, real = [], run.ForkServer

    def recording(config, preload, started=None):
        made.append((real(config, preload, started), started))
        return made[-1][0]

    monkeypatch.setattr(run, "ForkServer", recording)
    monkeypatch.setattr(forkhint, "started", None)
    time.sleep(0.01)
    write(site / "snippets/one.py", "# %% x\nimport os\nos.getppid()  # edited\n")
    return site, made


def test_an_edit_runs_in_the_server_the_command_started_first(hinted):
    from hugosnip import forkhint
    from hugosnip.build import update
    site, made = hinted
    forkhint.start(str(site))                       # as the command does, before its imports
    assert forkhint.pending()
    pid = forkhint.started[3].pid
    assert update(load(site)).status == 0
    ((server, started),) = made                     # the build made no server of its own:
    assert started is not None and server.proc.pid == pid   # it took the command's
    assert store.load(site / "data/hugosnip/one.json")["cells"]["x"]["value"]["number"] == pid
    assert not forkhint.pending()


@pytest.mark.parametrize("change", ["seed", "new file", "nothing"])
def test_a_hint_that_does_not_hold_starts_nothing_or_is_not_used(hinted, change):
    from hugosnip import forkhint
    from hugosnip.build import update
    site, made = hinted
    if change == "seed":        # the workers' environment differs: that server is not the build's
        config = site / "config.toml"
        config.write_text(config.read_text(encoding="utf-8").replace("[params.hugosnip]\n",
                                                                     "[params.hugosnip]\n  seed = 7\n"))
    elif change == "new file":  # a file the hint does not know: the build decides
        write(site / "snippets/three.py", "# %% z\n3\n")
    else:
        (site / ".hugosnip/report.json").touch()   # nothing changed since the last build
    forkhint.start(str(site))
    assert forkhint.pending() == (change == "seed")
    assert update(load(site)).status == 0
    assert all(started is None for _, started in made)
    assert not forkhint.pending()


def test_import_facts_keep_one_entry_per_file_and_follow_its_edits(monkeypatch):
    from hugosnip import notebook
    monkeypatch.setattr(notebook, "_FACTS", {})
    first = notebook._import_facts("snippets/a.py", "d1", b"import numpy\n")
    assert first == (frozenset({"numpy"}), False)
    assert notebook._import_facts("snippets/a.py", "d1", b"not read again: the digest is the same") is first
    second = notebook._import_facts("snippets/a.py", "d2", b"from . import b\nimport torch\n")
    assert second == (frozenset({"snippets", "torch"}), True)   # from . import b: snippets.b
    assert list(notebook._FACTS) == ["snippets/a.py"]
