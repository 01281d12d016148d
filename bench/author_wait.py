"""The figures of issue #18 (speed where an author waits), each a ratio of A and B alternated.

    .venv/bin/python bench/author_wait.py [--only shortcodes,warm,...] [--repeats 5] [--modules N]

The site is generated into a temporary folder, the shape of ../shared/reviews/performance.md:
N modules ``snippets/gen/mNNN.py`` of 5 light numpy cells (~2 ms each), each shown by one post
``content/posts/mNNN.md`` (4 ``snip-cell`` and one ``snip-value``); config and themes as in
tests/fixtures/site. Every figure runs A and B in turn (one uncounted warm-up pair, then
``--repeats`` counted pairs) and prints the median of the pair-by-pair ratios A/B, its minimum,
and the median times. BLAS/OpenMP threads are 1 for every command, as in hugosnip's workers.

figures (default N):
  shortcodes  plain `hugo`: the pages with the shortcodes / the same pages with static fenced
              blocks (code, then its output)                                   (200)  goal <= 1.3
  warm        warm `hugosnip build` / plain `hugo`                               (10)  goal <= 1.1
  edit        one-cell edit, then `hugosnip build` / plain `hugo`               (50)  goal <= 1.5
  cold        `build -j 1 --no-hugo` from nothing / the same code in one python process
              (also: the difference per module)                                (200)  goal <= 1.5
  serve       snippet saved -> page shows it under `hugosnip serve` / Markdown saved -> page
              shows it under `hugo server`                                       (10)  goal <= 1.2
  parallel    cold `-j 1 --no-hugo` / cold `-j 2 --no-hugo` (the speed-up)     (200)  goal >= 1.8
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from hugosnip import hugo
from hugosnip.capture import stream_text
from hugosnip.run import THREAD_VARIABLES
from site_build import site_skeleton   # bench/ is the script's own folder, first on sys.path

REPO = Path(__file__).resolve().parent.parent
HUGOSNIP = str(Path(sys.executable).with_name("hugosnip"))
ENV = dict(os.environ, **dict.fromkeys(THREAD_VARIABLES, "1"))

SNIPPET = '''"""Generated benchmark module {n}."""

# %% setup
import numpy as np

rng = np.random.default_rng({seed})
a = rng.standard_normal((100, 100))

# %% gram
b = a @ a.T / 100
print("trace", "{tag}", round(float(np.trace(b)), 6))
float(b.sum())

# %% iterate
for _ in range(150):
    b = np.tanh(b @ a / 100)
float(b.mean())

# %% svd
s = np.linalg.svd(b[:60, :60], compute_uv=False)
print(s[:3])
float(s.max())

# %% hist
hist, edges = np.histogram(b.ravel(), bins={bins})
int(hist.max())
'''

POST = '''---
title: "Bài {n}"
date: 2024-01-01
slug: m{n:03d}
---
Bài thử số {n}, đánh dấu {tag}; giá trị trung bình {{{{< snip-value file="gen/m{n:03d}.py" cell="iterate" digits="3" >}}}}.

{{{{< snip-cell file="gen/m{n:03d}.py" cell="gram" >}}}}

{{{{< snip-cell file="gen/m{n:03d}.py" cell="iterate" >}}}}

{{{{< snip-cell file="gen/m{n:03d}.py" cell="svd" >}}}}

{{{{< snip-cell file="gen/m{n:03d}.py" cell="hist" >}}}}
'''

ONE_PROCESS = '''import contextlib, io, sys, numpy as np, numpy.random
for path in sys.argv[1:]:
    code = compile(open(path).read(), path, "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, {"__name__": "__main__"})
'''


def make_site(root: Path, n: int) -> None:
    gen = site_skeleton(root)
    for k in range(1, n + 1):
        (gen / f"m{k:03d}.py").write_text(SNIPPET.format(n=k, seed=k, tag="t0", bins=20))
        (root / f"content/posts/m{k:03d}.md").write_text(POST.format(n=k, tag="t0"), encoding="utf-8")


def run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{result.stderr[-3000:]}")


def timed(cmd, cwd: Path) -> float:
    start = time.perf_counter()
    run(cmd, cwd) if isinstance(cmd, list) else cmd()
    return time.perf_counter() - start


def paired(a, b, repeats: int, before_a=None, before_b=None) -> tuple[list[float], list[float]]:
    """A then B, one warm-up pair and ``repeats`` counted ones; before_x runs untimed first."""
    times_a, times_b = [], []
    for i in range(repeats + 1):
        if before_a:
            before_a(i)
        ta = a()
        if before_b:
            before_b(i)
        tb = b()
        if i:
            times_a.append(ta)
            times_b.append(tb)
    return times_a, times_b


def show(name: str, label_a: str, label_b: str, times_a, times_b, goal: str, invert=False, extra="") -> dict:
    ratios = [(b / a) if invert else (a / b) for a, b in zip(times_a, times_b)]
    row = {"figure": name, "a": label_a, "b": label_b, "a_median_s": statistics.median(times_a),
           "b_median_s": statistics.median(times_b), "ratio_median": statistics.median(ratios),
           "ratio_best": max(ratios) if invert else min(ratios), "pairs": len(ratios), "goal": goal}
    what = f"{label_b} / {label_a}" if invert else f"{label_a} / {label_b}"
    print(f"{name:<11} {what}: {row['ratio_median']:.2f}x (best {row['ratio_best']:.2f}x)  "
          f"A {row['a_median_s'] * 1000:.0f} ms, B {row['b_median_s'] * 1000:.0f} ms, {len(ratios)} pairs"
          f"  goal {goal}{extra}", flush=True)
    return row


def clear(root: Path) -> None:
    for folder in ("data", "assets", ".hugosnip", "public", "resources"):
        shutil.rmtree(root / folder, ignore_errors=True)


def static_copy(src: Path, dst: Path) -> None:
    """The same site with each shortcode replaced by what it shows, as static Markdown."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("public", "resources", ".hugosnip"))
    fence = "```"
    for post in sorted((dst / "content/posts").glob("*.md")):
        text = post.read_text(encoding="utf-8")

        def cell(match: re.Match) -> str:
            doc = json.loads((src / "data/hugosnip" / match["file"]).with_suffix(".json").read_text())
            c = doc["cells"][match["cell"]]
            out = stream_text(c, "stdout") + ((c.get("value") or {}).get("repr") or "")
            return f"{fence}python\n{c['code']}\n{fence}\n\n{fence}text\n{out}\n{fence}"

        def value(match: re.Match) -> str:
            doc = json.loads((src / "data/hugosnip" / match["file"]).with_suffix(".json").read_text())
            return f"{doc['cells'][match['cell']]['value']['number']:.3f}"

        text = re.sub(r'\{\{< snip-cell file="(?P<file>[^"]+)" cell="(?P<cell>[^"]+)" >\}\}', cell, text)
        text = re.sub(r'\{\{< snip-value file="(?P<file>[^"]+)" cell="(?P<cell>[^"]+)"[^>]*>\}\}', value, text)
        post.write_text(text, encoding="utf-8")
    shutil.rmtree(dst / "snippets")


