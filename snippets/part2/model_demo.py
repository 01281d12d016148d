"""Part 2, section 3: the numpy RNN of snippets/rnn/numpy_rnn.py before any training.

Its parameters, a forward pass over the example sentence of section 2, the loss on 1,000
sentences against ln K, and gradient checking on a small model.

Run it as a reader would: python -m snippets.part2.model_demo
"""

# %% setup
import textwrap

import numpy as np

from snippets.rnn.data import (SENTENCE_END, SENTENCE_START, encode,
                               load_corpus, make_xy, tokenize)
from snippets.rnn.fmt import vi
from snippets.rnn.numpy_rnn import (RNN, backprop_through_time, dense_dU,
                                    gradient_check, numerical_gradient)

corpus = load_corpus(vocab_size=8000, seed=0)
# the sentence of section 2
example = "The more I love, the more he hateth me."
x, y = make_xy(encode([SENTENCE_START, *tokenize(example), SENTENCE_END],
                      corpus.word_to_index))

# %% init
K, H = corpus.vocab_size, 100      # K words in the vocabulary, H hidden units
BPTT_TRUNCATE = 4                  # BPTT goes back at most 4 steps (3.4)
model = RNN(word_dim=K, hidden_dim=H, bptt_truncate=BPTT_TRUNCATE, seed=0)
n_params = model.U.size + model.V.size + model.W.size
for name, fan_in in (("U", K), ("V", H), ("W", H)):
    P = getattr(model, name)
    print(f"{name}: {str(P.shape):<12} giới hạn ±1/√{fan_in} = "
          f"±{vi(1 / np.sqrt(fan_in), '.4f')}, nhỏ nhất {vi(P.min(), '+.4f')}, "
          f"lớn nhất {vi(P.max(), '+.4f')}")
print(f"tổng số tham số: {n_params}")

# %% forward
o, s = model.forward(x)
T = len(x)
p_right = o[np.arange(T), y]    # the probability o_t gives the right word
print("x:", x.shape, "  s:", s.shape, "  o:", o.shape)
print("tổng mỗi hàng của o:", " ".join(vi(v, ".12g") for v in o.sum(axis=1)))
print("xác suất của từ đúng (× 10⁻⁴):",
      " ".join(vi(v, ".2f") for v in p_right * 1e4))
print(textwrap.fill("mô hình đoán: " + " ".join(corpus.decode(model.predict(x))),
                    width=80))
p_right_mean = float(p_right.mean())
uniform = 1 / K

# %% loss
X, Y = corpus.X_train[:1000], corpus.y_train[:1000]
n_sentences = len(X)
n_tokens = sum(len(y) for y in Y)
loss = model.mean_loss(X, Y)                    # cross-entropy per token
ln_K = float(np.log(K))
diff_pct = 100 * abs(loss - ln_K) / ln_K
print(f"{len(X)} câu, {n_tokens} từ cần đoán")
print(f"mất mát của mô hình chưa học: {vi(loss, '.4f')}")
print(f"ln K = ln {K}:               {vi(ln_K, '.4f')}   "
      f"(chênh {vi(diff_pct, '.3f')}%)")

# %% gradcheck
# A small model, so that the numerical gradient (two losses per parameter)
# is quick; it is truncated after k = BPTT_TRUNCATE steps, like the big one.
K_small, H_small = 100, 10
small_corpus = load_corpus(vocab_size=K_small, seed=0)  # same sentences
xs, ys = make_xy(encode([SENTENCE_START, *tokenize(example), SENTENCE_END],
                        small_corpus.word_to_index))
small = RNN(word_dim=K_small, hidden_dim=H_small,
            bptt_truncate=BPTT_TRUNCATE, seed=0)
n_small_params = small.U.size + small.V.size + small.W.size
n_losses_big = 2 * n_params     # what the same check costs on the big model


