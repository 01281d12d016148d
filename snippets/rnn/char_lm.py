"""Character-level language models of the plays, in PyTorch (part 4, section 5.5).

    text --CharCorpus--> one long stream of character indices per split
         --stream_batches--> B parallel streams cut into chunks of T characters
    nn.Embedding (K -> E) -> one nn.RNN (tanh) / nn.GRU / nn.LSTM layer (H)
                          -> nn.Linear (H -> K)

Training is truncated BPTT on the streams: the state at the end of one chunk is
the start of the next chunk of the same stream (detached, so the gradient goes
back at most T steps, while what the state remembers may go back further). The
loss is reported in bits per character (the cross-entropy with log base 2).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

CELLS = {"rnn": 1, "gru": 3, "lstm": 4}       # weight blocks per layer: 1 + the gates


@dataclass
class CharCorpus:
    """The characters of a text and its train / validation streams (index arrays)."""
    chars: list[str]                           # index -> character, sorted
    train: np.ndarray                          # int64 indices
    val: np.ndarray

    @classmethod
    def from_texts(cls, train_text: str, val_text: str) -> "CharCorpus":
        """Every character of either text gets an index."""
        chars = sorted(set(train_text) | set(val_text))
        index = {c: i for i, c in enumerate(chars)}
        encode = lambda s: np.fromiter((index[c] for c in s), dtype=np.int64, count=len(s))
        return cls(chars, encode(train_text), encode(val_text))

    def decode(self, indices) -> str:
        return "".join(self.chars[int(i)] for i in indices)


def play_script(markdown: str) -> str:
    """One play as it is printed: each speech is the speaker's name on a line of its
    own, then the speech line by line (verse keeps its line breaks), then a blank
    line. Headings and stage directions are left out; Markdown marks are removed."""
    from .data import speech_blocks, unmark
    speeches = []
    for name, lines in speech_blocks(markdown):
        lines = [l for l in (unmark(l).strip() for l in lines) if l]
        if lines:
            speeches.append("\n".join(([name] if name else []) + lines))
    return "\n\n".join(speeches) + "\n\n"


def plays_corpus(n_val_plays: int = 2) -> CharCorpus:
    """The plays of part 2 as printed (play_script); the last n_val_plays plays (in
    file order) are the validation text, the others the training text."""
    from .data import play_paths
    paths = play_paths()
    if not 0 < n_val_plays < len(paths):
        raise ValueError(f"n_val_plays must be between 1 and {len(paths) - 1}, "
                         f"not {n_val_plays}")
    text = lambda ps: "".join(play_script(p.read_text(encoding="utf-8")) for p in ps)
    return CharCorpus.from_texts(text(paths[:-n_val_plays]), text(paths[-n_val_plays:]))


def stream_batches(data: np.ndarray, batch: int, T: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Cut data into `batch` equal streams, side by side, and those into chunks.

    Stream b is data[b * n : (b + 1) * n] with n = len(data) // batch (the rest is
    dropped). Chunk j holds x = positions j*T .. j*T+T-1 of every stream and y the
    characters one further on: [(x (B, T), y (B, T)), ...]; the last chunk may be
    shorter. Row b of chunk j+1 continues row b of chunk j."""
    n = len(data) // batch
    if n < 2:
        raise ValueError(f"{len(data)} characters are too few for {batch} streams")
    streams = torch.from_numpy(np.asarray(data[: n * batch], dtype=np.int64)).view(batch, n)
    return [(streams[:, j: min(j + T, n - 1)], streams[:, j + 1: min(j + T, n - 1) + 1])
            for j in range(0, n - 1, T)]


class CharLM(nn.Module):
    """Embedding -> one recurrent layer of kind `cell` -> linear scores.

    keep_bias is added to the bias of the gate that keeps the old memory: the LSTM's
    forget gate f_t, the GRU's update gate z_t (the plain RNN has none)."""

    def __init__(self, n_chars: int, hidden: int, embed: int = 32, cell: str = "lstm",
                 keep_bias: float = 1.0):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(n_chars, embed)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](
            embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_chars)
        if cell in ("lstm", "gru") and keep_bias:
            # PyTorch stacks the gates as (i, f, g, o) for the LSTM and (r, z, n) for
            # the GRU: rows hidden..2*hidden are f_t and z_t in both
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden: 2 * hidden] += keep_bias

    def forward(self, x: torch.Tensor, state=None):
        """x (B, T) character indices -> scores (B, T, K), the state after the last step."""
        s, state = self.rnn(self.embed(x), state)
        return self.out(s), state