def fig_shortcodes(tmp: Path, n: int, repeats: int) -> dict:
    site, flat = tmp / "site", tmp / "static"
    make_site(site, n)
    run([HUGOSNIP, "build", "--no-hugo"], site)
    static_copy(site, flat)
    exe = hugo.binary()
    a, b = paired(lambda: timed([exe, "--destination", str(tmp / "out-a")], site),
                  lambda: timed([exe, "--destination", str(tmp / "out-b")], flat), repeats)
    return show("shortcodes", f"hugo, {n} pages with shortcodes", "hugo, static fenced blocks", a, b, "<= 1.3x")


def fig_warm(tmp: Path, n: int, repeats: int) -> dict:
    site = tmp / "site"
    make_site(site, n)
    run([HUGOSNIP, "build"], site)
    exe = hugo.binary()
    a, b = paired(lambda: timed([HUGOSNIP, "build"], site), lambda: timed([exe], site), repeats)
    return show("warm", f"warm hugosnip build, {n} modules", "plain hugo", a, b, "<= 1.1x")


def fig_edit(tmp: Path, n: int, repeats: int) -> dict:
    site = tmp / "site"
    make_site(site, n)
    run([HUGOSNIP, "build"], site)
    exe = hugo.binary()
    target = site / "snippets/gen/m001.py"

    def edit(i: int) -> None:
        target.write_text(SNIPPET.format(n=1, seed=1, tag="t0", bins=21 + i))

    a, b = paired(lambda: timed([HUGOSNIP, "build"], site), lambda: timed([exe], site), repeats, before_a=edit)
    return show("edit", f"one-cell edit + hugosnip build, {n} modules", "plain hugo", a, b, "<= 1.5x")


