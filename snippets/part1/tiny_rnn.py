"""A tiny RNN in numpy, untrained, reading "Đẹp trai lắm gái theo" one word at a time.

    s_t = tanh(U x_t + W s_{t-1})      s_0 = 0
    o_t = softmax(V s_t)               a distribution over the word that comes next

Run it as a reader would: python -m snippets.part1.tiny_rnn
"""

# How arrays print: 3 decimals, aligned (hidden, so that the post shows only the RNN).
import numpy as _np

_np.set_printoptions(precision=3, suppress=True, floatmode="fixed", sign=" ")

# %% vocab
import numpy as np

from snippets.rnn.fmt import vi

# the vocabulary: 5 words and the tokens that start and end a sentence
words = ["SENTENCE_START", "đẹp", "trai", "lắm", "gái", "theo",
         "SENTENCE_END"]
index = {w: i for i, w in enumerate(words)}
n_vocab = len(words)      # K: 5 words + start and end of sentence
H = 4                     # size of the hidden state s_t


def one_hot(i):
    """The word with index i as a one-hot vector x_t of shape (K,)."""
    x = np.zeros(n_vocab)
    x[i] = 1.0
    return x


print("  ".join(f"{i}:{w}" for w, i in index.items()))
print("x_t của 'trai' =", one_hot(index["trai"]).astype(int))

# %% params
rng = np.random.default_rng(0)
U = rng.uniform(-1, 1, (H, n_vocab)) / np.sqrt(n_vocab)  # (H, K) input
W = rng.uniform(-1, 1, (H, H)) / np.sqrt(H)              # (H, H) hidden
V = rng.uniform(-1, 1, (n_vocab, H)) / np.sqrt(H)        # (K, H) output
print("U", U.shape, " W", W.shape, " V", V.shape)


# %% step
def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def step(x_t, s_prev):
    """One time step: the same U, W, V at every t."""
    s_t = np.tanh(U @ x_t + W @ s_prev)   # (H,)
    o_t = softmax(V @ s_t)                # (K,)
    return s_t, o_t


# %% forward
sentence = ["đẹp", "trai", "lắm", "gái", "theo"]
s_t = np.zeros(H)                         # s_0: nothing read yet
outputs = []
for t, word in enumerate(sentence, start=1):
    x_t = one_hot(index[word])            # (K,)
    s_t, o_t = step(x_t, s_t)
    outputs.append(o_t)
    print(f"t={t}  x_t = {word} (chỉ số {index[word]})")
    print("     s_t = [" + "  ".join(vi(v, "+.3f") for v in s_t) + "]")
    print(f"     o_t: shape {o_t.shape}, tổng = {vi(o_t.sum(), '.3f')}")

# %% guess
# Step 4 has read "đẹp trai lắm gái": how likely is "theo" next?
p_theo = float(outputs[3][index["theo"]])
p_uniform = 1 / n_vocab          # what a network that guesses blindly gives
best = words[int(outputs[3].argmax())]
print("o_4 = [" + "  ".join(vi(v, ".3f") for v in outputs[3]) + "]")
print(f"P(theo | đẹp trai lắm gái) = {vi(p_theo, '.3f')}   "
      f"(1/K = {vi(p_uniform, '.3f')})")
print("từ được đoán nhiều nhất:", best)
p_theo
