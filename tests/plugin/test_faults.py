"""The fault suite: each fault injected into a built copy of the fixture site, and its exact outcome.

Every case checks three things: the problem as hugosnip prints it (``file:line: message``, then
indented detail), the exit status of README's "Errors" table, and the committed results
(``data/``, ``assets/``) byte for byte as they were before the fault. README's "Fault suite"
section is the same table in prose. The site is built once per module and copied for each case.

Faults that need processes (Ctrl-C, ``kill -9``, two builds, stray children) run ``hugosnip`` as a
subprocess and check that no process is left behind: none whose working folder is the site (the
build, its workers, the fork server and Hugo all run there), and none of the pids the snippets
wrote down.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest

from hugosnip import store
from hugosnip.capture import stream_text
from hugosnip.cli import main
from hugosnip.config import load

from conftest import FIXTURE, REPO, hugosnip_process, snapshot, without_provenance, write

FAILED = "hugosnip: 1 problem(s); the committed results of failing snippets are left as they were"


# --------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The fixture site, built once for the whole module (results committed, nothing stale)."""
    root = tmp_path_factory.mktemp("faults") / "site"
    shutil.copytree(FIXTURE, root)
    (root / "themes").symlink_to(REPO / "themes")
    assert main(["-C", str(root), "build", "--no-hugo"]) == 0
    return root


@pytest.fixture
def built(site, template) -> Path:
    """A fresh copy of the fixture site with the template's committed results."""
    shutil.copytree(template, site, dirs_exist_ok=True, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in ("themes", "node_modules")])
    return site


def results(root: Path) -> dict[str, bytes]:
    """The results proper: result JSON and figures (not the provenance file, which dates runs)."""
    return {k: v for k, v in snapshot(root).items() if k.startswith(("data/hugosnip/", "assets/hugosnip/"))}


def outputs(root: Path) -> dict:
    """The results as a re-run must give them again (provenance and checksum left out)."""
    return without_provenance(results(root))


def page(root: Path, *shortcodes: str, name: str = "fault.md") -> None:
    """A page whose body starts at line 5 with one shortcode a line."""
    write(root / "content/posts" / name, "---\ntitle: lỗi\n---\n\n" + "".join(s + "\n" for s in shortcodes))


def set_params(root: Path, **params) -> None:
    """Add settings to the copy's [params.hugosnip] table."""
    config = root / "config.toml"
    extra = "".join(f"  {k} = {v}\n" for k, v in params.items())
    config.write_text(config.read_text().replace("[params.hugosnip]\n", "[params.hugosnip]\n" + extra))


def gone(pid: int) -> bool:
    """True when the process has ended (a zombie waiting for init to reap it has ended too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


def processes_in(root: Path) -> list[int]:
    """Live processes (other than this one) whose working folder is the site."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue
            if cwd.is_relative_to(root) and not gone(int(entry.name)):
                found.append(int(entry.name))
    return found


def settle(pids, root: Path, seconds: float = 5.0) -> None:
    """Wait until the pids have ended and no process runs in the site; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(gone(p) for p in pids) and not processes_in(root):
            return
        time.sleep(0.05)
    left = [p for p in pids if not gone(p)] + processes_in(root)
    for pid in left:  # never leave them to the next test
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pytest.fail(f"processes left behind: {left}")


def wait_for(path: Path, seconds: float = 20.0) -> int:
    """The pid a snippet wrote into ``path``, once it is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.02)
    pytest.fail(f"{path.name} was never written")


# --------------------------------------------------------------------------------------------
# The table: fault, files written into the built site, exit status, stderr of `hugosnip build`.

FAULT_PAGE = ('{{< snip-cell file="fault.py" cell="c" >}}',)
EMBED = "    embedded at content/posts/fault.md:5"

