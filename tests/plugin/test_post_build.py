"""The generic post-build command ([params.hugosnip] post_build): run in the site's root after
Hugo built the site (`hugosnip build`; `hugosnip serve` after each render), e.g. a search indexer."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import write
from test_serve import free_port
from hugosnip.config import load
from hugosnip.errors import ConfigError

LIST_PUBLIC = "import pathlib; pathlib.Path('seen.txt').write_text(' '.join(sorted(p.name for p in pathlib.Path('public').iterdir())))"


def tiny_site(root: Path, post_build: str) -> Path:
    """A site with no snippets and one page; POST_BUILD is the setting's TOML value."""
    write(root / "config.toml", f'baseURL = "/"\ntitle = "t"\ndisableKinds = ["taxonomy", "term"]\n'
                                f"[params.hugosnip]\n  post_build = {post_build}\n")
    write(root / "content" / "_index.md", "---\ntitle: t\n---\n")
    write(root / "layouts" / "home.html", "<!doctype html><title>t</title><p>home</p>\n")
    return root


def toml_list(*words: str) -> str:
    return "[" + ", ".join('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in words) + "]"


def test_build_runs_the_command_in_the_root_after_hugo(tmp_path, cli):
    root = tiny_site(tmp_path / "site", toml_list(sys.executable, "-c", LIST_PUBLIC))
    result = cli(root, "build")
    assert result.status == 0, result
    assert "index.html" in (root / "seen.txt").read_text().split()  # Hugo had written public/


def test_a_failing_command_fails_the_build_and_says_which(tmp_path, cli):
    root = tiny_site(tmp_path / "site", toml_list(sys.executable, "-c", "raise SystemExit(3)"))
    result = cli(root, "build")
    assert result.status == 6
    assert result.err.strip() == (f"config.toml: post_build command '{sys.executable} -c raise SystemExit(3)' "
                                  "failed with status 3 (its errors are above)")


def test_a_command_that_cannot_start(tmp_path, cli):
    root = tiny_site(tmp_path / "site", toml_list("node_modules/.bin/no-such-tool", "--site", "public"))
    result = cli(root, "build")
    assert result.status == 6
    assert result.err.startswith("config.toml: post_build command 'node_modules/.bin/no-such-tool --site public' "
                                 "could not start: [Errno 2] No such file or directory")


def test_no_command_when_hugo_is_not_run(tmp_path, cli):
    root = tiny_site(tmp_path / "site", toml_list(sys.executable, "-c", LIST_PUBLIC))
    assert cli(root, "build", "--no-hugo").status == 0
    assert not (root / "seen.txt").exists()


@pytest.mark.parametrize("value", ['"pagefind"', "[]", '["", "x"]', "[1, 2]", "true"])
def test_the_setting_must_be_a_command_as_a_list_of_words(tmp_path, value):
    root = tiny_site(tmp_path / "site", value)
    with pytest.raises(ConfigError) as error:
        load(root)
    message = str(error.value)
    line = next(n for n, text in enumerate((root / "config.toml").read_text().splitlines(), 1)
                if text.strip().startswith("post_build"))
    assert message.startswith(f"config.toml:{line}: [params.hugosnip].post_build ")
    assert ("has the wrong type" in message) if value in ('"pagefind"', "true") else ("must be a command as a list" in message)


def test_the_default_is_no_command(tmp_path):
    write(tmp_path / "config.toml", 'baseURL = "/"\n')
    assert load(tmp_path).post_build == ()


COUNT_RUNS = "import pathlib; p = pathlib.Path('public/runs.txt'); p.write_text(p.read_text() + 'x' if p.exists() else 'x')"


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_until(predicate, seconds: float = 90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if (value := predicate()) is not None:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_runs_the_command_after_each_render_and_serves_what_it_wrote(tmp_path):
    root = tiny_site(tmp_path / "site", toml_list(sys.executable, "-c", COUNT_RUNS))
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "hugosnip.cli", "-C", str(root), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/runs.txt"
    try:
        first = wait_until(lambda: fetch(url))  # written into public/ after the first build, and served
        assert first == "x"
        write(root / "content" / "_index.md", "---\ntitle: t2\n---\n")
        assert wait_until(lambda: fetch(url) if fetch(url) == "xx" else None) == "xx"  # after the rebuild
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        log.seek(0)
        print(log.read())
