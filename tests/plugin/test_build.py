"""``hugosnip build``, ``check``, ``clean`` and ``run`` on the fixture site (Hugo not run here)."""

import json
import re

import pytest

from conftest import snapshot, write


@pytest.fixture
def built(built_site):
    return built_site


def test_second_build_runs_nothing_and_explains_why(built, cli):
    assert cli(built, "build", "--no-hugo").out == "hugosnip: 5 result(s) up to date, nothing ran\n"
    result = cli(built, "build", "--no-hugo", "--explain")
    assert result.status == 0
    assert result.out == (
        "status  action       time  peak MB  module                why\n"
        "ok      reused          -        -  snippets/demo.py      up to date\n"
        "ok      reused          -        -  snippets/lib.py       up to date\n"
        "ok      reused          -        -  snippets/other.py     up to date\n"
        "ok      reused          -        -  snippets/pkg/user.py  up to date\n"
        "ok      reused          -        -  snippets/plot.py      up to date\n")


def test_editing_a_library_reruns_its_importers_alone(built, cli):
    write(built / "snippets/lib.py", (built / "snippets/lib.py").read_text() + "\nSEVEN = 7\n")
    result = cli(built, "build", "--no-hugo")
    lines = result.out.splitlines()
    assert lines[0] == "hugosnip: running snippets/demo.py"
    assert re.fullmatch(r"ok      ran +\d+\.\d\d s +\d+  snippets/demo\.py      snippets/lib\.py changed", lines[2])
    assert lines[3] == "ok      read            -        -  snippets/lib.py       snippets/lib.py changed"
    assert [l.split()[1] for l in lines[4:]] == ["reused", "reused", "reused"]


