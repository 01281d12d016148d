"""Builds on a Dask cluster (``--scheduler``): a LocalCluster of two worker processes on loopback.

One cluster serves the whole file. Each test builds a fresh copy of the fixture site on it and
compares with what a local build does, or checks the documented message and exit status.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from hugosnip import cluster, key, plan  # noqa: E402
from hugosnip.capture import stream_text

from conftest import hugosnip_process, snapshot, without_provenance, write  # noqa: E402

ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+(?: s)?)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$")


@pytest.fixture(scope="module")
def dask_cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  host="127.0.0.1", silence_logs=50) as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local, client


@pytest.fixture
def address(dask_cluster):
    local, client = dask_cluster
    client.wait_for_workers(2, timeout=60)   # a test may have killed one: its nanny starts another
    return local.scheduler_address


def workers_of(client) -> set[str]:
    return set(client.scheduler_info(n_workers=-1)["workers"])


def table(out: str) -> dict[str, tuple[str, ...]]:
    """The report table's rows by module: status, action, time, peak MB, worker, why."""
    rows = {}
    for line in out.splitlines():
        match = ROW.match(line)
        if match and match[6].startswith("snippets/"):
            rows[match[6]] = (match[1], match[2], match[3], match[4], match[5], match[7])
    return rows


def test_cluster_build_equals_a_local_serial_build(site, cli, address, dask_cluster):
    assert cli(site, "build", "--no-hugo", "-j", "1").status == 0
    serial = snapshot(site)
    assert (site / ".hugosnip/fork-hint").is_file()   # left by a local build that ran something,
    for folder in ("data", "assets"):
        subprocess.run(["rm", "-r", str(site / folder)], check=True)
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result
    assert not (site / ".hugosnip/fork-hint").exists()   # not by a cluster's: no local server for the next
    assert without_provenance(snapshot(site)) == without_provenance(serial)
    rows = table(result.out)
    assert result.out.splitlines()[4].split()[:5] == ["status", "action", "time", "peak", "MB"]
    assert result.out.splitlines()[4].split()[5] == "worker"
    ran = {m: r for m, r in rows.items() if r[1] == "ran"}
    assert sorted(ran) == ["snippets/demo.py", "snippets/other.py", "snippets/pkg/user.py", "snippets/plot.py"]
    assert {r[4] for r in ran.values()} <= workers_of(dask_cluster[1])
    assert rows["snippets/lib.py"][1:] == ("read", "-", "-", "-", "no result yet")
    ran_on = json.loads((site / "data/hugosnip/demo.json").read_text())["provenance"]["ran_on"]
    assert ran_on["host"] == socket.gethostname()
    assert ran_on["device"]


def test_scheduler_from_the_config_and_a_dependency_change(site, cli, address):
    config = site / "config.toml"
    config.write_text(config.read_text().replace("timeout = 20", f'timeout = 20\n  scheduler = "{address}"'))
    assert cli(site, "build", "--no-hugo").status == 0
    write(site / "snippets/lib.py", (site / "snippets/lib.py").read_text().replace("2 * x", "x + x + 1"))
    result = cli(site, "build", "--no-hugo")
    assert result.status == 0, result
    assert result.out.splitlines()[0] == "hugosnip: running snippets/demo.py"
    rows = table(result.out)
    assert rows["snippets/demo.py"][1] == "ran" and rows["snippets/demo.py"][4].startswith("tcp://127.0.0.1:")
    assert rows["snippets/demo.py"][5] == "snippets/lib.py changed"
    assert [rows[m][1] for m in ("snippets/other.py", "snippets/plot.py", "snippets/pkg/user.py")] == ["reused"] * 3
    doc = json.loads((site / "data/hugosnip/demo.json").read_text())
    assert stream_text(doc["cells"]["answer"], "stdout") == "x = 43\n"
    # --scheduler local overrides the config: the table has no worker column
    write(site / "snippets/other.py", "# %% only\nprint('local')\n")
    result = cli(site, "build", "--no-hugo", "--scheduler", "local")
    assert result.status == 0 and "worker" not in result.out.splitlines()[1]


def test_declared_data_files_travel_with_the_task(site, cli, address):
    write(site / "snippets/data/words.txt", "xin chào\n")
    write(site / "snippets/reader.py", "# %% read data=data/words.txt\nfrom pathlib import Path\n"
                                       "print(Path(__file__).parent.joinpath('data/words.txt').read_text(), end='')\n")
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result
    doc = json.loads((site / "data/hugosnip/reader.json").read_text())
    assert stream_text(doc["cells"]["read"], "stdout") == "xin chào\n"
    write(site / "snippets/data/words.txt", "tạm biệt\n")   # a changed data file re-runs the module
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert table(result.out)["snippets/reader.py"][5] == "snippets/data/words.txt changed"
    assert stream_text(json.loads((site / "data/hugosnip/reader.json").read_text())["cells"]["read"], "stdout") == "tạm biệt\n"


