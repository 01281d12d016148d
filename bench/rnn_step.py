"""How fast is one SGD step of the part-2 RNN? Prints tables; asserts nothing.

    python bench/rnn_step.py [--threads N] [--quick] [--reuse-memory]

1. One SGD step on one sentence (V=8000, H=100, T=20, truncation 4):
   naive numpy (one-hot, dense updates) vs fast numpy (column lookups,
   sparse U update) vs the hand-written PyTorch model, float64, median of
   repeats, all measured in this run.
2. The same step as a fraction of this machine's matmul throughput, measured
   here with a large float64 numpy matmul.
3. The numpy step as in training: each timed step on the next of 60
   sentences of length T, with 64 MB of other work in between (it pushes V
   out of the CPU's caches); the reference step (fresh arrays, V read
   three times) and the fast one (reused buffers, V read twice, in blocks,
   and updated in place) take turns. Goal: the fast step <= 4 ms.
4. Training throughput in tokens/s: numpy per-sentence SGD vs the
   hand-written torch model on padded batches vs nn.Embedding+nn.RNN+nn.Linear,
   with the share of the time spent in the kernel (page faults of large
   temporaries).

The measuring functions live in snippets/rnn/timing.py, shared with the
part-2 post's snippet (snippets/part2/speed.py).

numpy's BLAS and torch use the same number of threads (--threads, default 1):
the environment variables are set before numpy is imported, and torch gets
set_num_threads. One thread gives the steadiest numbers on a small machine.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import sys

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--threads", type=int, default=1, help="BLAS/torch threads (default 1)")
ARGS.add_argument("--quick", action="store_true", help="fewer repeats (a rough run)")
ARGS.add_argument("--reuse-memory", action="store_true",
                  help="restart under GLIBC_TUNABLES that keep freed memory in the process "
                       "(on VMs where touching fresh pages is slow, this removes most of "
                       "the page-fault time from large temporaries)")
REUSE = "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=17179869184"

V_SIZE, HIDDEN, T_STEP, TRUNCATE, LR = 8000, 100, 20, 4, 0.005


def pin_threads(n: int) -> None:
    """Must run before numpy/torch are imported."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def main(argv=None) -> None:
    args = ARGS.parse_args(argv)
    if args.reuse_memory and os.environ.get("GLIBC_TUNABLES") != REUSE:
        os.environ["GLIBC_TUNABLES"] = REUSE          # read by glibc at start: re-run
        os.execv(sys.executable, [sys.executable, *sys.argv])
    pin_threads(args.threads)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

    import numpy as np
    import torch
    torch.set_num_threads(args.threads)

    from snippets.rnn import torch_rnn as tr
    from snippets.rnn.data import load_corpus
    from snippets.rnn.timing import (matmul_gflops, step_flops, time_steps,
                                     time_steps_alternating, time_training)

    reps = 3 if args.quick else 1
    print(f"# RNN step benchmark: python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__}, {os.cpu_count()} CPUs, threads pinned to {args.threads} "
          f"(numpy BLAS and torch), torch device for training: {tr.DEVICE}, "
          f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(unset)')}")

    # --- machine throughput --------------------------------------------------
    n = 2000
    peak = matmul_gflops(n, repeats=5 // reps + 1) * 1e9
    print(f"\nfloat64 matmul {n}x{n}: {2 * n ** 3 / peak * 1e3:.1f} ms = {peak / 1e9:.1f} GFLOP/s "
          f"(the reference)")

    # --- one SGD step on one sentence -----------------------------------------
    corpus = load_corpus(vocab_size=V_SIZE)
    i = next(i for i, x in enumerate(corpus.X_train) if len(x) == T_STEP)
    x, y = corpus.X_train[i], corpus.y_train[i]
    rows = time_steps(x, y, V_SIZE, HIDDEN, TRUNCATE, LR, rounds=15 // reps)
    flops = step_flops(T_STEP, HIDDEN, V_SIZE, TRUNCATE)
    t_fast = rows[1][1]
    print(f"\n## One SGD step: V={V_SIZE}, H={HIDDEN}, T={T_STEP}, bptt_truncate={TRUNCATE}, "
          f"float64, cpu; {flops / 1e6:.1f} MFLOP of useful work")
    print(f"{'implementation':<32} {'median ms':>10} {'vs fast':>9} {'GFLOP/s':>8} {'of peak':>8}")
    for name, t in rows:
        print(f"{name:<32} {t * 1e3:>10.2f} {t / t_fast:>8.2f}x {flops / t / 1e9:>8.1f} "
              f"{flops / t / peak:>8.1%}")
    print(f"fast numpy is {rows[0][1] / t_fast:.1f}x faster than naive numpy (goal >= 20x) and "
          f"{rows[2][1] / t_fast:.2f}x faster than hand-written torch (goal >= 1x)")

    # --- the step as in training: other sentences, other work in between ----
    pairs = [(x, y) for x, y in zip(corpus.X_train, corpus.y_train) if len(x) == T_STEP][:60]
    alt = time_steps_alternating([p[0] for p in pairs], [p[1] for p in pairs], V_SIZE, HIDDEN,
                                 TRUNCATE, LR, rounds=120 // reps)
    print(f"\n## One SGD step as in training: a different sentence each step (T={T_STEP}), "
          f"64 MB of other work between steps, float64")
    print(f"{'implementation':<32} {'median ms':>10} {'GFLOP/s':>8} {'of peak':>8}")
    for name, t in alt:
        print(f"{name:<32} {t * 1e3:>10.2f} {flops / t / 1e9:>8.1f} {flops / t / peak:>8.1%}")
    print(f"fast numpy step between other work: {alt[1][1] * 1e3:.2f} ms (goal <= 4 ms), "
          f"{alt[0][1] / alt[1][1]:.2f}x faster than the reference step")

    # --- training throughput ---------------------------------------------------
    n_sent = 200 // reps
    X, Y = corpus.X_train[:n_sent * 5], corpus.y_train[:n_sent * 5]
    print(f"\n## Training throughput: V={V_SIZE}, H={HIDDEN}, bptt_truncate={TRUNCATE} "
          f"(nn.RNN: full BPTT), sentences from the plays "
          f"(mean length {np.mean([len(y) for y in Y]):.1f}), torch device {tr.DEVICE}")
    print(f"{'trainer':<38} {'float':>5} {'sentences':>9} {'tokens':>7} {'seconds':>8} {'tokens/s':>9} "
          f"{'kernel':>7}")
    for bits in (64, 32):
        for row in time_training(X, Y, n_sent, V_SIZE, HIDDEN, TRUNCATE, LR, float_bits=bits,
                                 rounds=3):
            print(f"{row['trainer']:<38} {bits:>5} {row['sentences']:>9} {row['tokens']:>7} "
                  f"{row['seconds']:>8.2f} {row['tokens_per_s']:>9.0f} "
                  f"{'-' if row['system_share'] is None else format(row['system_share'], '.0%'):>7}")


if __name__ == "__main__":
    main()
