"""Finding functions, classes and methods by dotted name."""

from hugosnip.objects import find_objects

SOURCE = '''import functools


@functools.cache
def f(x):
    return x


class A:
    """Doc."""

    def m(self):
        return 1

    class Inner:
        def deep(self):
            pass
'''


def test_dotted_names_and_kinds():
    found = find_objects(SOURCE)
    assert {k: v["kind"] for k, v in found.items()} == {
        "f": "function", "A": "class", "A.m": "method", "A.Inner": "class", "A.Inner.deep": "method"}


def test_decorator_included_and_method_dedented():
    found = find_objects(SOURCE)
    assert found["f"] == {"kind": "function", "line": 4, "end_line": 6,
                          "code": "@functools.cache\ndef f(x):\n    return x"}
    assert found["A.m"]["code"] == "def m(self):\n    return 1"
    assert (found["A.m"]["line"], found["A.m"]["end_line"]) == (12, 13)
