"""Part 4, section 5.5: where the gates win. RNN vs GRU vs LSTM as character-level
language models of the plays.

The plays as they are printed (the speaker's name on a line of its own, verse line by line),
read character by character. Three models with one recurrent layer each
(snippets/rnn/char_lm.py), the same number of parameters, the same number of Adam updates
on the same batches: 16 streams of the training plays, 100 characters an update, the state
carried from one update to the next (truncated BPTT), the bias of the LSTM's forget gate
(of the GRU's update gate) started at 1. The last two plays are the validation text. One
thread, fixed seeds. The gated models learn at 0.01; the plain RNN at 0.003, after a short probe
shows that 0.01 is too large for it. How sure each comparison is: the validation text is read as
16 streams, and the difference between two models is measured on each (a 95 % interval over the
streams). Each model reads 4.8 million characters (3000 updates of 16 x 100): as many as
with 1500 updates of 32 streams, at about the same cost, but twice as many steps. Training
takes 2 to 4 minutes on one core, with the machine's load (the `timing` cell prints the real
times).

Run it as a reader would: python -m snippets.part4.char_compare
"""

# %% setup
import matplotlib.pyplot as plt
import numpy as np
import torch

from snippets.rnn.char_lm import (CharLM, bits_per_char, hidden_for, param_count,
                                  plays_corpus, sample, stream_batches, train_char_lm)
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
UPDATES, BATCH, STEPS, LEARNING_RATE, CLIP = 3000, 16, 100, 1e-2, 1.0
RNN_LEARNING_RATE = 3e-3        # the plain RNN's step: 0.01 is too large (the probe below)
PROBE = 600                     # updates of the probe: the RNN at the gated models' rate
EVAL_EVERY = 300
torch.manual_seed(0)
probe_net = CharLM(K, hidden["rnn"], EMBED, cell="rnn")
probe = train_char_lm(probe_net, corpus.train, val, PROBE, batch=BATCH, T=STEPS,
                      learning_rate=LEARNING_RATE, clip=CLIP, eval_every=EVAL_EVERY,
                      seed=0)
histories = {}
for run in CELLS:
    lr = RNN_LEARNING_RATE if run == "rnn" else LEARNING_RATE
    histories[run] = train_char_lm(nets[run], corpus.train, val, UPDATES, batch=BATCH,
                                   T=STEPS, learning_rate=lr, clip=CLIP,
                                   eval_every=EVAL_EVERY, seed=0)
    print(f"{NAMES[run]} (tốc độ học {vi(lr, 'g')}):",
          "bit mỗi ký tự trên tập kiểm định",
          " → ".join(vi(h["bpc"], ".2f") for h in histories[run][2::2]),
          f"→ {vi(histories[run][-1]['bpc'], '.3f')}")
probe_bpc = probe[-1]["bpc"]
rnn_at_probe = next(h["bpc"] for h in histories["rnn"] if h["update"] == PROBE)
print(f"thử RNN ở tốc độ học {vi(LEARNING_RATE, 'g')}: sau {PROBE} lần cập nhật "
      f"{vi(probe_bpc, '.2f')} bit, so với {vi(rnn_at_probe, '.2f')} "
      f"ở {vi(RNN_LEARNING_RATE, 'g')}")
RUNS = CELLS
bpc = {run: histories[run][-1]["bpc"] for run in RUNS}
rnn_bpc, gru_bpc, lstm_bpc = bpc["rnn"], bpc["gru"], bpc["lstm"]
# perplexity per character, 2 ** bits: the number of equally likely characters
rnn_ppl, gru_ppl, lstm_ppl = (2 ** b for b in (rnn_bpc, gru_bpc, lstm_bpc))
chars_seen = histories["rnn"][-1]["chars"]
epochs = chars_seen / n_train_chars
uniform_bpc = float(np.log2(K))

# %% spread
# How sure are these differences? The validation text is read as STREAMS streams side by
# side (as bits_per_char reads it, the state carried); each model's bits per character on
# each stream, and the difference of two models stream by stream: its mean, and a 95 %
# interval (Student's t over the streams). This measures how much the verdict depends on
# which text is read, not on the training's random seed.
STREAMS = 16
T_975 = 2.131                   # Student's t, 97.5 % quantile, 15 degrees of freedom


