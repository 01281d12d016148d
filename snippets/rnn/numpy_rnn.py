"""A word-level RNN language model in plain numpy.

    a_t = U x_t + W s_{t-1}      x_t: one-hot word (never built: U x_t = U[:, x_t])
    s_t = tanh(a_t)              hidden state, s_{-1} = 0
    z_t = V s_t                  scores
    o_t = softmax(z_t)           distribution over the next word
    L   = -sum_t log o_t[y_t]    cross-entropy, y_t = x_{t+1}

Shapes (K = vocabulary size, H = hidden size, T = sentence length):
    U (H, K)   one column per word
    W (H, H)
    V (K, H)
    s (T, H), o (T, K)

The speed comes from never touching the K columns of U that a sentence does
not use: the forward pass picks columns, the SGD step updates only those.
Compare `naive_rnn.py`, the same model with one-hot vectors and dense updates.

Run `python -m snippets.rnn.numpy_rnn` for a small training demo on the plays.
"""
from __future__ import annotations

import copy

import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (shifted by the max for stability)."""
    e = z - z.max(axis=-1, keepdims=True)     # new array; z is left alone
    np.exp(e, out=e)                          # in place: no extra (T, K) temporaries
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_inplace(z: np.ndarray) -> np.ndarray:
    """softmax(z) written over z, with the same arithmetic as `softmax`."""
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log(softmax(z)) over the last axis, without forming softmax(z)."""
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def log_softmax_at(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log softmax(z_t)[y_t] for every row t of z (n, K). Overwrites z."""
    z_max = z.max(axis=1)                              # (n,)
    picked = z[np.arange(len(y)), y] - z_max           # (n,)  z_t[y_t] - max
    z -= z_max[:, None]
    np.exp(z, out=z)
    return picked - np.log(z.sum(axis=1))              # z_t[y_t] - log sum exp z_t


def uniform_init(rng, fan_in: int, shape, dtype) -> np.ndarray:
    """Uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)]."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(dtype)


