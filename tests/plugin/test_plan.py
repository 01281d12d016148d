"""Cache invalidation: a module re-runs exactly when something it depends on changed."""

import pytest

from hugosnip import plan as plan_module
from hugosnip.config import load
from hugosnip.plan import make_plan
from hugosnip.project import Project

from conftest import write


def stale(root):
    return {e.module.rel: e.reasons for e in make_plan(Project(load(root))).stale}


@pytest.fixture
def built(built_site):
    assert stale(built_site) == {}
    return built_site


def test_everything_is_stale_before_the_first_build(site):
    assert stale(site) == {
        "snippets/demo.py": ["no result yet"], "snippets/lib.py": ["no result yet"],
        "snippets/other.py": ["no result yet"],
        "snippets/pkg/user.py": ["no result yet"], "snippets/plot.py": ["no result yet"]}


def test_editing_a_snippet_makes_only_it_stale(built):
    path = built / "snippets/other.py"
    path.write_text(path.read_text() + "print('more')\n")
    assert stale(built) == {"snippets/other.py": ["snippets/other.py changed"]}


def test_editing_a_library_makes_its_importers_stale(built):
    path = built / "snippets/lib.py"
    path.write_text(path.read_text() + "\nTHREE = 3\n")
    assert stale(built) == {"snippets/demo.py": ["snippets/lib.py changed"],
                            "snippets/lib.py": ["snippets/lib.py changed"]}


def test_relative_import_is_followed(built):
    write(built / "snippets/pkg/helper.py", "FACTOR = 4\n")
    assert stale(built) == {"snippets/pkg/user.py": ["snippets/pkg/helper.py changed"]}


def test_package_init_is_a_dependency(built):
    write(built / "snippets/pkg/__init__.py", "# package\nNAME = 'pkg'\n")
    assert stale(built) == {"snippets/pkg/user.py": ["snippets/pkg/__init__.py changed"]}


def test_imports_are_followed_transitively(built):
    write(built / "snippets/base.py", "def one():\n    return 1\n")
    write(built / "snippets/lib.py", (built / "snippets/lib.py").read_text() + "\nfrom snippets.base import one\n")
    assert stale(built)["snippets/demo.py"] == ["snippets/base.py is a new dependency", "snippets/lib.py changed"]
    assert "snippets/base.py" in stale(built)  # its own objects' result
    write(built / "snippets/base.py", "def one():\n    return 1.0\n")
    assert "snippets/demo.py" in stale(built)


def test_declared_data_file_is_a_dependency(built):
    write(built / "snippets/words.txt", "một hai ba\n")
    write(built / "snippets/other.py", "# %% only data=words.txt\nprint(open('snippets/words.txt').read())\n")
    assert stale(built) == {"snippets/other.py": ["snippets/other.py changed", "snippets/words.txt is a new dependency"]}
    assert Project(load(built)).config  # the plan itself wrote nothing
    write(built / "snippets/words.txt", "bốn\n")
    assert stale(built)["snippets/other.py"] == ["snippets/other.py changed", "snippets/words.txt is a new dependency"]


def test_a_version_change_reruns_every_snippet_but_not_libraries(built, monkeypatch):
    real = plan_module.versions

    def newer():
        return dict(real(), numpy="99.0")

    monkeypatch.setattr(plan_module, "versions", newer)
    reasons = stale(built)
    assert sorted(reasons) == ["snippets/demo.py", "snippets/other.py", "snippets/pkg/user.py", "snippets/plot.py"]
    assert all(r[0].startswith("numpy ") and r[0].endswith(" -> 99.0") for r in reasons.values())


def test_an_edited_result_is_detected_and_rerun(built):
    path = built / "data/hugosnip/other.json"
    path.write_text(path.read_text().replace("unrelated", "edited by hand"))
    assert stale(built) == {"snippets/other.py": [
        "result data/hugosnip/other.json is damaged (checksum mismatch: edited by hand or cut short): re-run"]}


def test_a_truncated_result_is_detected(built):
    path = built / "data/hugosnip/other.json"
    path.write_bytes(path.read_bytes()[:40])
    (reason,) = stale(built)["snippets/other.py"]
    assert reason.startswith("result data/hugosnip/other.json is damaged (not valid JSON: ")


def test_a_module_and_a_folder_of_the_same_name_are_refused(site, cli):
    write(site / "snippets/other/more.py", "# %% x\n1\n")
    result = cli(site, "build", "--no-hugo")
    assert result.status == 2
    assert ("snippets/other.py: snippets/other.py and the folder snippets/other/ would share "
            "data/hugosnip/other: rename one of them\n") in result.err
