"""Build a generated site of many posts and snippets, and print what hugosnip costs.

    .venv/bin/python bench/site_build.py [--posts 100] [--per-post 5] [--work-ms 100]

Each post embeds its own snippet modules; each module does about --work-ms of numpy work in
one cell. Printed, all measured in this one run:
- cold serial build (-j 1) vs the sum of the snippets' own run times: hugosnip's overhead
  (goal < 5%);
- cold parallel build (-j 0: one worker per core) vs serial: the speed-up (goal 1.7x on 2 cores);
- warm build (nothing stale) vs plain `hugo` on the same site (goal 1.25x);
- one edited snippet: the rebuild time.

    .venv/bin/python bench/site_build.py --scheduler local-cluster [--work-ms 100]

compares instead, in one run, the local pool (-j 2) with a Dask LocalCluster of two worker
processes of one thread each (``--scheduler tcp://...``, docs/cluster.md), both cold, each
twice, alternating, the faster kept: the cluster path's overhead per module (the extra time of
the cluster build times its two workers, over the modules; goal < 30 ms) and both speed-ups
over a serial build (goal: the cluster's within 10 % of the pool's).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hugosnip import hugo
from hugosnip.run import THREAD_VARIABLES

REPO = Path(__file__).resolve().parent.parent
HUGOSNIP = str(Path(sys.executable).with_name("hugosnip"))

SNIPPET = '''"""Generated benchmark snippet {name}."""

# %% setup
import numpy as np

rng = np.random.default_rng({seed})

# %% work
a = rng.standard_normal((120, 120))
total = 0.0
for _ in range({loops}):
    a = np.tanh(a @ a / 120)
    total += float(a.sum())
print(f"{name}: {{total:.6f}}")
total
'''

POST = '''---
title: "Bài {n}"
date: 2024-01-{day:02d}
slug: bai-{n}
---
Bài thử số {n}, giá trị đầu tiên {{{{< snip-value file="gen/{first}.py" cell="work" digits="3" >}}}}.

{cells}
'''


def calibrate(work_ms: float) -> int:
    """How many loops of the snippet's body take about work_ms here, single-threaded as in a worker."""
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))  # read when numpy loads, just below
    import numpy as np
    a = np.random.default_rng(0).standard_normal((120, 120))
    per_loop = float("inf")
    for _ in range(5):  # the fastest of five rounds of about 0.2 s: the first one warms up
        start, loops = time.perf_counter(), 1000
        for _ in range(loops):
            a = np.tanh(a @ a / 120)
        per_loop = min(per_loop, (time.perf_counter() - start) / loops)
    return max(1, round(work_ms / 1000 / per_loop))


