"""A long-range memory task for part 3: remember the first token across a gap.

Each sequence is one "payload" token a (one of n_symbols) followed by `gap`
noise tokens drawn at random from n_noise other tokens:

    x = [a, n_1, n_2, ..., n_gap]        target: a, read from the state after n_gap

Nothing in the noise says anything about a, so the only way to answer better
than chance (1 / n_symbols) is to carry a through `gap` steps of the
recurrence. The loss is at the last step only: its gradient must travel back
`gap` steps to reach the step where a was read, exactly the long path along
which a plain RNN's gradient vanishes.

    make_batch(rng, batch, gap)           one batch (x (B, gap+1), y (B,)) of long tensors
    MemoryNet(cell, ...)                  embedding -> nn.RNN / nn.LSTM / nn.GRU -> linear
    train(cell, gap, ...)                 Adam with clipping on fresh batches; accuracy on a test set
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

N_SYMBOLS = 8       # what has to be remembered: one of 8 tokens (chance = 1/8)
N_NOISE = 8         # the gap is filled with 8 other tokens, at random
SOLVED_WINDOW = 20  # training stops when the mean loss of the last 20 steps is small enough
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU, "irnn": nn.RNN}


def make_batch(rng: np.random.Generator, batch: int, gap: int, n_symbols: int = N_SYMBOLS,
               n_noise: int = N_NOISE) -> tuple[torch.Tensor, torch.Tensor]:
    """x (batch, gap + 1): the payload, then `gap` noise tokens; y (batch,): the payload.

    Payload tokens are 0..n_symbols-1, noise tokens n_symbols..n_symbols+n_noise-1."""
    y = rng.integers(0, n_symbols, batch)
    noise = rng.integers(n_symbols, n_symbols + n_noise, (batch, gap))
    x = np.concatenate([y[:, None], noise], axis=1)
    return torch.from_numpy(x), torch.from_numpy(y)


class MemoryNet(nn.Module):
    """Embedding -> one recurrent layer (plain tanh RNN, LSTM or GRU) -> linear
    classifier on the state after the last token."""

    def __init__(self, cell: str, hidden: int = 32, n_symbols: int = N_SYMBOLS,
                 n_noise: int = N_NOISE, embed: int = 16, keep_bias: float = 3.0):
        super().__init__()
        self.embed = nn.Embedding(n_symbols + n_noise, embed)
        if cell == "irnn":
            # ReLU instead of tanh and W = I at the start (Le, Jaitly and Hinton 2015): the
            # state is copied from step to step until training says otherwise
            self.rnn = nn.RNN(embed, hidden, nonlinearity="relu", batch_first=True)
            with torch.no_grad():
                self.rnn.weight_hh_l0.copy_(torch.eye(hidden))
                self.rnn.bias_hh_l0.zero_()
                self.rnn.bias_ih_l0.zero_()
        else:
            self.rnn = CELLS[cell](embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_symbols)
        if cell in ("lstm", "gru"):
            # Start the gate that keeps the memory mostly open: PyTorch orders the gates
            # (input, forget, cell, output) for the LSTM and (reset, update, new) for the
            # GRU, so rows hidden..2*hidden are the forget gate f_t (c_t = f_t c_{t-1} + ...)
            # and the update gate z_t (h_t = (1 - z_t) n_t + z_t h_{t-1}). With keep_bias = 3
            # they start near sigmoid(3) = 0.95 instead of 0.5.
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden: 2 * hidden] += keep_bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T) -> scores (B, n_symbols) for the first token."""
        states, _ = self.rnn(self.embed(x))                    # (B, T, hidden)
        return self.out(states[:, -1])


def n_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def accuracy(net: MemoryNet, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((net(x).argmax(dim=1) == y).float().mean())


@dataclass
class Result:
    cell: str
    gap: int
    seed: int
    accuracy: float                         # on the test set, after training
    steps: int                              # training steps taken (fewer when solved early)
    losses: list[float] = field(default_factory=list)   # training loss, one per step
    seconds: float = 0.0
    params: int = 0


def train(cell: str, gap: int, steps: int = 600, batch: int = 256,
          hidden: int = 32, lr: float = 1e-2, max_norm: float = 1.0,
          n_test: int = 1000, seed: int = 0, solved_loss: float = 0.01,
          **net_options) -> Result:
    """Train a fresh MemoryNet on at most `steps` fresh batches, then
    measure its accuracy on n_test sequences it never saw.

    Training stops early once the mean training loss of the last SOLVED_WINDOW
    steps is below solved_loss (the task is solved; more steps would only
    cost time).
    For a given gap and seed every model sees the same batches and test set.
    Adam, with gradients clipped to norm max_norm, so that a model fails
    because of what it cannot learn, not because one step blew up."""
    torch.manual_seed(seed)
    net = MemoryNet(cell, hidden, **net_options)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    x_test, y_test = make_batch(np.random.default_rng(seed + 10_000),
                                n_test, gap)
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        x, y = make_batch(rng, batch, gap)
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        opt.step()
        losses.append(float(loss.detach()))
        recent = losses[-SOLVED_WINDOW:]
        solved = sum(recent) / SOLVED_WINDOW < solved_loss
        if len(recent) == SOLVED_WINDOW and solved:
            break
    seconds = time.perf_counter() - start
    return Result(cell, gap, seed, accuracy(net, x_test, y_test),
                  len(losses), losses, seconds, n_params(net))