CASES = [
    pytest.param(
        {"snippets/fault.py": "# %% c\nx = 1\nx / 0\n"}, FAULT_PAGE, 3,
        f"""{FAILED}
snippets/fault.py:3: cell 'c' raised ZeroDivisionError: division by zero
{EMBED}
    Traceback (most recent call last):
      File "snippets/fault.py", line 3, in <module>
        x / 0
        ~~^~~
    ZeroDivisionError: division by zero
""", id="exception-in-a-cell"),
    pytest.param(
        {"snippets/badlib.py": '"""A library that fails on import."""\nVALUE = int("x")\n',
         "snippets/fault.py": "# %% c\nfrom snippets.badlib import VALUE\nVALUE\n"}, FAULT_PAGE, 3,
        f"""{FAILED}
snippets/fault.py:2: cell 'c' raised ValueError: invalid literal for int() with base 10: 'x'
{EMBED}
    Traceback (most recent call last):
      File "snippets/fault.py", line 2, in <module>
        from snippets.badlib import VALUE
      File "snippets/badlib.py", line 2, in <module>
        VALUE = int("x")
                ^^^^^^^^
    ValueError: invalid literal for int() with base 10: 'x'
""", id="exception-importing-a-library"),
    pytest.param(
        {"snippets/pkg/__init__.py": 'raise RuntimeError("package broken")\n'}, (), 3,
        f"""{FAILED}
snippets/pkg/user.py: importing snippets.pkg failed: RuntimeError: package broken
    embedded at content/posts/demo.md:17
    Traceback (most recent call last):
      File "snippets/pkg/__init__.py", line 1, in <module>
        raise RuntimeError("package broken")
    RuntimeError: package broken
""", id="exception-importing-the-package"),
    pytest.param(
        {"snippets/fault.py": "# %% c\nx = (1,\n\n# %% d\ny = 2\n"}, FAULT_PAGE, 2,
        "snippets/fault.py:2: syntax error: '(' was never closed\n" + EMBED + "\n", id="syntax-error-in-a-snippet"),
    pytest.param(
        {"snippets/badlib.py": '"""A library with a typo."""\n\ndef f(x:\n    return x\n',
         "snippets/fault.py": "# %% c\nfrom snippets.badlib import f\nf(1)\n"}, FAULT_PAGE, 2,
        f"""{FAILED}
snippets/badlib.py:3: syntax error: '(' was never closed
    imported by snippets/fault.py
""", id="syntax-error-in-an-imported-library"),
    pytest.param(
        {"snippets/fault.py": "# %% c timeout=1\nwhile True:\n    pass\n"}, FAULT_PAGE, 4,
        f"""{FAILED}
snippets/fault.py:1: cell 'c' ran past its timeout of 1 s and was killed
{EMBED}
    raise it with '# %% name timeout=SECONDS' or the site's [params.hugosnip] timeout
""", id="infinite-loop"),
    pytest.param(
        {"snippets/fault.py": "# %% c\nimport os\nprint('bye')\nos._exit(3)\n"}, FAULT_PAGE, 5,
        f"""{FAILED}
snippets/fault.py:1: the worker exited with status 3 while running cell 'c'
{EMBED}
""", id="os-exit"),
    pytest.param(
        {"snippets/fault.py": "# %% c data=../config.toml\nprint(1)\n"}, (), 2,
        f"""{FAILED}
snippets/fault.py:1: data file '../config.toml' climbs out with '..'; name it relative to snippets/
""", id="data-file-out-of-snippets"),
    pytest.param(
        {}, ('{{< snip-cell file="dmo.py" cell="answer" >}}', '{{< snip-cell file="demo.py" cell="answr" >}}',
             '{{< snip-source file="lib.py" object="Box.aera" >}}', '{{< snip-cell file="lib.py" cell="x" >}}'), 2,
        """content/posts/fault.md:5: no snippet snippets/dmo.py; did you mean 'demo.py'?
content/posts/fault.md:6: no cell 'answr' in snippets/demo.py; did you mean 'answer'?
content/posts/fault.md:7: no function, class or method 'Box.aera' in snippets/lib.py; did you mean 'Box.area'?
content/posts/fault.md:8: snippets/lib.py has no cells (it is a library module); mark cells with '# %% name' lines
""", id="missing-snippet-cell-object"),
    pytest.param(
        {}, ('Trước.', '{{< snip-cell file="demo.py" cell="answer"', '', 'Sau.'), 2,
        """content/posts/fault.md:6: unclosed shortcode: '{{< snip-cell file="demo.py" cell="answer"' has no closing >}}
""", id="unclosed-shortcode"),
    pytest.param(
        {}, ('{{< snip-cell file="demo.py" cell="answer" colour="red" >}}',), 2,
        """content/posts/fault.md:5: snip-cell: unknown parameter 'colour'; known: file, cell, code, output, value, figures, linenos, run
""", id="unknown-shortcode-parameter"),
    pytest.param(
        {}, ('{{< snip-cell file="../config.toml" cell="c" >}}',), 2,
        """content/posts/fault.md:5: snippet '../config.toml' climbs out with '..'; name it relative to snippets/
""", id="dotdot-path"),
    pytest.param(
        {}, ('{{< snip-cell file="demo/../../x.py" cell="c" >}}',), 2,
        """content/posts/fault.md:5: snippet 'demo/../../x.py' climbs out with '..'; name it relative to snippets/
""", id="dotdot-inside-a-path"),
    pytest.param(
        {}, ('{{< snip-cell file="/etc/passwd" cell="c" >}}',), 2,
        """content/posts/fault.md:5: snippet '/etc/passwd' is an absolute path; name it relative to snippets/
""", id="absolute-path"),
]