def test_snippets_do_not_inherit_the_dask_nannys_environment(site, cli, address):
    write(site / "snippets/env.py", "# %% env\nimport os\nprint(os.environ.get('MALLOC_TRIM_THRESHOLD_'))\n")
    assert cli(site, "build", "--no-hugo", "--scheduler", address).status == 0
    assert stream_text(json.loads((site / "data/hugosnip/env.json").read_text())["cells"]["env"], "stdout") == "None\n"


FAILURES = {
    "timeout": ("# %% slow timeout=1\nimport time\ntime.sleep(60)\n", 4,
                "snippets/other.py:1: cell 'slow' ran past its timeout of 1 s and was killed"),
    "segfault": ("# %% only\nimport ctypes\nctypes.string_at(0)\n", 5,
                 "snippets/other.py:1: the worker was killed by SIGSEGV (segmentation fault) while running "
                 "cell 'only'"),
    "raised": ("# %% only\n1 / 0\n", 3, "snippets/other.py:2: cell 'only' raised ZeroDivisionError: division by zero"),
}


@pytest.mark.parametrize("kind", FAILURES)
def test_a_failing_module_on_the_cluster_keeps_the_committed_result(site, cli, address, kind):
    assert cli(site, "build", "--no-hugo", "--scheduler", address).status == 0
    before = snapshot(site)
    source, status, message = FAILURES[kind]
    write(site / "snippets/other.py", source)
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == status, result
    assert result.err.splitlines()[1] == message
    assert snapshot(site) == before


# The snippet kills the Dask worker process that runs it: its parent is the fork server, whose
# parent is the Dask worker. With retries=1, it does so only on its first try.
KILL_WORKER = """# %% only{options}
import os, time
marker = {marker!r}
if not os.path.exists(marker):
    open(marker, "w").close()
    server = os.getppid()
    dask_worker = int(open(f"/proc/{{server}}/stat").read().rsplit(")", 1)[1].split()[1])
    os.kill(dask_worker, 9)
    time.sleep(60)
print("second try")
"""


def test_a_dask_worker_dying_mid_task_is_exit_5_and_not_retried(site, cli, address, tmp_path, dask_cluster):
    assert cli(site, "build", "--no-hugo", "--scheduler", address).status == 0
    before = snapshot(site)
    write(site / "snippets/other.py", KILL_WORKER.format(options="", marker=str(tmp_path / "tried")))
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 5, result
    line, hint = result.err.splitlines()[1:3]
    assert re.fullmatch(r"snippets/other\.py: the Dask worker tcp://127\.0\.0\.1:\d+ running it died "
                        r"\(killed, or out of memory\)", line), line
    assert hint == ("    it is not run again: a snippet is not assumed to be safe to re-run; "
                    "'# %% name retries=N' allows N more tries")
    assert snapshot(site) == before
    # the scheduler's own setting is restored once the build ends
    assert dask_cluster[1].run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures) == 3


def test_retries_lets_a_module_run_again_when_its_worker_died(site, cli, address, tmp_path):
    write(site / "snippets/other.py", KILL_WORKER.format(options=" retries=1", marker=str(tmp_path / "tried")))
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result
    doc = json.loads((site / "data/hugosnip/other.json").read_text())
    assert stream_text(doc["cells"]["only"], "stdout") == "second try\n"
    assert doc["cells"]["only"]["options"]["retries"] == 1


def test_a_version_mismatch_is_refused_naming_both_versions(site, cli, address, monkeypatch):
    assert cli(site, "build", "--no-hugo", "--scheduler", address).status == 0
    before = snapshot(site)
    real = {"python": key.python_version()}   # the fixture's snippets import no library
    monkeypatch.setattr(key, "python_version", lambda: "3.1")
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 10, result
    refusals = [l for l in result.err.splitlines() if "refused" in l]
    assert len(refusals) == 4
    assert re.fullmatch(rf"snippets/demo\.py: refused by the Dask worker tcp://127\.0\.0\.1:\d+ "
                        rf"\({re.escape(socket.gethostname())}\): python 3\.1 in the cache key, "
                        rf"{re.escape(real['python'])} on the worker", refusals[0]), refusals[0]
    assert snapshot(site) == before


GPU = "# %% train resources=GPU\nprint('on a GPU worker')\n"


