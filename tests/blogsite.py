"""Building the blog for the theme and browser tests: the fixture posts of tests/fixtures/oldposts
under the project's own config.toml, or the project itself, always into a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hugosnip import hugo

REPO = Path(__file__).resolve().parent.parent
OLDPOSTS = REPO / "tests" / "fixtures" / "oldposts"
PART1 = REPO / "content" / "posts" / "what-is-rnn.md"


def oldposts_site(root: Path) -> Path:
    """A site made of the fixture posts, with the project's config.toml and themes."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "config.toml", root / "config.toml")
    shutil.copytree(OLDPOSTS / "content", root / "content")
    shutil.copytree(OLDPOSTS / "static", root / "static")
    (root / "themes").symlink_to(REPO / "themes")
    return root


def build(source: Path, destination: Path, **env: str) -> subprocess.CompletedProcess:
    """Run Hugo (no Python snippets: the committed results are used) on SOURCE into DESTINATION.
    Keyword arguments become HUGO_* environment settings, e.g. PAGINATION_PAGERSIZE="2"."""
    environ = dict(os.environ, **{f"HUGO_{k}": v for k, v in env.items()})
    return subprocess.run([hugo.binary(), "--source", str(source), "--destination", str(destination),
                           "--cacheDir", str(destination.parent / "hugo-cache")],
                          capture_output=True, text=True, env=environ)