@pytest.mark.parametrize("files, shortcodes, status, err", CASES)
def test_fault(built, cli, files, shortcodes, status, err):
    before = snapshot(built)
    for path, text in files.items():
        write(built / path, text)
    if shortcodes:
        page(built, *shortcodes)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (status, err)
    if status:
        assert snapshot(built) == before


def test_symlink_out_of_snippets(built, cli, tmp_path):
    outside = write(tmp_path / "outside.py", "# %% c\nprint('outside')\n")
    os.symlink(outside, built / "snippets/link.py")
    page(built, '{{< snip-cell file="link.py" cell="c" >}}')
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, "content/posts/fault.md:5: snippet 'link.py' is a symlink out of "
                                              "snippets/; copy the file in instead\n")
    assert snapshot(built) == before


SNIP = '{{< snip-value file="x.py" cell="c" >}}'


@pytest.mark.parametrize("front, message", [
    ("title: lỗi\ndate: 2024-03-07\n",
     "content/posts/fm.md:1: front matter: opened with '---' and never closed; end it with a '---' line"),
    ("title: RNN: phần 1\n---\n",
     "content/posts/fm.md:2: front matter: not valid YAML: mapping values are not allowed here; "
     "a value that holds ': ' must be in quotes"),
    ('title: "Bài một\n---\n',
     "content/posts/fm.md:2: front matter: not valid YAML: a quoted scalar is never closed"),
    ("title: 'it's'\n---\n",
     "content/posts/fm.md:2: front matter: not valid YAML: expected <block end>, but found '<scalar>'; "
     "text after a closing quote: put the whole value in quotes (inside '...' write '' for a quote)"),
    ("date 2024-03-07\n---\n",
     "content/posts/fm.md:2: front matter: not a list of 'key: value' lines"),
    ("title: a\ntitle: b\n---\n",
     "content/posts/fm.md:3: front matter: 'title' is set twice (first on line 2)"),
    ("title: a\ntags:\n\t- rnn\n---\n",
     "content/posts/fm.md:4: front matter: not valid YAML: found character '\\t' that cannot start any token; "
     "YAML indents with spaces only, not tabs"),
    ("- rnn\n---\n",
     "content/posts/fm.md:2: front matter: not a list of 'key: value' lines"),
], ids=["unclosed", "colon-in-value", "unclosed-quote", "text-after-quote", "not-key-value", "key-twice",
        "tab", "list-at-top"])
def test_invalid_front_matter_of_a_page_using_the_plugin_is_named_before_hugo_runs(built, cli, front, message):
    write(built / "content/posts/fm.md", "---\n" + front + "\nChữ " + SNIP + ".\n")
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, message + "\n")
    assert snapshot(built) == before


