"""A reference may only name a file inside the snippet folder."""

import os

import pytest

from conftest import write


def page(site, params):
    write(site / "content/posts/p.md", f"---\ntitle: p\n---\n\n{{{{< snip-cell {params} >}}}}\n")


@pytest.mark.parametrize("file, message", [
    ("../config.toml", "content/posts/p.md:5: snippet '../config.toml' climbs out with '..'; name it "
                       "relative to snippets/"),
    ("/etc/passwd", "content/posts/p.md:5: snippet '/etc/passwd' is an absolute path; name it relative "
                    "to snippets/"),
    ("demo/../../x.py", "content/posts/p.md:5: snippet 'demo/../../x.py' climbs out with '..'; name it "
                        "relative to snippets/"),
])
def test_paths_out_of_the_snippet_folder_are_refused(site, cli, file, message):
    page(site, f'file="{file}" cell="c"')
    result = cli(site, "build", "--no-hugo")
    assert (result.status, result.err) == (2, message + "\n")
    assert not (site / "data").exists()  # nothing ran, nothing was written


def test_symlink_out_is_refused(site, cli, tmp_path):
    outside = write(tmp_path / "outside.py", "# %% c\nprint('outside')\n")
    os.symlink(outside, site / "snippets/link.py")
    page(site, 'file="link.py" cell="c"')
    result = cli(site, "build", "--no-hugo")
    assert (result.status, result.err) == (2, "content/posts/p.md:5: snippet 'link.py' is a symlink out of "
                                              "snippets/; copy the file in instead\n")


def test_unknown_file_cell_and_object_suggest_the_closest_name(site, cli):
    write(site / "content/posts/p.md", "---\ntitle: p\n---\n"
          '{{< snip-cell file="dmo.py" cell="answer" >}}\n'
          '{{< snip-cell file="demo.py" cell="answr" >}}\n'
          '{{< snip-source file="lib.py" object="Box.aera" >}}\n'
          '{{< snip-cell file="lib.py" cell="x" >}}\n')
    result = cli(site, "build", "--no-hugo")
    assert result.status == 2
    assert result.err == (
        "content/posts/p.md:4: no snippet snippets/dmo.py; did you mean 'demo.py'?\n"
        "content/posts/p.md:5: no cell 'answr' in snippets/demo.py; did you mean 'answer'?\n"
        "content/posts/p.md:6: no function, class or method 'Box.aera' in snippets/lib.py; did you mean "
        "'Box.area'?\n"
        "content/posts/p.md:7: snippets/lib.py has no cells (it is a library module); mark cells with "
        "'# %% name' lines\n")
