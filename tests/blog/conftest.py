"""Fixtures of the blog's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogsite import REPO, build


@pytest.fixture(scope="session")
def blog_public(tmp_path_factory) -> Path:
    """The blog built once by Hugo from the committed results (no Python snippets run)."""
    out = tmp_path_factory.mktemp("blog") / "public"
    run = build(REPO, out)
    assert run.returncode == 0, run.stderr
    return out
