"""pytest collects snippet cells as test items: pass, fail with the user's traceback, xfail."""

import subprocess
import sys

from conftest import write


def pytest_in(site, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *args],
                          cwd=site, capture_output=True, text=True)


def test_cells_are_items_with_their_outcomes(site, cli):
    write(site / "snippets/mixed.py", "# %% fine\nx = 1\n# %% expected raises=KeyError\n{}['k']\n"
                                      "# %% broken\nx / 0\n# %% after\nx\n")
    run = pytest_in(site, "snippets/mixed.py")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert "PASSED snippets/mixed.py::fine" in lines
    assert "XFAIL snippets/mixed.py::expected - raised as expected: KeyError: 'k'" in lines
    (skipped,) = [l for l in lines if l.startswith("SKIPPED [1] ")]
    assert skipped.endswith(": not run: an earlier cell of this module failed")
    assert any(l.startswith("FAILED snippets/mixed.py::broken - ") for l in lines)
    failure = run.stdout[run.stdout.index("_ broken _"):]
    assert ("snippets/mixed.py:6: cell 'broken' raised ZeroDivisionError: division by zero\n"
            "    Traceback (most recent call last):\n"
            '      File "snippets/mixed.py", line 6, in <module>\n'
            "        x / 0\n") in failure


def test_output_is_compared_with_the_committed_result(site, cli):
    assert cli(site, "build", "--no-hugo").status == 0
    assert pytest_in(site, "snippets").returncode == 0
    from hugosnip import store
    path = site / "data/hugosnip/demo.json"
    doc = store.load(path)
    doc["cells"]["answer"]["outputs"][0]["text"] = "x = 41\n"
    path.write_text(store.dumps(doc))
    run = pytest_in(site, "snippets/demo.py")
    assert run.returncode == 1
    assert ("snippets/demo.py#answer: output differs from the committed result\n"
            "--- snippets/demo.py#answer output 1 (stdout) (committed)\n"
            "+++ snippets/demo.py#answer output 1 (stdout) (re-run)\n"
            "@@ -1 +1 @@\n"
            "-x = 41\n"
            "+x = 42") in run.stdout


def test_select_by_post_or_snippet_name(site):
    run = pytest_in(site, "snippets", "-k", "demo and answer", "--collect-only")
    assert run.stdout.splitlines()[0] == "snippets/demo.py::answer"
    assert "1/6 tests collected (5 deselected)" in run.stdout
    write(site / "content/posts/only-plot.md", '---\ntitle: p\n---\n{{< snip-figure file="plot.py" cell="figure" alt="x" >}}\n')
    run = pytest_in(site, "snippets", "--collect-only", "-k", "only-plot")
    assert run.stdout.splitlines()[0] == "snippets/plot.py::figure"
    assert "1/6 tests collected (5 deselected)" in run.stdout
