"""Atomic writes: a result file is always the old one or the new one, never half of either."""

import json
import os
import signal
import time

import pytest

from hugosnip import store
from hugosnip.config import load

from conftest import hugosnip_process, snapshot, write


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
    doc = {"hugosnip": 1, "file": "snippets/a.py", "cells": {"c": {"stdout": "chữ"}}}
    path = tmp_path / "a.json"
    path.write_text(store.dumps(doc), encoding="utf-8")
    assert store.load(path)["cells"] == doc["cells"]
    path.write_text(path.read_text(encoding="utf-8").replace("chữ", "chu"), encoding="utf-8")
    with pytest.raises(store.Damaged, match="checksum mismatch"):
        store.load(path)


def test_build_killed_mid_write_leaves_valid_results(site, cli):
    """Kill builds of a snippet with a large output at many moments; results stay loadable."""
    write(site / "snippets/big.py", "# %% big\nimport time\nprint('y' * 150_000)\n")
    assert cli(site, "build", "--no-hugo").status == 0
    good = snapshot(site)
    write(site / "snippets/big.py", "# %% big\nprint('z' * 150_000)\n")
    delays = [0.05 * i for i in range(1, 16)]
    for delay in delays:
        proc = hugosnip_process(site, "build", "--no-hugo")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in store.result_files(load(site)):
            doc = store.load(path)  # raises if half-written
            assert doc["hugosnip"] == 1
        stdout = json.loads((site / "data/hugosnip/big.json").read_text())["cells"]["big"]["stdout"]
        assert stdout in ("y" * 150_000 + "\n", "z" * 150_000 + "\n")
    # Whatever was interrupted, a later build finishes the job and cleans temporaries.
    assert cli(site, "build", "--no-hugo").status == 0
    assert store.stray_temporaries(load(site)) == []
    assert snapshot(site).keys() == good.keys()
