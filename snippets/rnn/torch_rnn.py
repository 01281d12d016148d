"""The RNN language model in PyTorch, twice.

1. By hand: the parameters U (H, K), W (H, H), V (K, H) of `numpy_rnn.RNN`
   as tensors, the same equations, and autograd instead of our BPTT. In
   float64 it matches the numpy model number for number.
2. With modules: nn.Embedding -> nn.RNN(tanh) -> nn.Linear, trained on
   padded mini-batches (padding ignored by the loss).

Both work on padded batches x, y of shape (B, T); a 1-D sentence (T,) is a
batch of one. Targets equal to PAD (-100) do not count in the loss.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
PAD = -100  # target value ignored by F.cross_entropy (its default ignore_index)


# ------------------------------------------------------------ batches

def pad_batch(X, Y, device=DEVICE) -> tuple[torch.Tensor, torch.Tensor]:
    """Lists of index arrays -> x (B, T) padded with 0, y (B, T) padded with PAD.

    Padding goes at the end, so (the RNN being causal) it never changes the
    states or outputs of real positions; only the loss must skip it."""
    T = max(len(x) for x in X)
    x = torch.zeros((len(X), T), dtype=torch.long)
    y = torch.full((len(Y), T), PAD, dtype=torch.long)
    for i, (xi, yi) in enumerate(zip(X, Y)):
        x[i, : len(xi)] = torch.as_tensor(xi)
        y[i, : len(yi)] = torch.as_tensor(yi)
    return x.to(device), y.to(device)


def length_batches(lengths, batch_size: int, seed: int = 0) -> list[np.ndarray]:
    """Index batches of sentences of similar length, in a seeded random order.

    Sorting by length before cutting into batches keeps padding small."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches = [order[i: i + batch_size] for i in range(0, len(order), batch_size)]
    np.random.default_rng(seed).shuffle(batches)
    return batches


def as_batch(x, y=None):
    """Accept one sentence (T,) or a batch (B, T); return long tensors (B, T)."""
    x = torch.as_tensor(x)
    x = x.unsqueeze(0) if x.dim() == 1 else x
    if y is None:
        return x
    y = torch.as_tensor(y)
    return x, (y.unsqueeze(0) if y.dim() == 1 else y)


# ------------------------------------------------- 1. written by hand

def params_from_numpy(model, device=DEVICE, requires_grad: bool = True) -> dict:
    """Copies of a numpy_rnn.RNN's U, V, W as tensors (same dtype)."""
    return {name: torch.tensor(getattr(model, name), device=device, requires_grad=requires_grad)
            for name in "UVW"}


def init_params(word_dim: int, hidden_dim: int = 100, seed: int = 0,
                dtype=torch.float64, device=DEVICE) -> dict:
    """The same initial values as numpy_rnn.RNN(word_dim, hidden_dim, seed=seed)."""
    from .numpy_rnn import RNN
    np_dtype = {torch.float64: np.float64, torch.float32: np.float32}[dtype]
    return params_from_numpy(RNN(word_dim, hidden_dim, seed=seed, dtype=np_dtype), device)


def forward(p: dict, x) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores z (B, T, K) with o_t = softmax(z_t), and states s (B, T, H)."""
    U, V, W = p["U"], p["V"], p["W"]
    x = as_batch(x).to(U.device)
    Ux = U.T[x]                                        # (B, T, H)  column x_t of U
    s_t = U.new_zeros((x.shape[0], U.shape[0]))        # (B, H)     s_{-1} = 0
    states = []
    for t in range(x.shape[1]):
        s_t = torch.tanh(Ux[:, t] + s_t @ W.T)          # s_t = tanh(U x_t + W s_{t-1})
        states.append(s_t)
    s = torch.stack(states, dim=1)                     # (B, T, H)
    return s @ V.T, s                                  # z_t = V s_t


def truncated_forward(p: dict, x, bptt_truncate: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Same values as forward(), but the loss at step t only backpropagates
    to steps t, t-1, ..., t-bptt_truncate (like numpy_rnn's truncated BPTT).

    The state sequence is rebuilt bptt_truncate+1 times, each time from the
    previous copy shifted by one step; the first copy starts from detached
    (constant) states. So copy j reaches exactly j steps back, and the
    outputs are taken from the last copy."""
    U, V, W = p["U"], p["V"], p["W"]
    x = as_batch(x).to(U.device)
    if bptt_truncate is None or bptt_truncate >= x.shape[1] - 1:
        return forward(p, x)
    with torch.no_grad():
        _, s = forward(p, x)                           # (B, T, H) values, no graph
    Ux = U.T[x]                                        # (B, T, H)
    for _ in range(bptt_truncate + 1):
        s_prev = F.pad(s[:, :-1], (0, 0, 1, 0))        # (B, T, H)  s_{t-1}, zero at t = 0
        s = torch.tanh(Ux + s_prev @ W.T)              # every step at once, one step deeper graph
    return s @ V.T, s


