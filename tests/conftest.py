"""Shared fixtures: a temporary copy of the fixture site, the CLI run in-process, the blog built;
and the two tiers of the suite.

`pytest` runs the fast tier: everything but the tests marked `slow` (every blog snippet re-run as a
test item, every download run as `python -m` and as a notebook, axe-core over every page).
`pytest --full` runs both tiers, `pytest -m slow` the slow tier alone (what `.ci/run` adds after the
fast tier). A tool a test needs (Chromium, axe-core, Pagefind, nbclient) is skipped with its reason
on a developer's machine, and is an error when HUGOSNIP_REQUIRE_TOOLS=1 (as `.ci/run` sets it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hugosnip.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "site"
SNIPPETS = REPO / "snippets"


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true",
                     help="run the slow tier too (every blog snippet and download, axe on every page)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: the slow tier, run by `pytest --full` or `pytest -m slow`")
    if not config.option.markexpr and not config.getoption("full"):
        config.option.markexpr = "not slow"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The blog's snippet cells (collected by hugosnip's pytest plugin) are the slow tier; the cells
    of one module stay on one xdist worker, which runs the module once for all of them."""
    for item in items:
        if item.path.is_relative_to(SNIPPETS):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(item.path.relative_to(REPO).as_posix()))


def _repo_themes() -> dict[str, tuple]:
    """Every file (size, time) and folder under the repo's themes/."""
    found: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(REPO / "themes"):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            found[os.path.relpath(path, REPO)] = (st.st_size, st.st_mtime_ns) if name in files else ()
    return found


def pytest_sessionstart(session):
    session.config.stash[_THEMES] = _repo_themes()


def pytest_sessionfinish(session, exitstatus):
    """Test sites link the repo's themes/ in (own_themes copies them for a test that edits them):
    a test that writes through the link changes the repo. That fails the run, naming the paths."""
    if getattr(session.config, "workerinput", None) or _THEMES not in session.config.stash:
        return
    before, after = session.config.stash[_THEMES], _repo_themes()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.ensure_newline()
            reporter.write_line("the run changed the repo's themes/ (a test wrote through a site's themes link; "
                                "copy them first with own_themes): " + ", ".join(changed[:10]), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_THEMES = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, config):
    if config.option.markexpr == "not slow" and not getattr(config, "workerinput", None):
        terminalreporter.write_line("fast tier only: `pytest --full` adds the slow tier "
                                    "(every blog snippet and download re-run, axe on every page)")


def require(present: bool, what: str) -> None:
    """Skip the calling test module when a tool it needs is missing, saying which and how to get it;
    fail instead when HUGOSNIP_REQUIRE_TOOLS=1, so CI never passes by skipping."""
    if present:
        return
    if os.environ.get("HUGOSNIP_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{what} (HUGOSNIP_REQUIRE_TOOLS=1: required here)", pytrace=False)
    pytest.skip(what, allow_module_level=True)
REPLICAS = REPO / "tests" / "fixtures" / "themes"   # small replicas of real themes' <head> wiring


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A fresh copy of tests/fixtures/site, with the repo's themes linked in."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    (root / "themes").symlink_to(REPO / "themes")
    return root


class Result:
    def __init__(self, status: int, out: str, err: str):
        self.status, self.out, self.err = status, out, err

    def __repr__(self) -> str:
        return f"Result({self.status}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(capsys):
    """Run ``hugosnip ARGS`` in-process on a site; returns status, stdout, stderr."""

    def run(root: Path, *args: str) -> Result:
        capsys.readouterr()
        status = main(["-C", str(root), *args])
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


