"""Part 3, section 6: remember the first token across a gap of k steps.

A plain tanh RNN, an LSTM and a GRU (torch nn.RNN / nn.LSTM / nn.GRU, 32 units, CPU), plus
a ReLU RNN started from W = I, each trained on the task of snippets/rnn/memory_task.py for
every gap k and two seeds, within the site's build budget.

Run it as a reader would: python -m snippets.part3.memory
"""

# %% setup
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from snippets.rnn.fmt import vi
from snippets.rnn.memory_task import (N_NOISE, N_SYMBOLS, SOLVED_WINDOW, MemoryNet, make_batch,
                                      n_params, train)

torch.set_num_threads(1)                        # tiny matrices: one thread, and the same sums every run
GAPS = [5, 10, 15, 20, 30, 50]                  # k: noise tokens between the payload and the answer
GAP_MIN, GAP_MAX = GAPS[0], GAPS[-1]
SEEDS = [0, 1]
MAX_STEPS, BATCH, HIDDEN = 600, 256, 32         # at most 600 Adam steps of 256 fresh sequences
MAX_NORM, SOLVED_LOSS, N_TEST = 1.0, 0.01, 1000  # clipping; stop when solved; test sequences
KEEP_BIAS = 3.0                                 # LSTM forget / GRU update gates start near sigmoid(3)
LR, LR_RELU = 1e-2, 1e-3                        # Adam's learning rates
MODELS = {                                      # name: (cell, learning rate)
    "RNN (tanh)": ("rnn", LR),
    "LSTM": ("lstm", LR),
    "GRU": ("gru", LR),
    "RNN (ReLU, W = I)": ("irnn", LR_RELU),
}
chance = 1 / N_SYMBOLS
keep_open = float(1 / (1 + np.exp(-KEEP_BIAS)))  # sigmoid(3): the share of memory kept per step at first
ln_symbols = float(np.log(N_SYMBOLS))           # the loss of a model that always guesses 1/8

# %% example
x, y = make_batch(np.random.default_rng(0), 4, gap=6)
print(f"ký hiệu cần nhớ: 0..{N_SYMBOLS - 1}, "
      f"ký hiệu nhiễu: {N_SYMBOLS}..{N_SYMBOLS + N_NOISE - 1}")
for xi, yi in zip(x.tolist(), y.tolist()):
    print(xi, "->", yi)

# %% params
for name, (cell, _) in MODELS.items():
    print(f"{name:18s} {n_params(MemoryNet(cell, HIDDEN)):5d} tham số")
params_rnn, params_lstm, params_gru = (
    n_params(MemoryNet(c, HIDDEN)) for c in ("rnn", "lstm", "gru"))

# %% train timeout=420
results = {}                          # (name, gap, seed) -> Result
_start = time.perf_counter()
for name, (cell, lr) in MODELS.items():
    for gap in GAPS:
        for seed in SEEDS:
            results[name, gap, seed] = train(
                cell, gap, steps=MAX_STEPS, batch=BATCH, hidden=HIDDEN,
                lr=lr, max_norm=MAX_NORM, n_test=N_TEST, seed=seed,
                solved_loss=SOLVED_LOSS, keep_bias=KEEP_BIAS)
_seconds = time.perf_counter() - _start
# (gaps, seeds) arrays of test accuracy and of Adam steps used
accuracy = {name: np.array([[results[name, g, s].accuracy for s in SEEDS]
                            for g in GAPS]) for name in MODELS}
steps = {name: np.array([[results[name, g, s].steps for s in SEEDS]
                         for g in GAPS]) for name in MODELS}

# %% table echo=false
# Each cell holds the two seeds' numbers, "a/b"; a column is 2 wider than its widest cell, and
# the name column is left-aligned, so that no two numbers ever touch.
print(f"độ chính xác trên {N_TEST} chuỗi kiểm tra, hai hạt giống (hạt 0/hạt 1)")
print(f"{'k':<17s}" + "".join(f"{g:>11d}" for g in GAPS))
for name in MODELS:
    cells = ["/".join(vi(a, ".2f") for a in accuracy[name][i])
             for i in range(len(GAPS))]
    print(f"{name:<17s}" + "".join(f"{c:>11s}" for c in cells))
