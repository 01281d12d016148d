"""A blogger adopts hugosnip: from `hugo new site` + `hugo new theme`, `hugosnip init --example`,
`hugosnip build`, `hugosnip doctor`, then a plain `hugo`, for each form a site can take.

Each kind of site is made and built once per session (``adopted``); tests that change a site
work on a copy of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hugosnip import hugo

HUGO = hugo.binary()
EXAMPLE = "posts/hugosnip-example/index.html"
VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "hugosnip.cli", "-C", str(root), *args],
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"hugosnip {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def plain_hugo(root: Path, dest: Path) -> subprocess.CompletedProcess:
    return subprocess.run([HUGO, "--quiet", "-d", str(dest)], cwd=root, capture_output=True, text=True)


def new_site(base: Path, name: str, fmt: str = "toml") -> Path:
    subprocess.run([HUGO, "new", "site", name, "--format", fmt], cwd=base, check=True, capture_output=True)
    root = base / name
    subprocess.run([HUGO, "new", "theme", "mytheme"], cwd=root, check=True, capture_output=True)
    return root


def make(kind: str, base: Path) -> Path:
    """A fresh site of one kind, with its own theme and no hugosnip yet."""
    if kind == "json":
        root = new_site(base, kind, "json")
        import json
        data = json.loads((root / "hugo.json").read_text())
        (root / "hugo.json").write_text(json.dumps(dict(data, theme="mytheme"), indent=2))
        return root
    if kind == "yaml":
        root = new_site(base, kind, "yaml")
        (root / "hugo.yaml").write_text((root / "hugo.yaml").read_text() + "theme: mytheme\n"
                                        "params:\n  hugosnip:\n    timeout: 30\n")
        return root
    root = new_site(base, kind)
    config = (root / "hugo.toml").read_text() + "theme = 'mytheme'\n"
    if kind == "subpath":
        config = config.replace("baseURL = 'https://example.org/'", "baseURL = 'https://example.org/blog/'")
    if kind == "multilingual":
        config = config.replace("theme = 'mytheme'\n", "theme = 'mytheme'\ndefaultContentLanguage = 'en'\n")
        config += "[languages.en]\n  weight = 1\n[languages.fr]\n  weight = 2\n  locale = 'fr'\n"
    if kind == "mathjax":
        config += ("[markup.goldmark.extensions.passthrough]\n  enable = true\n"
                   "  [markup.goldmark.extensions.passthrough.delimiters]\n"
                   "    block = [['$$', '$$']]\n    inline = [['\\(', '\\)']]\n")
        head = root / "themes" / "mytheme" / "layouts" / "_partials" / "head" / "js.html"
        head.write_text(head.read_text() + '\n<script id="MathJax-script" async '
                        'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>\n')
        (root / "content" / "maths.md").write_text("---\ntitle: Maths\n---\n\n"
                                                   "$$\\label{eq:one} \\bbox[yellow]{x = 1}$$\n\nand \\(y\\).\n")
    if kind == "configdir":
        (root / "config" / "_default").mkdir(parents=True)
        (root / "hugo.toml").rename(root / "config" / "_default" / "hugo.toml")
        (root / "config" / "_default" / "hugo.toml").write_text(config)
        return root
    (root / "hugo.toml").write_text(config)
    return root


KINDS = ["toml", "yaml", "configdir", "multilingual", "subpath", "mathjax"]


@pytest.fixture(scope="session")
def adopted(tmp_path_factory):
    """kind -> (site after init --example and build, init's output, build's)."""
    made = {}

    def get(kind: str):
        if kind not in made:
            root = make(kind, tmp_path_factory.mktemp(f"adopt-{kind}"))
            if kind == "multilingual":
                init = run(root, "init", "--example")
                post = root / "content" / "posts" / "hugosnip-example.md"
                shutil.copy(post, post.with_suffix(".fr.md"))
            else:
                init = run(root, "init", "--example")
            build = run(root, "build")
            made[kind] = root, init, build
        return made[kind]

    return get


def page(root: Path, rel: str = EXAMPLE, public: str = "public") -> str:
    return (root / public / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_the_example_post_shows_code_output_value_and_figure(adopted, kind):
    root, _, _ = adopted(kind)
    html = page(root)
    assert '<div class="hugosnip-source">' in html and "def</span>" in html
    assert '<div class="hugosnip-label">Output</div>' in html
    assert "<pre class=\"hugosnip-stdout\" tabindex=\"0\"><code> 1     1\n 2     2\n 3     6\n 4    24\n 5   120\n 6   720\n" in html
    assert '<span class="hugosnip-value">873</span>' in html
    prefix = "/blog/" if kind == "subpath" else "/"
    assert re.search(rf'<img src="{prefix}hugosnip/[0-9a-f]{{16}}\.svg" width="\d+" height="\d+" '
                     r'alt="A plot of tanh\(x\) from -3 to 3"', html)
    assert re.search(rf'<link rel="stylesheet" href="{prefix}css/hugosnip\.min\.[0-9a-f]+\.css"', html)


@pytest.mark.parametrize("kind", KINDS)
def test_plain_hugo_builds_the_same_pages_from_the_committed_results(adopted, kind, tmp_path):
    root, _, _ = adopted(kind)
    proc = plain_hugo(root, tmp_path / "again")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again" / EXAMPLE).read_text(encoding="utf-8") == page(root)


@pytest.mark.parametrize("kind", KINDS)
def test_doctor_finds_nothing_to_fix(adopted, kind):
    root, _, _ = adopted(kind)
    proc = run(root, "doctor", check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "hugosnip doctor: all is well\n", "")


@pytest.mark.parametrize("kind", ["toml", "yaml", "configdir"])
def test_no_vietnamese_text_anywhere_in_an_english_site(adopted, kind):
    import zipfile
    root, _, _ = adopted(kind)
    assert not VIETNAMESE.findall(page(root))
    texts = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
             for p in (root / "public").rglob("*") if p.suffix in (".html", ".xml", ".css", ".txt")}
    archives = sorted((root / "public" / "hugosnip" / "run").glob("*.zip"))
    assert [a.name for a in archives] == ["example.zip", "example_outputs.zip"]
    for archive in archives:
        with zipfile.ZipFile(archive) as zf:
            texts |= {f"{archive.name}:{n}": zf.read(n).decode("utf-8") for n in zf.namelist()}
    assert any(name.endswith(".ipynb") for name in texts)
    assert {name: VIETNAMESE.findall(text) for name, text in texts.items() if VIETNAMESE.findall(text)} == {}


def test_init_edits_each_form_of_config(adopted):
    toml = adopted("toml")[0] / "hugo.toml"
    assert "\ntheme = [\"mytheme\", \"hugosnip\"]\n" in toml.read_text()
    yaml = adopted("yaml")[0] / "hugo.yaml"
    assert "\ntheme: [\"mytheme\", \"hugosnip\"]\n" in yaml.read_text()
    configdir = adopted("configdir")[0]
    assert "\ntheme = [\"mytheme\", \"hugosnip\"]\n" in (configdir / "config" / "_default" / "hugo.toml").read_text()
    assert not (configdir / "hugo.toml").exists()


def test_init_says_what_it_changed(adopted):
    root, init, _ = adopted("toml")
    assert init.stdout == f"""hugosnip init in {root}:
  themes/hugosnip/: the plugin's Hugo side (hugosnip 0.1.0)
  hugo.toml: theme = ["mytheme", "hugosnip"]
  .gitignore: /public/ /resources/_gen/ /.hugo_build.lock /.hugosnip/ /data/hugosnip_serve.json __pycache__/
  snippets/__init__.py: written
  themes/mytheme/layouts/_partials/head.html: renders hugosnip's head partial
  snippets/example.py: written
  snippets/example_outputs.py: written
  content/posts/hugosnip-example.md: written
