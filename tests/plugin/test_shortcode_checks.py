"""A snippet shortcode's results are looked up and checked once per file (resolve.html,
module-lookup.html), yet every call is judged on its own: a mistake after a good call of the
same file, or results every call of a page reads, are reported at each shortcode's page:line."""

from __future__ import annotations

import json
import re

import replica

PAGE = """---
title: Calls
---

{{< snip-cell file="stats.py" cell="table" >}}

{{< snip-cell file="stats.py" cell="nope" >}}

{{< snip-cell file="stats.py" cell="table" run="perhaps" >}}

The mean is {{< snip-value file="stats.py" cell="mean" >}}.
"""


def errors(run) -> list[str]:
    return sorted(re.sub(r"^.*?(content/calls\.md:)", r"\1", line).strip()
                  for line in (run.stderr + run.stdout).splitlines() if "content/calls.md:" in line)


def test_each_call_after_a_good_one_is_checked_at_its_own_line(tmp_path, replica_results):
    root = replica.site(tmp_path / "s", replica_results, pages={"calls.md": PAGE})
    run = replica.hugo(root)
    assert run.returncode == 1
    assert errors(run) == [
        "content/calls.md:7:1: hugosnip: snip-cell: snippets/stats.py has no cell \"nope\" (cells: table, mean); "
        "if you just added it, run `hugosnip build`",
        "content/calls.md:9:1: hugosnip: snip-cell: parameter \"run\" must be true or false, not \"perhaps\"",
    ]


def test_results_of_another_format_fail_every_call_that_reads_them(tmp_path, replica_results):
    page = PAGE.replace('{{< snip-cell file="stats.py" cell="nope" >}}', "").replace(' run="perhaps"', "")
    root = replica.site(tmp_path / "s", replica_results, pages={"calls.md": page})
    assert replica.hugo(root).returncode == 0
    data = root / "data" / "hugosnip" / "stats.json"
    doc = json.loads(data.read_text())
    doc["hugosnip"] = 1
    data.write_text(json.dumps(doc))
    run = replica.hugo(root)
    assert run.returncode == 1
    said = "hugosnip: {}: results for snippets/stats.py have format version 1, this theme reads version 2: " \
           "update the theme or rerun `hugosnip build`"
    assert errors(run) == sorted([f"content/calls.md:5:1: {said.format('snip-cell')}",
                                  f"content/calls.md:9:1: {said.format('snip-cell')}",
                                  f"content/calls.md:11:13: {said.format('snip-value')}"])
