"""Part 4, section 5.5: where the gates win. RNN vs GRU vs LSTM as character-level
language models of the plays.

The plays as they are printed (the speaker's name on a line of its own, verse line by line),
read character by character. Three models with one recurrent layer each
(snippets/rnn/char_lm.py), the same number of parameters, the same number of Adam updates
on the same batches: 32 streams of the training plays, 100 characters an update, the state
carried from one update to the next (truncated BPTT), the bias of the LSTM's forget gate
(of the GRU's update gate) started at 1. The last two plays are the validation text. One
thread, fixed seeds. The plain RNN is trained twice, at the shared learning rate and at a
smaller one, and the better run stands for it. Training takes about 3 minutes on one core.

Run it as a reader would: python -m snippets.part4.char_compare
"""

# %% setup
import matplotlib.pyplot as plt
import numpy as np
import torch

from snippets.rnn.char_lm import (CharLM, bits_per_char, hidden_for, param_count,
                                  plays_corpus, sample, train_char_lm)
from snippets.rnn.fmt import vi
from snippets.rnn.timing import set_threads

set_threads(1)                  # one thread; the other core runs the rest of the build
corpus = plays_corpus(n_val_plays=2)
VAL_CHARS = 30_000              # the validation loss is measured on this many characters
val = corpus.val[:VAL_CHARS]
K = len(corpus.chars)
n_train_chars = len(corpus.train)
print(f"{K} ký tự khác nhau; {n_train_chars} ký tự huấn luyện, "
      f"{len(corpus.val)} ký tự kiểm định (dùng {len(val)})")
print(corpus.decode(corpus.train[:233]))

# %% sizes
CELLS = ("rnn", "gru", "lstm")
NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
EMBED, LSTM_HIDDEN, KEEP_BIAS = 32, 128, 1.0    # the LSTM sets the parameter budget
n_target = param_count("lstm", K, LSTM_HIDDEN, EMBED)
hidden = {cell: hidden_for(cell, n_target, K, EMBED) for cell in CELLS}
nets = {}
for cell in CELLS:
    torch.manual_seed(0)
    nets[cell] = CharLM(K, hidden[cell], EMBED, cell=cell, keep_bias=KEEP_BIAS)
    n = sum(p.numel() for p in nets[cell].parameters())   # counted on the model itself
    assert n == param_count(cell, K, hidden[cell], EMBED)
    print(f"{NAMES[cell]:>4}: H = {hidden[cell]:3d}, {n} tham số")
n_params = {cell: param_count(cell, K, hidden[cell], EMBED) for cell in CELLS}
rnn_params, gru_params, lstm_params = (n_params[cell] for cell in CELLS)
keep_open = float(1 / (1 + np.exp(-KEEP_BIAS)))   # the gate at the start: sigmoid(bias)
rnn_hidden, gru_hidden, lstm_hidden = (hidden[cell] for cell in CELLS)
params_spread_pct = 100 * (max(n_params.values()) / min(n_params.values()) - 1)

# %% train timeout=2400
UPDATES, BATCH, STEPS, LEARNING_RATE, CLIP = 1200, 32, 100, 1e-2, 1.0
RNN_LEARNING_RATE = 3e-3        # a second RNN, with a smaller step (see the text)
EVAL_EVERY = 150
torch.manual_seed(0)
nets["rnn_slow"] = CharLM(K, hidden["rnn"], EMBED, cell="rnn")
NAMES["rnn_slow"] = "RNN, tốc độ học 0,003"
RUNS = CELLS + ("rnn_slow",)
histories = {}
for run in RUNS:
    lr = RNN_LEARNING_RATE if run == "rnn_slow" else LEARNING_RATE
    histories[run] = train_char_lm(nets[run], corpus.train, val, UPDATES, batch=BATCH,
                                   T=STEPS, learning_rate=lr, clip=CLIP,
                                   eval_every=EVAL_EVERY, seed=0)
    print(f"{NAMES[run]}: bit mỗi ký tự trên tập kiểm định",
          " → ".join(vi(h["bpc"], ".2f") for h in histories[run][2::2]),
          f"→ {vi(histories[run][-1]['bpc'], '.3f')}")
