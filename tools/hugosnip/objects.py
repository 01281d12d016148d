"""Functions, classes and methods of a module by dotted name, as Sphinx's ``:pyobject:`` finds them."""

from __future__ import annotations

import ast
import textwrap


def find_objects(source: str, tree: ast.Module | None = None) -> dict[str, dict]:
    """Map ``name`` / ``Class.method`` (any depth of classes) to kind, lines and source text.

    The source starts at the first decorator and is dedented, so a method reads as written.
    ``tree``: the source's syntax tree, when the caller has parsed it already.
    """
    if tree is None:
        tree = ast.parse(source)
    lines = source.splitlines()
    found: dict[str, dict] = {}

    def visit(body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            name = prefix + node.name
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            if isinstance(node, ast.ClassDef):
                kind = "class"
            else:
                kind = "method" if in_class else "function"
            code = textwrap.dedent("\n".join(lines[start - 1 : end]))
            found[name] = {"kind": kind, "line": start, "end_line": end, "code": code}
            if isinstance(node, ast.ClassDef):
                visit(node.body, name + ".", True)

    visit(tree.body, "", False)
    return found