def loss_fn(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy -sum_t log softmax(z_t)[y_t], skipping PAD targets."""
    return F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1).to(z.device),
                           ignore_index=PAD, reduction="sum")


def total_loss(p: dict, X, Y) -> float:
    """Cross-entropy summed over every token of the sentences X, Y."""
    with torch.no_grad():
        return sum(float(loss_fn(forward(p, x)[0], as_batch(x, y)[1])) for x, y in zip(X, Y))


def bptt(p: dict, x, y, bptt_truncate: int | None = None) -> tuple[torch.Tensor, ...]:
    """(dU, dV, dW) of the summed loss, by autograd."""
    z, _ = truncated_forward(p, x, bptt_truncate)
    loss = loss_fn(z, as_batch(x, y)[1])
    return torch.autograd.grad(loss, [p["U"], p["V"], p["W"]])


def sgd_step(p: dict, x, y, learning_rate: float, bptt_truncate: int | None = 4) -> float:
    """One SGD step on the summed loss of x, y; returns the loss."""
    z, _ = truncated_forward(p, x, bptt_truncate)
    loss = loss_fn(z, as_batch(x, y)[1])
    grads = torch.autograd.grad(loss, [p["U"], p["V"], p["W"]])
    with torch.no_grad():
        for name, g in zip("UVW", grads):
            p[name].add_(g, alpha=-learning_rate)      # P <- P - lr dL/dP
    return float(loss.detach())


def train_batched(p: dict, X, Y, learning_rate: float = 0.03, batch_size: int = 32,
                  nepoch: int = 1, bptt_truncate: int | None = 4, seed: int = 0) -> list[float]:
    """SGD on padded mini-batches; the loss of a batch is divided by its number
    of sentences. Returns the mean loss per token of each epoch."""
    history = []
    for epoch in range(nepoch):
        total, tokens = 0.0, 0
        for idx in length_batches([len(x) for x in X], batch_size, seed + epoch):
            x, y = pad_batch([X[i] for i in idx], [Y[i] for i in idx], p["U"].device)
            total += sgd_step(p, x, y, learning_rate / len(idx), bptt_truncate)
            tokens += int((y != PAD).sum())
        history.append(total / tokens)
    return history


# ------------------------------------------------------- 2. with modules

class RNNLM(nn.Module):
    """nn.Embedding -> nn.RNN (tanh) -> nn.Linear.

    The embedding of word w followed by the RNN's input matrix is U x_t;
    weight_hh is W; the linear layer is V. With bias=False and an identity
    input matrix it is exactly the hand-written model (see from_numpy)."""

    def __init__(self, vocab_size: int, hidden_dim: int = 100, embed_dim: int | None = None,
                 bias: bool = True):
        super().__init__()
        embed_dim = embed_dim or hidden_dim
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_dim, nonlinearity="tanh", batch_first=True, bias=bias)
        self.out = nn.Linear(hidden_dim, vocab_size, bias=bias)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        """x (B, T) -> scores (B, T, K), last state (1, B, H)."""
        s, h = self.rnn(self.embed(x), h0)             # s: (B, T, H)
        return self.out(s), h

    @classmethod
    def from_numpy(cls, model) -> "RNNLM":
        """An RNNLM computing exactly what the numpy_rnn.RNN `model` computes."""
        H, K = model.hidden_dim, model.word_dim
        dtype = torch.float64 if model.dtype == np.float64 else torch.float32
        net = cls(K, H, bias=False).to(dtype)
        with torch.no_grad():
            net.embed.weight.copy_(torch.from_numpy(model.U.T))  # (K, H): row w = U[:, w]
            net.rnn.weight_ih_l0.copy_(torch.eye(H, dtype=dtype))
            net.rnn.weight_hh_l0.copy_(torch.from_numpy(model.W))
            net.out.weight.copy_(torch.from_numpy(model.V))
        return net


def evaluate(net: RNNLM, X, Y, batch_size: int = 64) -> float:
    """Mean cross-entropy per token of an RNNLM on sentences X, Y."""
    device = next(net.parameters()).device
    total, tokens = 0.0, 0
    with torch.no_grad():
        for idx in length_batches([len(x) for x in X], batch_size):
            x, y = pad_batch([X[i] for i in idx], [Y[i] for i in idx], device)
            total += float(loss_fn(net(x)[0], y))
            tokens += int((y != PAD).sum())
    return total / tokens


def train_rnnlm(net: RNNLM, X, Y, learning_rate: float = 1.0, batch_size: int = 32,
                nepoch: int = 1, clip: float = 5.0, seed: int = 0) -> list[float]:
    """SGD with the mean loss per real token of each batch and gradient-norm
    clipping; full BPTT. Returns the mean training loss of each epoch."""
    device = next(net.parameters()).device
    opt = torch.optim.SGD(net.parameters(), lr=learning_rate)
    history = []
    for epoch in range(nepoch):
        total, tokens = 0.0, 0
        for idx in length_batches([len(x) for x in X], batch_size, seed + epoch):
            x, y = pad_batch([X[i] for i in idx], [Y[i] for i in idx], device)
            n = int((y != PAD).sum())
            loss = loss_fn(net(x)[0], y) / n           # mean over real tokens
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            total, tokens = total + float(loss.detach()) * n, tokens + n
        history.append(total / tokens)
    return history


def main() -> None:
    """Check the hand-written model against numpy, then train an RNNLM briefly."""
    import time
    from .data import load_corpus
    from .numpy_rnn import RNN
    corpus = load_corpus(vocab_size=2000, max_sentences=20000)
    X, Y = corpus.X_train[:4000], corpus.y_train[:4000]
    model = RNN(corpus.vocab_size, 50, bptt_truncate=4, seed=0)
    p = params_from_numpy(model, device="cpu")
    print("numpy loss", model.total_loss(X[:50], Y[:50]), " torch loss", total_loss(p, X[:50], Y[:50]))
    net = RNNLM(corpus.vocab_size, 50).to(DEVICE)
    print(f"device={DEVICE}  before: val loss {evaluate(net, corpus.X_val, corpus.y_val):.3f}")
    start = time.perf_counter()
    train_rnnlm(net, X, Y, learning_rate=1.0, nepoch=3)
    print(f"after 3 epochs ({time.perf_counter() - start:.1f} s): "
          f"val loss {evaluate(net, corpus.X_val, corpus.y_val):.3f}")


if __name__ == "__main__":
    main()
