"""Part 3, section 2: the BPTT sum written out term by term equals numpy_rnn's BPTT.

dE/dW = sum_t sum_{k<=t} dE_t/ds_t ds_t/ds_k (ds_k/dW)_direct, computed with explicit
Jacobian products (snippets/rnn/gradients.py: dW_by_lag) on the example sentence of part 2,
against RNN.bptt (full and truncated). Then how large each distance's share is.

Run it as a reader would: python -m snippets.part3.bptt_sum
"""

# %% setup
import numpy as np

from snippets.rnn.data import (SENTENCE_END, SENTENCE_START, encode,
                               load_corpus, make_xy, tokenize)
from snippets.rnn.fmt import vi
from snippets.rnn.gradients import dW_by_lag
from snippets.rnn.numpy_rnn import RNN

K, H = 2000, 50
TAU = 4                                         # truncation of part 2 (bptt_truncate=4)
corpus = load_corpus(vocab_size=K, seed=0)
example = "The more I love, the more he hateth me."         # part 2's example sentence
x, y = make_xy(encode([SENTENCE_START, *tokenize(example), SENTENCE_END], corpus.word_to_index))
model = RNN(word_dim=K, hidden_dim=H, bptt_truncate=None, seed=0)   # untrained, full BPTT
T = len(x)
print(f"K = {K}, H = {H}, câu dài T = {T} bước:", " ".join(corpus.decode(x)))

# %% sum_check
C = dW_by_lag(model, x, y)     # C[j]: the terms of dE/dW with t - k = j
_, _, dW = model.bptt(x, y)    # part 2's BPTT, full
err_full = float(np.abs(C.sum(axis=0) - dW).max())
print(f"tổng theo t, k  so với  RNN.bptt:          "
      f"sai lệch lớn nhất {vi(err_full, '.1e')}")
model.bptt_truncate = TAU
_, _, dW_4 = model.bptt(x, y)  # truncated after TAU = 4 steps
model.bptt_truncate = None
err_trunc = float(np.abs(C[: TAU + 1].sum(axis=0) - dW_4).max())
print(f"tổng với t - k <= {TAU}  so với  bptt_truncate={TAU}: "
      f"sai lệch lớn nhất {vi(err_trunc, '.1e')}")

# %% shares
norm_dW = np.linalg.norm(dW)
# the size of each distance's part
share = np.array([np.linalg.norm(c) for c in C]) / norm_dW
for j in range(8):
    print(f"t - k = {j}:  ||C_{j}|| / ||dE/dW|| = {vi(share[j], '.2e')}")
share_1, share_4, share_7 = float(share[1]), float(share[4]), float(share[7])
# what truncation after TAU steps leaves out
trunc_error_4 = float(np.linalg.norm(dW_4 - dW) / norm_dW)
print(f"BPTT cắt cụt sau {TAU} bước lệch {vi(trunc_error_4, '.1e')} "
      f"(tương đối) so với BPTT đầy đủ")
