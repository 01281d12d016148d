"""Part 4, section 5: a GRU language model in PyTorch, and RNN vs GRU vs LSTM.

Three models that differ only in their recurrent layers (snippets/rnn/gated_lm.py:
embedding, two stacked layers, linear output), with the same number of parameters,
each trained with Adam for the same time budget on part 2's corpus (the plays,
K = 2000 words, sentences of at most 30 tokens), on one thread. Then sentences sampled
from each of the three.

The site's build gives each model 25 seconds. With time to spare, give them four
times as long:

    FULL=1 python -m snippets.part4.compare

Run it as a reader would: python -m snippets.part4.compare
"""

# %% setup
import os

import matplotlib.pyplot as plt
import numpy as np
import torch

from snippets.rnn.data import load_corpus
from snippets.rnn.fmt import vi
from snippets.rnn.gated_lm import (GatedLM, count_params, hidden_for, param_count,
                                   sample, time_updates, train_lm)
from snippets.rnn.timing import set_threads
from snippets.rnn.torch_rnn import evaluate

set_threads(1)                  # one thread; the other core runs the rest of the build
VOCAB_SIZE, EMBED, MAX_LEN, N_VAL = 2000, 64, 30, 1000
corpus = load_corpus(vocab_size=VOCAB_SIZE, seed=0)
X = [x for x in corpus.X_train if len(x) <= MAX_LEN]
Y = [y for y in corpus.y_train if len(y) <= MAX_LEN]
X_val = [x for x in corpus.X_val if len(x) <= MAX_LEN][:N_VAL]
Y_val = [y for y in corpus.y_val if len(y) <= MAX_LEN][:N_VAL]
LONG_MIN, LONG_MAX = MAX_LEN + 1, 2 * MAX_LEN    # longer than any training sentence
X_long = [x for x in corpus.X_val if LONG_MIN <= len(x) <= LONG_MAX][:300]
Y_long = [y for y in corpus.y_val if LONG_MIN <= len(y) <= LONG_MAX][:300]
n_train, n_train_tokens = len(X), sum(len(y) for y in Y)
n_val_tokens = sum(len(y) for y in Y_val)
mean_length = n_train_tokens / n_train          # tokens to predict per sentence
print(f"K = {VOCAB_SIZE}, {n_train} câu huấn luyện ({n_train_tokens} từ), "
      f"{len(X_val)} câu kiểm định ({n_val_tokens} từ)")

# %% sizes
CELLS = ("rnn", "gru", "lstm")
GRU_HIDDEN = 128                                # the GRU sets the parameter budget
n_target = param_count("gru", VOCAB_SIZE, GRU_HIDDEN, EMBED)
hidden = {cell: hidden_for(cell, n_target, VOCAB_SIZE, EMBED) for cell in CELLS}
nets = {}
for cell in CELLS:
    torch.manual_seed(0)
    nets[cell] = GatedLM(VOCAB_SIZE, hidden[cell], EMBED, cell=cell)
    n = count_params(nets[cell])                # counted on the model itself
    assert n == param_count(cell, VOCAB_SIZE, hidden[cell], EMBED)
    print(f"{cell:>4}: H = {hidden[cell]:3d}, {n} tham số")
print(nets["gru"])
rnn_hidden, gru_hidden, lstm_hidden = (hidden[cell] for cell in CELLS)
rnn_params, gru_params, lstm_params = (count_params(nets[cell]) for cell in CELLS)
gru_io = count_params(nets["gru"].embed) + count_params(nets["gru"].out)
gru_io_pct = 100 * gru_io / gru_params          # embedding and output layer
params_spread_pct = 100 * (max(rnn_params, gru_params, lstm_params)
                           / min(rnn_params, gru_params, lstm_params) - 1)

# %% budget
# The same time for each model, turned into a number of Adam updates through the mean
# time of one update on this machine (1 thread, batches of 32 sentences), measured
# with the three models taking turns on the same batches, twice. The `speed` cell
# measures it again; `timing` shows the time each model really took.
FULL = os.environ.get("FULL", "0") == "1"      # FULL=1: four times the budget
BUDGET_SECONDS = 100 if FULL else 25
MS_PER_UPDATE = {"rnn": 25, "gru": 31, "lstm": 27}
updates = {cell: round(1000 * BUDGET_SECONDS / MS_PER_UPDATE[cell]) for cell in CELLS}
rnn_updates, gru_updates, lstm_updates = (updates[cell] for cell in CELLS)
print(updates)

# %% speed varies=true timeout=60
measured = time_updates(nets, X, Y, n=30)
print("      đo lúc này             hằng số ở trên")
for cell in CELLS:
    ms, ratio = 1000 * measured[cell], measured[cell] / measured["rnn"]
    fixed = MS_PER_UPDATE[cell] / MS_PER_UPDATE["rnn"]
    print(f"{cell:>4}: {ms:3.0f} ms = {vi(ratio, '.2f')} × RNN   "
          f"{MS_PER_UPDATE[cell]} ms = {vi(fixed, '.2f')} × RNN")

