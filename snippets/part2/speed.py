"""Part 2, section 4: how fast is one SGD step, and one pass of training, in numpy and PyTorch?

The measurements of bench/rnn_step.py (both use snippets/rnn/timing.py), made while the post
is built, with one thread for numpy's BLAS and for torch. Timings change from run to run: the
cells are marked varies=true, so `hugosnip check --rerun` compares their shape, not their digits.

Run it as a reader would: python -m snippets.part2.speed
"""

# %% setup alone=true
import os
import platform
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch

from snippets.rnn.data import load_corpus
from snippets.rnn.fmt import vi
from snippets.rnn.timing import (ALTERNATING_NAMES, STEP_NAMES, TRAINER_NAMES,
                                 matmul_gflops, set_threads, step_flops,
                                 time_steps, time_steps_alternating,
                                 time_training)

# the tutorial's sizes; BPTT truncated after 4 steps
K, H, T, TRUNCATE = 8000, 100, 20, 4
threads = set_threads(1)       # one thread for numpy's BLAS and for torch
corpus = load_corpus(vocab_size=K, seed=0)
x, y = next((x, y) for x, y in zip(corpus.X_train, corpus.y_train)
            if len(x) == T)
print(f"Python {platform.python_version()}, numpy {np.__version__}, "
      f"torch {torch.__version__}")
print(f"{os.cpu_count()} lõi CPU, số luồng: numpy {threads.get('numpy')}, "
      f"torch {threads.get('torch')}")
print(textwrap.fill("câu dùng để đo: " + " ".join(corpus.decode(x[1:])),
                    width=80))
# scores of a batch of 32 such sentences, float64
batch_scores_mb = 32 * T * K * 8 / 1e6
LABELS = dict(zip(STEP_NAMES + TRAINER_NAMES, [
    "numpy ngây thơ", "numpy nhanh", "torch viết tay",
    "numpy, từng câu", "torch viết tay, lô 32 câu", "nn.RNN, lô 32 câu"]))

# %% peak varies=true timeout=60
# a large float64 matmul: what one core can do
peak_gflops = matmul_gflops(2000)
print(f"nhân hai ma trận 2000×2000 (float64): {vi(peak_gflops, '.1f')} GFLOP/s")

# %% step varies=true timeout=120
flops = step_flops(T, H, K, TRUNCATE)    # the useful work of one step
# of which: V s_t and its gradients
output_share = 100 * (6 * T * H * K + 2 * K * H) / flops
# median seconds, timed in alternating rounds
steps = dict(time_steps(x, y, K, H, TRUNCATE))
print(f"một bước SGD, K={K}, H={H}, T={T}, BPTT cắt sau {TRUNCATE} bước, "
      f"float64: {vi(flops / 1e6, '.1f')} triệu phép tính")
print(f"{'cách cài đặt':<16}| ms/bước | so với numpy nhanh | GFLOP/s | % đỉnh")
for name, seconds in steps.items():
    gflops = flops / seconds / 1e9
    print(f"{LABELS[name]:<16}| {vi(seconds * 1e3, '.2f')} | "
          f"{vi(seconds / steps['fast numpy'], '.2f')}× | {vi(gflops, '.2f')} | "
          f"{vi(100 * gflops / peak_gflops, '.1f')}%")
naive_ms, fast_ms, torch_ms = (1e3 * steps[name] for name in STEP_NAMES)
naive_ratio = naive_ms / fast_ms   # times the fast step beats the naive one
torch_ratio = torch_ms / fast_ms   # above 1: numpy beats torch by hand
fast_peak_pct = 100 * flops / (fast_ms / 1e3) / 1e9 / peak_gflops

# %% alternating varies=true timeout=180
# As in training: a different sentence of T words at each step, and between
# two steps OTHER_MB of other work that pushes V out of the CPU's caches.
OTHER_MB = 64
GOAL_MS = 4                        # the fast step's goal, in ms
V_mb = K * H * 8 / 1e6             # V in float64
same_T = [(x, y) for x, y in zip(corpus.X_train, corpus.y_train)
          if len(x) == T][:60]
alternating = dict(time_steps_alternating(
    [x for x, _ in same_T], [y for _, y in same_T], K, H, TRUNCATE,
    other_mb=OTHER_MB))
ref_alt_ms, fast_alt_ms = (1e3 * alternating[n] for n in ALTERNATING_NAMES)
print(f"{'bước SGD, xen kẽ việc khác':<28}| ms/bước | GFLOP/s | % đỉnh")
for name, label in zip(ALTERNATING_NAMES, ("numpy, bản tham chiếu",
                                           "numpy nhanh")):
    gflops = flops / alternating[name] / 1e9
    print(f"{label:<28}| {vi(1e3 * alternating[name], '.2f')} | "
          f"{vi(gflops, '.1f')} | {vi(100 * gflops / peak_gflops, '.1f')}%")
alt_speedup = ref_alt_ms / fast_alt_ms

# %% training varies=true timeout=240
# torch trains on 12 batches of 32 sentences, numpy on the first 120
# sentences; the three take turns, a third of their sentences at a time.
X, Y = corpus.X_train[:384], corpus.y_train[:384]
training = {bits: time_training(X, Y, n_numpy=120, word_dim=K, hidden_dim=H,
                                bptt_truncate=TRUNCATE, float_bits=bits,
                                device="cpu", rounds=3)
            for bits in (64, 32)}
print(f"{'cách huấn luyện':<26}| float | từ/giây | % thời gian trong nhân HĐH")
for bits, rows in training.items():
    for row in rows:
        print(f"{LABELS[row['trainer']]:<26}| {bits} | "
              f"{row['tokens_per_s']:.0f} | {100 * row['system_share']:.0f}%")
(numpy64, torch64, rnn64), (numpy32, torch32, rnn32) = (
    [row["tokens_per_s"] for row in training[bits]] for bits in (64, 32))
kernel_numpy64, kernel_torch64, kernel_rnn64 = (
    100 * row["system_share"] for row in training[64])
# FULL=1: minutes for one epoch
full_epoch_minutes = sum(len(y) for y in corpus.y_train) / numpy64 / 60

# %% figure varies=true echo=false
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})   # no text under 11 pt, 7 in wide
fig, (ax_step, ax_train) = plt.subplots(2, 1, figsize=(7, 7.2))
ms = [1e3 * steps[name] for name in STEP_NAMES]
bars = ax_step.barh([LABELS[name] for name in STEP_NAMES], ms,
                    color=["tab:red", "tab:blue", "tab:orange"])
ax_step.set_xscale("log")
ax_step.set_xlim(1, max(ms) * 5)
ax_step.invert_yaxis()
ax_step.set_xlabel("mili giây cho một bước SGD (thang log)")
for bar, value in zip(bars, ms):
    ax_step.annotate(f"{vi(value, '.1f')} ms",
                     (value, bar.get_y() + bar.get_height() / 2),
                     textcoords="offset points", xytext=(3, 0),
                     va="center", fontsize=11)
width = 0.38
positions = np.arange(len(TRAINER_NAMES))
for offset, bits, color in ((-width / 2, 64, "tab:blue"), (width / 2, 32, "tab:green")):
    ax_train.bar(positions + offset, [row["tokens_per_s"] for row in training[bits]], width,
                 label=f"float{bits}", color=color)
ax_train.set_xticks(positions, [LABELS[name].replace(", ", "\n") for name in TRAINER_NAMES])
ax_train.set_ylabel("từ mỗi giây khi huấn luyện")
ax_train.legend()
ax_step.grid(alpha=0.3, axis="x")
ax_train.grid(alpha=0.3, axis="y")
fig.tight_layout()
