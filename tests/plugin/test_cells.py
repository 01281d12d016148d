"""Reading a snippet module's cells and their options."""

import pytest

from hugosnip.cells import Cell, Options, parse_cells
from hugosnip.errors import CellSyntaxError

WHERE = "snippets/a.py"


def test_cells_names_lines_and_code():
    source = ('"""Docstring only above the first cell."""\n\n# %% first\n\nx = 1\n\n\n'
              '# %% second echo=false timeout=5\nprint(x)\n')
    assert parse_cells(source, WHERE) == [
        Cell("first", 3, "x = 1", 5),
        Cell("second", 8, "print(x)", 9, Options(echo=False, timeout=5.0)),
    ]


def test_library_module_has_no_cells():
    assert parse_cells("def f():\n    return 1\n", WHERE) == []


def test_code_above_first_marker_is_a_hidden_preamble():
    cells = parse_cells("import math\n# %% a\nmath.pi\n", WHERE)
    assert cells[0] == Cell("_preamble", 1, "import math", 1, Options(echo=False))
    assert cells[1].name == "a"


def test_markdown_cells_are_skipped_and_unnamed_cells_numbered():
    source = "# %% [markdown]\n# Text\n# %%\nx = 1\n"
    assert parse_cells(source, WHERE) == [Cell("cell2", 3, "x = 1", 4)]


def test_all_options():
    source = '# %% c echo=no output=false timeout=2.5 raises=ValueError varies=true rtol=1e-3 data="d.txt,e.txt"\npass\n'
    assert parse_cells(source, WHERE)[0].options == Options(
        echo=False, output=False, timeout=2.5, raises="ValueError", varies=True, rtol=1e-3,
        data=("d.txt", "e.txt"))


@pytest.mark.parametrize("source, message", [
    ("# %% a colour=red\n", "snippets/a.py:1: unknown cell option 'colour'; known: alone, data, echo, "
                            "figure_format, output, raises, resources, retries, rtol, sanitise, scripts, "
                            "timeout, varies"),
    ("# %% a figure_format=gif\n", "snippets/a.py:1: bad value for figure_format: 'gif' (expected svg or png)"),
    ("# %% a scripts=maybe\n", "snippets/a.py:1: bad value for scripts: 'maybe' (expected true or false)"),
    ("# %% a resources=GPU+1\n", "snippets/a.py:1: bad value for resources: 'GPU+1' (expected resource "
                                  "names separated by commas, like GPU)"),
    ("# %% a retries=-1\n", "snippets/a.py:1: bad value for retries: '-1' (expected a whole number, 0 or more)"),
    ("x = 1\n# %% a timeout=-1\n", "snippets/a.py:2: bad value for timeout: '-1' (expected a positive number)"),
    ("# %% a echo=maybe\n", "snippets/a.py:1: bad value for echo: 'maybe' (expected true or false)"),
    ("# %% a\n# %% a\n", "snippets/a.py:2: cell 'a' is already defined at line 1"),
    ("# %% a b\n", "snippets/a.py:1: expected key=value after the cell name, got 'b'"),
    ("# %% 9lives\n", "snippets/a.py:1: bad cell name '9lives': use ASCII letters, digits, _ and -"),
    ("# %% a\nx = (\n", "snippets/a.py:2: syntax error: '(' was never closed"),
])
def test_bad_markers(source, message):
    with pytest.raises(CellSyntaxError) as info:
        parse_cells(source, WHERE)
    assert str(info.value) == message
