"""Cache invalidation: a module re-runs exactly when something it depends on changed."""

import platform

import pytest

from hugosnip import key as key_module
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


def test_an_import_in_any_statement_is_found():
    import ast
    from hugosnip.project import imported_names
    source = ("match x:\n case 1:\n  import a1\ntry:\n import a2\nexcept E:\n import a3\nelse:\n import a4\n"
              "finally:\n import a5\nclass K:\n def f():\n  with x:\n   while 1:\n    for i in y:\n"
              "     if z: import a6\n     else: from . import a7\ntry:\n pass\nexcept* E:\n from .. import a8\n"
              "async def g():\n async with a:\n  async for b in c: import a9.b\nf = lambda: __import__('no')\n")
    assert imported_names(ast.parse(source), "pkg.sub") == [
        "a1", "a2", "a3", "a4", "a5", "a6", "a9.b", "pkg", "pkg.a8", "pkg.sub", "pkg.sub.a7"]


def test_imports_are_followed_transitively(built):
    write(built / "snippets/base.py", "def one():\n    return 1\n")
    write(built / "snippets/lib.py", (built / "snippets/lib.py").read_text() + "\nfrom snippets.base import one\n")
    assert stale(built)["snippets/demo.py"] == ["snippets/base.py is a new dependency", "snippets/lib.py changed"]
    assert "snippets/base.py" in stale(built)  # its own objects' result
    write(built / "snippets/base.py", "def one():\n    return 1.0\n")
    assert "snippets/demo.py" in stale(built)


def test_declared_data_file_is_a_dependency(built, cli):
    write(built / "snippets/words.txt", "một hai ba\n")
    write(built / "snippets/other.py", "# %% only data=words.txt\nimport os\n"
          "print(open(os.path.join(os.path.dirname(__file__), 'words.txt')).read())\n")
    assert stale(built) == {"snippets/other.py": ["snippets/other.py changed", "snippets/words.txt is a new dependency"]}
    assert cli(built, "build", "--no-hugo").status == 0
    assert stale(built) == {}
    write(built / "snippets/words.txt", "bốn\n")
    assert stale(built) == {"snippets/other.py": ["snippets/words.txt changed"]}


def test_a_library_version_change_reruns_only_its_importers(built, monkeypatch):
    real = key_module.library_version
    monkeypatch.setattr(key_module, "library_version", lambda name: "99.0" if name == "matplotlib" else real(name))
    assert stale(built) == {"snippets/plot.py": [f"matplotlib {real('matplotlib')} -> 99.0"]}


def test_a_local_build_tag_is_not_part_of_the_key(built, monkeypatch):
    tagged = {name: version + "+cpu" for name, version in key_module._installed().items()}
    monkeypatch.setattr(key_module, "_installed", lambda: tagged)
    assert stale(built) == {}


@pytest.mark.parametrize("patch, minor", [(True, False), (False, True)], ids=["patch-release", "minor-release"])
def test_only_pythons_major_minor_is_in_the_key(built, monkeypatch, patch, minor):
    major, middle, _ = platform.python_version_tuple()
    other = f"{major}.{int(middle) + 1}.0" if minor else f"{major}.{middle}.99"
    monkeypatch.setattr(platform, "python_version", lambda: other)
    reasons = stale(built)
    if patch:
        assert reasons == {}
    else:
        assert reasons == dict.fromkeys(["snippets/demo.py", "snippets/other.py", "snippets/pkg/user.py",
                                         "snippets/plot.py"], [f"python {major}.{middle} -> {major}.{int(middle) + 1}"])


def test_a_runner_version_change_reruns_everything(built, monkeypatch):
    monkeypatch.setattr(key_module, "RUNNER", key_module.RUNNER + 1)
    reasons = stale(built)
    assert sorted(reasons) == ["snippets/demo.py", "snippets/lib.py", "snippets/other.py", "snippets/pkg/user.py",
                               "snippets/plot.py"]
    assert set(map(tuple, reasons.values())) == {
        (f"made by an older hugosnip (runner version {key_module.RUNNER - 1}; this one is {key_module.RUNNER})",)}


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
