"""The blog itself: its committed results are up to date and it builds with Hugo alone."""

from hugosnip.cli import main

from conftest import REPO


def test_committed_results_are_up_to_date(capsys):
    status = main(["-C", str(REPO), "check"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert captured.out.startswith("hugosnip: ") and captured.out.endswith(" result(s) up to date\n")


def test_plain_hugo_builds_the_site_with_katex_served_locally(blog_public):
    """blog_public is plain Hugo's build of the repository (tests/conftest.py)."""
    page = (blog_public / "hugosnip" / "index.html").read_text(encoding="utf-8")
    assert '<span class="hugosnip-value">8,99</span>' in page
    assert "cdn" not in page.lower()
    assert list(blog_public.glob("katex/katex.min.*.css")) and list(blog_public.glob("katex/fonts/*.woff2"))