next: `hugosnip build` runs the snippets and builds the site; `hugosnip doctor` checks the setup
"""
    assert (root / "themes" / "hugosnip" / "hugosnip-version.txt").read_text().startswith("hugosnip 0.1.0 ")


def copy_of(adopted, kind: str, tmp_path: Path) -> Path:
    root = tmp_path / kind
    shutil.copytree(adopted(kind)[0], root, symlinks=True)
    shutil.rmtree(root / ".hugosnip", ignore_errors=True)
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".hugosnip" not in p.parts and "public" not in p.parts}


@pytest.mark.parametrize("kind", ["toml", "yaml", "configdir"])
def test_init_twice_changes_nothing(adopted, kind, tmp_path):
    root = copy_of(adopted, kind, tmp_path)
    before = tree(root)
    proc = run(root, "init", "--example")
    assert proc.stdout == f"hugosnip init in {root}:\n  nothing to change\n" \
        "next: `hugosnip build` runs the snippets and builds the site; `hugosnip doctor` checks the setup\n"
    assert tree(root) == before


def test_init_never_overwrites_a_users_file_without_force(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    example = root / "snippets" / "example.py"
    example.write_text("# %% mine\nprint('mine')\n")
    proc = run(root, "init", "--example")
    assert "  to do: snippets/example.py exists and differs from what init writes: left as it is " \
        "(--force replaces it)\n" in proc.stdout
    assert example.read_text() == "# %% mine\nprint('mine')\n"
    proc = run(root, "init", "--example", "--force")
    assert "  snippets/example.py: written\n" in proc.stdout
    assert "def factorials(n):" in example.read_text()


def test_math_katex_only_when_asked(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    assert "passthrough" not in (root / "hugo.toml").read_text()
    proc = run(root, "init", "--math", "katex")
    assert '  hugo.toml: math = "katex", math passthrough on\n' in proc.stdout
    post = root / "content" / "posts" / "hugosnip-example.md"
    post.write_text(post.read_text() + "\nEuler: $e^{i\\pi} + 1 = 0$.\n")
    run(root, "build")
    html = page(root)
    assert '<span class="katex">' in html
    assert re.search(r'<link rel="stylesheet" href="/katex/katex\.min\.[0-9a-f]+\.css"', html)
    assert list((root / "public" / "katex" / "fonts").glob("*.woff2"))
    assert run(root, "doctor", check=False).returncode == 0
    again = run(root, "init", "--math", "katex")
    assert "nothing to change" in again.stdout


def test_a_mathjax_site_keeps_its_math(adopted):
    root, _, _ = adopted("mathjax")
    html = page(root, "maths/index.html")
    # As the page wrote it (what Hugo writes with no hook): MathJax reads its own delimiters.
    assert "$$\\label{eq:one} \\bbox[yellow]{x = 1}$$<p>and \\(y\\).</p>" in html
    assert "katex" not in html
    assert "MathJax-script" in html


def test_multilingual_site_has_labels_in_both_languages(adopted):
    root, _, _ = adopted("multilingual")
    for rel in (EXAMPLE, "fr/" + EXAMPLE):
        html = page(root, rel)
        assert '<div class="hugosnip-label">Output</div>' in html
        assert "<summary>Run this snippet yourself</summary>" in html
        assert re.search(r'<div class="hugosnip-caption">snippets/example\.py, cell table, line 12</div>', html)
        # one archive a module, language-neutral (its README and notebook are in English), for both languages
        links = sorted(set(re.findall(r'href="([^"]+\.zip)"', html)))
        assert [link.rsplit("/", 1)[1] for link in links] == ["example.zip", "example_outputs.zip"]
        for link in links:
            assert (root / "public" / link.lstrip("/")).is_file(), link


def test_a_translation_of_the_site_replaces_the_english_words(adopted, tmp_path):
    root = copy_of(adopted, "multilingual", tmp_path)
    (root / "i18n").mkdir(exist_ok=True)
    (root / "i18n" / "fr.yaml").write_text('hugosnip_output: "Sortie"\n')
    proc = plain_hugo(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert '<div class="hugosnip-label">Sortie</div>' in (tmp_path / "out" / "fr" / EXAMPLE).read_text()
    assert '<div class="hugosnip-label">Output</div>' in (tmp_path / "out" / EXAMPLE).read_text()


def test_yaml_settings_are_read(adopted, tmp_path):
    root = copy_of(adopted, "yaml", tmp_path)
    config = root / "hugo.yaml"
    config.write_text(config.read_text().replace("    timeout: 30\n", "    timeout: 30\n    colour: red\n"))
    proc = run(root, "check", check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("hugo.yaml: unknown setting [params.hugosnip].colour; known: ")


def test_content_dir_is_hugos(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    (root / "content").rename(root / "pages")
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text().replace(
        "theme =", "contentDir = 'pages'\ntheme ="))
    post = root / "pages" / "posts" / "hugosnip-example.md"
    post.write_text(post.read_text().replace('cell="total"', 'cell="totl"'))
    proc = run(root, "check", check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("pages/posts/hugosnip-example.md:17: no cell 'totl' in snippets/example.py; "
                                  "did you mean 'total'?")


def test_init_wires_the_head_partial_into_a_themes_hook(tmp_path):
    root = make("toml", tmp_path)
    hook = root / "themes" / "mytheme" / "layouts" / "_partials" / "head" / "custom.html"
    hook.write_text("<meta name=\"x\" content=\"y\">\n")
    (root / "themes" / "mytheme" / ".git").mkdir()   # someone else's theme: not edited
    proc = run(root, "init")
    assert "  layouts/_partials/head/custom.html: renders hugosnip's head partial (the hook of theme 'mytheme')\n" \
        in proc.stdout
    assert (root / "layouts" / "_partials" / "head" / "custom.html").read_text() == \
        '<meta name="x" content="y">\n{{ partial "hugosnip/head.html" . -}}\n'
    assert hook.read_text() == "<meta name=\"x\" content=\"y\">\n"


def test_init_says_where_to_add_the_head_partial_when_it_cannot(tmp_path):
    root = make("toml", tmp_path)
    (root / "themes" / "mytheme" / ".git").mkdir()
    proc = run(root, "init")
    assert "  to do: theme 'mytheme' has no hook for extra <head> content: copy themes/mytheme/layouts/_partials/" \
        "head.html to layouts/_partials/head.html and add this line at its end:\n" \
        "      {{ partial \"hugosnip/head.html\" . -}}\n" in proc.stdout
    doctor = run(root, "doctor", check=False)
    assert doctor.returncode == 2
    assert "no layout renders hugosnip's head partial" in doctor.stderr


@pytest.mark.parametrize("kind, name", [("yaml", "hugo.yaml"), ("json", "hugo.json"),
                                        ("configdir", "config/_default/hugo.toml")])
def test_init_math_katex_in_other_forms(tmp_path, kind, name):
    root = make(kind, tmp_path)
    first = run(root, "init", "--math", "katex")
    proc = subprocess.run([HUGO, "config", "--format", "json"], cwd=root, capture_output=True, text=True)
    import json
    data = json.loads(proc.stdout)
    assert data["params"]["hugosnip"]["math"] == "katex"
    assert data["markup"]["goldmark"]["extensions"]["passthrough"]["enable"] is True
    assert data["theme"] == ["mytheme", "hugosnip"]
    assert "nothing to change" in run(root, "init", "--math", "katex").stdout
    assert f"  {name}: theme = [\"mytheme\", \"hugosnip\"]\n" in first.stdout


def site_css(public: Path) -> str:
    return "".join(p.read_text() for p in (public / "css").glob("hugosnip.min.*.css"))


def test_a_light_only_site_stays_light_and_dark_follows_the_site(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    css = site_css(root / "public")
    # Dark only when the page says so; every box with a background sets its text colour too.
    assert "prefers-color-scheme" not in css
    assert 'html.dark,html[data-theme=dark],html[data-scheme=dark],html[data-color-scheme=dark],' \
        'html.colorscheme-dark,body.dark,body[data-theme=dark],body[data-scheme=dark],' \
        'body[data-color-scheme=dark],body.colorscheme-dark{' in css
    assert ".hugosnip-cell,.hugosnip-source,.hugosnip-figure{margin:1.25em 0;border:1px solid var(--hugosnip-border);" \
        "border-radius:6px;overflow:hidden;background:var(--hugosnip-bg);color:var(--hugosnip-fg)}" in css
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text() + "[params.hugosnip]\n  dark = 'system'\n")
    proc = plain_hugo(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "@media(prefers-color-scheme:dark){:root{--hugosnip-border:#30363d;" in site_css(tmp_path / "out")


def test_each_languages_content_dir_is_scanned(adopted, tmp_path):
    root = copy_of(adopted, "multilingual", tmp_path)
    (root / "content" / "posts" / "hugosnip-example.fr.md").unlink()
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text().replace(
        "  locale = 'fr'\n", "  locale = 'fr'\n  contentDir = 'content_fr'\n"))
    (root / "content_fr").mkdir()
    (root / "content_fr" / "p.md").write_text('---\ntitle: P\n---\n\n{{< snip-value file="example.py" cell="totl" >}}\n')
    proc = run(root, "check", check=False)
    assert (proc.returncode, proc.stderr) == (2, "content_fr/p.md:5: no cell 'totl' in snippets/example.py; "
                                                 "did you mean 'total'?\n")


def test_build_without_the_theme_component_in_the_list_stops_before_running_anything(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text().replace(
        'theme = ["mytheme", "hugosnip"]', 'theme = ["mytheme"]'))
    (root / "snippets" / "example.py").write_text((root / "snippets" / "example.py").read_text() + "\n")
    before = tree(root)
    proc = run(root, "build", check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == ('hugo.toml: "hugosnip" is not in the site\'s `theme` list, so Hugo does not know '
                           'the snip-* shortcodes\n'
                           '    set theme = ["mytheme", "hugosnip"] (or run `hugosnip init`)\n')
    assert tree(root) == before   # the stale snippet did not run, Hugo did not build


def test_build_before_init_says_run_hugosnip_init(tmp_path):
    root = make("toml", tmp_path)
    (root / "snippets").mkdir()
    (root / "snippets" / "s.py").write_text("# %% c\nx = 1\nx\n")
    (root / "content" / "p.md").write_text('---\ntitle: P\n---\n{{< snip-value file="s.py" cell="c" >}}\n')
    proc = run(root, "build", check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == ("hugo.toml: no themes/hugosnip/: the plugin's Hugo side (shortcodes, CSS) is not in "
                           "the site\n    run `hugosnip init`\n"
                           'hugo.toml: "hugosnip" is not in the site\'s `theme` list, so Hugo does not know '
                           'the snip-* shortcodes\n    set theme = ["mytheme", "hugosnip"] (or run `hugosnip init`)\n')
    assert not (root / "data" / "hugosnip").exists() and not (root / "public").exists()


def test_a_mount_into_assets_hides_the_figures_and_build_says_what_to_change(adopted, tmp_path):
    root = copy_of(adopted, "toml", tmp_path)
    (root / "vendor").mkdir()
    (root / "vendor" / "x.css").write_text("p {}\n")
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text()
                                    + "[[module.mounts]]\n  source = 'vendor'\n  target = 'assets/vendor'\n")
    proc = run(root, "build", check=False)
    assert proc.returncode == 6
    assert re.search(r'content/posts/hugosnip-example\.md:19:1: hugosnip: snip-figure: figure 1 of cell "plot" is missing \(expected '
                     r'assets/hugosnip/[0-9a-f]{16}\.svg\): run `hugosnip build` \(if the file is there, a module '
                     r'mount of the site hides assets/: `hugosnip doctor` says what to change\)', proc.stderr)
    assert proc.stderr.endswith(
        "hugo.toml: the site's module mounts replace Hugo's default ones and none mounts assets/, where hugosnip "
        "writes its figures: Hugo will not see them\n"
        '    add [[module.mounts]] source = "assets" target = "assets"\n')


def test_init_when_theme_already_names_hugosnip(tmp_path):
    root = make("toml", tmp_path)
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text().replace(
        "theme = 'mytheme'", "theme = ['mytheme', 'hugosnip']"))
    proc = run(root, "init")
    assert proc.stdout.startswith(f"hugosnip init in {root}:\n  themes/hugosnip/: the plugin's Hugo side (hugosnip 0.1.0)\n"
                                  "  .gitignore: ")
    assert run(root, "doctor").stdout == "hugosnip doctor: all is well\n"


def test_the_example_builds_without_matplotlib(tmp_path, cli, monkeypatch):
    root = make("toml", tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # `import matplotlib` raises ImportError
    init = cli(root, "init", "--example")
    assert "  to do: matplotlib is not installed here, so the example has no figure: pip install matplotlib, " \
           "then `hugosnip init --example --force` adds one\n" in init.out
    snippet = (root / "snippets" / "example.py").read_text()
    post = (root / "content" / "posts" / "hugosnip-example.md").read_text()
    assert "matplotlib" not in snippet and "# %% plot" not in snippet
    first, rich = post.split("\n## Rich outputs\n")
    assert "snip-figure" not in first and first.endswith('{{< snip-value file="example.py" cell="total" >}}.\n')
    assert 'cell="heatmap"' not in rich and "matplotlib" not in (root / "snippets" / "example_outputs.py").read_text()
    build = cli(root, "build")
    assert build.status == 0, build.err
    assert "873" in page(root)   # 1! + 2! + ... + 6!


@pytest.mark.parametrize("config, sections, expected", [
    ("[params]\n  mainSections = ['post']\n", {}, "post"),
    ("", {"blog": 2, "notes": 1}, "blog"),
    ("", {}, "posts"),
], ids=["mainSections", "largest-section", "no-section-yet"])
def test_the_example_post_goes_into_the_main_section(tmp_path, cli, config, sections, expected):
    root = make("toml", tmp_path)
    (root / "hugo.toml").write_text((root / "hugo.toml").read_text() + config)
    for section, count in sections.items():
        for n in range(count):
            (root / "content" / section).mkdir(parents=True, exist_ok=True)
            (root / "content" / section / f"p{n}.md").write_text("---\ntitle: P\n---\n")
    result = cli(root, "init", "--example")
    assert f"  content/{expected}/hugosnip-example.md: written\n" in result.out
    (root / "content" / "other").mkdir(exist_ok=True)
    for n in range(5):   # run again: the post stays where it is
        (root / "content" / "other" / f"q{n}.md").write_text("---\ntitle: Q\n---\n")
    assert "nothing to change" in cli(root, "init", "--example").out


def test_the_rich_example_leaves_out_what_is_not_installed():
    """Each cell of example_outputs.py is written only when its packages are; init names the rest."""
    from hugosnip.init import example_outputs
    module, section, missing = example_outputs(installed=lambda name: False)
    assert re.findall(r"(?m)^# %% (.*)$", module) == ["text"]
    assert re.findall(r'cell="(\w+)"', section) == ["text"]
    assert missing == ["pandas", "sympy", "pillow", "matplotlib", "plotly", "altair"]
    module, section, missing = example_outputs(installed=lambda name: name not in ("kaleido", "sympy"))
    assert re.findall(r"(?m)^# %% (.*)$", module) == ["text", "table", "picture", "heatmap figure_format=png",
                                                       "plotly", "altair"]
    assert re.findall(r'cell="(\w+)"', section) == ["text", "table", "picture", "heatmap", "plotly", "altair"]
    assert missing == ["sympy", "kaleido"]
    compile(module, "example_outputs.py", "exec")


def test_the_example_post_shows_each_kind_of_output_that_is_installed(adopted):
    root, init, _ = adopted("toml")
    from hugosnip.init import example_outputs
    _, section, missing = example_outputs()
    html = page(root)
    shown = {"text": 'class="hugosnip-markdown"', "table": '<table border="1" class="dataframe">',
             "math": 'class="hugosnip-latex"', "picture": 'alt="Figure 1 of cell picture"',
             "heatmap": 'alt="Figure 1 of cell heatmap"', "plotly": 'id="hugosnip-chart-example_outputs-plotly-1"',
             "altair": 'id="hugosnip-chart-example_outputs-altair-1"'}
    cells = re.findall(r'cell="(\w+)"', section)
    assert {name: marker in html for name, marker in shown.items()} == {name: name in cells for name in shown}
    assert ("to do: not installed here" in init.stdout) == bool(missing)