@pytest.mark.parametrize("front", ["title: RNN: phần 1\n---\n", "title: a\ntitle: b\n---\n", "- rnn\n---\n",
                                   "title: lỗi\n"], ids=["colon-in-value", "key-twice", "list-at-top", "unclosed"])
def test_a_page_without_snip_shortcodes_never_blocks_a_build(built, cli, front):
    write(built / "content/posts/fm.md", "---\n" + front + "\nChữ.\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")


def test_toml_front_matter_is_checked_too(built, cli):
    write(built / "content/posts/fm.md", '+++\ntitle = "a"\ntitle = "b"\n+++\n' + SNIP + '\n')
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, "content/posts/fm.md:3: front matter: not valid TOML: "
                                              "Cannot overwrite a value\n")


def test_valid_front_matter_passes(built, cli):
    write(built / "content/posts/fm.md", "---\ntitle: 'Bài ''một'''\nurl: http://x.vn/a\ntags:\n- rnn\n"
          "- 'a: b'\ndescription: >\n  dài: nhiều dòng\n  nữa\nseries: [RNN, \"Phần: 1\"]\n"
          "# chú thích\n---\nChữ.\n")
    assert cli(built, "build", "--no-hugo").status == 0


def test_a_syntax_error_is_said_once_with_the_pages_that_embed_it(built, cli):
    write(built / "snippets" / "fault.py", "# %% c\nx = (1,\n\n# %% d\ny = 2\n")
    page(built, '{{< snip-cell file="fault.py" cell="c" >}}', '{{< snip-value file="fault.py" cell="d" >}}')
    page(built, '{{< snip-cell file="fault.py" cell="d" >}}', name="other.md")
    result = cli(built, "check")
    assert (result.status, result.err) == (2, "snippets/fault.py:2: syntax error: '(' was never closed\n"
                                              "    embedded at content/posts/fault.md:5\n"
                                              "    embedded at content/posts/fault.md:6\n"
                                              "    embedded at content/posts/other.md:5\n")


NFD_SNIPPET = unicodedata.normalize("NFD", "tiếng.py")


@pytest.mark.parametrize("written", ["tiếng.py", NFD_SNIPPET], ids=["page-says-nfc", "page-says-nfd"])
def test_snippet_name_not_nfc(built, cli, written):
    write(built / "snippets" / NFD_SNIPPET, "# %% c\nprint('chữ')\n")
    page(built, f'{{{{< snip-cell file="{written}" cell="c" >}}}}')
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    problem = (f"snippets/{NFD_SNIPPET}: the file name is not in Unicode NFC form; rename it to its NFC form\n"
               "    name now: 'snippets/tie\\u0302\\u0301ng.py'\n"
               "    NFC form: 'snippets/ti\\u1ebfng.py'\n")
    assert result.status == 2
    assert result.err == (problem + EMBED + "\n" if written == "tiếng.py" else f"{FAILED}\n{problem}")
    assert snapshot(built) == before


def test_page_name_not_nfc(built, cli):
    name = unicodedata.normalize("NFD", "bài.md")
    write(built / "content/posts" / name, "---\ntitle: bài\n---\nChữ.\n")
    assert cli(built, "build", "--no-hugo").status == 0   # a page that does not use the plugin: Hugo's business
    write(built / "content/posts" / name, "---\ntitle: bài\n---\nChữ " + SNIP + ".\n")
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (2, f"content/posts/{name}: the file name is not in Unicode NFC form; "
                                              "rename it to its NFC form\n"
                                              "    name now: 'content/posts/ba\\u0300i.md'\n"
                                              "    NFC form: 'content/posts/b\\xe0i.md'\n")
    assert snapshot(built) == before


# --------------------------------------------------------------------------------------------
# Faults whose detail depends on the machine, or that need more than one look


