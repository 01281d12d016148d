"""Atomic writes: a result file is always the old one or the new one, never half of either.

A build killed with ``kill -9`` while it writes is a case of the fault suite (test_faults.py).
"""

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
