"""A plain `hugo` says when a result is stale: the shortcodes compare the snippet file's sha256
(read by Hugo itself) with the one its result was made from (inputs.files) and warn at the
shortcode's page:line."""

from __future__ import annotations

import json

import replica

PAGE = """---
title: Uses hugosnip
---

The mean is {{< snip-value file="stats.py" cell="mean" >}}.

{{< snip-cell file="stats.py" cell="table" >}}
"""


def test_an_edited_snippet_makes_plain_hugo_warn_at_each_shortcode(tmp_path, replica_results):
    root = replica.site(tmp_path / "s", replica_results, pages={"uses.md": PAGE, "plain.md": replica.PLAIN})
    run = replica.hugo(root)
    assert run.returncode == 0 and "stale" not in run.stderr + run.stdout
    snippet = root / "snippets" / "stats.py"
    snippet.write_text(snippet.read_text().replace("(3, 4.0)", "(3, 5.0)"))
    run = replica.hugo(root)
    assert run.returncode == 0, run.stderr
    warnings = sorted(line.split("WARN", 1)[1].strip() for line in (run.stderr + run.stdout).splitlines() if "stale" in line)
    assert warnings == [
        "content/uses.md:5:13: hugosnip: snip-value: stale: snippets/stats.py changed since its results were "
        "made: run `hugosnip build`",
        "content/uses.md:7:1: hugosnip: snip-cell: stale: snippets/stats.py changed since its results were "
        "made: run `hugosnip build`",
    ]


def test_the_hash_compared_is_the_files_own_sha256(replica_results):
    import hashlib
    doc = json.loads((replica_results / "data" / "hugosnip" / "stats.json").read_text())
    source = (replica_results / "snippets" / "stats.py").read_bytes()
    assert doc["inputs"]["files"]["snippets/stats.py"] == hashlib.sha256(source).hexdigest()