def test_segfault(built, cli):
    write(built / "snippets/fault.py", "# %% c\nimport ctypes\n\nctypes.string_at(0)\n")
    page(built, *FAULT_PAGE)
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    lines = result.err.splitlines()
    assert result.status == 5
    assert lines[:4] == [FAILED, "snippets/fault.py:1: the worker was killed by SIGSEGV (segmentation fault) "
                                 "while running cell 'c'", EMBED, "    Fatal Python error: Segmentation fault"]
    # faulthandler's dump, as the worker's last stderr lines, points at the snippet's line
    assert any(re.fullmatch(r'\s+File ".*snippets/fault\.py", line 4 in <module>', l) for l in lines)
    assert snapshot(built) == before


def test_memory_blow_up_past_the_limit(built, cli):
    set_params(built, memory_limit=1000)
    write(built / "snippets/fault.py", "# %% c\nchunks = []\nwhile True:\n    chunks.append(bytearray(50_000_000))\n")
    page(built, *FAULT_PAGE)
    before = snapshot(built)
    started = time.monotonic()
    result = cli(built, "build", "--no-hugo")
    assert result.err == f"""{FAILED}
snippets/fault.py:4: cell 'c' went past the memory limit of 1000 MB ([params.hugosnip] memory_limit)
{EMBED}
    Traceback (most recent call last):
      File "snippets/fault.py", line 4, in <module>
        chunks.append(bytearray(50_000_000))
                      ^^^^^^^^^^^^^^^^^^^^^
    MemoryError
"""
    assert result.status == 3
    assert time.monotonic() - started < 20   # stopped at the limit, not by the machine running dry
    assert snapshot(built) == before


def test_deep_recursion_traceback_is_short(built, cli):
    write(built / "snippets/fault.py", "# %% c\ndef down(n):\n    return down(n + 1)\n\ndown(0)\n")
    page(built, *FAULT_PAGE)
    before = snapshot(built)
    result = cli(built, "build", "--no-hugo")
    assert result.status == 3
    # repeated frames collapse as Python shows them; the count depends on the worker's own depth
    assert re.sub(r"repeated \d+ more times", "repeated N more times", result.err) == f"""{FAILED}
snippets/fault.py:3: cell 'c' raised RecursionError: maximum recursion depth exceeded
{EMBED}
    Traceback (most recent call last):
      File "snippets/fault.py", line 5, in <module>
        down(0)
      File "snippets/fault.py", line 3, in down
        return down(n + 1)
               ^^^^^^^^^^^
      File "snippets/fault.py", line 3, in down
        return down(n + 1)
               ^^^^^^^^^^^
      File "snippets/fault.py", line 3, in down
        return down(n + 1)
               ^^^^^^^^^^^
      [Previous line repeated N more times]
    RecursionError: maximum recursion depth exceeded
"""
    assert snapshot(built) == before


def test_fifty_megabytes_of_output_are_cut(built, cli):
    set_params(built, output_limit=10000)
    write(built / "snippets/fault.py", "# %% c\nline = 'x' * 1023 + '\\n'\nfor _ in range(50 * 1024):\n"
          "    print(line, end='')\n")
    page(built, *FAULT_PAGE)
    before = {k: v.get("cells", v) if isinstance(v, dict) else v for k, v in outputs(built).items()}
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    path = built / "data/hugosnip/fault.json"
    assert path.stat().st_size < 50_000
    kept = ("x" * 1023 + "\n") * 9 + "x" * (10000 - 9 * 1024)
    note = f"\n[... output cut at 10000 bytes: {50 * 1024 * 1024 - 10000} more bytes not shown (hugosnip output_limit)]\n"
    cell = store.load(path)["cells"]["c"]
    assert (stream_text(cell, "stdout"), cell["truncated"]) == (kept + note, True)
    # output_limit is in every snippet's key: the others ran again, and printed the same
    after = {k: v.get("cells", v) if isinstance(v, dict) else v for k, v in outputs(built).items()
             if k != "data/hugosnip/fault.json"}
    assert after == before


def test_bytes_that_are_not_utf8_on_stdout(built, cli):
    write(built / "snippets/fault.py", "# %% c\nimport sys\nsys.stdout.buffer.write(b'caf\\xe9 \\xff ok\\n')\n"
          "print('sau')\n")
    page(built, *FAULT_PAGE)
    before = results(built)
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert stream_text(store.load(built / "data/hugosnip/fault.json")["cells"]["c"], "stdout") == "caf\ufffd \ufffd ok\nsau\n"
    assert {k: v for k, v in results(built).items() if k != "data/hugosnip/fault.json"} == before


