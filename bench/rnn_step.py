"""How fast is one SGD step of the part-2 RNN? Prints tables; asserts nothing.

    python bench/rnn_step.py [--threads N] [--quick] [--reuse-memory]

1. One SGD step on one sentence (V=8000, H=100, T=20, truncation 4):
   naive numpy (one-hot, dense updates) vs fast numpy (column lookups,
   sparse U update) vs the hand-written PyTorch model, float64, median of
   repeats, all measured in this run.
2. The same step as a fraction of this machine's matmul throughput, measured
   here with a large float64 numpy matmul.
3. Training throughput in tokens/s: numpy per-sentence SGD vs the
   hand-written torch model on padded batches vs nn.Embedding+nn.RNN+nn.Linear.

numpy's BLAS and torch use the same number of threads (--threads, default 1):
the environment variables are set before numpy is imported, and torch gets
set_num_threads. One thread gives the steadiest numbers on a small machine.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

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


def median_time(fn, repeats: int, warmup: int = 2) -> float:
    """Median wall time of fn() in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(fns: dict, rounds: int) -> list[tuple[str, float]]:
    """Median time of each fn, measured in alternating rounds (fn, repeats per
    round) so that a burst of load elsewhere hits all of them alike."""
    times = {name: [] for name in fns}
    for fn, _ in fns.values():
        fn(), fn()                                    # warm up
    for _ in range(rounds):
        for name, (fn, repeats) in fns.items():
            for _ in range(repeats):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return [(name, statistics.median(ts)) for name, ts in times.items()]


def step_flops(T: int, H: int, V: int, k: int) -> int:
    """Floating-point operations of one fast SGD step (a multiply-add = 2).

    Counts the matrix products and the parameter updates; the softmax and
    tanh (O(TV) and O(TH) element-wise work) are left out."""
    forward = 2 * T * H * H + 2 * T * H * V                 # W s_{t-1}, V s_t
    backward = 2 * T * V * H + 2 * T * V * H                # dV = do^T s, ds = do V
    backward += sum(2 * (T - j) * H * H for j in range(1, min(k, T - 1) + 1))  # W^T delta
    backward += 2 * T * H * H                               # dW = da^T s_prev
    update = 2 * V * H + 2 * H * H + 2 * T * H              # V, W, touched columns of U
    return forward + backward + update


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
    from snippets.rnn.naive_rnn import NaiveRNN
    from snippets.rnn.numpy_rnn import RNN

    reps = 3 if args.quick else 1
    print(f"# RNN step benchmark: python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__}, {os.cpu_count()} CPUs, threads pinned to {args.threads} "
          f"(numpy BLAS and torch), torch device for training: {tr.DEVICE}, "
          f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(unset)')}")

    # --- machine throughput --------------------------------------------------
    n = 2000
    A = np.random.default_rng(0).standard_normal((n, n))
    t_mm = median_time(lambda: A @ A, repeats=5 // reps + 1, warmup=1)
    peak = 2 * n ** 3 / t_mm
    print(f"\nfloat64 matmul {n}x{n}: {t_mm * 1e3:.1f} ms = {peak / 1e9:.1f} GFLOP/s (the reference)")

    # --- one SGD step on one sentence -----------------------------------------
    corpus = load_corpus(vocab_size=V_SIZE)
    i = next(i for i, x in enumerate(corpus.X_train) if len(x) == T_STEP)
    x, y = corpus.X_train[i], corpus.y_train[i]

    naive = NaiveRNN(V_SIZE, HIDDEN, TRUNCATE, seed=0)
    fast = RNN(V_SIZE, HIDDEN, TRUNCATE, seed=0)
    p = tr.params_from_numpy(fast, device="cpu")
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    steps = {
        "naive numpy (one-hot, dense)": (lambda: naive.sgd_step(x, y, LR), 1),
        "fast numpy (lookups, sparse U)": (lambda: fast.sgd_step(x, y, LR), 20),
        "hand-written torch (autograd)": (lambda: tr.sgd_step(p, xt, yt, LR, TRUNCATE), 10),
    }
    rows = interleaved_medians(steps, rounds=15 // reps)
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

    # --- training throughput ---------------------------------------------------
    n_sent = 200 // reps
    X, Y = corpus.X_train[:n_sent * 5], corpus.y_train[:n_sent * 5]
    print(f"\n## Training throughput: V={V_SIZE}, H={HIDDEN}, sentences from the plays "
          f"(mean length {np.mean([len(y) for y in Y]):.1f})")
    print(f"{'trainer':<44} {'sentences':>9} {'tokens':>7} {'seconds':>8} {'tokens/s':>9}")

    def report(name, Xs, Ys, train):
        tokens = sum(len(y) for y in Ys)
        start = time.perf_counter()
        train(Xs, Ys)
        if tr.DEVICE.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        print(f"{name:<44} {len(Xs):>9} {tokens:>7} {seconds:>8.2f} {tokens / seconds:>9.0f}")

    for dtype, np_dtype in ((torch.float64, np.float64), (torch.float32, np.float32)):
        bits = 64 if dtype == torch.float64 else 32
        model = RNN(V_SIZE, HIDDEN, TRUNCATE, seed=0, dtype=np_dtype)

        def numpy_sgd(Xs, Ys):
            for xs, ys in zip(Xs, Ys):
                model.sgd_step(xs, ys, LR)

        report(f"numpy per-sentence SGD, k={TRUNCATE}, float{bits}", X[:n_sent], Y[:n_sent], numpy_sgd)
        params = tr.init_params(V_SIZE, HIDDEN, seed=0, dtype=dtype, device=tr.DEVICE)
        report(f"torch hand-written, batches of 32, k={TRUNCATE}, f{bits}", X, Y,
               lambda Xs, Ys: tr.train_batched(params, Xs, Ys, batch_size=32,
                                               bptt_truncate=TRUNCATE))
        torch.manual_seed(0)
        net = tr.RNNLM(V_SIZE, HIDDEN).to(dtype=dtype, device=tr.DEVICE)
        report(f"nn.RNN, batches of 32, full BPTT, float{bits}", X, Y,
               lambda Xs, Ys: tr.train_rnnlm(net, Xs, Ys, batch_size=32))


if __name__ == "__main__":
    main()