def site_skeleton(root: Path) -> Path:
    """A site at ROOT with the fixture site's config, this repository's themes, an empty
    snippet package ``snippets/gen`` (returned) and an empty ``content/posts``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "tests/fixtures/site/config.toml", root / "config.toml")
    (root / "themes").symlink_to(REPO / "themes")
    gen = root / "snippets" / "gen"
    gen.mkdir(parents=True)
    (root / "snippets/__init__.py").write_text("")
    (gen / "__init__.py").write_text("")
    (root / "content/posts").mkdir(parents=True)
    return gen


def make_site(root: Path, posts: int, per_post: int, loops: int) -> None:
    gen = site_skeleton(root)
    for n in range(1, posts + 1):
        names = [f"p{n:03d}_s{k}" for k in range(1, per_post + 1)]
        for k, name in enumerate(names):
            (gen / f"{name}.py").write_text(SNIPPET.format(name=name, seed=n * 10 + k, loops=loops))
        cells = "\n\n".join(f'{{{{< snip-cell file="gen/{name}.py" cell="work" >}}}}' for name in names)
        (root / f"content/posts/bai-{n:03d}.md").write_text(
            POST.format(n=n, day=1 + n % 28, first=names[0], cells=cells), encoding="utf-8")


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stderr}")
    return time.perf_counter() - start


def own_run_time(root: Path) -> float:
    data = json.loads((root / ".hugosnip/report.json").read_text())
    return sum(m["duration"] for m in data["modules"] if m["action"] == "ran")


def clear_results(root: Path) -> None:
    for folder in ("data", "assets", ".hugosnip"):
        shutil.rmtree(root / folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--per-post", type=int, default=5)
    parser.add_argument("--work-ms", type=float, default=300,
                        help="numpy work per module; the overhead per module is printed too")
    parser.add_argument("--runs", type=int, default=5, help="repeats of the warm and plain builds")
    parser.add_argument("--scheduler", choices=["local-cluster"],
                        help="compare the local pool with a two-worker Dask LocalCluster instead")
    args = parser.parse_args()
    loops = calibrate(args.work_ms)
    if args.scheduler:
        return compare_cluster(args, loops)
    with tempfile.TemporaryDirectory(prefix="hugosnip-bench-") as tmp:
        root = Path(tmp)
        make_site(root, args.posts, args.per_post, loops)
        modules = args.posts * args.per_post
        serial = timed([HUGOSNIP, "build", "--no-hugo", "-j", "1"], root)
        serial_own = own_run_time(root)
        clear_results(root)
        parallel = timed([HUGOSNIP, "build", "--no-hugo", "-j", "0"], root)
        timed([HUGOSNIP, "build"], root)  # Hugo's first build, caches warm
        warm, plain = [], []
        for _ in range(args.runs):
            warm.append(timed([HUGOSNIP, "build"], root))
            plain.append(timed([hugo.binary()], root))
        edited = root / f"snippets/gen/p{(args.posts + 1) // 2:03d}_s1.py"
        edited.write_text(edited.read_text().replace("total += float", "total -= float"))
        one_edit = timed([HUGOSNIP, "build"], root)
    w, p = statistics.median(warm), statistics.median(plain)
    print(f"site: {args.posts} posts x {args.per_post} snippets = {modules} modules, "
          f"~{args.work_ms:.0f} ms of numpy work each ({loops} loops)")
    print(f"{'measure':<46}{'value':>12}  goal")
    print(f"{'cold build, serial (-j 1)':<46}{serial:>10.1f} s")
    print(f"{'  sum of the snippets own run times':<46}{serial_own:>10.1f} s")
    print(f"{'  own run time per module (mean)':<46}{serial_own / modules * 1000:>10.1f} ms")
    print(f"{'  overhead (serial / own - 1)':<46}{(serial / serial_own - 1) * 100:>10.1f} %  < 5 %")
    print(f"{'  overhead per module':<46}{(serial - serial_own) / modules * 1000:>10.1f} ms")
    print(f"{'cold build, parallel (-j 0, one per core)':<46}{parallel:>10.1f} s")
    print(f"{'  speed-up parallel over serial':<46}{serial / parallel:>10.2f} x  >= 1.7 x")
    print(f"{'warm build (median of %d)' % args.runs:<46}{w:>10.2f} s")
    print(f"{'plain hugo (median of %d)' % args.runs:<46}{p:>10.2f} s")
    print(f"{'  warm / plain':<46}{w / p:>10.2f} x  <= 1.25 x")
    print(f"{'one edited snippet, rebuild with Hugo':<46}{one_edit:>10.2f} s")


def compare_cluster(args, loops: int) -> None:
    from distributed import LocalCluster
    workers = 2
    with tempfile.TemporaryDirectory(prefix="hugosnip-bench-") as tmp, \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         host="127.0.0.1", silence_logs=50) as cluster:
        root = Path(tmp)
        make_site(root, args.posts, args.per_post, loops)
        modules = args.posts * args.per_post
        serial = timed([HUGOSNIP, "build", "--no-hugo", "-j", "1"], root)
        serial_own = own_run_time(root)
        pool, remote = [], []
        for _ in range(2):
            clear_results(root)
            pool.append(timed([HUGOSNIP, "build", "--no-hugo", "-j", str(workers)], root))
            pool_own = own_run_time(root)
            clear_results(root)
            remote.append(timed([HUGOSNIP, "build", "--no-hugo", "--scheduler", cluster.scheduler_address], root))
        remote_own = own_run_time(root)
    p, c = min(pool), min(remote)
    print(f"site: {args.posts} posts x {args.per_post} snippets = {modules} modules, "
          f"~{args.work_ms:.0f} ms of numpy work each ({loops} loops); {os.cpu_count()} cores")
    print(f"{'measure':<50}{'value':>12}  goal")
    print(f"{'cold build, serial (-j 1)':<50}{serial:>10.1f} s")
    print(f"{'  own run time per module (mean)':<50}{serial_own / modules * 1000:>10.1f} ms")
    print(f"{'cold build, local pool (-j 2), faster of 2':<50}{p:>10.1f} s")
    print(f"{'  own run time per module in the pool (mean)':<50}{pool_own / modules * 1000:>10.1f} ms")
    print(f"{'cold build, LocalCluster 2 x 1 thread, faster of 2':<50}{c:>10.1f} s")
    print(f"{'  own run time per module on the cluster (mean)':<50}{remote_own / modules * 1000:>10.1f} ms")
    print(f"{'  cluster overhead per module ((c - p) x 2 / n)':<50}{(c - p) * workers / modules * 1000:>10.1f} ms"
          "  < 30 ms")
    # the same, with each build's own snippet time taken out: less sensitive to a loaded machine
    pool_rest = (pool[-1] * workers - pool_own) / modules
    remote_rest = (remote[-1] * workers - remote_own) / modules
    print(f"{'  time around each module, pool (last build)':<50}{pool_rest * 1000:>10.1f} ms")
    print(f"{'  time around each module, cluster (last build)':<50}{remote_rest * 1000:>10.1f} ms")
    print(f"{'  cluster overhead per module, own time aside':<50}{(remote_rest - pool_rest) * 1000:>10.1f} ms"
          "  < 30 ms")
    print(f"{'  speed-up of the local pool over serial':<50}{serial / p:>10.2f} x")
    print(f"{'  speed-up of the cluster over serial':<50}{serial / c:>10.2f} x  within 10 % of the pool")
    print(f"{'  cluster speed-up / pool speed-up':<50}{p / c * 100:>10.1f} %  >= 90 %")


if __name__ == "__main__":
    main()