def test_threads_and_forks_left_running(built, cli):
    write(built / "snippets/fault.py", """# %% c
import os, subprocess, sys, threading, time
threading.Thread(target=time.sleep, args=(600,)).start()
child = os.fork()
if child == 0:
    time.sleep(600)
    os._exit(0)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.path.join(os.path.dirname(__file__), "..", "stray.pids"), "w") as out:
    out.write(f"{os.getpid()} {child} {grandchild.pid}")
print("started")
""")
    page(built, *FAULT_PAGE)
    started = time.monotonic()
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert time.monotonic() - started < 15
    assert stream_text(store.load(built / "data/hugosnip/fault.json")["cells"]["c"], "stdout") == "started\n"
    settle([int(p) for p in (built / "stray.pids").read_text().split()], built)


# --------------------------------------------------------------------------------------------
# The build process itself: interrupted, killed, or started twice

SLOW = """# %% c timeout=600
import os, time
with open(os.path.join(os.path.dirname(__file__), "..", "{name}.pid"), "w") as out:
    out.write(str(os.getpid()))
time.sleep(600)
"""


@pytest.mark.parametrize("modules", [1, 2], ids=["one-worker", "two-workers"])
def test_ctrl_c_during_a_build(built, modules):
    names = [f"slow{i}" for i in range(modules)]
    for name in names:
        write(built / f"snippets/{name}.py", SLOW.format(name=name))
    before = snapshot(built)
    build = hugosnip_process(built, "build", "-j", "2")
    try:
        workers = [wait_for(built / f"{name}.pid") for name in names]
        build.send_signal(signal.SIGINT)
        out, err = build.communicate(timeout=20)
    finally:
        build.kill()
        build.wait()
    assert (build.returncode, err) == (130, "hugosnip: interrupted; committed results are as they were\n")
    settle(workers, built)
    assert snapshot(built) == before


def test_kill_9_mid_write_leaves_valid_results(built, cli):
    """Kill builds of a snippet with a large output at many moments; results stay loadable."""
    write(built / "snippets/big.py", "# %% big\nimport time\nprint('y' * 150_000)\n")
    assert cli(built, "build", "--no-hugo").status == 0
    good = snapshot(built)
    write(built / "snippets/big.py", "# %% big\nprint('z' * 150_000)\n")
    for delay in [0.05 * i for i in range(1, 16)]:
        proc = hugosnip_process(built, "build", "--no-hugo")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in store.result_files(load(built)):
            assert store.load(path)["hugosnip"] == store.SCHEMA  # raises if half-written
        stdout = stream_text(json.loads((built / "data/hugosnip/big.json").read_text())["cells"]["big"], "stdout")
        assert stdout in ("y" * 150_000 + "\n", "z" * 150_000 + "\n")
    # Whatever was interrupted, a later build finishes the job and cleans temporaries.
    assert cli(built, "build", "--no-hugo").status == 0
    assert store.stray_temporaries(load(built)) == []
    assert snapshot(built).keys() == good.keys()
    settle([], built)


@pytest.mark.parametrize("modules", [1, 2], ids=["one-worker", "two-workers"])
def test_kill_9_leaves_no_worker_running(built, modules):
    names = [f"slow{i}" for i in range(modules)]
    for name in names:
        write(built / f"snippets/{name}.py", SLOW.format(name=name).replace("time.sleep(600)", "while True:\n    pass"))
    before = snapshot(built)
    build = hugosnip_process(built, "build", "--no-hugo", "-j", "2")
    try:
        workers = [wait_for(built / f"{name}.pid") for name in names]
    finally:
        build.kill()
        build.communicate()
    settle(workers, built)
    assert snapshot(built) == before


