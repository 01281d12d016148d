"""The warm stamp (tools/hugosnip/warm.py): a warm `hugosnip build` starts Hugo at once and prints
what the full check would; every change that could change that check's answer sends the build the
long way, and the stamp is written only after a clean check, never racily."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hugosnip import warm
from hugosnip.cli import main

from conftest import write

STAMP = Path(warm.STAMP)
COMMAND = str(Path(sys.executable).with_name("hugosnip"))


def clean_build(root: Path, capsys) -> str:
    """Full builds until one is clean and writes the stamp (the first may find files changed too
    recently to trust, Hugo's first run among them); the check's line."""
    for _ in range(4):
        capsys.readouterr()
        assert main(["-C", str(root), "build"]) == 0
        line = capsys.readouterr().out.splitlines(keepends=True)[0]
        if (root / STAMP).is_file():
            return line
        time.sleep(2 * warm.RACY_FINE)
    raise AssertionError("no clean build wrote the stamp")


def warm_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    """warm.build(ARGS) in a fresh interpreter in ROOT; its last line lists hugosnip's modules it loaded."""
    probe = ("import sys; from hugosnip import warm; code = warm.build(sys.argv[1:]); sys.stdout.flush(); "
             "print(code, sorted(m for m in sys.modules if m.startswith('hugosnip')))")
    return subprocess.run([sys.executable, "-c", probe, *args], cwd=root, capture_output=True, text=True)


def test_a_warm_build_runs_hugo_without_the_rest_of_hugosnip(site, capsys):
    line = clean_build(site, capsys)
    assert line == "hugosnip: 5 result(s) up to date, nothing ran\n"
    (site / "public" / "index.html").unlink()   # Hugo's output is not the check's input
    done = warm_build(site)
    assert done.stdout.startswith(line), done
    assert done.stdout.splitlines()[-1] == "0 ['hugosnip', 'hugosnip.root', 'hugosnip.warm']", done
    assert (site / "public" / "index.html").is_file()
    assert (site / STAMP).is_file()


def test_the_command_takes_the_warm_path(site, capsys):
    line = clean_build(site, capsys)
    done = subprocess.run([COMMAND, "build"], cwd=site / "content", capture_output=True, text=True)
    assert (done.returncode, done.stdout.startswith(line)) == (0, True), done
    assert "hugosnip.build" not in subprocess.run(
        [sys.executable, "-X", "importtime", COMMAND, "build"], cwd=site, capture_output=True, text=True).stderr


CHANGES = {
    "a snippet rewritten with the same bytes": lambda r: (r / "snippets/demo.py").write_bytes(
        (r / "snippets/demo.py").read_bytes()),
    "a snippet added": lambda r: write(r / "snippets/new.py", "# %% a\n1\n"),
    "a page added": lambda r: write(r / "content/posts/new.md", "---\ntitle: x\n---\n"),
    "a page edited": lambda r: (r / "content/posts/plain.md").write_text(
        (r / "content/posts/plain.md").read_text(encoding="utf-8") + "\n", encoding="utf-8"),
    "a result edited": lambda r: (r / "data/hugosnip/demo.json").write_text(
        (r / "data/hugosnip/demo.json").read_text(encoding="utf-8") + " ", encoding="utf-8"),
    "a result removed": lambda r: (r / "data/hugosnip/demo.json").unlink(),
    "the JSON report removed": lambda r: (r / ".hugosnip/report.json").unlink(),
    "the settings touched": lambda r: (r / "config.toml").write_bytes((r / "config.toml").read_bytes()),
    "a hugo.toml added beside config.toml": lambda r: write(r / "hugo.toml", ""),
    "a module added in the site's root": lambda r: write(r / "helper.py", "x = 1\n"),
    "the themes folder replaced": lambda r: (
        (r / "themes").unlink(), shutil.copytree(Path(__file__).parents[2] / "themes", r / "themes")),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_sends_the_build_the_long_way(site, capsys, change):
    clean_build(site, capsys)
    assert warm._read(str(site)) is not None
    CHANGES[change](site)
    assert warm._read(str(site)) is None
    done = warm_build(site)
    assert done.stdout == "None ['hugosnip', 'hugosnip.root', 'hugosnip.warm']\n", done


@pytest.mark.parametrize("variable", ["HUGO_PARAMS_HUGOSNIP_SEED", "HUGO_ENVIRONMENT", "PYTHONPATH"])
def test_an_environment_variable_of_hugo_or_python_sends_the_build_the_long_way(site, capsys, monkeypatch,
                                                                                variable):
    clean_build(site, capsys)
    monkeypatch.setenv(variable, "7")
    assert warm._read(str(site)) is None


def test_a_library_installed_or_removed_sends_the_build_the_long_way(site, capsys, tmp_path, monkeypatch):
    libraries = tmp_path / "site-packages"
    libraries.mkdir()
    monkeypatch.syspath_prepend(str(libraries))
    clean_build(site, capsys)
    assert warm._read(str(site)) is not None
    (libraries / "numpy-9.0.dist-info").mkdir()
    assert warm._read(str(site)) is None


def test_options_other_than_hugo_arguments_take_the_long_way(site, capsys, monkeypatch):
    clean_build(site, capsys)
    monkeypatch.chdir(site)   # where the stamp would be taken
    for args in (["--explain"], ["-j", "1"], ["--no-hugo"], ["--json", "r.json"]):
        assert warm.build(args) is None
    assert warm._read(str(site)) is not None


def test_a_stamp_cut_short_is_not_trusted(site, capsys):
    clean_build(site, capsys)
    text = (site / STAMP).read_text(encoding="utf-8")
    (site / STAMP).write_text(text[:text.rindex("\nend")], encoding="utf-8")
    assert warm._read(str(site)) is None


def test_a_build_that_is_not_clean_removes_the_stamp(site, capsys):
    clean_build(site, capsys)
    path = site / "snippets" / "demo.py"
    good = path.read_bytes()
    path.write_text(path.read_text(encoding="utf-8") + "\n# %% broken\nraise ValueError('no')\n", encoding="utf-8")
    assert main(["-C", str(site), "build", "--no-hugo"]) != 0
    assert not (site / STAMP).exists()
    path.write_bytes(good)   # the same bytes again: the check runs, is clean, and writes it
    time.sleep(2 * warm.RACY_FINE)
    clean_build(site, capsys)


def test_no_stamp_while_a_file_changed_too_recently_to_trust(site, capsys):
    clean_build(site, capsys)
    page = site / "content/posts/plain.md"
    page.write_bytes(page.read_bytes())   # its times change, not what the check says
    assert main(["-C", str(site), "build", "--no-hugo"]) == 0
    assert not (site / STAMP).exists()
    time.sleep(2 * warm.RACY_FINE)
    assert main(["-C", str(site), "build", "--no-hugo"]) == 0
    assert (site / STAMP).is_file()


S = 1_000_000_000
NOW = 1_700_000_000 * S + 123_456_789


@pytest.mark.parametrize("times, trusted", [
    ([(NOW - S, NOW - S + 7)], True),                          # a fine clock, a second ago
    ([(NOW - S // 5, NOW - S // 5)], True),                    # a fine clock, 0.2 s ago
    ([(NOW - S, NOW - S), (NOW - S // 20, NOW - S // 20)], False),   # one changed 0.05 s ago
    ([(NOW - S // 2, NOW - S // 20)], False),                  # its ctime is what is recent
    ([((NOW // S - 1) * S, (NOW // S - 1) * S)], False),       # whole seconds: a coarse clock, 1 s ago
    ([((NOW // S - 3) * S, (NOW // S - 3) * S)], True),        # ... 3 s ago
    ([], True),
])
def test_entries_changed_within_the_clock_tick_are_not_trusted(times, trusted):
    assert warm.trusted(times, NOW) is trusted


def test_hugo_failing_on_the_warm_path_is_reported_as_the_full_build_reports_it(site, capsys):
    clean_build(site, capsys)
    done = warm_build(site, "--", "--no-such-flag")
    code = int(done.stdout.splitlines()[-1].split()[0])
    capsys.readouterr()
    status = main(["-C", str(site), "build", "--", "--no-such-flag"])
    full = capsys.readouterr()
    assert code == status != 0
    assert done.stderr.splitlines()[-1] == full.err.splitlines()[-1], (done.stderr, full.err)
    assert "Hugo failed with status" in done.stderr


def test_the_warm_path_runs_the_sites_post_build_command(site, capsys):
    config = site / "config.toml"
    command = f'post_build = [{str(sys.executable)!r}, "-c", "open(\'public/post-built\', \'w\').write(\'ok\')"]'
    config.write_text(config.read_text(encoding="utf-8").replace("[params.hugosnip]\n",
                                                                 f"[params.hugosnip]\n  {command}\n"), encoding="utf-8")
    clean_build(site, capsys)
    (site / "public" / "post-built").unlink()
    done = warm_build(site)
    assert done.stdout.splitlines()[-1].startswith("0 ['hugosnip', "), done
    assert "hugosnip: post_build: " in done.stdout
    assert (site / "public" / "post-built").read_text() == "ok"


def test_a_site_configured_in_a_folder_is_stamped_and_its_new_settings_file_seen(site, capsys):
    (site / "config/_default").mkdir(parents=True)
    (site / "config.toml").rename(site / "config/_default/hugo.toml")
    clean_build(site, capsys)
    assert warm._read(str(site)) is not None
    write(site / "config/_default/params.toml", "x = 1\n")
    assert warm._read(str(site)) is None


def test_ctrl_c_on_the_warm_path_stops_hugo_and_keeps_the_results(site, capsys):
    """Ctrl-C reaches the command and Hugo (one process group, as from a terminal): Hugo ends, the
    command says so and exits 130, and nothing committed changed. `hugo server` stands in for a
    long Hugo run: the warm path hands Hugo whatever follows `--`."""
    import os
    import signal
    import socket
    line = clean_build(site, capsys)
    before = {p: p.read_bytes() for p in sorted((site / "data").rglob("*")) if p.is_file()}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([COMMAND, "build", "--", "server", "--port", str(port), "--renderToMemory",
                             "--disableLiveReload"], cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:   # until Hugo serves: the warm path is in Hugo's wait
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert out.startswith(line)
    assert err.endswith("hugosnip: interrupted; committed results are as they were\n"), err
    with pytest.raises(ProcessLookupError):   # Hugo too is gone
        os.killpg(proc.pid, 0)
    assert {p: p.read_bytes() for p in sorted((site / "data").rglob("*")) if p.is_file()} == before
    assert (site / STAMP).is_file()