bpc = {run: histories[run][-1]["bpc"] for run in RUNS}
rnn_fast_bpc, rnn_slow_bpc = bpc["rnn"], bpc["rnn_slow"]
# the better of the two RNNs stands for the RNN from here on
best_rnn = min(("rnn", "rnn_slow"), key=bpc.get)
rnn_bpc, gru_bpc, lstm_bpc = bpc[best_rnn], bpc["gru"], bpc["lstm"]
# perplexity per character, 2 ** bits: the number of equally likely characters
rnn_ppl, gru_ppl, lstm_ppl = (2 ** b for b in (rnn_bpc, gru_bpc, lstm_bpc))
gru_gain, lstm_gain = rnn_bpc - gru_bpc, rnn_bpc - lstm_bpc
chars_seen = histories["rnn"][-1]["chars"]
epochs = chars_seen / n_train_chars
uniform_bpc = float(np.log2(K))
# the first measurement from which both gated models stay below both RNNs to the end
ahead = [all(histories[g][i]["bpc"] < min(histories[r][i]["bpc"] for r in ("rnn", "rnn_slow"))
             for g in ("gru", "lstm"))
         for i in range(len(histories["rnn"]))]
ahead_from = next((histories["rnn"][i]["update"] for i in range(1, len(ahead))
                   if all(ahead[i:])), -1)
rnn_fast_first = histories["rnn"][1]["bpc"]       # the fast RNN, after EVAL_EVERY updates
rnn_fast_best = min(h["bpc"] for h in histories["rnn"])

# %% timing varies=true
train_minutes = sum(histories[run][-1]["seconds"] for run in RUNS) / 60
for run in RUNS:
    h = histories[run][-1]
    print(f"{NAMES[run]}: {h['update']} lần cập nhật trong {h['seconds']:.0f} giây "
          f"({1000 * h['seconds'] / h['update']:.0f} ms mỗi lần)")

# %% context
# What each model makes of a longer past: the validation text read again, the state
# reset to zero every n characters, so that a character is predicted from at most n - 1
# characters before it (0 .. n-1, n//2 on average).
CONTEXTS = (10, 30, 100)
SHOWN = (best_rnn, "gru", "lstm")
by_context = {run: {n: bits_per_char(nets[run], val, batch=16, T=n, carry=False)
                    for n in CONTEXTS}
              for run in SHOWN}
print("ngữ cảnh tối đa   " + "".join(f"{NAMES[r.replace('_slow', '')]:>8}" for r in SHOWN))
for n in CONTEXTS:
    print(f"{n - 1:>8} ký tự   " + "".join(vi(by_context[r][n], "8.3f") for r in SHOWN))
print("  cả đoạn văn   " + "".join(vi(bpc[r], "8.3f") for r in SHOWN))
# how much each model gains by reading more than the last 9 characters
context_gain = {run: by_context[run][CONTEXTS[0]] - bpc[run] for run in SHOWN}
rnn_context_gain, gru_context_gain, lstm_context_gain = (context_gain[r] for r in SHOWN)
rnn_short, gru_short, lstm_short = (by_context[r][CONTEXTS[0]] for r in SHOWN)

# %% figure echo=false
COLORS = {"rnn": "tab:red", "rnn_slow": "tab:red", "gru": "tab:blue", "lstm": "tab:green"}
fig, ax = plt.subplots(figsize=(7, 4.2))
for run in RUNS:
    h = histories[run]
    name = "RNN, tốc độ học 0,01" if run == "rnn" else NAMES[run]
    ax.plot([r["chars"] / 1e6 for r in h], [r["bpc"] for r in h], marker="o", markersize=3,
            color=COLORS[run], linestyle="--" if run == "rnn_slow" else "-",
            label=f"{name}, H = {hidden['rnn' if run == 'rnn_slow' else run]}: "
                  f"{bpc[run]:.3f}".replace(".", ","))
top = max(r["bpc"] for run in RUNS for r in histories[run][1:])  # the untrained point is off
ax.set_ylim(0.95 * min(bpc.values()), 1.03 * top)
ax.set_xlim(0, chars_seen / 1e6 * 1.02)
ax.set_xlabel("số ký tự đã học (triệu)")
ax.set_ylabel("bit mỗi ký tự, tập kiểm định")
ax.grid(alpha=0.3)
ax.legend(title=f"cùng ≈ {n_target / 1e3:.0f} nghìn tham số".replace(".", ","))
fig.tight_layout()

# %% samples
# The same seed and temperature for every model, after the same first line break.
# Lines longer than the page's code column are wrapped (each piece indented by 4).
import textwrap

TEMPERATURE, LENGTH = 0.8, 320
for run in SHOWN:
    text = sample(nets[run], corpus, "\n", LENGTH, seed=0, temperature=TEMPERATURE)
    print(f"--- {NAMES[run]} ({vi(bpc[run], '.2f')} bit mỗi ký tự)")
    for line in text.split("\n"):
        print("\n".join(textwrap.wrap(line, 72, initial_indent="    ", subsequent_indent="    ",
                                       drop_whitespace=False)) or "    ")