@torch.no_grad()
def stream_bits(net, data, batch=STREAMS, T=200, carry=True):
    """Bits per character of each of the `batch` streams (their mean is bits_per_char;
    carry=False: the state reset every T characters, as there)."""
    net.eval()
    totals, count, state = torch.zeros(batch, dtype=torch.float64), 0, None
    for x, y in stream_batches(data, batch, T):
        z, state = net(x, state if carry else None)
        loss = torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1),
                                                 reduction="none").reshape(y.shape)
        totals += loss.double().sum(dim=1)
        count += y.shape[1]
    net.train()
    return (totals / count / np.log(2)).numpy()


per_stream = {run: stream_bits(nets[run], val) for run in RUNS}


def gap(a, b):
    """Mean of b - a over the streams (bits per character; negative: b is better), half-width."""
    d = per_stream[b] - per_stream[a]
    return float(d.mean()), float(T_975 * d.std(ddof=1) / np.sqrt(len(d)))


gaps = {pair: gap(*pair) for pair in (("rnn", "gru"), ("rnn", "lstm"), ("lstm", "gru"))}
for (a, b), (mean, half) in gaps.items():
    print(f"{NAMES[b]} − {NAMES[a]}: {vi(mean, '+.3f')} ± {vi(half, '.3f')} bit mỗi ký tự "
          f"(95 %, {STREAMS} đoạn của tập kiểm định)")
(gru_rnn, gru_rnn_ci), (lstm_rnn, lstm_rnn_ci), (gru_lstm, gru_lstm_ci) = gaps.values()
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
SHOWN = ("rnn", "gru", "lstm")
by_context = {run: {n: bits_per_char(nets[run], val, batch=16, T=n, carry=False)
                    for n in CONTEXTS}
              for run in SHOWN}
print("ngữ cảnh tối đa   " + "".join(f"{NAMES[r]:>8}" for r in SHOWN))
for n in CONTEXTS:
    print(f"{n - 1:>8} ký tự   " + "".join(vi(by_context[r][n], "8.3f") for r in SHOWN))
print("  cả đoạn văn   " + "".join(vi(bpc[r], "8.3f") for r in SHOWN))
# how much each model gains by reading more than the last 9 characters
context_gain = {run: by_context[run][CONTEXTS[0]] - bpc[run] for run in SHOWN}
rnn_context_gain, gru_context_gain, lstm_context_gain = (context_gain[r] for r in SHOWN)
rnn_short, gru_short, lstm_short = (by_context[r][CONTEXTS[0]] for r in SHOWN)
# what reading more than the last 99 characters is worth (the state carried over the text)
far_gain = {run: by_context[run][CONTEXTS[-1]] - bpc[run] for run in SHOWN}
rnn_far_gain, gru_far_gain, lstm_far_gain = (far_gain[r] for r in SHOWN)

# %% far
# Is one model's gain from the far context larger than another's? The same gain on each
# of the STREAMS validation streams, and the difference of two models' gains: mean, 95 %
# interval.
far_streams = {run: stream_bits(nets[run], val, T=CONTEXTS[-1], carry=False)
               - per_stream[run] for run in SHOWN}


def far_gap(a, b):
    """Mean of b's far gain minus a's over the streams (bits per character), half-width."""
    d = far_streams[b] - far_streams[a]
    return float(d.mean()), float(T_975 * d.std(ddof=1) / np.sqrt(len(d)))


far_gaps = {pair: far_gap(*pair) for pair in (("rnn", "gru"), ("rnn", "lstm"))}
for (a, b), (mean, half) in far_gaps.items():
    print(f"lợi từ ngữ cảnh xa hơn {CONTEXTS[-1] - 1} ký tự, {NAMES[b]} − {NAMES[a]}: "
          f"{vi(mean, '+.3f')} ± {vi(half, '.3f')} bit mỗi ký tự (95 %, {STREAMS} đoạn)")
(far_gru_rnn, far_gru_rnn_ci), (far_lstm_rnn, far_lstm_rnn_ci) = far_gaps.values()

