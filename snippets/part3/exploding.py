"""Part 3, section 4: exploding gradients when W is scaled up, and clipping by norm.

The numpy RNN of part 2 (full BPTT, plain SGD, one sentence a step) trained three times on
the same 3,000 sentences: from its usual initialisation, from a W rescaled to spectral
radius 5, and from that same W with the gradient clipped to norm 100.

Run it as a reader would: python -m snippets.part3.exploding
"""

# %% setup
import time

import matplotlib.pyplot as plt
import numpy as np

from snippets.rnn.data import load_corpus
from snippets.rnn.fmt import vi
from snippets.rnn.gradients import (global_norm, spectral_radius,
                                    train_clipped, with_radius)
from snippets.rnn.numpy_rnn import RNN
from snippets.rnn.timing import set_threads

set_threads(1)
K, H = 2000, 50
N_TRAIN, N_VAL = 3000, 200
LEARNING_RATE = 0.01
BIG_RADIUS = 5.0       # W rescaled so that rho(W) = 5
MAX_NORM = 100.0       # clipping threshold for the global gradient norm
corpus = load_corpus(vocab_size=K, seed=0)
pairs = [(x, y) for x, y in zip(corpus.X_train, corpus.y_train)
         if 10 <= len(x) <= 40][:N_TRAIN]
X, Y = [p[0] for p in pairs], [p[1] for p in pairs]
X_val, Y_val = corpus.X_val[:N_VAL], corpus.y_val[:N_VAL]


def make_model(radius=None):
    # full BPTT
    model = RNN(word_dim=K, hidden_dim=H, bptt_truncate=None, seed=0)
    if radius is not None:
        model.W = with_radius(model.W, radius)
    return model


# %% first_step
# The gradient of the very first sentence, from the two starting points.
normal_first = global_norm(make_model().bptt(X[0], Y[0]))
big_first = global_norm(make_model(BIG_RADIUS).bptt(X[0], Y[0]))
rho_normal = spectral_radius(make_model().W)
print(f"ρ(W) = {vi(rho_normal, '.2f')}: chuẩn đạo hàm ở câu đầu tiên "
      f"{vi(normal_first, '.1f')}")
print(f"ρ(W) = {BIG_RADIUS:.0f}:    chuẩn đạo hàm ở câu đầu tiên "
      f"{vi(big_first, '.3e')}")

# %% unigram
# A yardstick: the loss of a model that ignores the context and always
# predicts the word frequencies of the training sentences (add-one
# smoothing).
counts = np.bincount(np.concatenate(Y), minlength=K) + 1.0
log_p = np.log(counts / counts.sum())
unigram_loss = float(-log_p[np.concatenate(Y_val)].mean())
unigram_loss

# %% train timeout=240
runs = {}
_start = time.perf_counter()
for name, radius, max_norm in (("normal", None, None),
                               ("big", BIG_RADIUS, None),
                               ("big_clipped", BIG_RADIUS, MAX_NORM)):
    model = make_model(radius)
    history = train_clipped(model, X, Y, LEARNING_RATE, max_norm=max_norm,
                            X_val=X_val, Y_val=Y_val, evaluate_every=100)
    states = np.concatenate([model.states(x) for x in X_val])
    saturated = 100 * float(np.mean(np.abs(states) > 0.99))
    runs[name] = dict(history=history, model=model, saturated_pct=saturated)
_seconds = time.perf_counter() - _start

for name, run in runs.items():
    h, m = run["history"], run["model"]
    g = np.array(h["grad_norm"])
    print(f"{name:12s} mất mát {vi(h['loss'][0], '.2f')} -> "
          f"{vi(h['loss'][-1], '.2f')}   cắt {h['clipped']} / {len(g)} bước")
    print(f"{'':12s} chuẩn đạo hàm: trung vị {vi(np.median(g), '.1f')}, "
          f"lớn nhất {vi(g.max(), '.2e')}")
    print(f"{'':12s} max|U| = {vi(np.abs(m.U).max(), '.2e')}   "
          f"|s| > {vi(0.99)}: {vi(run['saturated_pct'], '.1f')}%")

final_normal, final_big, final_clipped = (
    runs[n]["history"]["loss"][-1] for n in ("normal", "big", "big_clipped"))
loss_start = runs["normal"]["history"]["loss"][0]
big_max_U = float(np.abs(runs["big"]["model"].U).max())
big_saturated_pct = runs["big"]["saturated_pct"]
normal_saturated_pct = runs["normal"]["saturated_pct"]
clipped_saturated_pct = runs["big_clipped"]["saturated_pct"]
clipped_minus_unigram = final_clipped - unigram_loss   # > 0: worse
clipped_steps = runs["big_clipped"]["history"]["clipped"]
clipped_pct = 100 * clipped_steps / N_TRAIN
SHOWN = 1000             # the figure shows the first 1000 steps
clipped_norms = np.array(runs["big_clipped"]["history"]["grad_norm"])
clipped_early = int(np.sum(clipped_norms[:SHOWN] > MAX_NORM))
last_clipped_step = int(np.flatnonzero(clipped_norms > MAX_NORM)[-1]) + 1
normal_norms = np.array(runs["normal"]["history"]["grad_norm"])
normal_max_norm = float(normal_norms.max())
normal_over = int(np.sum(normal_norms > MAX_NORM))
median_norm = float(np.median(normal_norms))
# how far the first SGD step moves the parameters
first_step_size = LEARNING_RATE * big_first

# %% train_time varies=true
train_seconds = _seconds
print(f"ba lần huấn luyện mất {train_seconds:.0f} giây")

# %% figure echo=false
labels = {"normal": "W khởi tạo bình thường",
          "big": rf"$\rho(W) = {vi(BIG_RADIUS, 'g')}$, không cắt",
          "big_clipped": rf"$\rho(W) = {vi(BIG_RADIUS, 'g')}$, "
                         f"cắt ở ngưỡng $G = {vi(MAX_NORM, 'g')}$"}
colors = {"normal": "tab:blue", "big": "tab:red", "big_clipped": "tab:green"}
# 7 inches wide, the width of the page's column, and no text under 11 pt: on the page, the
# smallest text is as large as the caption's.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
fig, (ax_g, ax_l) = plt.subplots(2, 1, figsize=(7, 6.6))
for name in ("big_clipped", "normal", "big"):
    g = runs[name]["history"]["grad_norm"][:SHOWN]
    ax_g.semilogy(np.arange(1, len(g) + 1), g, linewidth=0.6, alpha=0.85,
                  color=colors[name], label=labels[name])
ax_g.axhline(MAX_NORM, color="black", linestyle="--", linewidth=1)
ax_g.set_xlabel("bước SGD (số câu)")
ax_g.set_ylabel("chuẩn đạo hàm (trước khi cắt)")
ax_g.legend(loc="upper right")
for name in ("normal", "big", "big_clipped"):
    h = runs[name]["history"]
    ax_l.plot(h["steps"], h["loss"], color=colors[name], label=labels[name])
ax_l.axhline(unigram_loss, color="gray", linestyle=":", linewidth=1)
ax_l.annotate("chỉ đếm tần suất từ", (N_TRAIN, unigram_loss),
              textcoords="offset points", xytext=(0, -3), ha="right",
              va="top", color="gray", fontsize=11)
ax_l.set_xlabel("bước SGD (số câu)")
ax_l.set_ylabel("mất mát trên tập kiểm định")
ax_l.legend()
for ax in (ax_g, ax_l):
    ax.grid(alpha=0.3)
fig.tight_layout()
