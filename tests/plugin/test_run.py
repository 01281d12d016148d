"""Running a snippet module in a worker: results, and every way a worker can fail."""

import pytest

from hugosnip.capture import stream_text

from conftest import run_snippet as run, write


def test_cells_share_a_namespace_and_report_value_vars_and_output(site):
    outcome = run(site, "# %% a\nx = 3\nprint('x là', x)\n# %% b\ny = x * 2.5\ny\n")
    assert outcome.ok
    assert outcome.cells["a"] == {"outputs": [{"output_type": "stream", "name": "stdout", "text": "x là 3\n"}],
                                  "truncated": False, "value": None,
                                  "vars": {"x": {"repr": "3", "number": 3}}, "figures": [], "error": ""}
    assert outcome.cells["b"]["value"] == {"repr": "7.5", "number": 7.5}
    assert outcome.cells["b"]["vars"] == {"y": {"repr": "7.5", "number": 7.5}}


def test_numpy_scalars_and_default_reprs(site):
    outcome = run(site, "# %% a\nimport numpy as np\nnp.float64(2.5)\n# %% b\nobject()\n# %% c\n'chữ'\n")
    assert outcome.cells["a"]["value"] == {"repr": "2.5", "number": 2.5}
    assert outcome.cells["b"]["value"] is None  # "<object at 0x...>" changes every run
    assert outcome.cells["c"]["value"] == {"repr": "'chữ'", "number": None}


def test_random_numpy_and_torch_are_seeded_before_the_first_cell(site):
    source = ("# %% a\nimport random\nimport numpy as np\nimport torch\n"
              "print(random.random(), np.random.rand(), torch.rand(1).item())\n")
    first, second = run(site, source), run(site, source)
    assert stream_text(first.cells["a"], "stdout") == stream_text(second.cells["a"], "stdout")
    import random
    random.seed(0)
    assert stream_text(first.cells["a"], "stdout").split()[0] == str(random.random())


def test_exception_reports_user_frames_only(site):
    write(site / "snippets/helpers.py", "def divide(a, b):\n    return a / b\n")
    outcome = run(site, "# %% ok\nx = 1\n\n# %% boom\nfrom snippets.helpers import divide\ndivide(x, 0)\n")
    assert outcome.problem.render() == (
        "snippets/s.py:6: cell 'boom' raised ZeroDivisionError: division by zero\n"
        "    Traceback (most recent call last):\n"
        '      File "snippets/s.py", line 6, in <module>\n'
        "        divide(x, 0)\n"
        '      File "snippets/helpers.py", line 2, in divide\n'
        "        return a / b\n"
        "               ~~^~~\n"
        "    ZeroDivisionError: division by zero")
    assert outcome.problem.code == 3
    assert list(outcome.cells) == ["ok", "boom"]


def test_expected_exception_is_shown_and_the_run_goes_on(site):
    outcome = run(site, "# %% bad raises=KeyError\n{}['k']\n# %% after\n1\n")
    assert outcome.ok
    assert outcome.cells["bad"]["error"] == "KeyError: 'k'"
    assert outcome.cells["after"]["value"]["number"] == 1


def test_missing_expected_exception_is_an_error(site):
    outcome = run(site, "# %% bad raises=KeyError\nx = 1\n")
    assert outcome.problem.render() == ("snippets/s.py:1: cell 'bad' expected KeyError but the cell ran "
                                        "without raising")


def test_timeout_kills_the_cell(site):
    outcome = run(site, "# %% fast\n1\n# %% loop timeout=1\nwhile True:\n    pass\n")
    assert outcome.problem.render() == (
        "snippets/s.py:3: cell 'loop' ran past its timeout of 1 s and was killed\n"
        "    raise it with '# %% name timeout=SECONDS' or the site's [params.hugosnip] timeout")
    assert outcome.problem.code == 4
    assert outcome.duration < 10


def test_os_exit_is_reported(site):
    outcome = run(site, "# %% quit\nimport os\nos._exit(3)\n")
    assert outcome.problem.render() == "snippets/s.py:1: the worker exited with status 3 while running cell 'quit'"
    assert outcome.problem.code == 5


def test_segfault_is_reported_with_the_users_line(site):
    outcome = run(site, "# %% crash\nimport ctypes\n\nctypes.string_at(0)\n")
    text = outcome.problem.render()
    assert text.startswith("snippets/s.py:1: the worker was killed by SIGSEGV (segmentation fault) "
                           "while running cell 'crash'\n    Fatal Python error: Segmentation fault")
    assert 'File "' in text and 's.py", line 4 in <module>' in text


def test_output_past_the_limit_is_cut_with_a_note(site):
    outcome = run(site, "# %% loud\nprint('x' * 5000)\n", output_limit=1000)
    stdout = stream_text(outcome.cells["loud"], "stdout")
    assert stdout == "x" * 1000 + ("\n[... output cut at 1000 bytes: 4001 more bytes not shown "
                                   "(hugosnip output_limit)]\n")
    assert outcome.cells["loud"]["truncated"] is True


def test_bytes_that_are_not_utf8_are_replaced(site):
    outcome = run(site, "# %% raw\nimport sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end')\nNone\n")
    assert stream_text(outcome.cells["raw"], "stdout") == "ok \ufffd\ufffd end"


def test_threads_and_children_left_running_do_not_hang_the_worker(site):
    source = ("# %% stray\nimport threading, time, subprocess, sys\n"
              "threading.Thread(target=time.sleep, args=(600,)).start()\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
              "print('started')\n")
    outcome = run(site, source)
    assert outcome.ok and stream_text(outcome.cells["stray"], "stdout") == "started\n"
    assert outcome.duration < 20


def test_figures_are_svg_named_by_content_and_identical_across_runs(site):
    source = ("# %% fig\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title('đồ thị')\n"
              "None\n")
    first, second = run(site, source), run(site, source)
    (name,) = first.cells["fig"]["figures"]
    assert first.figures == second.figures
    data = first.figures[name]
    import hashlib
    assert name == hashlib.sha256(data).hexdigest()[:16] + ".svg"
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8" standalone="no"?>')
    assert b"<dc:date>" not in data


@pytest.mark.parametrize("code", ["import sys\nsys.exit(0)\n", "raise KeyboardInterrupt\n"])
def test_exit_and_interrupt_inside_a_cell_are_failures(site, code):
    outcome = run(site, "# %% stop\n" + code)
    assert outcome.problem.code == 3
    assert outcome.problem.message.startswith("cell 'stop' raised ")
