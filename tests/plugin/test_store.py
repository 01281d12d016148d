"""Atomic writes: a result file is always the old one or the new one, never half of either.

A build killed with ``kill -9`` while it writes is a case of the fault suite (test_faults.py).
"""

import json
import os

import pytest

from hugosnip import store


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old")

    def fail(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        store.write_atomic(target, b"new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_checksum_round_trip(tmp_path):
    doc = {"hugosnip": store.SCHEMA, "file": "snippets/a.py",
           "cells": {"c": {"outputs": [{"output_type": "stream", "name": "stdout", "text": "chữ"}]}}}
    path = tmp_path / "a.json"
    path.write_text(store.dumps(doc), encoding="utf-8")
    assert store.load(path)["cells"] == doc["cells"]
    path.write_text(path.read_text(encoding="utf-8").replace("chữ", "chu"), encoding="utf-8")
    with pytest.raises(store.Damaged, match="checksum mismatch"):
        store.load(path)


ODD_VALUES = [
    {}, [], {"a": {}}, [[]], (1, (2, [])), "s", 1, 2.5, None, True,
    {"a": [{}, [], 1.5, -0.0, 1e16, 1e-7, 10 ** 400, True, False, None, "x\u2028\ud800\"\\\n\t\x00é"]},
    {"chữ": {"số": [0, -1, 3.0]}},
    {1: "a key json turns into text"}, {"a": object()}, {(1,): 2}, float("nan"), {"a": float("inf")},
]


@pytest.mark.parametrize("allow_nan", [False, True])
@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
def test_indented_is_jsons_own_text(value, allow_nan):
    """Byte for byte what json.dumps writes with indent=1, or the same error."""
    def made(dump):
        try:
            return dump()
        except (TypeError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
    assert made(lambda: store.indented(value, allow_nan=allow_nan)) == made(
        lambda: json.dumps(value, ensure_ascii=False, indent=1, allow_nan=allow_nan))


def test_indented_writes_results_and_their_notebooks_as_json_does(built_site):
    """Every result of the fixture site (rich outputs, errors, figures) and the notebook in its download."""
    import base64
    import io
    import zipfile
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((built_site / "data").rglob("*.json"))]
    for doc in [d for d in docs if "archive" in d]:
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(doc["archive"]["data"]))) as zf:
            docs += [json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".ipynb")]
    assert len(docs) > 5
    for doc in docs:
        assert store.indented(doc) == json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