print("\nsố bước Adam đã dùng (dừng sớm khi đã giải xong)")
for name in MODELS:
    cells = ["/".join(str(n) for n in steps[name][i])
             for i in range(len(GAPS))]
    print(f"{name:<17s}" + "".join(f"{c:>11s}" for c in cells))

mean = {name: accuracy[name].mean(axis=1) for name in MODELS}
rnn_acc = dict(zip(GAPS, mean["RNN (tanh)"]))
rnn_10, rnn_15, rnn_20, rnn_30, rnn_50 = (float(rnn_acc[g]) for g in (10, 15, 20, 30, 50))
rnn_15_min, rnn_15_max = float(accuracy["RNN (tanh)"][2].min()), float(accuracy["RNN (tanh)"][2].max())
rnn_30_min, rnn_30_max = float(accuracy["RNN (tanh)"][4].min()), float(accuracy["RNN (tanh)"][4].max())
lstm_min, gru_min, irnn_min = (float(accuracy[n].min()) for n in ("LSTM", "GRU", "RNN (ReLU, W = I)"))
lstm_steps_50 = int(steps["LSTM"][-1].max())
gru_steps_50 = int(steps["GRU"][-1].max())
irnn_steps_50 = int(steps["RNN (ReLU, W = I)"][-1].max())
rnn_final_loss_50 = float(np.mean(results["RNN (tanh)", 50, 0].losses[-50:]))

# %% train_time varies=true
train_seconds = _seconds
print(f"{len(results)} lần huấn luyện mất {train_seconds:.0f} giây")

# %% figure echo=false
styles = {"RNN (tanh)": ("tab:red", "o", "-"), "LSTM": ("tab:blue", "s", "-"),
          "GRU": ("tab:green", "^", "-"), "RNN (ReLU, W = I)": ("tab:purple", "D", "--")}
# 7 inches wide, the width of the page's column, and no text under 11 pt: on the page, the
# smallest text is as large as the caption's.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
fig, (ax_acc, ax_loss) = plt.subplots(2, 1, figsize=(7, 6.4))
for i, name in enumerate(MODELS):
    color, marker, linestyle = styles[name]
    offset = (i - 1.5) * 0.35                   # side by side, so that equal points stay visible
    ax_acc.plot(np.array(GAPS) + offset, mean[name], color=color, marker=marker,
                linestyle=linestyle, label=name)
    for j in range(len(SEEDS)):
        ax_acc.scatter(np.array(GAPS) + offset, accuracy[name][:, j], color=color, s=10,
                       alpha=0.5, marker=marker)
ax_acc.axhline(chance, color="gray", linestyle=":", linewidth=1)
ax_acc.annotate("đoán mò: 1/8", (GAPS[0], chance), textcoords="offset points", xytext=(0, 4),
                ha="left", color="gray", fontsize=11)
ax_acc.set_xlabel("khoảng cách k (số bước nhiễu)")
ax_acc.set_ylabel("độ chính xác")
ax_acc.set_ylim(0, 1.05)
ax_acc.set_xticks(GAPS)
ax_acc.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=11)
for name in MODELS:
    color, _, linestyle = styles[name]
    losses = results[name, 50, 0].losses
    ax_loss.plot(np.arange(1, len(losses) + 1), losses, color=color, linestyle=linestyle,
                 linewidth=1, label=name)
ax_loss.axhline(ln_symbols, color="gray", linestyle=":", linewidth=1)
ax_loss.set_xlabel("bước Adam")
ax_loss.set_ylabel("mất mát huấn luyện, k = 50")
ax_loss.set_ylim(0, 2.6)
for ax in (ax_acc, ax_loss):
    ax.grid(alpha=0.3)
fig.tight_layout()