def hugosnip_process(root: Path, *args: str, **kwargs) -> subprocess.Popen:
    """``hugosnip ARGS`` as a separate process (for tests that kill it)."""
    return subprocess.Popen([sys.executable, "-m", "hugosnip.cli", "-C", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every committed result file of a site, by path (provenance, which records times, aside)."""
    found = {}
    for folder in ("data/hugosnip", "assets/hugosnip"):
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def without_provenance(files: dict[str, bytes]) -> dict:
    """A snapshot with each result's provenance (when, where, how long it ran) and checksum left out:
    what two runs of the same snippets must give alike."""
    import json
    found = {}
    for name, data in files.items():
        if name.endswith(".json"):
            doc = json.loads(data)
            found[name] = {k: v for k, v in doc.items() if k not in ("provenance", "checksum")}
        else:
            found[name] = data
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_snippet(site: Path, source: str, name: str = "s.py", **config):
    """Write SOURCE as snippets/NAME of SITE and run it in a worker, with the site's settings
    (CONFIG overrides some): the module's Outcome."""
    from hugosnip.config import load
    from hugosnip.project import Project
    from hugosnip.run import run_module
    path = write(site / "snippets" / name, source)
    project = Project(load(site))
    if config:
        project.config = project.config.__class__(**{**project.config.__dict__, **config})
    return run_module(project, project.load(path))


@pytest.fixture(scope="session")
def _built_template(tmp_path_factory) -> Path:
    """The fixture site after one `hugosnip build --no-hugo`, made once per session."""
    root = tmp_path_factory.mktemp("built") / "site"
    shutil.copytree(FIXTURE, root)
    (root / "themes").symlink_to(REPO / "themes")
    status = main(["-C", str(root), "build", "--no-hugo"])
    assert status == 0
    return root


@pytest.fixture
def built_site(_built_template, tmp_path) -> Path:
    """A fresh copy of the fixture site, already built (results stored, Hugo not run)."""
    root = tmp_path / "site"
    shutil.copytree(_built_template, root, symlinks=True)
    return root


@pytest.fixture(scope="session")
def _hugo_built_template(tmp_path_factory) -> Path:
    """The fixture site after one full `hugosnip build` (Hugo run into public/), once per session."""
    root = tmp_path_factory.mktemp("hugo-built") / "site"
    shutil.copytree(FIXTURE, root)
    (root / "themes").symlink_to(REPO / "themes")
    status = main(["-C", str(root), "build"])
    assert status == 0
    return root


def bring_to_built_state(site: Path, template: Path) -> None:
    """Lay a built template's files over a fresh copy of the same fixture site."""
    shutil.copytree(template, site, dirs_exist_ok=True, symlinks=True,
                    ignore=lambda folder, names: ["themes"] if Path(folder) == template else [])


@pytest.fixture(scope="session")
def blog_public(tmp_path_factory) -> Path:
    """The blog itself built once by Hugo from the committed results (no snippet runs), with its
    Pagefind search index when Pagefind is installed, as `hugosnip build` makes it (post_build).
    Tests only read it."""
    from blogsite import PAGEFIND, build
    out = tmp_path_factory.mktemp("blog") / "public"
    run = build(REPO, out)
    assert run.returncode == 0, run.stderr
    if PAGEFIND.exists():
        index = subprocess.run([str(PAGEFIND), "--site", str(out), "--quiet"], cwd=REPO,
                               capture_output=True, text=True)
        assert index.returncode == 0, index.stdout + index.stderr
    return out


def themed_site(tmp_path: Path, theme: str, config: str = "") -> Path:
    """A site on a replica theme (a git checkout: init never edits it), with one page."""
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "p.md").write_text("---\ntitle: P\n---\nText.\n")
    (root / "hugo.toml").write_text(f"title = 'T'\ntheme = '{theme}'\n"
                                    "disableKinds = ['taxonomy', 'term', 'rss', 'sitemap']\n" + config)
    shutil.copytree(REPLICAS / theme, root / "themes" / theme)
    (root / "themes" / theme / ".git").mkdir()
    for kind in ("home", "single", "list"):
        path = root / "layouts" / f"{kind}.html"
        path.parent.mkdir(exist_ok=True)
        path.write_text('{{ define "main" }}' + kind + '{{ end }}')
    return root


@pytest.fixture(scope="session")
def replica_results(tmp_path_factory) -> Path:
    """The results (data/, assets/) of tests/plugin/replica.py's snippet, built once per session."""
    sys.path.insert(0, str(REPO / "tests" / "plugin"))
    import replica
    return replica.build_results(tmp_path_factory.mktemp("replica"))
