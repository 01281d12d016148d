"""Warm build vs plain Hugo: how much does hugosnip add when nothing is stale?

    .venv/bin/python bench/warm_build.py [--runs N]

Runs `hugosnip build` (nothing to run: results are up to date) and the Hugo binary alone,
alternating, N times each, on this repo's site, and prints the medians and their ratio. The
site's post-build command ([params.hugosnip] post_build: Pagefind here), which `hugosnip build`
runs after Hugo, follows the plain Hugo run too, so that both sides do the same work.
Goal (issue: hugosnip core): ratio at most 1.5, aim 1.25.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hugosnip import hugo
from hugosnip.config import load

ROOT = Path(__file__).resolve().parent.parent


def timed(*cmds: list[str]) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    hugosnip = str(Path(sys.executable).with_name("hugosnip"))
    with tempfile.TemporaryDirectory() as out:
        build = [hugosnip, "build", "--", "--destination", out + "/a"]
        plain = [[hugo.binary(), "--destination", out + "/b"]]
        if post_build := load(ROOT).post_build:
            plain.append(list(post_build))
        check = subprocess.run([hugosnip, "check"], cwd=ROOT, capture_output=True, text=True)
        if check.returncode:
            sys.exit("results are stale; run `hugosnip build` first:\n" + check.stderr)
        timed(build), timed(*plain)  # warm the file cache
        a, b = [], []
        for _ in range(args.runs):
            a.append(timed(build))
            b.append(timed(*plain))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{'command':<28}{'median s':>10}{'min s':>10}")
    print(f"{'hugosnip build (warm)':<28}{ma:>10.3f}{min(a):>10.3f}")
    print(f"{'hugo (plain)' + (' + post_build' if len(plain) > 1 else ''):<28}{mb:>10.3f}{min(b):>10.3f}")
    print(f"ratio warm build / plain hugo: {ma / mb:.2f} (goal <= 1.5, aim 1.25; {args.runs} runs each)")


if __name__ == "__main__":
    main()
