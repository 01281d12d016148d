"""Finding references in pages: what counts, what is an example, and the line numbers."""

import pytest

from hugosnip.errors import ReferenceProblem
from hugosnip.scan import Reference, scan_text

PAGE = "content/p.md"


def refs(text):
    return [(r.line, r.kind, r.params) for r in scan_text(text, PAGE)]


def test_reference_after_yaml_front_matter_keeps_file_line():
    text = '---\ntitle: "x"\n---\n\nGiá trị {{< snip-value file="a.py" cell="c" >}}.\n'
    assert refs(text) == [(5, "snip-value", {"file": "a.py", "cell": "c"})]


def test_reference_after_toml_front_matter():
    text = '+++\ntitle = "x"\n+++\n{{< snip-cell file="a.py" cell="c" >}}\n'
    assert refs(text) == [(4, "snip-cell", {"file": "a.py", "cell": "c"})]


@pytest.mark.parametrize("text", [
    'Chữ `{{< snip-cell file="a.py" cell="c" >}}` trong code span.\n',
    '```\n{{< snip-cell file="a.py" cell="c" >}}\n```\n',
    '~~~python\nx = 1\n{{< snip-cell file="a.py" cell="c" >}}\n~~~\n',
    'Đoạn văn.\n\n    {{< snip-cell file="a.py" cell="c" >}}\n',
    '{{</* snip-cell file="a.py" cell="c" */>}}\n',
    '``{{< snip-cell file="a.py" cell="c" >}}``\n',
    'Đoạn văn.\n\n\t{{< snip-cell file="a.py" cell="c" >}}\n',
    '>     {{< snip-cell file="a.py" cell="c" >}}\n',
    '-     {{< snip-cell file="a.py" cell="c" >}}\n',
    '1. mục\n\n       {{< snip-cell file="a.py" cell="c" >}}\n',
], ids=["code-span", "fence", "tilde-fence", "indented", "comment-form", "double-backtick", "tab-indented",
        "indented-in-quote", "indented-in-list-item", "indented-under-list-item"])
def test_examples_are_not_references(text):
    assert refs(text) == []


@pytest.mark.parametrize("text", [
    '> {{< snip-cell file="a.py" cell="c" >}}\n',
    '- {{< snip-cell file="a.py" cell="c" >}}\n',
    '1. mục\n\n   {{< snip-cell file="a.py" cell="c" >}}\n',
    'Đoạn ~~gạch~~ và ~ {{< snip-cell file="a.py" cell="c" >}}\n',
], ids=["quote", "list-item", "under-list-item", "tildes"])
def test_shortcodes_outside_code_are_references(text):
    assert [r[1] for r in refs(text)] == ["snip-cell"]


def test_multi_line_shortcode_reports_its_first_line():
    text = 'a\n\n{{< snip-figure file="p.py"\n    cell="f" caption="Hình *1* của `x`" >}}\n\n{{< snip-value file="b.py" cell="d" >}}\n'
    assert refs(text) == [
        (3, "snip-figure", {"file": "p.py", "cell": "f", "caption": "Hình *1* của `x`"}),
        (6, "snip-value", {"file": "b.py", "cell": "d"}),
    ]


def test_markdown_characters_in_parameters_do_not_split_the_reference():
    text = 'x {{< snip-cell file="dir/a_b_c.py" cell="s*t" >}} y\n'
    assert refs(text) == [(1, "snip-cell", {"file": "dir/a_b_c.py", "cell": "s*t"})]


def test_reference_in_a_list_item_and_a_quote():
    text = '* mục {{< snip-value file="a.py" cell="c" >}}\n\n> trích {{< snip-value file="a.py" cell="d" >}}\n'
    assert [r[0] for r in refs(text)] == [1, 3]


def test_other_shortcodes_are_ignored():
    text = ('{{< image classes="fancybox" src="x.png" title="t" >}}\n{{% notice %}}x{{% /notice %}}\n'
            '[phần 2]({{< relref "posts/b.md" >}}) {{< codeblock "t" "python" >}}x{{< /codeblock >}}\n')
    assert refs(text) == []


def test_quoted_and_raw_values():
    text = '{{< snip-figure file="a.py" cell="c" caption="nói \\"xin chào\\"" alt=`a "b"` >}}'
    assert refs(text) == [(1, "snip-figure", {"file": "a.py", "cell": "c",
                                              "caption": 'nói "xin chào"', "alt": 'a "b"'})]


def test_reference_object():
    ref = scan_text('{{< snip-source file="a.py" object="Model.forward" >}}', PAGE)[0]
    assert ref == Reference(PAGE, 1, "snip-source", {"file": "a.py", "object": "Model.forward"})
    assert ref.where == "content/p.md:1"


@pytest.mark.parametrize("text, message", [
    ('x\n{{< snip-cell file="a.py" cell="c"\n',
     "content/p.md:2: unclosed shortcode: '{{< snip-cell file=\"a.py\" cell=\"c\"' has no closing >}}"),
    ('{{< snip-cell file="a.py" cell="c" colour="red" >}}',
     "content/p.md:1: snip-cell: unknown parameter 'colour'; known: file, cell, code, output, value, "
     "figures, linenos, run"),
    ('{{< snip-value file="a.py" >}}',
     "content/p.md:1: snip-value: missing parameter 'cell' (required: file, cell)"),
    ('{{< snip-cell "a.py" "c" >}}',
     "content/p.md:1: snip-cell: takes named parameters only (key=\"value\"): file, cell, code, output, value, "
     "figures, linenos, run"),
    ('\n\n{{< snip-cel file="a.py" cell="c" >}}',
     "content/p.md:3: unknown shortcode 'snip-cel'; did you mean 'snip-cell'?"),
    ('{{< snip-cell file="a.py" file="b.py" cell="c" >}}',
     "content/p.md:1: snip-cell: parameter 'file' is given twice"),
    ('{{% snip-cell file="a.py" cell="c" %}}',
     "content/p.md:1: write {{< snip-cell ... >}}, not {{% snip-cell ... %}}: with %, Hugo reads the "
     "snippet's output as Markdown again"),
])
def test_malformed_shortcodes(text, message):
    with pytest.raises(ReferenceProblem) as info:
        scan_text(text, PAGE)
    assert str(info.value) == message