def test_reports_as_json_and_junit(built, cli, tmp_path):
    write(built / "snippets/other.py", "# %% only\n1 / 0\n")
    result = cli(built, "build", "--no-hugo", "--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "j.xml"))
    assert result.status == 3
    data = json.loads((tmp_path / "r.json").read_text())
    (failed,) = [m for m in data["modules"] if m["status"] != "ok"]
    assert (failed["module"], failed["action"], failed["status"]) == ("snippets/other.py", "failed", "raised")
    assert failed["message"] == "snippets/other.py:2: cell 'only' raised ZeroDivisionError: division by zero"
    import xml.etree.ElementTree as ET
    suite = ET.parse(tmp_path / "j.xml").getroot()[0]
    assert (suite.get("tests"), suite.get("failures")) == ("5", "1")
    (failure,) = suite.iter("failure")
    assert failure.get("message") == failed["message"]
    assert "ZeroDivisionError: division by zero" in failure.text


def test_provenance_is_in_each_result_and_changes_only_when_it_ran(built, cli):
    docs = {p.name: json.loads(p.read_text()) for p in (built / "data/hugosnip").rglob("*.json")}
    assert sorted(n for n, d in docs.items() if "provenance" in d) == ["demo.json", "other.json", "plot.json",
                                                                      "user.json"]
    made = docs["plot.json"]["provenance"]
    assert set(made) == {"made", "duration", "peak_mb", "versions", "machine"}
    assert made["versions"] == docs["plot.json"]["inputs"]["versions"]
    assert not (built / "data/hugosnip_runs.json").exists()
    before = snapshot(built)
    cli(built, "build", "--no-hugo")
    assert snapshot(built) == before


@pytest.mark.parametrize("code, status, first_line", [
    ("1 / 0\n", 3, "snippets/demo.py:14: cell 'broken' raised ZeroDivisionError: division by zero"),
    ("while True:\n    pass\n", 4, "snippets/demo.py:13: cell 'broken' ran past its timeout of 1 s and was killed"),
    ("import os\nos._exit(1)\n", 5, "snippets/demo.py:13: the worker exited with status 1 while running "
                                    "cell 'broken'"),
])
def test_a_failing_snippet_leaves_committed_results_byte_identical(built, cli, code, status, first_line):
    before = snapshot(built)
    demo = built / "snippets/demo.py"
    demo.write_text(demo.read_text() + "\n# %% broken timeout=1\n" + code)
    result = cli(built, "build", "--no-hugo")
    assert result.status == status
    lines = result.err.splitlines()
    assert lines[0] == "hugosnip: 1 problem(s); the committed results of failing snippets are left as they were"
    assert lines[1] == first_line
    assert lines[2:6] == ["    embedded at content/posts/demo.md:6", "    embedded at content/posts/demo.md:7",
                          "    embedded at content/posts/demo.md:9", "    embedded at content/posts/demo.md:11"]
    assert snapshot(built) == before


def test_check_passes_after_build_and_names_what_is_stale(built, cli):
    assert cli(built, "check").status == 0
    write(built / "snippets/other.py", "# %% only\nprint('changed')\n")
    (built / "data/hugosnip/plot.json").unlink()
    write(built / "data/hugosnip/gone.json", "{}")
    before = snapshot(built)
    result = cli(built, "check")
    assert result.status == 1
    assert result.err.splitlines() == [
        "data/hugosnip/other.json: stale result of snippets/other.py: snippets/other.py changed",
        "    run 'hugosnip build' to bring it up to date",
        "data/hugosnip/plot.json: stale result of snippets/plot.py: no result yet",
        "    run 'hugosnip build' to bring it up to date",
        "data/hugosnip/gone.json: orphaned result: its snippet is gone",
        "    'hugosnip clean' removes it",
        f"assets/hugosnip/{sorted((built / 'assets/hugosnip').iterdir())[0].name}: orphaned figure: no result names it",
        "    'hugosnip clean' removes it",
    ]
    assert snapshot(built) == before  # check writes nothing


def test_clean_removes_orphans(built, cli):
    write(built / "data/hugosnip/gone.json", "{}")
    (built / "snippets/plot.py").unlink()
    result = cli(built, "clean")
    removed = sorted(result.out.splitlines())
    assert removed[0].startswith("removed assets/hugosnip/") and removed[1:] == [
        "removed data/hugosnip/gone.json", "removed data/hugosnip/plot.json"]
    assert list((built / "assets/hugosnip").iterdir()) == []


def test_build_removes_figures_no_result_names_any_more(built, cli):
    (old,) = (built / "assets/hugosnip").iterdir()
    write(built / "snippets/plot.py", (built / "snippets/plot.py").read_text().replace("x^2", "x²"))
    assert cli(built, "build", "--no-hugo").status == 0
    (new,) = (built / "assets/hugosnip").iterdir()
    assert new.name != old.name
    assert json.loads((built / "data/hugosnip/plot.json").read_text())["cells"]["figure"]["figures"] == [new.name]


def test_rerun_compares_numbers_with_a_tolerance_and_diffs_the_rest(built, cli):
    assert cli(built, "check", "--rerun").status == 0
    path = built / "data/hugosnip/demo.json"
    doc = json.loads(path.read_text())
    printed, value = doc["cells"]["answer"]["outputs"]
    doc["cells"]["answer"]["value"]["repr"] = "5.2500000001"   # within rtol 1e-6
    value["data"]["text/plain"] = "5.2500000001"
    printed["text"] = "x = 41\n"                               # not within it
    from hugosnip import store
    path.write_text(store.dumps(doc))
    result = cli(built, "check", "--rerun")
    assert result.status == 1
    assert result.err == (
        "snippets/demo.py: re-run differs from the committed result\n"
        "    --- snippets/demo.py#answer output 1 (stdout) (committed)\n"
        "    +++ snippets/demo.py#answer output 1 (stdout) (re-run)\n"
        "    @@ -1 +1 @@\n"
        "    -x = 41\n"
        "    +x = 42\n")


def test_varies_cells_compare_shape_not_digits(built, cli):
    write(built / "snippets/other.py", "# %% only varies=true\nimport time\nprint(f'took {time.perf_counter_ns()} ns')\n")
    assert cli(built, "build", "--no-hugo").status == 0
    assert cli(built, "check", "--rerun").status == 0


def test_run_prints_cells_as_a_reader_sees_them(built, cli):
    result = cli(built, "run", "demo.py#answer")
    assert result.status == 0
    assert result.out == (
        "── # %% answer  (snippets/demo.py:4) ───────────────────────────\n"
        "x = double(21)\nprint(\"x =\", x)\nx / 8\n"
        "── output ──────────────────────────────────────────────────────\n"
        "x = 42\n"
        "── value ───────────────────────────────────────────────────────\n"
        "5.25\n\n")
