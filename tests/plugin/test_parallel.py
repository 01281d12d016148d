"""Parallel and forked runs give the same results as serial, spawned ones, byte for byte."""

import os
import shutil
import signal
import time

import pytest

from hugosnip.config import load
from hugosnip.project import Project
from hugosnip.run import ForkServer, preload_for, run_module

from conftest import snapshot, without_provenance, write


def test_parallel_build_equals_serial_build(site, cli):
    assert cli(site, "build", "--no-hugo", "-j", "1").status == 0
    serial = without_provenance(snapshot(site))
    shutil.rmtree(site / "data")
    shutil.rmtree(site / "assets")
    assert cli(site, "build", "--no-hugo", "-j", "2").status == 0
    assert without_provenance(snapshot(site)) == serial


def test_forked_worker_equals_spawned_worker(site):
    project = Project(load(site))
    modules = [project.modules["demo.py"], project.modules["plot.py"]]
    server = ForkServer(project.config, preload_for(project, modules))
    try:
        for module in modules:
            forked = run_module(project, module, server=server)
            spawned = run_module(project, module)
            assert (forked.cells, forked.figures) == (spawned.cells, spawned.figures)
    finally:
        server.close()


def test_preload_follows_local_imports(site):
    write(site / "snippets/uses_np.py", "import numpy as np\n\ndef f():\n    return np.zeros(1)\n")
    write(site / "snippets/user.py", "# %% a\nfrom snippets.uses_np import f\nf()\n")
    project = Project(load(site))
    assert preload_for(project, [project.modules["user.py"]]) == ["numpy.random"]
    assert preload_for(project, [project.modules["plot.py"]]) == ["matplotlib.pyplot"]


def test_fork_server_loads_the_preload_before_forking(site):
    project = Project(load(site))
    server = ForkServer(project.config, ["numpy.random"])
    try:
        run_module(project, project.modules["demo.py"], server=server)  # the server is serving now
        maps = open(f"/proc/{server.proc.pid}/maps").read()
    finally:
        server.close()
    assert "mtrand" in maps  # numpy.random's extension, mapped once for every worker


def _children(pid: int) -> list[int]:
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def _spare_of(server) -> int:
    """The worker the fork server keeps waiting for the next job (forked shortly after a job)."""
    for _ in range(200):
        spares = _children(server.proc.pid)
        if spares:
            return spares[0]
        time.sleep(0.01)
    raise AssertionError("the fork server forked no spare worker")


def test_a_spare_worker_killed_from_outside_is_replaced(site):
    project = Project(load(site))
    server = ForkServer(project.config, [])
    try:
        assert run_module(project, project.modules["demo.py"], server=server).ok
        spare = _spare_of(server)
        os.kill(spare, signal.SIGKILL)
        for _ in range(200):  # the server reaps it
            if spare not in _children(server.proc.pid):
                break
            time.sleep(0.01)
        again = run_module(project, project.modules["demo.py"], server=server)
    finally:
        server.close()
    assert again.ok


@pytest.mark.parametrize("wait", [True, False], ids=["waited-for", "reaped-by-a-thread"])
def test_closing_the_fork_server_leaves_no_process(site, wait):
    """close(wait=False), as a build does, returns at once; the server still ends (with os._exit,
    no teardown), and its spare worker with it."""
    project = Project(load(site))
    server = ForkServer(project.config, [])
    run_module(project, project.modules["demo.py"], server=server)
    spare = _spare_of(server)
    server.close(wait=wait)
    assert server.proc.wait(timeout=5) == 0
    for _ in range(200):
        if not os.path.exists(f"/proc/{spare}") or open(f"/proc/{spare}/stat").read().split()[2] == "Z":
            break
        time.sleep(0.01)
    else:
        raise AssertionError(f"the spare worker {spare} outlived its server")


def test_forked_worker_failures_are_reported_like_spawned_ones(site):
    write(site / "snippets/crash.py", "# %% crash\nimport os\nos._exit(4)\n")
    write(site / "snippets/slow.py", "# %% slow timeout=1\nwhile True:\n    pass\n")
    project = Project(load(site))
    server = ForkServer(project.config, [])
    try:
        crash = run_module(project, project.modules["crash.py"], server=server)
        slow = run_module(project, project.modules["slow.py"], server=server)
    finally:
        server.close()
    assert crash.problem.render() == "snippets/crash.py:1: the worker exited with status 4 while running cell 'crash'"
    assert slow.problem.code == 4


def test_memory_blow_up_is_reported_as_such(site):
    write(site / "snippets/hog.py", "# %% hog\nblocks = [bytearray(10**8) for _ in range(100)]\n")
    project = Project(load(site))
    project.config = project.config.__class__(**{**project.config.__dict__, "memory_limit": 2000})
    outcome = run_module(project, project.modules["hog.py"])
    assert outcome.problem.message == ("cell 'hog' went past the memory limit "
                                       "of 2000 MB ([params.hugosnip] memory_limit)")
    assert outcome.problem.code == 3


def test_alone_modules_run_after_the_others(site, cli):
    write(site / "snippets/heavy.py", "# %% big alone=true\nprint('alone')\n")
    result = cli(site, "build", "--no-hugo", "-j", "2")
    assert result.status == 0
    running = [l for l in result.out.splitlines() if l.startswith("hugosnip: running")]
    assert running[-1] == "hugosnip: running snippets/heavy.py"