# %% figure echo=false
# 7 inches wide, the width of the page's column, and no text under 11 pt.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
COLORS = {"rnn": "tab:red", "gru": "tab:blue", "lstm": "tab:green"}
fig, ax = plt.subplots(figsize=(7, 4.4))
for run in RUNS:
    h = histories[run]
    ax.plot([r["chars"] / 1e6 for r in h], [r["bpc"] for r in h], marker="o", markersize=3,
            color=COLORS[run], label=f"{NAMES[run]}, H = {hidden[run]}: {vi(bpc[run], '.3f')}")
# the y-axis spans the trained runs from their first measurement (the untrained point is off)
top = max(r["bpc"] for run in RUNS for r in histories[run][1:])
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

TEMPERATURE, HOT, LENGTH = 0.5, 0.8, 320      # HOT: the temperature of the cell `hot`


def show(run, temperature, length=LENGTH):
    text = sample(nets[run], corpus, "\n", length, seed=0, temperature=temperature)
    print(f"--- {NAMES[run]} ({vi(bpc[run], '.2f')} bit mỗi ký tự)")
    for line in text.split("\n"):
        pieces = textwrap.wrap(line, 72, initial_indent="    ", subsequent_indent="    ",
                               drop_whitespace=False)
        print("\n".join(pieces) or "    ")


for run in SHOWN:
    show(run, TEMPERATURE)

# %% hot
# The same draws at the higher temperature: more varied, more invented words.
for run in SHOWN:
    show(run, HOT, 240)

# %% words
# How real are the words? Each model writes WORDS_CHARS characters at each temperature
# (seed 1, not the samples above); a word (letters and apostrophes) counts as real when it
# occurs in the training text, in any case; long words (LONG letters or more) are counted
# apart, since short ones (the, and, my) are easy. A line in capitals is a speaker's name:
# is it one of the names that head a speech in the training plays?
import re

WORDS_CHARS, LONG = 4000, 5
WORD = re.compile(r"[A-Za-z']*[A-Za-z]")
train_text = corpus.decode(corpus.train)
known_words = {w.lower() for w in WORD.findall(train_text)}
heads = (b.split("\n", 1)[0] for b in train_text.split("\n\n"))
known_names = {h for h in heads if h and h == h.upper()}
real_words, real_long, real_names, n_names = {}, {}, {}, {}
print("phần trăm từ có thật   " + "".join(f"{NAMES[r]:>8}" for r in SHOWN))
for kappa in (TEMPERATURE, HOT):
    for run in SHOWN:
        text = sample(nets[run], corpus, "\n", WORDS_CHARS, seed=1, temperature=kappa)
        words = WORD.findall(text)
        long_words = [w for w in words if len(w) >= LONG]
        real_words[run, kappa] = (100 * sum(w.lower() in known_words for w in words)
                                  / len(words))
        real_long[run, kappa] = (100 * sum(w.lower() in known_words for w in long_words)
                                 / len(long_words))
        names = [l for l in text.split("\n")
                 if len(re.sub("[^A-Za-z]", "", l)) > 1 and l == l.upper()]
        if kappa == TEMPERATURE:
            n_names[run] = len(names)
            real_names[run] = sum(n in known_names for n in names)
    print(f"κ = {vi(kappa, '.1f')}, mọi từ       "
          + "".join(vi(real_words[r, kappa], "8.0f") for r in SHOWN))
    print(f"κ = {vi(kappa, '.1f')}, từ ≥ {LONG} chữ   "
          + "".join(vi(real_long[r, kappa], "8.0f") for r in SHOWN))
print(f"tên người nói có thật (κ = {vi(TEMPERATURE, '.1f')}): "
      + ", ".join(f"{NAMES[r]} {real_names[r]}/{n_names[r]}" for r in SHOWN))
rnn_real, gru_real, lstm_real = (real_words[r, TEMPERATURE] for r in SHOWN)
rnn_long, gru_long, lstm_long = (real_long[r, TEMPERATURE] for r in SHOWN)
rnn_long_hot, gru_long_hot, lstm_long_hot = (real_long[r, HOT] for r in SHOWN)
names_real = sum(real_names.values())
names_total = sum(n_names.values())
