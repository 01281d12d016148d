"""Part 2, section 3: the numpy RNN of snippets/rnn/numpy_rnn.py before any training.

Its parameters, a forward pass over the example sentence of section 2, the loss on 1,000
sentences against ln K, and gradient checking on a small model.

Run it as a reader would: python -m snippets.part2.model_demo
"""

# %% setup
import numpy as np

from snippets.rnn.data import SENTENCE_END, SENTENCE_START, encode, load_corpus, make_xy, tokenize
from snippets.rnn.numpy_rnn import (RNN, backprop_through_time, dense_dU, gradient_check,
                                    numerical_gradient)

corpus = load_corpus(vocab_size=8000, seed=0)
example = "The more I love, the more he hateth me."       # the sentence of section 2
x, y = make_xy(encode([SENTENCE_START, *tokenize(example), SENTENCE_END], corpus.word_to_index))

# %% init
K, H = corpus.vocab_size, 100                   # K words in the vocabulary, H hidden units
BPTT_TRUNCATE = 4                               # BPTT goes back at most 4 steps (section 3.4)
model = RNN(word_dim=K, hidden_dim=H, bptt_truncate=BPTT_TRUNCATE, seed=0)
n_params = model.U.size + model.V.size + model.W.size
for name, fan_in in (("U", K), ("V", H), ("W", H)):
    P = getattr(model, name)
    print(f"{name}: {str(P.shape):<12} giới hạn ±1/√{fan_in} = ±{1 / np.sqrt(fan_in):.4f}, "
          f"nhỏ nhất {P.min():+.4f}, lớn nhất {P.max():+.4f}")
print(f"tổng số tham số: {n_params}")

# %% forward
o, s = model.forward(x)
T = len(x)
p_right = o[np.arange(T), y]                   # the probability o_t gives to the right next word
print("x:", x.shape, "  s:", s.shape, "  o:", o.shape)
print("tổng mỗi hàng của o:", o.sum(axis=1).round(12))
print("xác suất của từ đúng:", (p_right * 1e4).round(2), "× 10⁻⁴")
print("mô hình đoán:", corpus.decode(model.predict(x)))
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
print(f"mất mát của mô hình chưa học: {loss:.4f}")
print(f"ln K = ln {K}:               {ln_K:.4f}   (chênh {diff_pct:.3f}%)")

# %% gradcheck
# A small model, so that the numerical gradient (two losses per parameter) is quick.
K_small, H_small = 100, 10
small_corpus = load_corpus(vocab_size=K_small, seed=0)      # the same sentences, K = 100
xs, ys = make_xy(encode([SENTENCE_START, *tokenize(example), SENTENCE_END],
                        small_corpus.word_to_index))
small = RNN(word_dim=K_small, hidden_dim=H_small, bptt_truncate=2, seed=0)
n_small_params = small.U.size + small.V.size + small.W.size
n_losses_big = 2 * n_params                     # what the same check would cost on the big model


def bptt_forgetting_tanh(x, y):
    """A typical bug: going back in time, the factor tanh' = 1 - s^2 is left out."""
    o, s = small.forward(x)
    do = o.copy()
    do[np.arange(len(y)), y] -= 1
    delta = (do @ small.V) * (1 - s ** 2)
    da = backprop_through_time(delta, np.ones_like(s), small.W, None)   # should be 1 - s**2
    s_prev = np.vstack([np.zeros((1, small.hidden_dim)), s[:-1]])
    return dense_dU(da, x, small.word_dim), do.T @ s, da.T @ s_prev


checks = {
    "BPTT đầy đủ": gradient_check(small, xs, ys),                      # full BPTT
    "BPTT cắt cụt, k=2": gradient_check(small, xs, ys, bptt=small.bptt),
    "BPTT quên tanh'": gradient_check(small, xs, ys, bptt=bptt_forgetting_tanh),
}
print(f"{'sai số tương đối':<20}" + "".join(f"{name:>10}" for name in "UVW"))
for label, errors in checks.items():
    print(f"{label:<20}" + "".join(f"{errors[name]:>10.1e}" for name in "UVW"))
err_full_U, err_full_V, err_full_W = (checks["BPTT đầy đủ"][name] for name in "UVW")
err_bug_U, err_bug_V, err_bug_W = (checks["BPTT quên tanh'"][name] for name in "UVW")
worst_full = max(checks["BPTT đầy đủ"].values())
worst_truncated = max(checks["BPTT cắt cụt, k=2"].values())
worst_bug = max(checks["BPTT quên tanh'"].values())

# The worst entry of the full-BPTT check: a gradient so close to 0 that the rounding error of
# the numerical gradient is a sizeable part of it.
dV = RNN(word_dim=K_small, hidden_dim=H_small, bptt_truncate=None, seed=0).bptt(xs, ys)[1]
dV_numeric = numerical_gradient(small, "V", xs, ys)
worst = np.unravel_index(np.argmax(np.abs(dV - dV_numeric) / (np.abs(dV) + np.abs(dV_numeric))),
                         dV.shape)
worst_analytic, worst_numeric = float(dV[worst]), float(dV_numeric[worst])
largest_dV = float(np.abs(dV).max())
print(f"ô tệ nhất của dV{list(map(int, worst))}: giải tích {worst_analytic:.6e}, "
      f"số {worst_numeric:.6e} (ô lớn nhất của dV: {largest_dV:.2e})")
