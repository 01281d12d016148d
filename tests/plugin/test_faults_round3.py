"""The rest of the third fault run (issue 20): B9, B10, B17-B21, each on a built copy of the
fixture site, with its exact message, exit status, and the committed results as they were.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from hugosnip.capture import stream_text

from conftest import snapshot, write
from test_faults import FAILED, built, page, template  # noqa: F401


# --------------------------------------------------------------------------------------------
# B9: --json / --junit at a device, a FIFO, a symlink

def device(folder: Path) -> Path:
    """A character device node of the test's own (/dev/null's numbers), never a system one: a
    regression must not replace /dev/null on the machine that runs the tests."""
    import stat
    node = folder / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    return node


def test_a_report_path_that_is_a_device_is_refused_not_replaced(built, cli, tmp_path):
    node = device(tmp_path)
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo", "--json", str(node))
    assert (result.status, result.err) == (8, f"--json {node}: is a character device, not a regular file: "
                                              "hugosnip writes its report beside it and renames it into place; "
                                              "name a regular file\n")
    assert node.is_char_device()
    assert snapshot(built) == before


def test_a_report_path_that_is_a_fifo_is_refused(built, cli, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    result = cli(built, "build", "--no-hugo", "--junit", str(fifo))
    assert (result.status, result.err) == (8, f"--junit {fifo}: is a FIFO, not a regular file: hugosnip writes "
                                              "its report beside it and renames it into place; name a regular "
                                              "file\n")
    assert fifo.is_fifo()


def test_a_report_path_that_is_a_symlink_is_written_through(built, cli, tmp_path):
    target = tmp_path / "reports" / "report.json"
    write(target, "old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = cli(built, "build", "--no-hugo", "--json", str(link))
    assert result.status == 0, result
    assert link.is_symlink() and link.resolve() == target
    assert json.loads(target.read_text())["modules"]


def test_a_symlink_to_a_device_is_refused(built, cli, tmp_path):
    node = device(tmp_path)
    link = tmp_path / "null.json"
    link.symlink_to(node)
    result = cli(built, "build", "--no-hugo", "--json", str(link))
    assert (result.status, result.err) == (8, f"--json {link}: is a character device (through the symlink, "
                                              f"{node}), not a regular file: hugosnip writes its report beside "
                                              "it and renames it into place; name a regular file\n")
    assert link.is_symlink() and node.is_char_device()


# --------------------------------------------------------------------------------------------
# B10: a snippet name too long for its result's file name

def test_a_name_too_long_for_its_result_is_refused_before_anything_runs(built, cli):
    name = "a" * 251
    write(built / f"snippets/{name}.py", "# %% c\nprint(1)\n")
    write(built / "snippets/other.py", "# %% only\nprint('changed')\n")
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert result.status == 2
    assert result.err == (f"snippets/{name}.py: the file name is too long: its result's name ({'a' * 20}….json) "
                          "would be 256 bytes, over the 255 bytes a file name may have here; shorten it\n")
    assert snapshot(built) == before


def test_a_long_name_that_fits_is_stored_with_a_short_temporary_name(built, cli):
    name = "b" * 250   # its result, b….json, is 255 bytes: the most a name may have
    write(built / f"snippets/{name}.py", "# %% c\nprint(1)\n")
    result = cli(built, "build", "--no-hugo")
    assert result.status == 0, result
    assert stream_text(json.loads((built / f"data/hugosnip/{name}.json").read_text())["cells"]["c"], "stdout") == "1\n"


# --------------------------------------------------------------------------------------------
# B17: memory_limit above the machine's hard limit

def test_a_memory_limit_above_the_hard_limit_is_one_line_and_exit_8(built):
    hard = 6000 << 20   # MB, under the default memory_limit of 8192

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    done = subprocess.run([sys.executable, "-m", "hugosnip.cli", "-C", str(built), "run", "demo.py"],
                          capture_output=True, text=True, preexec_fn=limited, timeout=120)
    assert done.returncode == 8, done
    assert done.stderr == ("config.toml: [params.hugosnip].memory_limit is 8192 MB, above this machine's hard limit "
                           "on a process's address space (6000 MB, `ulimit -v`), which no process can raise\n"
                           "    set memory_limit to 6000 or less (0: the machine's own limit), or run where the hard "
                           "limit is higher\n")
    assert "Traceback" not in done.stdout + done.stderr


# --------------------------------------------------------------------------------------------
# B18: the disk full while a cell's figures are saved

FULL_WHILE_SAVING = """# %% figure
import builtins, errno
import matplotlib.pyplot as plt

real_open = builtins.open

