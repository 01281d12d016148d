"""The cluster as a trust boundary (issue 20: B2-B6): what a Dask worker sends back is checked
before anything is written; TLS works with certificates the test makes; every failure of the
connection ends in one line, within a deadline, with its documented exit status.

The hostile cluster is a LocalCluster of one real worker process on loopback whose preload
wraps ``hugosnip.cluster.run_task``: it runs the module as a good worker does, then changes what
it sends back, as the file named by $HUGOSNIP_HOSTILE says.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from hugosnip import cluster, validate  # noqa: E402
from hugosnip.config import load  # noqa: E402
from hugosnip.errors import EXIT_DIED, EXIT_ENVIRONMENT, EXIT_SCHEDULER  # noqa: E402
from hugosnip.project import Project  # noqa: E402

from conftest import hugosnip_process, snapshot, write  # noqa: E402

HOSTILE = '''
import json, os, time
import hugosnip.cluster as target

real = getattr(target.run_task, "real", target.run_task)   # the preload may run twice in a process


class Unsendable(Exception):
    """Defined only on the worker: the build machine cannot read it back."""


def hostile(task):
    mode = json.loads(open(os.environ["HUGOSNIP_HOSTILE"]).read())
    if mode.get("kind") == "unsendable":
        raise Unsendable("the client cannot unpickle me")
    if mode.get("kind") == "hang":
        time.sleep(3600)
    data = real(task)
    for key, value in mode.get("set", {}).items():
        data[key] = value
    cells = data.get("cells") or {}
    name = next(iter(cells), None)
    for key, value in mode.get("cell", {}).items():
        cells[name][key] = value
    for fig, text in mode.get("figures", {}).items():
        data["figures"][fig] = text.encode()
        cells[name]["figures"].append(fig)
        cells[name]["outputs"].append({"output_type": "display_data", "data": {
            "image/svg+xml": {"file": fig, "width": 1, "height": 1}, "text/plain": "<Figure>"}})
    return data


hostile.real = real
target.run_task = hostile
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    mode = tmp_path_factory.mktemp("hostile") / "mode.json"
    mode.write_text("{}")
    os.environ["HUGOSNIP_HOSTILE"] = str(mode)   # the worker process inherits it
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                      host="127.0.0.1", silence_logs=50, preload=[HOSTILE]) as local:
            yield local.scheduler_address, mode
    finally:
        os.environ.pop("HUGOSNIP_HOSTILE", None)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def svg(text: str) -> tuple[str, str]:
    return hashlib.sha256(text.encode()).hexdigest()[:16] + ".svg", text


GOOD_NAME, GOOD_SVG = svg("<svg/>")

# (what the worker changes, the reason printed after "is refused: ")
ATTACKS = {
    "figure-path-traversal": ({"figures": {"../../EVIL_IN_SITE.md": "evil"}},
                              "cell 'setup' names a figure that is not <16 hex digits>.svg, .png or .jpg"),
    "figure-outside-the-site": ({"figures": {"../../../outside/EVIL_OUTSIDE.txt": "evil"}},
                                "cell 'setup' names a figure that is not <16 hex digits>.svg, .png or .jpg"),
    "forged-figure-hash": ({"figures": {"0123456789abcdef.svg": "<svg>forged</svg>"}},
                           "figure 0123456789abcdef.svg's bytes are not those its name was made from"),
    "oversized-output": ({"cell": {"outputs": [{"output_type": "stream", "name": "stdout", "text": "x" * 300_000}]}},
                         "cell 'setup''s stdout is over 200256 bytes (output_limit)"),
    "markup-in-the-host": ({"set": {"host": "<script>alert(1)</script>"}},
                           "host '<script>alert(1)</script>' is not a valid name"),
    "stdout-not-text": ({"cell": {"outputs": [{"output_type": "stream", "name": "stdout", "text": 5}]}},
                        "cell 'setup''s output 1's text is not text (int)"),
    "html-past-the-limit": ({"cell": {"outputs": [{"output_type": "display_data", "data": {
        "text/html": "<p>" * 70_000, "text/plain": "x"}}]}},
        "cell 'setup''s HTML, Markdown, LaTeX and JSON outputs are over 200000 bytes (output_limit)"),
    "image-by-a-path": ({"cell": {"outputs": [{"output_type": "display_data", "data": {
        "image/png": {"file": "../../x.png", "width": 1, "height": 1}, "text/plain": "x"}}]}},
        "cell 'setup''s output 1's image/png names a file that is not <16 hex digits>.png"),
    "problem-of-another-kind": ({"set": {"problem": ["environment_problem", "snippets/demo.py", 1, "x", []]}},
                                "its problem is of a kind the runner does not report ('environment_problem')"),
}


@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_result_is_refused_and_nothing_is_written(built_site, cli, hostile, tmp_path, attack):
    address, mode = hostile
    change, reason = ATTACKS[attack]
    mode.write_text(json.dumps(change))
    write(built_site / "snippets/demo.py", (built_site / "snippets/demo.py").read_text() + "\n# changed\n")
    before = snapshot(built_site)
    tree = files_under(tmp_path)
    result = cli(built_site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == EXIT_ENVIRONMENT == 10, result
    lines = result.err.splitlines()
    assert lines[0] == "hugosnip: 1 problem(s); the committed results of failing snippets are left as they were"
    worker = lines[1].split()[8]
    assert worker.startswith("tcp://127.0.0.1:")
    assert lines[1] == f"snippets/demo.py: the result sent by the Dask worker {worker} is refused: {reason}"
    assert snapshot(built_site) == before
    # nothing new anywhere under the test's folder (the site and its parent) but the build's own files
    new = {p for p in files_under(tmp_path) - tree if "/.hugosnip/" not in f"/{p}"}
    assert new == set(), new
    assert not (built_site / "EVIL_IN_SITE.md").exists() and not (tmp_path / "outside").exists()


@pytest.mark.slow
def test_a_good_result_from_the_same_worker_is_stored(built_site, cli, hostile):
    address, mode = hostile
    mode.write_text("{}")
    write(built_site / "snippets/demo.py", (built_site / "snippets/demo.py").read_text() + "\n# changed\n")
    result = cli(built_site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result


@pytest.mark.slow
def test_an_error_the_worker_cannot_send_back_ends_the_build(built_site, cli, hostile):
    """B6: the task raises an exception of a class the build machine does not have."""
    address, mode = hostile
    mode.write_text(json.dumps({"kind": "unsendable"}))
    write(built_site / "snippets/demo.py", (built_site / "snippets/demo.py").read_text() + "\n# changed\n")
    before = snapshot(built_site)
    started = time.monotonic()
    result = cli(built_site, "build", "--no-hugo", "--scheduler", address)
    assert time.monotonic() - started < 30
    assert result.status == EXIT_DIED, result
    assert result.err.splitlines()[1] == ("snippets/demo.py: the Dask worker could not run it: an error that "
                                          "cannot be read back here (Exception)")
    assert "Traceback" not in result.err
    assert snapshot(built_site) == before


@pytest.mark.slow
def test_a_worker_that_never_answers_meets_the_deadline(built_site, cli, hostile, monkeypatch):
    """B6: the build side has a deadline per module (its cells' timeouts twice, and a margin)."""
    address, mode = hostile
    mode.write_text(json.dumps({"kind": "hang"}))
    monkeypatch.setattr(cluster, "DEADLINE_MARGIN", 0.5)
    config = built_site / "config.toml"
    config.write_text(config.read_text().replace("timeout = 20", "timeout = 0.5"))
    write(built_site / "snippets/demo.py", (built_site / "snippets/demo.py").read_text() + "\n# changed\n")
    before = snapshot(built_site)
    started = time.monotonic()
    result = cli(built_site, "build", "--no-hugo", "--scheduler", address)
    assert time.monotonic() - started < 30
    assert result.status == EXIT_DIED, result
    assert result.err.splitlines()[1] == ("snippets/demo.py: the Dask worker sent no result within 4 s (its "
                                          "cells' timeouts, twice, and a margin); its task was cancelled")
    assert snapshot(built_site) == before
    # the hung task is gone from the worker once its deadline passed: the worker is free again
    mode.write_text("{}")


# --------------------------------------------------------------------------------------------
# The checks themselves, on what a good worker sends (fast: no cluster)

def good_result(site: Path) -> tuple[dict, object]:
    project = Project(load(site))
    module = project.modules["demo.py"]
    cells = {c.name: {"outputs": [], "truncated": False, "value": None, "vars": {},
                      "figures": [], "error": ""} for c in module.cells}
    first = module.cells[0].name
    cells[first]["figures"] = [GOOD_NAME]
    cells[first]["outputs"] = [{"output_type": "display_data", "metadata": {"figure": True}, "data": {
        "image/svg+xml": {"file": GOOD_NAME, "width": 10, "height": 10}, "text/plain": "<Figure size 10x10>"}}]
    data = {"worker": "tcp://127.0.0.1:4000", "host": "build-1", "device": "AMD EPYC 7B13",
            "cells": cells, "durations": dict.fromkeys(cells, 0.1), "figures": {GOOD_NAME: GOOD_SVG.encode()},
            "duration": 0.2, "wall": 0.3, "peak_kb": 1000, "problem": None}
    return data, module


def test_a_good_result_passes(built_site):
    data, module = good_result(built_site)
    assert validate.task_result(data, module, {}, 200_000) == ""


def test_a_local_runners_result_passes(built_site):
    """The schema is the local runner's: what run_task returns on this machine passes as it is."""
    from hugosnip.run import run_module
    project = Project(load(built_site))
    module = project.modules["plot.py"]
    outcome = run_module(project, module)
    data = {"worker": "tcp://127.0.0.1:1", "host": socket.gethostname(), "device": cluster.device_name(False),
            "cells": outcome.cells, "durations": outcome.durations, "figures": outcome.figures,
            "duration": outcome.duration, "wall": outcome.wall, "peak_kb": outcome.peak_kb, "problem": None}
    assert outcome.figures and validate.task_result(data, module, {}, 200_000) == ""


def _break(data: dict, how: str) -> None:
    first = next(iter(data["cells"]))
    if how == "traversal":
        data["cells"][first]["figures"].append("../../x.svg")
        data["figures"]["../../x.svg"] = b"x"
    elif how == "slash-in-a-hex-name":
        data["cells"][first]["figures"] = ["0123456789abcde/.svg"]
    elif how == "forged":
        data["figures"][GOOD_NAME] = b"<svg>other</svg>"
    elif how == "figure-not-named-by-a-cell":
        name, text = svg("<svg>extra</svg>")
        data["figures"][name] = text.encode()
    elif how == "figure-as-text":
        data["figures"][GOOD_NAME] = GOOD_SVG
    elif how == "oversized-stderr":
        data["cells"][first]["outputs"].append({"output_type": "stream", "name": "stderr", "text": "é" * 150_000})
    elif how == "figure-not-in-the-outputs":
        data["cells"][first]["outputs"] = []
    elif how == "unknown-mime-type":
        data["cells"][first]["outputs"][0]["data"]["text/javascript"] = "alert(1)"
    elif how == "bad-image-size":
        data["cells"][first]["outputs"][0]["data"]["image/svg+xml"]["width"] = -1
    elif how == "unknown-cell":
        data["cells"]["evil"] = data["cells"][first]
    elif how == "missing-cell-without-problem":
        data["cells"].pop(list(data["cells"])[-1])
    elif how == "extra-field":
        data["cells"][first]["html"] = "<b>"
    elif how == "negative-duration":
        data["wall"] = -1
    elif how == "nan-number":
        data["cells"][first]["value"] = {"repr": "nan", "number": float("nan")}
    elif how == "problem-file-outside":
        data["problem"] = ["SnippetRaised", "../../etc/passwd", 1, "x", []]
    elif how == "host-with-newline":
        data["host"] = "a\nb"
    elif how == "worker-not-an-address":
        data["worker"] = "javascript:alert(1)"
    elif how == "refusal-of-an-unknown-version":
        for key in list(data):
            if key not in ("worker", "host", "device"):
                del data[key]
        data["refused"] = [["evil", "1", "2"]]
    elif how == "not-a-dict":
        data.clear()


BROKEN = ["traversal", "slash-in-a-hex-name", "figure-not-in-the-outputs", "unknown-mime-type", "bad-image-size", "forged", "figure-not-named-by-a-cell", "figure-as-text",
          "oversized-stderr", "unknown-cell", "missing-cell-without-problem", "extra-field",
          "negative-duration", "nan-number", "problem-file-outside", "host-with-newline",
          "worker-not-an-address", "refusal-of-an-unknown-version", "not-a-dict"]


@pytest.mark.parametrize("how", BROKEN)
def test_a_result_of_another_shape_is_refused(built_site, how):
    data, module = good_result(built_site)
    _break(data, how)
    assert validate.task_result(data, module, {}, 200_000) != ""


def test_the_refusal_is_exit_10_and_names_the_reason(built_site):
    data, module = good_result(built_site)
    _break(data, "traversal")
    executor = cluster.ClusterExecutor.__new__(cluster.ClusterExecutor)
    executor.config, executor.address = load(built_site), "tcp://127.0.0.1:1"
    outcome = executor._outcome(module, data)
    assert outcome.problem.code == EXIT_ENVIRONMENT
    assert outcome.problem.render().splitlines()[0] == (
        "snippets/demo.py: the result sent by the Dask worker tcp://127.0.0.1:4000 is refused: cell 'setup' "
        "names a figure that is not <16 hex digits>.svg, .png or .jpg")


def test_store_refuses_a_figure_name_that_is_not_a_hash(built_site):
    from hugosnip import store
    with pytest.raises(ValueError, match="not a figure name"):
        store.save(load(built_site), "demo.py", {}, {"../../x.svg": b"x"})
    assert not (built_site / "x.svg").exists()


# --------------------------------------------------------------------------------------------
# B5: the connection to the scheduler lost mid-build is exit 9, in one line

def test_a_lost_scheduler_is_exit_9(built_site):
    from distributed.client import FutureCancelledError
    project = Project(load(built_site))
    executor = cluster.ClusterExecutor.__new__(cluster.ClusterExecutor)
    executor.config, executor.address = project.config, "tcp://127.0.0.1:8786"
    lost = FutureCancelledError("hugosnip-demo.py-x", "scheduler-connection-lost")
    outcome = executor._outcome(project.modules["demo.py"], lost)
    assert outcome.problem.code == EXIT_SCHEDULER
    assert outcome.problem.render() == ("snippets/demo.py: lost the connection to the Dask scheduler at "
                                        "tcp://127.0.0.1:8786 while it ran\n    nothing of it is stored; build "
                                        "again when the scheduler is back, or build here with --scheduler local")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def dask_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_a_scheduler_restarted_mid_build_is_exit_9_without_tracebacks(built_site, tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler_args = ("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                      "--no-dashboard")
    scheduler = dask_process(*scheduler_args)
    worker = None
    try:
        wait_for_port(port)
        worker = dask_process("distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                              "--host", "127.0.0.1")
        with distributed.Client(address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        marker = tmp_path / "started"
        write(built_site / "snippets/slow.py", f"# %% slow\nimport time\nopen({str(marker)!r}, 'w').close()\n"
                                               "time.sleep(60)\n")
        before = snapshot(built_site)
        build = hugosnip_process(built_site, "build", "--no-hugo", "--scheduler", address)
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), build.communicate(timeout=5)
        scheduler.kill()
        scheduler.wait()
        scheduler = dask_process(*scheduler_args)   # again, on the same port
        out, err = build.communicate(timeout=60)
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.kill()
                proc.wait()
    assert build.returncode == 9, (out, err)
    assert "Traceback" not in err
    assert f"snippets/slow.py: lost the connection to the Dask scheduler at {address} while it ran" in err.splitlines()
    assert snapshot(built_site) == before


# --------------------------------------------------------------------------------------------
# B4: something other than Dask on the port; B3: tls:// and plain tcp:// to another host

def serve_once(reply: bytes) -> tuple[int, threading.Thread]:
    """A TCP server on loopback that answers every connection with ``reply`` and closes it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(30)

    def loop():
        with server:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(reply)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def test_another_service_on_the_port_is_one_line_and_exit_9(site):
    port, _ = serve_once(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
    started = time.monotonic()
    build = hugosnip_process(site, "build", "--no-hugo", "--scheduler", f"tcp://127.0.0.1:{port}")
    out, err = build.communicate(timeout=60)
    assert time.monotonic() - started < 15
    assert build.returncode == 9
    assert err == (f"tcp://127.0.0.1:{port}: what listens there does not speak Dask's protocol "
                   f"({err.split('(')[1].split(')')[0]}); check the address and the port\n")


def test_tls_without_certificates_is_one_line(site, cli):
    result = cli(site, "build", "--no-hugo", "--scheduler", "tls://127.0.0.1:1")
    assert (result.status, result.err) == (9, "tls://127.0.0.1:1: a tls:// scheduler needs this machine's "
                                               "certificates: set [params.hugosnip] tls_ca_file, tls_cert and "
                                               "tls_key, or Dask's distributed.comm.tls settings (docs/cluster.md, "
                                               "\"Security\")\n")


@pytest.mark.parametrize("address", ["inproc://x", "ucx://127.0.0.1:1"])
def test_other_protocols_are_one_line(site, cli, address):
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    protocol = address.split(":")[0]
    assert (result.status, result.err) == (9, f"{address}: cannot reach the Dask scheduler (hugosnip builds on "
                                              f"tcp:// and tls:// schedulers, not {protocol}://); start it with "
                                              "`dask scheduler`, or build here with --scheduler local\n")


@pytest.mark.parametrize("address, warned", [("tcp://192.0.2.1:8786", True), ("tcp://127.0.0.1:8786", False),
                                             ("tcp://localhost:8786", False), ("tcp://[::1]:8786", False)])
def test_plain_tcp_to_another_host_warns(site, cli, monkeypatch, address, warned):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")
    monkeypatch.setattr(socket, "create_connection", refused)
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 9
    warning = (f"hugosnip: warning: {address} is plain tcp://, neither encrypted nor authenticated: anyone who "
               "can reach the scheduler can run code on its workers and send results to this build; use tls:// "
               "with [params.hugosnip] tls_cert (docs/cluster.md, \"Security\")")
    assert (result.err.splitlines()[0] == warning) is warned
    assert len(result.err.splitlines()) == 1 + warned


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA, and one certificate it signed for the scheduler, the workers and the client."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=hugosnip test CA")
    openssl("req", *ec, "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "node.pem", "-days", "2")
    return {"ca": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node.key"}


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    import shutil
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make the test's certificates")
    certs = make_certificates(tmp_path_factory.mktemp("certs"))
    from distributed.security import Security
    security = Security(tls_ca_file=str(certs["ca"]), tls_scheduler_cert=str(certs["cert"]),
                        tls_scheduler_key=str(certs["key"]), tls_worker_cert=str(certs["cert"]),
                        tls_worker_key=str(certs["key"]), tls_client_cert=str(certs["cert"]),
                        tls_client_key=str(certs["key"]), require_encryption=True)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  host="127.0.0.1", protocol="tls://", security=security, silence_logs=50) as local:
        yield local.scheduler_address, certs


@pytest.mark.slow
def test_tls_with_the_sites_certificates(site, cli, tls_cluster):
    import shutil
    address, certs = tls_cluster
    assert address.startswith("tls://127.0.0.1:")
    for name, path in certs.items():
        shutil.copy(path, site / f"{name}.pem")
    config = site / "config.toml"
    config.write_text(config.read_text().replace(
        "[params.hugosnip]\n", '[params.hugosnip]\n  tls_ca_file = "ca.pem"\n  tls_cert = "cert.pem"\n'
                               '  tls_key = "key.pem"\n'))
    result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result
    assert json.loads((site / "data/hugosnip/demo.json").read_text())["provenance"]["ran_on"]["host"]
    assert "warning" not in result.err


@pytest.mark.slow
def test_tls_with_dasks_own_configuration(site, cli, tls_cluster):
    import dask
    address, certs = tls_cluster
    with dask.config.set({"distributed.comm.tls.ca-file": str(certs["ca"]),
                          "distributed.comm.tls.client.cert": str(certs["cert"]),
                          "distributed.comm.tls.client.key": str(certs["key"])}):
        result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert result.status == 0, result


@pytest.mark.slow
def test_tls_with_a_certificate_the_scheduler_does_not_trust(site, cli, tls_cluster, tmp_path):
    import dask
    address, _ = tls_cluster
    other = make_certificates(tmp_path / "other")
    with dask.config.set({"distributed.comm.tls.ca-file": str(other["ca"]),
                          "distributed.comm.tls.client.cert": str(other["cert"]),
                          "distributed.comm.tls.client.key": str(other["key"])}):
        started = time.monotonic()
        result = cli(site, "build", "--no-hugo", "--scheduler", address)
    assert time.monotonic() - started < 30
    assert result.status == 9, result
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith(f"{address}: ")
    assert list(snapshot(site)) == ["data/hugosnip/lib.json"]   # the library's result; no snippet ran
