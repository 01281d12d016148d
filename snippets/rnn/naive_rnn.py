"""The same RNN written the straightforward way, to measure what the fast one saves.

Same parameters, same equations, same results as `numpy_rnn.RNN`, but:
  * every input word is a one-hot vector of length K, multiplied by U (H, K);
  * outputs are computed one step at a time (V s_t, a (K, H) matrix-vector product);
  * BPTT is the textbook double loop, with dU accumulated as outer products
    with one-hot vectors, i.e. a full (H, K) matrix per inner step;
  * SGD updates every entry of U, V and W.
"""
from __future__ import annotations

import numpy as np

from .numpy_rnn import RNN, softmax


def one_hot(index: int, size: int, dtype=np.float64) -> np.ndarray:
    """A (size,) vector of zeros with a 1 at `index`."""
    v = np.zeros(size, dtype)
    v[index] = 1
    return v


class NaiveRNN(RNN):
    """numpy_rnn.RNN with one-hot inputs and dense gradients."""

    def states(self, x):
        T, H, K = len(x), self.hidden_dim, self.word_dim
        s = np.zeros((T, H), self.dtype)                   # (T, H)
        s_prev = np.zeros(H, self.dtype)
        for t in range(T):
            x_t = one_hot(x[t], K, self.dtype)             # (K,)
            # s_t = tanh(U x_t + W s_{t-1})
            s[t] = np.tanh(self.U @ x_t + self.W @ s_prev)
            s_prev = s[t]
        return s

    def forward(self, x):
        s = self.states(x)                                 # (T, H)
        o = np.zeros((len(x), self.word_dim), self.dtype)  # (T, K)
        for t in range(len(x)):            # o_t = softmax(V s_t), step by step
            o[t] = softmax(self.V @ s[t])
        return o, s

    def total_loss(self, X, Y):
        return sum(self.sentence_loss(x, y) for x, y in zip(X, Y))

    def bptt(self, x, y):
        T, H, K = len(y), self.hidden_dim, self.word_dim
        k = self.bptt_truncate
        o, s = self.forward(x)
        dU = np.zeros_like(self.U)                         # (H, K)
        dV = np.zeros_like(self.V)                         # (K, H)
        dW = np.zeros_like(self.W)                         # (H, H)
        do = o.copy()              # dL_t/dz_t = o_t - onehot(y_t)
        do[np.arange(T), y] -= 1
        for t in reversed(range(T)):
            dV += np.outer(do[t], s[t])        # dL_t/dV = do_t s_t^T
            # dL_t/da_t = V^T do_t * tanh'(a_t)
            delta = (self.V.T @ do[t]) * (1 - s[t] ** 2)
            oldest = 0 if k is None else max(0, t - k)
            for m in range(t, oldest - 1, -1):     # walk back from step t
                s_prev = s[m - 1] if m > 0 else np.zeros(H, self.dtype)
                # dL_t/dW += delta s_{m-1}^T, dL_t/dU += delta x_m^T
                dW += np.outer(delta, s_prev)
                dU += np.outer(delta, one_hot(x[m], K, self.dtype))
                # dL_t/da_{m-1} = W^T delta * tanh'(a_{m-1})
                delta = (self.W.T @ delta) * (1 - s_prev ** 2)
        return dU, dV, dW

    def sgd_step(self, x, y, learning_rate):
        dU, dV, dW = self.bptt(x, y)
        # all H*K entries, though most of dU is 0
        self.U -= learning_rate * dU
        self.V -= learning_rate * dV
        self.W -= learning_rate * dW