def detach(state):
    """The state with its history cut (a tensor, or the LSTM's pair (h, c))."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def param_count(cell: str, n_chars: int, hidden: int, embed: int = 32) -> int:
    """CharLM's parameter count by formula: embedding K*E, per gate block
    U (H, E), W (H, H) and PyTorch's two biases, output H*K + K."""
    K, H, E, g = n_chars, hidden, embed, CELLS[cell]
    return K * E + g * (E * H + H * H + 2 * H) + H * K + K


def hidden_for(cell: str, n_params: int, n_chars: int, embed: int = 32) -> int:
    """The hidden size whose CharLM has the parameter count closest to n_params."""
    return min(range(1, 4097), key=lambda H: abs(param_count(cell, n_chars, H, embed)
                                                 - n_params))


BITS = 1 / math.log(2)                        # nats -> bits


@torch.no_grad()
def bits_per_char(net: CharLM, data: np.ndarray, batch: int = 16, T: int = 200,
                  carry: bool = True) -> float:
    """Mean cross-entropy on data in bits per character, reading it as `batch`
    streams with the state carried from chunk to chunk (so every character but
    the first of a stream is predicted with its stream's whole past). With
    carry=False every chunk starts from a zero state: a character is predicted
    from at most the T - 1 characters before it in its chunk."""
    was_training = net.training
    net.eval()
    total, count, state = 0.0, 0, None
    for x, y in stream_batches(data, batch, T):
        z, state = net(x, state if carry else None)
        total += float(nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1),
                                                   reduction="sum"))
        count += y.numel()
    net.train(was_training)
    return total / count * BITS


def train_char_lm(net: CharLM, train: np.ndarray, val: np.ndarray, updates: int,
                  batch: int = 32, T: int = 100, learning_rate: float = 3e-3,
                  clip: float = 1.0, eval_every: int = 100, seed: int = 0,
                  log=None) -> list[dict]:
    """`updates` Adam steps of truncated BPTT over `batch` streams of the training text.

    Each step: one chunk of T characters per stream, starting from the state the
    previous chunk ended in (detached), mean cross-entropy, backward, clip the
    gradient's norm to `clip`, update. The learning rate falls linearly to 0 at the
    last step. After the last chunk the streams start again from the beginning,
    each shifted by a new seeded offset, with a fresh zero state. Every `eval_every`
    steps (and at 0 and at the end) the validation loss is recorded:
    [{"update", "chars", "seconds", "bpc"}, ...] ("seconds": training time so far)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 - k / updates)
    history, chars, seconds, queue, state = [], 0, 0.0, [], None

    def record(update):
        bpc = bits_per_char(net, val)
        history.append({"update": update, "chars": chars, "seconds": seconds, "bpc": bpc})
        if log:
            log(f"{net.cell}: update {update:5d}  {seconds:6.1f} s  val {bpc:.3f} bpc")

    record(0)
    for update in range(1, updates + 1):
        if not queue:                           # a new pass over the text
            offset = int(rng.integers(T)) if update > 1 else 0
            queue = stream_batches(train[offset:], batch, T)[::-1]
            state = None
        x, y = queue.pop()
        start = time.perf_counter()
        z, state = net(x, detach(state))
        loss = nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        decay.step()
        seconds += time.perf_counter() - start
        chars += y.numel()
        if update % eval_every == 0 or update == updates:
            record(update)
    return history


@torch.no_grad()
def sample(net: CharLM, corpus: CharCorpus, prime: str, length: int, seed: int,
           temperature: float = 1.0) -> str:
    """`length` characters drawn one at a time from softmax(scores / temperature),
    after reading `prime`; the same seed gives the same text."""
    index = {c: i for i, c in enumerate(corpus.chars)}
    missing = sorted(set(prime) - set(index))
    if missing:
        raise ValueError(f"prime has characters the model does not know: {missing}")
    gen = torch.Generator().manual_seed(seed)
    was_training = net.training
    net.eval()
    z, state = net(torch.tensor([[index[c] for c in prime]]))
    out = []
    for _ in range(length):
        p = torch.softmax(z[0, -1].double() / temperature, 0)
        c = int(torch.multinomial(p, 1, generator=gen))
        out.append(corpus.chars[c])
        z, state = net(torch.tensor([[c]]), state)
    net.train(was_training)
    return "".join(out)