def fig_cold(tmp: Path, n: int, repeats: int) -> dict:
    site = tmp / "site"
    make_site(site, n)
    (tmp / "one.py").write_text(ONE_PROCESS)
    files = [str(p) for p in sorted((site / "snippets/gen").glob("m*.py"))]
    a, b = paired(lambda: timed([HUGOSNIP, "build", "-j", "1", "--no-hugo"], site),
                  lambda: timed([sys.executable, str(tmp / "one.py"), *files], site), repeats,
                  before_a=lambda i: clear(site))
    per = (statistics.median(a) - statistics.median(b)) / n * 1000
    return show("cold", f"cold build -j 1 --no-hugo, {n} modules", "one python process", a, b, "<= 1.5x",
                extra=f"; {per:.1f} ms per module more (goal <= 5)") | {"per_module_ms": per}


def fig_parallel(tmp: Path, n: int, repeats: int) -> dict:
    site = tmp / "site"
    make_site(site, n)
    a, b = paired(lambda: timed([HUGOSNIP, "build", "-j", "2", "--no-hugo"], site),
                  lambda: timed([HUGOSNIP, "build", "-j", "1", "--no-hugo"], site), repeats,
                  before_a=lambda i: clear(site), before_b=lambda i: clear(site))
    return show("parallel", f"cold -j 2 --no-hugo, {n} modules", "cold -j 1", a, b, ">= 1.8x", invert=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):   # the server is rewriting the page
        return ""


def _until(port: int, path: str, text: str, limit: float = 30) -> float:
    """Seconds until the page holds text (polled every 5 ms)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if text in _page(port, path):
            return time.perf_counter()
        time.sleep(0.005)
    sys.exit(f"the page {path} on port {port} never showed {text!r}")


def fig_serve(tmp: Path, n: int, repeats: int) -> dict:
    site, plain = tmp / "site", tmp / "plain"
    make_site(site, n)
    run([HUGOSNIP, "build"], site)
    shutil.copytree(site, plain, symlinks=True)
    ports = _free_port(), _free_port()
    servers = [subprocess.Popen([HUGOSNIP, "serve", "--port", str(ports[0])], cwd=site, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True),
               subprocess.Popen([hugo.binary(), "server", "--bind", "127.0.0.1", "--port", str(ports[1])],
                                cwd=plain, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)]
    path = "/2024/01/m001/"
    try:
        _until(ports[0], path, "t0", 60)
        _until(ports[1], path, "t0", 60)
        time.sleep(1)

        def snippet() -> float:
            tag = f"s{time.monotonic_ns()}"
            start = time.perf_counter()
            (site / "snippets/gen/m001.py").write_text(SNIPPET.format(n=1, seed=1, tag=tag, bins=20))
            end = _until(ports[0], path, tag)
            time.sleep(1)
            return end - start

        def markdown() -> float:
            tag = f"p{time.monotonic_ns()}"
            start = time.perf_counter()
            (plain / "content/posts/m001.md").write_text(POST.format(n=1, tag=tag), encoding="utf-8")
            end = _until(ports[1], path, tag)
            time.sleep(1)
            return end - start

        a, b = paired(snippet, markdown, repeats)
    finally:
        for proc in servers:
            try:
                os.killpg(proc.pid, 2)
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, 9)
                proc.wait()
    return show("serve", f"snippet save -> page, hugosnip serve, {n} modules", "markdown save -> page, hugo server",
                a, b, "<= 1.2x")


FIGURES = {"shortcodes": (fig_shortcodes, 200), "warm": (fig_warm, 10), "edit": (fig_edit, 50),
           "cold": (fig_cold, 200), "serve": (fig_serve, 10), "parallel": (fig_parallel, 200)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FIGURES), help="figures to measure, comma-separated")
    parser.add_argument("--repeats", type=int, default=5, help="counted pairs per figure (plus one warm-up)")
    parser.add_argument("--modules", type=int, help="N for every figure (default: the issue's N of each)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    names = [x for x in args.only.split(",") if x]
    # hugosnip's byte code, as pip leaves it (setup.sh does the same): with PYTHONDONTWRITEBYTECODE
    # set, each hugosnip process would otherwise compile its modules (~30 ms a process)
    compileall.compile_dir(REPO / "tools/hugosnip", quiet=1)
    unknown = [x for x in names if x not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    print(f"hugosnip {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, capture_output=True, text=True).stdout.strip()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the start", flush=True)
    rows = []
    for name in names:
        fn, n = FIGURES[name]
        with tempfile.TemporaryDirectory(prefix=f"hugosnip-wait-{name}-") as tmp:
            rows.append(fn(Path(tmp), args.modules or n, args.repeats) | {"modules": args.modules or n,
                                                                           "load_end": os.getloadavg()[0]})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
