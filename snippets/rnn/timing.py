"""Timing helpers shared by bench/rnn_step.py and the part-2 post's speed snippet.

    set_threads(n)           numpy's OpenBLAS and torch use n threads, at run time
    median_time(fn, ...)     median wall time of fn()
    interleaved_medians()    several functions timed in alternating rounds
    matmul_gflops()          this machine's float64 matmul throughput (the reference)
    step_flops(T, H, K, k)   useful floating-point work of one fast SGD step
    time_steps(...)          one SGD step: naive numpy, fast numpy, hand-written torch
    time_training(...)       training throughput in tokens/s of the three trainers

Nothing here measures anything when imported; numpy and torch are imported
by the functions that need them, so a script can pin threads first.
"""
from __future__ import annotations

import ctypes
import os
import statistics
import time


# ------------------------------------------------------------------ threads

def _openblas_libraries() -> list[str]:
    """Paths of the OpenBLAS libraries loaded in this process (Linux: /proc/self/maps)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if ".so" in p and os.path.exists(p))


def _openblas_setters():
    """(set, get) C functions of every loaded OpenBLAS (numpy's is named scipy_openblas*64_)."""
    import numpy  # noqa: F401 - loads numpy's OpenBLAS
    names = [("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
             ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
             ("openblas_set_num_threads", "openblas_get_num_threads")]
    found = []
    for path in _openblas_libraries():
        lib = ctypes.CDLL(path)                       # already loaded: the same handle
        for set_name, get_name in names:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                found.append((getattr(lib, set_name), getattr(lib, get_name)))
                break
    return found


def blas_threads() -> int | None:
    """Threads numpy's OpenBLAS uses now (None if it cannot be found)."""
    setters = _openblas_setters()
    return int(setters[0][1]()) if setters else None


def set_threads(n: int) -> dict:
    """Make numpy's BLAS (OpenBLAS) and torch (if imported) use n threads.

    Environment variables such as OPENBLAS_NUM_THREADS are read only when the
    library loads; this works afterwards too, by calling OpenBLAS's own
    openblas_set_num_threads. Returns the thread counts now in force
    ({"numpy": n or None when numpy's BLAS is not OpenBLAS, "torch": ...})."""
    for set_fn, _ in _openblas_setters():
        set_fn(int(n))
    result = {"numpy": blas_threads()}
    import sys
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(int(n))
        result["torch"] = torch.get_num_threads()
    return result


# ------------------------------------------------------------------- timing

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


def matmul_gflops(n: int = 2000, repeats: int = 5) -> float:
    """Float64 GFLOP/s of one n x n numpy matmul (2 n^3 operations), median of repeats."""
    import numpy as np
    A = np.random.default_rng(0).standard_normal((n, n))
    return 2 * n ** 3 / median_time(lambda: A @ A, repeats=repeats, warmup=1) / 1e9


def step_flops(T: int, H: int, K: int, k: int) -> int:
    """Floating-point operations of one fast SGD step (a multiply-add = 2).

    Counts the matrix products and the parameter updates; the softmax and
    tanh (O(TK) and O(TH) element-wise work) are left out."""
    forward = 2 * T * H * H + 2 * T * H * K                 # W s_{t-1}, V s_t
    backward = 2 * T * K * H + 2 * T * K * H                # dV = do^T s, ds = do V
    backward += sum(2 * (T - j) * H * H for j in range(1, min(k, T - 1) + 1))  # W^T delta
    backward += 2 * T * H * H                               # dW = da^T s_prev
    update = 2 * K * H + 2 * H * H + 2 * T * H              # V, W, touched columns of U
    return forward + backward + update


def _system_seconds() -> float | None:
    """CPU seconds this process has spent in the kernel so far (None without `resource`)."""
    try:
        import resource
    except ImportError:                               # Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


# ------------------------------------------------------ the RNN measurements

STEP_NAMES = ("naive numpy", "fast numpy", "torch by hand")


def time_steps(x, y, word_dim: int = 8000, hidden_dim: int = 100, bptt_truncate: int = 4,
               learning_rate: float = 0.005, rounds: int = 15) -> list[tuple[str, float]]:
    """Median seconds of one SGD step on the sentence (x, y), float64, on the CPU:
    naive numpy (one-hot, dense updates), fast numpy (column lookups, sparse U
    update), and the hand-written torch model (autograd). The three are timed
    in alternating rounds; returns [(name, seconds)] in STEP_NAMES order."""
    import torch
    from . import torch_rnn as tr
    from .naive_rnn import NaiveRNN
    from .numpy_rnn import RNN
    naive = NaiveRNN(word_dim, hidden_dim, bptt_truncate, seed=0)
    fast = RNN(word_dim, hidden_dim, bptt_truncate, seed=0)
    p = tr.params_from_numpy(fast, device="cpu")
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    steps = {
        STEP_NAMES[0]: (lambda: naive.sgd_step(x, y, learning_rate), 1),
        STEP_NAMES[1]: (lambda: fast.sgd_step(x, y, learning_rate), 20),
        STEP_NAMES[2]: (lambda: tr.sgd_step(p, xt, yt, learning_rate, bptt_truncate), 10),
    }
    return interleaved_medians(steps, rounds)


ALTERNATING_NAMES = ("numpy, reference step", "fast numpy")


def time_steps_alternating(X, Y, word_dim: int = 8000, hidden_dim: int = 100,
                           bptt_truncate: int = 4, learning_rate: float = 0.005,
                           other_mb: int = 64, rounds: int = 60
                           ) -> list[tuple[str, float]]:
    """Median seconds of one SGD step as in training, float64: every timed
    step is on the next sentence of (X, Y), and between two timed steps the
    program does other work that pushes V out of the CPU's caches (it fills
    and sums a fresh array of `other_mb` MB, as reading data, logging and
    evaluating do in a training loop). The reference numpy step
    (RNN.reference_sgd_step: fresh arrays, V read three times) and the fast
    one (RNN.sgd_step: reused buffers, V read twice and updated in place)
    take turns; they start from the same parameters and stay equal up to
    rounding. Returns [(name, seconds)] in ALTERNATING_NAMES order."""
    import numpy as np
    from .numpy_rnn import RNN
    models = [RNN(word_dim, hidden_dim, bptt_truncate, seed=0) for _ in range(2)]
    steps = dict(zip(ALTERNATING_NAMES,
                     (models[0].reference_sgd_step, models[1].sgd_step)))
    times = {name: [] for name in steps}
    n = other_mb * 2 ** 20 // 8

    def other_work():
        np.full(n, 1.0).sum()

    for r in range(rounds + 1):                       # round 0 warms up
        for name, step in steps.items():
            x, y = X[r % len(X)], Y[r % len(Y)]
            other_work()
            start = time.perf_counter()
            step(x, y, learning_rate)
            if r:
                times[name].append(time.perf_counter() - start)
    return [(name, statistics.median(ts)) for name, ts in times.items()]


TRAINER_NAMES = ("numpy, one sentence at a time", "torch by hand, batches of 32",
                 "nn.RNN, batches of 32")


def time_training(X, Y, n_numpy: int, word_dim: int = 8000, hidden_dim: int = 100,
                  bptt_truncate: int = 4, learning_rate: float = 0.005, float_bits: int = 64,
                  device=None, rounds: int = 1) -> list[dict]:
    """Training throughput of one pass over sentences, for the three trainers:
    numpy per-sentence SGD on the first n_numpy sentences (it is the slowest
    per call, so fewer suffice), then the hand-written torch model on padded
    batches of 32 (truncated BPTT) and nn.Embedding+nn.RNN+nn.Linear (full
    BPTT) on all of X.

    With rounds > 1 each trainer's sentences are cut into that many parts,
    and the trainers take turns, one part each, so that a burst of load from
    elsewhere hits them alike; tokens_per_s is then the median of the parts'.

    Returns [{"trainer", "sentences", "tokens", "seconds", "tokens_per_s",
    "system_share"}] in TRAINER_NAMES order, where system_share is the
    fraction of the wall time this process spent in the kernel (mostly page
    faults: handing fresh memory to large temporaries); None where the
    `resource` module is missing (Windows)."""
    import numpy as np
    import torch
    from . import torch_rnn as tr
    from .numpy_rnn import RNN
    device = tr.DEVICE if device is None else torch.device(device)
    np_dtype, dtype = {64: (np.float64, torch.float64), 32: (np.float32, torch.float32)}[float_bits]

    model = RNN(word_dim, hidden_dim, bptt_truncate, seed=0, dtype=np_dtype)

    def numpy_sgd(Xs, Ys):
        for xs, ys in zip(Xs, Ys):
            model.sgd_step(xs, ys, learning_rate)

    params = tr.init_params(word_dim, hidden_dim, seed=0, dtype=dtype, device=device)
    torch.manual_seed(0)
    net = tr.RNNLM(word_dim, hidden_dim).to(dtype=dtype, device=device)
    trainers = [
        (TRAINER_NAMES[0], n_numpy, numpy_sgd),
        (TRAINER_NAMES[1], len(X), lambda Xs, Ys: tr.train_batched(
            params, Xs, Ys, batch_size=32, bptt_truncate=bptt_truncate)),
        (TRAINER_NAMES[2], len(X), lambda Xs, Ys: tr.train_rnnlm(net, Xs, Ys, batch_size=32)),
    ]
    parts = {name: [] for name, _, _ in trainers}    # (tokens, seconds, system seconds) per part
    for r in range(rounds):
        for name, n, train in trainers:
            lo, hi = n * r // rounds, n * (r + 1) // rounds
            Xs, Ys = X[lo:hi], Y[lo:hi]
            system = _system_seconds()
            start = time.perf_counter()
            train(Xs, Ys)
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            system = None if system is None else _system_seconds() - system
            parts[name].append((sum(len(y) for y in Ys), seconds, system))
    rows = []
    for name, n, _ in trainers:
        tokens = sum(p[0] for p in parts[name])
        seconds = sum(p[1] for p in parts[name])
        system = None if parts[name][0][2] is None else sum(p[2] for p in parts[name]) / seconds
        rows.append({"trainer": name, "sentences": n, "tokens": tokens, "seconds": seconds,
                     "tokens_per_s": statistics.median(p[0] / p[1] for p in parts[name]),
                     "system_share": system})
    return rows
