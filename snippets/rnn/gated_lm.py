"""Word-level language models in PyTorch with gated recurrent layers (part 4).

    nn.Embedding (K -> E)  ->  2 stacked nn.GRU / nn.LSTM / nn.RNN (tanh) layers (H)
                           ->  nn.Linear (H -> K)

trained with Adam on padded mini-batches of sentences of similar length, the
mean cross-entropy per real token as the loss, and gradient clipping by norm.
The three kinds of layer share all the code, so that comparing them compares
the layers only. Batching, padding and the loss come from torch_rnn (part 2).
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn as nn

from .torch_rnn import PAD, evaluate, length_batches, loss_fn, pad_batch

CELLS = {"rnn": 1, "gru": 3, "lstm": 4}       # weight blocks per layer: 1 + the gates


class GatedLM(nn.Module):
    """Embedding -> `layers` recurrent layers of kind `cell` -> linear scores."""

    def __init__(self, vocab_size: int, hidden_dim: int, embed_dim: int = 64,
                 cell: str = "gru", layers: int = 2):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab_size, embed_dim)             # (K, E)
        recurrent = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = recurrent(embed_dim, hidden_dim, num_layers=layers,
                             batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)                 # V (K, H)

    def forward(self, x: torch.Tensor, state=None):
        """x (B, T) word indices -> scores (B, T, K), last state of every layer."""
        s, state = self.rnn(self.embed(x), state)                    # s (B, T, H)
        return self.out(s), state


def count_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def param_count(cell: str, vocab_size: int, hidden_dim: int, embed_dim: int = 64,
                layers: int = 2) -> int:
    """GatedLM's parameter count, by formula: each layer has `gates` blocks of
    U (H, input), W (H, H) and two bias vectors (PyTorch's b_ih and b_hh)."""
    K, H, E, g = vocab_size, hidden_dim, embed_dim, CELLS[cell]
    first = g * (E * H + H * H + 2 * H)            # input E
    others = (layers - 1) * g * (H * H + H * H + 2 * H)   # input H, the layer below
    return K * E + first + others + H * K + K       # + embedding, + output layer


def hidden_for(cell: str, n_params: int, vocab_size: int, embed_dim: int = 64,
               layers: int = 2) -> int:
    """The hidden size H whose model has the parameter count closest to n_params."""
    return min(range(1, 2049), key=lambda H: abs(
        param_count(cell, vocab_size, H, embed_dim, layers) - n_params))


def train_lm(net: GatedLM, X, Y, updates: int, X_val, Y_val, batch_size: int = 32,
             learning_rate: float = 3e-3, clip: float = 1.0, eval_every: int = 100,
             seed: int = 0, log=None) -> list[dict]:
    """`updates` Adam steps on mini-batches of sentences of similar length.

    Each step: mean cross-entropy per real token, backward, clip the gradient's
    norm to `clip`, update. The learning rate falls linearly from `learning_rate`
    to 0 at the last step. The batches go round the training set in a new seeded
    order each epoch. Every `eval_every` steps (and at 0 and at the end) the
    validation perplexity exp(mean loss per token) is recorded:
    [{"update", "tokens", "seconds", "perplexity"}, ...] ("seconds": training
    time so far, evaluation excluded)."""
    torch.manual_seed(seed)
    device = next(net.parameters()).device        # the batches go where the model is
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 - k / updates)
    lengths = [len(x) for x in X]
    history, tokens, seconds, epoch, queue = [], 0, 0.0, 0, []

    def record(update):
        net.eval()
        perplexity = float(np.exp(evaluate(net, X_val, Y_val)))
        net.train()
        history.append({"update": update, "tokens": tokens, "seconds": seconds,
                        "perplexity": perplexity})
        if log:
            log(f"{net.cell}: update {update:5d}  {seconds:6.1f} s  "
                f"val perplexity {perplexity:8.2f}")

    record(0)
    for update in range(1, updates + 1):
        if not queue:                              # a new epoch, a new order of batches
            queue = length_batches(lengths, batch_size, seed + epoch)[::-1]
            epoch += 1
        idx = queue.pop()
        start = time.perf_counter()
        x, y = pad_batch([X[i] for i in idx], [Y[i] for i in idx], device)
        n = int((y != PAD).sum())
        loss = loss_fn(net(x)[0], y) / n           # mean over the real tokens
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), clip)  # g <- clip g / ||g|| if above
        opt.step()
        decay.step()
        seconds += time.perf_counter() - start
        tokens += n
        if update % eval_every == 0 or update == updates:
            record(update)
    return history


def time_updates(nets: dict, X, Y, n: int = 30, batch_size: int = 32,
                 seed: int = 0) -> dict:
    """Mean seconds of one training update (as in train_lm) of each model in `nets`.

    The models take turns on the same n batches (after 3 for warm-up), so that a
    burst of load elsewhere on the machine slows them alike. Throwaway copies of
    the models are trained: the originals are left as they were."""
    import copy
    nets = {name: copy.deepcopy(net) for name, net in nets.items()}
    opts = {name: torch.optim.Adam(net.parameters(), lr=1e-3)
            for name, net in nets.items()}
    times = {name: [] for name in nets}
    for idx in length_batches([len(x) for x in X], batch_size, seed)[: n + 3]:
        x, y = pad_batch([X[i] for i in idx], [Y[i] for i in idx], "cpu")
        for name, net in nets.items():
            start = time.perf_counter()
            loss = loss_fn(net(x)[0], y) / int((y != PAD).sum())
            opts[name].zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opts[name].step()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.mean(t[3:])) for name, t in times.items()}


@torch.no_grad()
def sample(net: GatedLM, index_to_word: list[str], seed: int, temperature: float = 1.0,
           max_length: int = 25) -> list[str]:
    """Words drawn one at a time from softmax(scores / temperature) after
    SENTENCE_START, until SENTENCE_END; UNKNOWN_TOKEN and SENTENCE_START are
    never drawn. The same seed gives the same sentence."""
    from .data import SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN
    word_to_index = {w: i for i, w in enumerate(index_to_word)}
    gen = torch.Generator().manual_seed(seed)
    device = next(net.parameters()).device
    net.eval()
    word, state, words = word_to_index[SENTENCE_START], None, []
    while len(words) < max_length:
        z, state = net(torch.tensor([[word]], device=device), state)  # (1, 1, K)
        z = z[0, -1].double().cpu() / temperature
        z[[word_to_index[UNKNOWN_TOKEN], word_to_index[SENTENCE_START]]] = -np.inf
        word = int(torch.multinomial(torch.softmax(z, 0), 1, generator=gen))
        if word == word_to_index[SENTENCE_END]:
            break
        words.append(index_to_word[word])
    net.train()
    return words
