"""Every table the series prints keeps its columns apart.

A number printed in a field as wide as itself touches its neighbour: part 3's memory table once
read `RNN (tanh)1,00 / 1,001,00 / 1,00`, where a reader cannot tell 0,24 from 0,49. This reads
every cell output of the series' results (data/hugosnip/part*/*.json, as the pages show them)
and finds, line by line, what only such a collision makes: a token holding two decimal commas
(`1,001,00`), or a word or bracket glued to a decimal number (`(tanh)1,00`). Then, for each
printed table (a header line with at least two gaps of two spaces, and two or more lines of about
its length under it), it checks that every row splits at its wide gaps into (about) as many fields as the header.
"""

from __future__ import annotations

import json
import re

import pytest

from hugosnip.capture import stream_text

from blogsite import REPO

RESULTS = sorted((REPO / "data/hugosnip").glob("part*/*.json"))
TWO_DECIMALS = re.compile(r"\d,\d+,\d")                 # 1,001,00: two numbers run together
GLUED = re.compile(r"[A-Za-zÀ-ỹ)\]]\d+,\d")              # (tanh)1,00: a label run into a number
GAP = re.compile(r"\S( {2,})(?=\S)")


def outputs():
    for path in RESULTS:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for name in doc.get("order", []):
            text = stream_text(doc["cells"][name], "stdout")
            if text:
                yield f"{path.relative_to(REPO)}:{name}", text


OUTPUTS = dict(outputs())


def collisions(text: str) -> list[str]:
    return [line for line in text.splitlines() if TWO_DECIMALS.search(line) or GLUED.search(line)]


def tables(text: str) -> list[list[str]]:
    """Blocks of lines: a header with two or more wide gaps, and at least two lines under it of
    about its length (within 15 %): the rows, up to the first line that is not one."""
    found, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        header = lines[i]
        i += 1
        if len(GAP.findall(header)) < 2:
            continue
        block = [header]
        while i < len(lines) and lines[i].strip() and abs(len(lines[i]) - len(header)) <= 0.15 * len(header):
            block.append(lines[i])
            i += 1
        # rows indented under an unindented header continue a record (part 3's clipping runs):
        # a list, not a table
        records = not header.startswith(" ") and any(line.startswith(" " * 8) for line in block[1:])
        if len(block) > 2 and not records:
            found.append(block)
    return found


def fields(line: str) -> int:
    return len(re.split(r" *\| *| {2,}", line.strip()))     # a "|" separates columns too


def unseparated(block: list[str]) -> list[str]:
    """Rows that do not split into the header's columns: cut at runs of two or more spaces, a row
    must give as many fields as the header, or one fewer (a right-aligned column may sit one
    space from the field before it, `t - k = 10:`); `RNN (tanh)1,00 / 1,001,00` gives one."""
    need = fields(block[0]) - 1
    return [row for row in block[1:] if fields(row) < need]


@pytest.mark.parametrize("where", sorted(OUTPUTS))
def test_no_two_numbers_run_together(where):
    assert collisions(OUTPUTS[where]) == []


@pytest.mark.parametrize("where", sorted(OUTPUTS))
def test_every_row_keeps_the_header_s_gaps(where):
    bad = [row for block in tables(OUTPUTS[where]) for row in unseparated(block)]
    assert bad == []


def test_the_checks_catch_the_old_memory_table():
    """The rule finds the broken table this test was written for, and passes its fixed form."""
    old = ("                k          5         10\n"
           "       RNN (tanh)1,00 / 1,001,00 / 1,00\n"
           "             LSTM1,00 / 1,001,00 / 1,00\n")
    assert collisions(old) == old.splitlines()[1:]
    assert unseparated(tables(old)[0]) == old.splitlines()[1:]
    new = ("k                          5         10\n"
           "RNN (tanh)         1,00/1,00  1,00/1,00\n"
           "LSTM               1,00/1,00  1,00/1,00\n")
    assert collisions(new) == [] and unseparated(tables(new)[0]) == []


def test_the_memory_table_has_six_cells_of_two_seeds_a_row():
    doc = json.loads((REPO / "data/hugosnip/part3/memory.json").read_text(encoding="utf-8"))
    rows = stream_text(doc["cells"]["table"], "stdout").split("\n\n")[0].splitlines()[2:]
    for row in rows:
        cells = re.findall(r"\d,\d\d/\d,\d\d", row)
        assert len(cells) == 6 and row.split("  ")[0].strip() in ("RNN (tanh)", "LSTM", "GRU",
                                                                  "RNN (ReLU, W = I)"), row
