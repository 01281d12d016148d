"""``hugosnip serve`` tried as a new user would: edit, see it; break, see the error; fix; Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import write


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/2024/03/demo/", timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(port: int, predicate, seconds: float = 180) -> str:
    deadline = time.time() + seconds
    html = ""
    while time.time() < deadline:
        try:
            html = page(port)
            if predicate(html):
                return html
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"page never matched; last page:\n{html[-3000:]}")


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is ``folder`` or inside it, as workers' scratch folders are
    (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(os.readlink(f"/proc/{entry}/cwd")).is_relative_to(folder):
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_edit_break_fix_and_stop(site, cli):
    assert cli(site, "build", "--no-hugo").status == 0
    port = free_port()
    log = open(site.parent / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "hugosnip.cli", "-C", str(site), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=site.parent)
    try:
        wait_for(port, lambda html: "x = 42" in html)
        demo = site / "snippets/demo.py"
        source = demo.read_text()
        write(demo, source.replace("double(21)", "double(50)"))
        wait_for(port, lambda html: "x = 100" in html)

        write(demo, source.replace("x = double(21)", "x = double(21)\n1 / 0"))
        html = wait_for(port, lambda html: "hugosnip-serve-error" in html)
        assert "snippets/demo.py:6: cell &#39;answer&#39; raised ZeroDivisionError: division by zero" in html
        assert "x = 100" in html  # the last good result is still shown

        write(demo, source)
        wait_for(port, lambda html: "x = 42" in html and "hugosnip-serve-error" not in html)
        log.seek(0)
        assert "snippets/demo.py saved: page reloaded " in log.read()
    finally:
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=30)
    assert status == 0
    time.sleep(0.5)
    assert processes_in(site) == []
    assert not (site / "data/hugosnip_serve.json").exists()