def bptt_forgetting_tanh(x, y):
    """A typical bug: going back in time, tanh' = 1 - s^2 is left out."""
    o, s = small.forward(x)
    do = o.copy()
    do[np.arange(len(y)), y] -= 1
    delta = (do @ small.V) * (1 - s ** 2)
    # the bug: ones where 1 - s**2 belongs
    da = backprop_through_time(delta, np.ones_like(s), small.W, None)
    s_prev = np.vstack([np.zeros((1, small.hidden_dim)), s[:-1]])
    return dense_dU(da, x, small.word_dim), do.T @ s, da.T @ s_prev


TRUNCATED = f"BPTT cắt cụt, τ={BPTT_TRUNCATE}"
checks = {
    "BPTT đầy đủ": gradient_check(small, xs, ys),             # full BPTT
    TRUNCATED: gradient_check(small, xs, ys, bptt=small.bptt),
    "BPTT quên tanh'": gradient_check(small, xs, ys,
                                      bptt=bptt_forgetting_tanh),
}

# %% gradcheck_table
# the table of the checks, and the figures the text quotes
print(f"{'sai số tương đối':<20}" + "".join(f"{n:>10}" for n in "UVW"))
for label, errors in checks.items():
    print(f"{label:<20}"
          + "".join(f"{vi(errors[n], '.1e'):>10}" for n in "UVW"))
err_full_U, err_full_V, err_full_W = (checks["BPTT đầy đủ"][n]
                                      for n in "UVW")
err_bug_U, err_bug_V, err_bug_W = (checks["BPTT quên tanh'"][n]
                                   for n in "UVW")
worst_full = max(checks["BPTT đầy đủ"].values())
worst_truncated = max(checks[TRUNCATED].values())
worst_bug = max(checks["BPTT quên tanh'"].values())

# %% truncated
# Truncated BPTT against the true gradient (full BPTT, which matched the
# numerical one above): no entry is zeroed, but where the far losses
# outweigh the near ones, an entry changes sign, and its relative error is
# exactly 1. Over whole arrays the error is small.
full = RNN(word_dim=K_small, hidden_dim=H_small, bptt_truncate=None, seed=0)
true_grad = dict(zip("UVW", full.bptt(xs, ys)))
cut_grad = dict(zip("UVW", small.bptt(xs, ys)))
for n in "UW":
    a, f = cut_grad[n], true_grad[n]
    whole = np.linalg.norm(a - f) / (np.linalg.norm(a) + np.linalg.norm(f))
    flips = np.flatnonzero((np.sign(a) != np.sign(f)) & (f != 0))
    zeroed = int(np.sum((a == 0) & (f != 0)))
    print(f"d{n}: sai số của cả mảng {vi(100 * whole, '.1f')}%, "
          f"{len(flips)} ô đổi dấu, {zeroed} ô bị đưa về 0")
    if n == "U":
        whole_U, flips_U = 100 * whole, len(flips)
        flip = np.unravel_index(flips[0], a.shape)
    else:
        whole_W, flips_W = 100 * whole, len(flips)
flip_row, flip_col = map(int, flip)
flip_cut = float(cut_grad["U"][flip])
flip_true = float(true_grad["U"][flip])
print(f"ví dụ dU[{flip_row}, {flip_col}]: cắt cụt {vi(flip_cut, '+.5f')}, "
      f"thật {vi(flip_true, '+.5f')}")

# %% worst_V
# The worst entry of the full-BPTT check: a gradient so close to 0 that the
# rounding error of the numerical gradient is a sizeable part of it.
dV = true_grad["V"]
dV_numeric = numerical_gradient(small, "V", xs, ys)
rel = np.abs(dV - dV_numeric) / (np.abs(dV) + np.abs(dV_numeric))
worst = np.unravel_index(np.argmax(rel), dV.shape)
worst_row, worst_col = map(int, worst)
worst_analytic, worst_numeric = float(dV[worst]), float(dV_numeric[worst])
largest_dV = float(np.abs(dV).max())
print(f"ô tệ nhất của dV{list(map(int, worst))}: "
      f"giải tích {vi(worst_analytic, '.6e')}, số {vi(worst_numeric, '.6e')}")
print(f"(ô lớn nhất của dV: {vi(largest_dV, '.2e')})")