def test_a_gpu_module_with_no_gpu_worker_is_refused_before_anything_runs(site, cli, address):
    write(site / "snippets/gpu.py", GPU)
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 11, result
    assert result.err == (f"snippets/gpu.py:1: cell 'train' asks for resources=GPU, and no worker of the Dask "
                          f"scheduler at {address} offers GPU; start one with `dask worker {address} "
                          "--resources GPU=1`, or build here with --scheduler local\n")
    assert "running" not in result.out
    assert list(snapshot(site)) == ["data/hugosnip/lib.json"]  # the library's result; no snippet ran


def test_a_gpu_module_runs_on_the_worker_that_offers_a_gpu(site, cli, address, dask_cluster):
    client = dask_cluster[1]
    gpu_worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                   "--resources", "GPU=1", "--nthreads", "1", "--no-dashboard",
                                   "--host", "127.0.0.1", "--name", "gpu-worker"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client.wait_for_workers(3, timeout=60)
        (gpu_address,) = [a for a, w in client.scheduler_info(n_workers=-1)["workers"].items()
                          if w.get("resources", {}).get("GPU")]
        write(site / "snippets/gpu.py", GPU)
        result = cli(site, "build", "--no-hugo", "--scheduler", address)
    finally:
        gpu_worker.terminate()
        gpu_worker.wait(30)
    assert result.status == 0, result
    assert table(result.out)["snippets/gpu.py"][4] == gpu_address
    doc = json.loads((site / "data/hugosnip/gpu.json").read_text())
    assert stream_text(doc["cells"]["train"], "stdout") == "on a GPU worker\n"
    assert doc["cells"]["train"]["options"]["resources"] == ["GPU"]
    ran_on = json.loads((site / "data/hugosnip/gpu.json").read_text())["provenance"]["ran_on"]
    assert ran_on["host"] == socket.gethostname() and ran_on["device"] == cluster.device_name(True)


SLOW = """# %% c
import os, time
with open({pid!r}, "w") as out:
    out.write(str(os.getpid()))
time.sleep(600)
"""


def test_ctrl_c_cancels_the_tasks_and_stops_the_running_snippets(site, cli, address, tmp_path, dask_cluster):
    assert cli(site, "build", "--no-hugo", "--scheduler", address).status == 0
    before = snapshot(site)
    pids = [tmp_path / f"slow{i}.pid" for i in range(3)]   # two run, the third waits for a worker
    for i, pid in enumerate(pids):
        write(site / f"snippets/slow{i}.py", SLOW.format(pid=str(pid)))
    build = hugosnip_process(site, "build", "--no-hugo", "--scheduler", address)
    try:
        deadline = time.monotonic() + 60
        while sum(p.exists() and p.read_text() != "" for p in pids) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        running = [int(p.read_text()) for p in pids if p.exists()]
        assert len(running) == 2
        build.send_signal(signal.SIGINT)
        out, err = build.communicate(timeout=30)
    finally:
        build.kill()
        build.wait()
    assert (build.returncode, err) == (130, "hugosnip: interrupted; committed results are as they were\n")
    for pid in running:  # the snippets' processes are killed on the workers
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"snippet process {pid} still runs")
    client = dask_cluster[1]
    for _ in range(100):  # and the scheduler forgets the cancelled tasks
        if not client.run_on_scheduler(lambda dask_scheduler: [k for k in dask_scheduler.tasks
                                                               if str(k).startswith("hugosnip-")]):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the scheduler still holds hugosnip tasks")
    assert not pids[2].exists()
    assert snapshot(site) == before


def test_an_unreachable_scheduler_is_one_line_and_exit_9(site, cli):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli(site, "build", "--no-hugo", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert result.status == 9
    assert result.err == (f"tcp://127.0.0.1:{port}: cannot reach the Dask scheduler ([Errno 111] Connection "
                          "refused); start it with `dask scheduler`, or build here with --scheduler local\n")
    assert list(snapshot(site)) == ["data/hugosnip/lib.json"]  # the library's result; no snippet ran


def test_without_distributed_the_build_says_how_to_install_it(site, cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, "hugosnip.cluster")
    result = cli(site, "build", "--no-hugo", "--scheduler", "tcp://127.0.0.1:8786")
    assert result.status == 2
    assert result.err == ("--scheduler: the scheduler tcp://127.0.0.1:8786 needs Dask's distributed package, "
                          "which is not installed (import of distributed halted; None in sys.modules): "
                          "pip install 'hugosnip[dask]'\n")


def test_a_local_build_never_imports_distributed(site):
    code = ("import sys\nfrom hugosnip.cli import main\n"
            f"status = main(['-C', {str(site)!r}, 'build', '--no-hugo'])\n"
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('distributed', 'dask')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "0 []", done