def test_two_builds_at_once(built, cli):
    write(built / "snippets/gate.py", """# %% c timeout=20
import os, time
site = os.path.join(os.path.dirname(__file__), "..")
with open(os.path.join(site, "gate.pid"), "w") as out:
    out.write(str(os.getpid()))
while not os.path.exists(os.path.join(site, "go")):
    time.sleep(0.02)
print("qua")
""")
    first = hugosnip_process(built, "build", "--no-hugo")
    second = None
    try:
        wait_for(built / "gate.pid")
        second = hugosnip_process(built, "build", "--no-hugo")
        waiting = second.stderr.readline()
        (built / "go").touch()
        _, first_err = first.communicate(timeout=20)
        _, second_err = second.communicate(timeout=20)
    finally:
        for proc in (first, second):
            if proc:
                proc.kill()
                proc.wait()
    assert waiting == f"hugosnip: waiting for another build (pid {first.pid}) to finish\n"
    assert (first.returncode, first_err) == (0, "")
    assert (second.returncode, second_err) == (0, "")
    assert stream_text(store.load(built / "data/hugosnip/gate.json")["cells"]["c"], "stdout") == "qua\n"
    assert cli(built, "check").status == 0


# --------------------------------------------------------------------------------------------
# Damaged results: found by check (exit 1), re-made by build


@pytest.mark.parametrize("damage, why, line", [
    (lambda text: text.replace('"x = 42\\n"', '"x = 43\\n"'), "checksum mismatch: edited by hand or cut short",
     ""),
    (lambda text: text[: text.index("\n") + 1], "not valid JSON: Expecting property name enclosed in double "
                                                "quotes: line 2 column 1", ":2"),
], ids=["edited-by-hand", "truncated"])
def test_damaged_result(built, cli, damage, why, line):
    before = outputs(built)
    path = built / "data/hugosnip/demo.json"
    damaged = damage(path.read_text(encoding="utf-8"))
    assert damaged != path.read_text(encoding="utf-8")
    path.write_text(damaged, encoding="utf-8")
    result = cli(built, "check")
    assert (result.status, result.err) == (1, f"data/hugosnip/demo.json{line}: stale result of snippets/demo.py: "
                                              f"result data/hugosnip/demo.json is damaged ({why}): re-run\n"
                                              "    run 'hugosnip build' to bring it up to date\n")
    assert path.read_text(encoding="utf-8") == damaged   # check writes nothing
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert outputs(built) == before


def test_deleted_figure(built, cli):
    before = outputs(built)
    (figure,) = (built / "assets/hugosnip").iterdir()
    figure.unlink()
    result = cli(built, "check")
    assert (result.status, result.err) == (1, "data/hugosnip/plot.json: stale result of snippets/plot.py: its "
                                              f"figure assets/hugosnip/{figure.name} is missing\n"
                                              "    run 'hugosnip build' to bring it up to date\n")
    result = cli(built, "build", "--no-hugo")
    assert (result.status, result.err) == (0, "")
    assert outputs(built) == before


# --------------------------------------------------------------------------------------------
# Hugo's own errors, passed through


def test_vietnamese_letters_in_math(built):
    write(built / "content/posts/toan.md", "---\ntitle: Toán\nslug: toan\ndate: 2024-03-06\n---\n\n"
          "Mất mát $L_{đầu} = 1$ ở đây.\n")
    before = snapshot(built)
    build = hugosnip_process(built, "build")
    _, err = build.communicate(timeout=60)
    assert build.returncode == 6
    (line,) = [l for l in err.splitlines() if "toan.md" in l]
    assert line == ("ERROR content/posts/toan.md:7:12: hugosnip: math: KaTeX parse error: "
                    "LaTeX-incompatible input and strict mode is set to 'error': Unicode text character \"đ\" "
                    "used in math mode [unicodeTextInMathMode] at position 4: L_{đ̲ầu} = 1: put words in "
                    "\\text{…} (e.g. $x_{\\text{đầu}}$) or outside the formula; a post written for the old "
                    "client-side KaTeX can say `math: legacy` in its front matter")
    assert err.splitlines()[-1] == "hugo: Hugo failed with status 1 (its errors are above)"
    assert snapshot(built) == before