# %% train timeout=240
LEARNING_RATE, CLIP, EVAL_EVERY = 3e-3, 1.0, 100
histories = {}
for cell in CELLS:
    histories[cell] = train_lm(nets[cell], X, Y, updates[cell], X_val, Y_val,
                               learning_rate=LEARNING_RATE, clip=CLIP,
                               eval_every=EVAL_EVERY, seed=0)
    print(f"{cell:>4}: độ hỗn độn trên tập kiểm định",
          " → ".join(f"{h['perplexity']:.0f}" for h in histories[cell][1::2]),
          f"→ {vi(histories[cell][-1]['perplexity'], '.1f')}")
final = {cell: histories[cell][-1]["perplexity"] for cell in CELLS}
long = {cell: float(np.exp(evaluate(nets[cell], X_long, Y_long))) for cell in CELLS}
print(f"trên {len(X_long)} câu kiểm định dài {LONG_MIN}–{LONG_MAX} từ:",
      "; ".join(f"{cell} {vi(long[cell], '.1f')}" for cell in CELLS))
rnn_perplexity, gru_perplexity, lstm_perplexity = (final[cell] for cell in CELLS)
rnn_long, gru_long, lstm_long = (long[cell] for cell in CELLS)
rnn_epochs, gru_epochs, lstm_epochs = (histories[cell][-1]["tokens"] / n_train_tokens
                                       for cell in CELLS)
untrained_perplexity = histories["gru"][0]["perplexity"]
NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}

# %% spread
# How sure is the order? The validation sentences dealt into GROUPS groups (every GROUPS-th
# sentence); each model's mean loss on each group, and the difference of two models group by
# group: its mean and a 95 % interval (Student's t over the groups), in nats per word. It
# measures how much the verdict depends on which sentences are read, not on the training seed.
GROUPS = 10
T_975 = 2.262                   # Student's t, 97.5 % quantile, 9 degrees of freedom
group_loss = {cell: np.array([evaluate(nets[cell], X_val[g::GROUPS], Y_val[g::GROUPS])
                              for g in range(GROUPS)]) for cell in CELLS}


def gap(a, b):
    """Mean of b - a over the groups (nats per word; positive: b is worse), half-width."""
    d = group_loss[b] - group_loss[a]
    return float(d.mean()), float(T_975 * d.std(ddof=1) / np.sqrt(GROUPS))


gaps = {pair: gap(*pair) for pair in (("rnn", "gru"), ("rnn", "lstm"))}
for (a, b), (mean, half) in gaps.items():
    print(f"{NAMES[b]} − {NAMES[a]}: {vi(mean, '+.3f')} ± {vi(half, '.3f')} nat mỗi từ "
          f"(95 %, {GROUPS} nhóm câu kiểm định)")
(word_gru_rnn, word_gru_rnn_ci), (word_lstm_rnn, word_lstm_rnn_ci) = gaps.values()

# %% timing varies=true
rnn_seconds, gru_seconds, lstm_seconds = (histories[cell][-1]["seconds"]
                                          for cell in CELLS)
for cell in CELLS:
    h = histories[cell][-1]
    print(f"{cell:>4}: {h['update']} lần cập nhật trong {vi(h['seconds'], '.1f')} giây "
          f"({1000 * h['seconds'] / h['update']:.0f} ms mỗi lần)")

# %% figure echo=false
# x: the budget's clock, update k at k * MS_PER_UPDATE (real times: `timing`)
COLORS = {"rnn": "tab:red", "gru": "tab:blue", "lstm": "tab:green"}
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})   # no text under 11 pt, 7 in wide
fig, ax = plt.subplots(figsize=(7, 3.8))
for cell in CELLS:
    h = histories[cell]
    ax.plot([r["update"] * MS_PER_UPDATE[cell] / 1000 for r in h],
            [r["perplexity"] for r in h], marker="o", markersize=3, color=COLORS[cell],
            label=f"{NAMES[cell]}, H = {hidden[cell]}: {vi(final[cell], '.1f')}")
ax.set_ylim(0.9 * min(final.values()), 200)
ax.set_xlim(0, BUDGET_SECONDS * 1.02)
ax.set_xlabel("thời gian huấn luyện (giây, theo tốc độ đo trước, một luồng CPU)")
ax.set_ylabel("độ hỗn độn trên tập kiểm định")
ax.grid(alpha=0.3)
ax.legend(title=f"cùng ≈ {gru_params / 1e3:.0f} nghìn tham số")
fig.tight_layout()

# %% samples
# Each model draws sentences with its own seeds (RNN 0, 1, 2, ...; GRU 1000, 1001, ...;
# LSTM 2000, ...), so that no two models share a random draw; we keep its first N_SHOWN
# that have at least MIN_WORDS words (most sentences of the plays are short: "My lord!").
TEMPERATURE, MIN_WORDS, N_SHOWN, SEED_BASE = 0.8, 6, 3, 1000
for cell in CELLS:
    sentences, n_drawn = [], 0
    while len(sentences) < N_SHOWN:
        seed = SEED_BASE * CELLS.index(cell) + n_drawn
        words = sample(nets[cell], corpus.index_to_word, seed=seed, temperature=TEMPERATURE)
        n_drawn += 1
        if sum(w[0].isalnum() for w in words) >= MIN_WORDS:
            sentences.append(" ".join(words))
    print(f"{NAMES[cell]} (độ hỗn độn {vi(final[cell], '.1f')}): {N_SHOWN} câu đầu tiên "
          f"có từ {MIN_WORDS} từ trở lên, trong {n_drawn} câu rút ra")
    for sentence in sentences:
        print(" ", sentence)
