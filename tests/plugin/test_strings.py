"""The plugin's strings: one English list (themes/hugosnip/i18n/en.yaml) that every translation
follows, used as the fallback on a site whose languages have no translation."""

from __future__ import annotations

import re

import replica

THEME = replica.REPO / "themes" / "hugosnip"


def ids(path) -> set[str]:
    return set(re.findall(r"^(hugosnip_\w+):", path.read_text(encoding="utf-8"), re.M))


def test_every_string_a_template_asks_for_is_in_english_and_in_each_translation():
    asked = {m for p in (THEME / "layouts").rglob("*.html")
             for m in re.findall(r'"id" "(hugosnip_\w+)"', p.read_text(encoding="utf-8"))}
    assert asked and asked <= ids(THEME / "i18n" / "en.yaml")
    for translation in (THEME / "i18n").glob("*.yaml"):
        assert ids(translation) == ids(THEME / "i18n" / "en.yaml"), translation.name


def test_a_site_in_a_language_with_no_translation_gets_english(tmp_path, replica_results):
    root = replica.site(tmp_path / "s", replica_results, pages={"uses.md": replica.USES},
                        config='defaultContentLanguage = "de"\n[languages.de]\n  locale = "de"\n')
    run = replica.hugo(root)
    assert run.returncode == 0, run.stderr
    html = (root / "public" / "uses" / "index.html").read_text()
    assert '<div class="hugosnip-label">Output</div>' in html
    assert '<div class="hugosnip-caption">snippets/stats.py, cell table, line 1</div>' in html
    assert "<summary>Run this snippet yourself</summary>" in html
    assert "or open stats.ipynb in Jupyter." in html