class RNN:
    """Parameters U, V, W and the maths of one sentence.

    bptt_truncate: the loss at step t is backpropagated through at most this
    many earlier steps (t, t-1, ..., t-bptt_truncate); None = full BPTT.
    """

    def __init__(self, word_dim: int, hidden_dim: int = 100,
                 bptt_truncate: int | None = 4, seed: int = 0,
                 dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.word_dim, self.hidden_dim = word_dim, hidden_dim
        self.bptt_truncate = bptt_truncate
        self.dtype = np.dtype(dtype)
        H, K = hidden_dim, word_dim
        self.U = uniform_init(rng, K, (H, K), dtype)      # fan-in K
        self.V = uniform_init(rng, H, (K, H), dtype)      # fan-in H
        self.W = uniform_init(rng, H, (H, H), dtype)      # fan-in H
        self._buffers = {}          # scratch arrays that sgd_step reuses

    # ------------------------------------------------------------ forward

    def states(self, x: np.ndarray) -> np.ndarray:
        """The recurrence alone: x (T,) word indices -> s (T, H)."""
        T, H = len(x), self.hidden_dim
        Ux = self.U[:, x].T                          # (T, H)  U x_t = column x_t of U
        s = np.empty((T, H), self.dtype)             # (T, H)
        s_prev = np.zeros(H, self.dtype)             # (H,)    s_{-1} = 0
        for t in range(T):
            s_t = s[t]                               # (H,)    a view of s
            np.matmul(self.W, s_prev, out=s_t)       # W s_{t-1}
            s_t += Ux[t]                             # a_t = U x_t + W s_{t-1}
            np.tanh(s_t, out=s_t)                    # s_t = tanh(a_t)
            s_prev = s_t
        return s

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x: word indices (T,). Returns o (T, K) and s (T, H)."""
        s = self.states(x)                           # (T, H)
        # (T, K) o_t = softmax(V s_t), every t in one matrix product
        o = softmax(s @ self.V.T)
        return o, s

    def step(self, word: int, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One time step for generation: the scores V s_t (K,) and s_t."""
        s = np.tanh(self.U[:, word] + self.W @ s_prev)
        return self.V @ s, s

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most likely next word at every step (T,)."""
        o, _ = self.forward(x)
        return o.argmax(axis=1)

    # --------------------------------------------------------------- loss

    def sentence_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """-sum_t log o_t[y_t] for one sentence."""
        o, _ = self.forward(x)
        return float(-np.log(o[np.arange(len(y)), y]).sum())

    def total_loss(self, X, Y, chunk: int = 128) -> float:
        """Cross-entropy summed over every token of every sentence.

        The states are computed sentence by sentence, then the output layer
        runs on `chunk` tokens at a time, in one reused (chunk, K) buffer
        (fresh large arrays cost more than the arithmetic)."""
        if len(X) == 0:
            return 0.0
        S = np.concatenate([self.states(x) for x in X])  # (N, H)  all tokens
        targets = np.concatenate(Y)                      # (N,)
        z = np.empty((chunk, self.word_dim), self.dtype)  # (chunk, K)
        loss = 0.0
        for i in range(0, len(S), chunk):
            n = min(chunk, len(S) - i)
            np.matmul(S[i: i + n], self.V.T, out=z[:n])  # scores V s_t
            loss -= float(log_softmax_at(z[:n], targets[i: i + n]).sum())
        return loss

    def mean_loss(self, X, Y) -> float:
        """Cross-entropy per token (ln K for a model that knows nothing)."""
        return self.total_loss(X, Y) / sum(len(y) for y in Y)

    # ----------------------------------------------------------- backward

    def backward(self, x, y, o, s
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradients from a forward pass, with dU left sparse.

        Returns da (T, H), dV (K, H), dW (H, H), where da[t] is the gradient
        with respect to a_t; since a_t = U[:, x_t] + ..., da[t] is also what
        column x_t of U receives (see dense_dU)."""
        T = len(y)
        # dL/dz_t = o_t - onehot(y_t)         [softmax + cross-entropy]
        do = o.copy()                                 # (T, K)
        do[np.arange(T), y] -= 1
        # dL/dV = sum_t dL/dz_t s_t^T           [z_t = V s_t]
        dV = do.T @ s                                 # (K, H)
        # dL_t/ds_t = V^T dL/dz_t               [chain rule through z_t]
        ds = do @ self.V                              # (T, H)
        # ds_t/da_t = 1 - s_t^2                 [tanh' = 1 - tanh^2]
        dtanh = 1 - s * s                             # (T, H)
        # dL/da_t                               [chain rule back in time]
        da = backprop_through_time(ds * dtanh, dtanh, self.W,
                                   self.bptt_truncate)  # (T, H)
        s_prev = np.vstack([np.zeros((1, self.hidden_dim), self.dtype),
                            s[:-1]])                  # (T, H) s_{t-1}
        # dL/dW = sum_t dL/da_t s_{t-1}^T       [a_t = U x_t + W s_{t-1}]
        dW = da.T @ s_prev                            # (H, H)
        return da, dV, dW

    def bptt(self, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense gradients (dU, dV, dW) of the sentence loss."""
        o, s = self.forward(x)
        da, dV, dW = self.backward(x, y, o, s)
        return dense_dU(da, x, self.word_dim), dV, dW

    # --------------------------------------------------------------- SGD

    def sgd_step(self, x, y, learning_rate: float) -> None:
        """One SGD step on one sentence; only the columns x of U change.

        The maths of `backward`, arranged for the memory: no large array is
        made afresh (a fresh (K, H) array costs more than the arithmetic on
        it), the scores, then o_t, then dL/dz_t are written over one reused
        (T, K) buffer, and V (6.4 MB at K=8000, H=100 in float64: more than
        the CPU's caches keep between two steps) is walked twice, a block of
        rows at a time, instead of three times: once for the scores, once for
        ds and V's update together. ds is then summed block by block, in
        another order than one product do @ V, so the new parameters equal
        those of `reference_sgd_step` up to rounding (a few units in the
        last place of the largest entry), not to the last bit."""
        T, lr = len(x), learning_rate
        s = self.states(x)                            # (T, H)
        do = self._scores(s)                          # (T, K) z_t = V s_t
        softmax_inplace(do)                           # (T, K) o_t
        # dL/dz_t = o_t - onehot(y_t)         [softmax + cross-entropy]
        do[np.arange(T), y] -= 1
        # dL/ds_t = V^T dL/dz_t, then V -= lr dL/dV   [z_t = V s_t]
        ds = self._ds_and_update_V(do, s, lr)         # (T, H)
        # ds_t/da_t = 1 - s_t^2                 [tanh' = 1 - tanh^2]
        dtanh = 1 - s * s                             # (T, H)
        # dL/da_t                               [chain rule back in time]
        da = backprop_through_time(ds * dtanh, dtanh, self.W,
                                   self.bptt_truncate)  # (T, H)
        s_prev = np.vstack([np.zeros((1, self.hidden_dim), self.dtype),
                            s[:-1]])                  # (T, H) s_{t-1}
        # dL/dW = sum_t dL/da_t s_{t-1}^T       [a_t = U x_t + W s_{t-1}]
        self.W -= lr * (da.T @ s_prev)                # (H, H)
        # dL/dU[:, x_t] += dL/da_t              [a_t = U[:, x_t] + ...]
        # U[:, x_t] -= lr da_t; a repeated word's updates add up
        np.add.at(self.U, (slice(None), x), -lr * da.T)

    def _scores(self, s: np.ndarray, block: int = 1024) -> np.ndarray:
        """The scores z_t = V s_t of every step, (T, K), in the reused
        buffer, `block` rows of V at a time (800 KB at H=100 in float64).

        Each block is first read once in order (`V_blk.sum()`, its result
        unused): the CPU streams such a read in from memory at full speed,
        and the product then finds the block in its cache. Without it the
        product waits on memory longer than the reading takes
        (bench/rnn_step.py, section 3, measures the step)."""
        do = self._buffer("scores", (len(s), self.word_dim))   # (T, K)
        for i in range(0, self.word_dim, block):
            V_blk = self.V[i: i + block]              # (b, H)
            V_blk.sum()                               # bring it into the cache
            np.matmul(s, V_blk.T, out=do[:, i: i + block])   # z_t, columns i..
        return do

    def _ds_and_update_V(self, do, s, lr: float, block: int = 256
                         ) -> np.ndarray:
        """ds = do V (T, H) with V as it was, and V -= lr do^T s, in one pass
        over V: each block of rows is brought into the cache (as in
        `_scores`), gives its share of ds, then gets its update while it is
        still there. lr is applied to s once, (T, H), rather than to every
        block of dL/dV; the block of lr dL/dV lives in a small reused
        buffer. Returns ds, summed block by block."""
        T, H = s.shape
        ds = np.zeros((T, H), self.dtype)             # (T, H)
        part = self._buffer("ds", (T, H))             # (T, H) a block's share
        lr_dV = self._buffer("dV", (block, H))        # (b, H) lr dL/dV, a block
        lr_s = lr * s                                 # (T, H)
        for i in range(0, self.word_dim, block):
            V_blk = self.V[i: i + block]              # (b, H) a view of V
            do_blk = do[:, i: i + block]              # (T, b)
            V_blk.sum()                               # bring it into the cache
            # dL/ds_t += V_blk^T dL/dz_t[blk]     [chain rule through z_t]
            ds += np.matmul(do_blk, V_blk, out=part)
            # lr dL/dV[blk] = sum_t dL/dz_t[blk] (lr s_t)^T   [z_t = V s_t]
            d = np.matmul(do_blk.T, lr_s, out=lr_dV[: len(V_blk)])
            V_blk -= d
        return ds

    def _buffer(self, name: str, shape) -> np.ndarray:
        """A reused scratch array of at least `shape` (rows grow as needed),
        cut to `shape`; its contents are left over from earlier steps."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape[0] < shape[0] or buf.dtype != self.dtype:
            rows = max(shape[0], 2 * (0 if buf is None else buf.shape[0]), 32)
            buf = self._buffers[name] = np.empty((rows, *shape[1:]), self.dtype)
        return buf[: shape[0]]

    def reference_sgd_step(self, x, y, learning_rate: float) -> None:
        """The same step written plainly from `backward`: fresh arrays for
        o, dL/dz and dL/dV, and V read three times. `sgd_step` must give
        these parameters, up to rounding (its sums run in another order)."""
        o, s = self.forward(x)
        da, dV, dW = self.backward(x, y, o, s)
        dV *= learning_rate
        self.V -= dV
        self.W -= learning_rate * dW
        np.add.at(self.U, (slice(None), x), -learning_rate * da.T)


def backprop_through_time(delta: np.ndarray, dtanh: np.ndarray,
                          W: np.ndarray,
                          bptt_truncate: int | None) -> np.ndarray:
    """Sum, for every step m, the gradients dL_t/da_m that reach it.

    delta[t] = dL_t/da_t (T, H): each loss's gradient at its own step.
    Going one step back:  dL_t/da_{m-1} = (W^T dL_t/da_m) * (1 - s_{m-1}^2);
    with gradients stored as rows, W^T g is written g @ W.
    With truncation k, dL_t only reaches steps m >= t - k."""
    T = len(delta)
    if bptt_truncate is None or bptt_truncate >= T - 1:
        da = np.empty_like(delta)                     # (T, H)
        carry = np.zeros_like(delta[0])   # (H,) dL/da_{t+1}, all later losses
        for t in reversed(range(T)):
            # dL/da_t = dL_t/da_t + W^T dL/da_{t+1} * tanh'   [chain rule]
            carry = delta[t] + (carry @ W) * dtanh[t]
            da[t] = carry
        return da
    # Truncated: carry every loss back one step at a time, k times, all
    # positions at once (at lag j, row m holds dL_{m+j}/da_m).
    da = delta.copy()                                 # (T, H)  lag 0
    lag = delta
    for j in range(1, bptt_truncate + 1):
        # dL_{m+j}/da_m = W^T dL_{m+j}/da_{m+1} * tanh'   [chain rule]
        lag = (lag[1:] @ W) * dtanh[: T - j]          # (T-j, H)
        da[: T - j] += lag              # sum over the losses reaching step m
    return da


def dense_dU(da: np.ndarray, x: np.ndarray, word_dim: int) -> np.ndarray:
    """Scatter da (T, H) into the columns x of a zero (H, K) matrix."""
    dU = np.zeros((da.shape[1], word_dim), da.dtype)  # (H, K)
    # dL/dU[:, x_t] += da_t                  [a_t = U[:, x_t] + ...]
    np.add.at(dU, (slice(None), x), da.T)
    return dU


# ----------------------------------------------------------- gradient check

def relative_error(analytic: np.ndarray, numeric: np.ndarray,
                   floor: float = 1e-12) -> float:
    """max_i |a_i - n_i| / max(|a_i| + |n_i|, floor)  (0 where both are ~0)."""
    diff = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    return float((diff / scale).max())


def numerical_gradient(model: RNN, name: str, x, y, h: float = 1e-5) -> np.ndarray:
    """dL/dP by central differences (L(P+h) - L(P-h)) / 2h, one entry at a time."""
    P = getattr(model, name)
    grad = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        old = P[idx]
        P[idx] = old + h
        plus = model.sentence_loss(x, y)
        P[idx] = old - h
        minus = model.sentence_loss(x, y)
        P[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def gradient_check(model: RNN, x, y, h: float = 1e-5, bptt=None) -> dict[str, float]:
    """Relative error between analytic and numerical gradients, per parameter.

    bptt(x, y) -> (dU, dV, dW) defaults to the model's own, with full BPTT
    (truncated BPTT is deliberately not the exact gradient). Use float64 and
    a small model: this costs two losses per parameter entry."""
    full = copy.copy(model)                   # shares U, V, W with `model`
    full.bptt_truncate = None
    analytic = dict(zip("UVW", (bptt or full.bptt)(x, y)))
    return {name: relative_error(analytic[name],
                                 numerical_gradient(full, name, x, y, h))
            for name in "UVW"}


# ----------------------------------------------------------------- training

def train_with_sgd(model: RNN, X, Y, learning_rate: float = 0.005,
                   nepoch: int = 1, evaluate_every: int | None = None,
                   X_val=None, Y_val=None, log=None,
                   fmt=format) -> list[dict]:
    """Plain SGD, one sentence at a time, in the order given.

    Every `evaluate_every` sentences (default: once per epoch) and at the end,
    the mean loss is measured on (X_val, Y_val), or on (X, Y) if no
    validation set is given; when it went up, the learning rate is halved.
    Each measurement is passed to `log` as a line of text, its numbers
    written by fmt(value, spec) (e.g. fmt=snippets.rnn.fmt.vi).
    Returns the history: [{"seen", "loss", "learning_rate"}, ...]."""
    X_eval, Y_eval = (X, Y) if X_val is None else (X_val, Y_val)
    every = evaluate_every or len(X)
    history = []

    def evaluate(seen):
        nonlocal learning_rate
        loss = model.mean_loss(X_eval, Y_eval)
        if history and loss > history[-1]["loss"]:
            learning_rate *= 0.5                  # overshooting: take smaller steps
        history.append({"seen": seen, "loss": loss, "learning_rate": learning_rate})
        if log:
            log(f"seen={seen:7d}  loss={fmt(loss, '.4f')}  "
                f"lr={fmt(learning_rate, 'g')}")

    seen = 0
    evaluate(seen)
    for _ in range(nepoch):
        for x, y in zip(X, Y):
            model.sgd_step(x, y, learning_rate)
            seen += 1
            if seen % every == 0:
                evaluate(seen)
    if history[-1]["seen"] != seen:
        evaluate(seen)
    return history


# ----------------------------------------------------------------- sampling

def generate_sentence(model: RNN, index_to_word: list[str], seed=None,
                      temperature: float = 1.0, max_length: int = 30) -> list[str]:
    """Sample words after SENTENCE_START until SENTENCE_END (or max_length).

    Probabilities are softmax(V s_t / temperature) (temperature 0 = greedy);
    UNKNOWN_TOKEN and SENTENCE_START are never drawn. `seed` is an int or a
    numpy Generator: the same seed gives the same sentence."""
    from .data import SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN
    rng = np.random.default_rng(seed)
    word_to_index = {w: i for i, w in enumerate(index_to_word)}
    banned = [word_to_index[UNKNOWN_TOKEN], word_to_index[SENTENCE_START]]
    end = word_to_index[SENTENCE_END]
    word, s = word_to_index[SENTENCE_START], np.zeros(model.hidden_dim, model.dtype)
    words = []
    while len(words) < max_length:
        z, s = model.step(word, s)
        z = z.astype(np.float64)
        z[banned] = -np.inf
        if temperature == 0:
            word = int(z.argmax())
        else:
            word = int(rng.choice(len(z), p=softmax(z / temperature)))
        if word == end:
            break
        words.append(index_to_word[word])
    return words


def main() -> None:
    """Train a small model on part of the plays and print a few sentences."""
    import time
    from .data import load_corpus
    corpus = load_corpus(vocab_size=2000, max_sentences=20000, seed=0)
    X = [x for x in corpus.X_train if len(x) <= 20][:5000]
    Y = [y for y in corpus.y_train if len(y) <= 20][:5000]
    model = RNN(corpus.vocab_size, hidden_dim=50, bptt_truncate=4, seed=0)
    print(f"K={corpus.vocab_size} H=50, {len(X)} training sentences, "
          f"ln K = {np.log(corpus.vocab_size):.3f}")
    start = time.perf_counter()
    train_with_sgd(model, X, Y, learning_rate=0.005, nepoch=2, evaluate_every=2500,
                   X_val=corpus.X_val[:500], Y_val=corpus.y_val[:500], log=print)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    for i in range(5):
        print(" ".join(generate_sentence(model, corpus.index_to_word,
                                         seed=i, temperature=0.8)))


if __name__ == "__main__":
    main()