def full(path, mode="r", *args, **kwargs):
    if "/figures/" in str(path) and "w" in mode:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    return real_open(path, mode, *args, **kwargs)

builtins.open = full
plt.plot([1, 2, 3])
"""


def test_a_full_disk_while_saving_a_figure_is_exit_8(built, cli):
    write(built / "snippets/plot.py", FULL_WHILE_SAVING)
    write(built / "snippets/other.py", "# %% only\nprint('still stored')\n")
    before = {k: v for k, v in snapshot(built).items() if "other" not in k}
    result = cli(built, "build", "--no-hugo")
    assert result.status == 8, result
    assert result.err == (f"{FAILED}\nsnippets/plot.py:1: cell 'figure' could not save its figures: no space left on "
                          "device; free some disk space and run it again (committed results are as they were)\n")
    assert {k: v for k, v in snapshot(built).items() if "other" not in k} == before
    assert stream_text(json.loads((built / "data/hugosnip/other.json").read_text())["cells"]["only"], "stdout") == "still stored\n"


# --------------------------------------------------------------------------------------------
# B19: a cache entry with the right key and the wrong shape

@pytest.mark.parametrize("junk", [[{"line": "a"}], [{"line": 1, "kind": "snip-cell"}], {"x": 1}, [1],
                                  [{"line": 1, "kind": "snip-cell", "params": {"file": 3}}]],
                         ids=["line-is-text", "no-params", "a-table", "a-number", "params-not-text"])
def test_a_cache_entry_of_the_wrong_shape_is_a_miss(built, cli, junk):
    cache = built / ".hugosnip/analysis.json"
    data = json.loads(cache.read_text())
    keys = [k for k in data["entries"] if k.startswith("page:content/posts/demo.md:")]
    assert keys
    for key in keys:
        data["entries"][key] = junk
    module = next(k for k in data["entries"] if k.startswith("snippets/demo.py:"))
    data["entries"][module] = {"cells": [{"name": 1}], "objects": {}, "imports": []}
    cache.write_text(json.dumps(data))
    before = snapshot(built)
    result = cli(built, "check")
    assert (result.status, result.err) == (0, "")
    assert snapshot(built) == before


# --------------------------------------------------------------------------------------------
# B20: the cell-name message says ASCII

def test_a_non_ascii_cell_name_is_refused_saying_ascii(built, cli):
    write(built / "snippets/fault.py", "# %% ô_đầu\nx = 1\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, f"{FAILED}\nsnippets/fault.py:1: bad cell name 'ô_đầu': use ASCII "
                                              "letters, digits, _ and -\n")


# --------------------------------------------------------------------------------------------
# B21: terminal escapes in output

ESCAPES = ("# %% c\nprint(\"\\x1b[31mred\\x1b[0m \\x1b]8;;javascript:alert('osc')\\x1b\\\\link\\x1b]8;;\\x1b\\\\ "
           "\\x1b7saved\\x1b8 lone\\x1b\")\nclass R:\n    def __repr__(self):\n        return '\\x1b[1mbold\\x1b[0m'\nR()\n")


def test_terminal_escapes_are_taken_out_of_output(built, cli):
    write(built / "snippets/fault.py", ESCAPES)
    result = cli(built, "build", "--no-hugo")
    assert result.status == 0, result
    cell = json.loads((built / "data/hugosnip/fault.json").read_text())["cells"]["c"]
    assert stream_text(cell, "stdout") == "red link saved lone\\x1b\n"
    assert cell["value"]["repr"] == "bold"
    assert "\x1b" not in json.dumps(cell, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Results read back from disk: a figure name in a committed result must be a figure's name

def test_a_committed_result_naming_a_figure_by_a_path_is_damaged(built, cli):
    from hugosnip import store
    from hugosnip.config import load
    path = built / "data/hugosnip/plot.json"
    doc = json.loads(path.read_text())
    cell = next(c for c in doc["cells"].values() if c["figures"])
    cell["figures"] = ["../../../outside.svg"]
    path.write_text(store.dumps({k: v for k, v in doc.items() if k != "checksum"}))
    with pytest.raises(store.Damaged, match=r"names a figure that is not <16 hex digits>.svg, .png or .jpg"):
        store.load(path)
    result = cli(built, "check")
    assert result.status == 1
    assert ("data/hugosnip/plot.json: stale result of snippets/plot.py: result data/hugosnip/plot.json is damaged "
            "(it names a figure that is not <16 hex digits>.svg, .png or .jpg): re-run") in result.err.splitlines()
    assert load(built)   # nothing outside the site was read as a figure
