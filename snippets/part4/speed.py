"""Part 4, section 6: how fast is an LSTM on the CPU, and what makes it faster.

One LSTM layer with the sizes of section 5's models (input 64, hidden 128), over
T = 20 steps, in float32: our numpy code (snippets/rnn/lstm.py) step by step, the same
with the four gates stacked in one matrix, torch.nn.LSTMCell called once per step, and
torch.nn.LSTM called once for the whole sequence; for one sequence and for a batch of
32. Then padding against packing, on batches of real sentences. One thread for numpy
and torch. Timings change from run to run: those cells are marked varies=true.

Run it as a reader would: python -m snippets.part4.speed
"""

# %% setup alone=true
import os
import platform

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

from snippets.rnn import lstm
from snippets.rnn.data import load_corpus
from snippets.rnn.gated_lm import GatedLM
from snippets.rnn.fmt import vi
from snippets.rnn.timing import interleaved_medians, set_threads
from snippets.rnn.torch_rnn import PAD, length_batches, pad_batch

threads = set_threads(1)
D, H, T = 64, 128, 20
BATCHES = (1, 32)
p = lstm.init_params(D, H, seed=0, dtype=np.float32)   # U_* (H, D), W_* (H, H), b_*
P = lstm.stack_params(p)                                # U (4H, D), W (4H, H), b (4H,)
net = lstm.to_torch(p)                                  # nn.LSTM, the same weights
cell = nn.LSTMCell(D, H)                                # nn.LSTMCell, the same again
with torch.no_grad():
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).copy_(getattr(net, name + "_l0"))
rng = np.random.default_rng(0)
x = {B: rng.standard_normal((T, B, D)).astype(np.float32) for B in BATCHES}
R = {B: rng.standard_normal((T, B, H)).astype(np.float32) for B in BATCHES}  # dL/ds_t
print(f"Python {platform.python_version()}, numpy {np.__version__}, "
      f"torch {torch.__version__}, {os.cpu_count()} lõi CPU")
print(f"số luồng: numpy {threads['numpy']}, torch {threads['torch']}")


def torch_cell_loop(xt, grad):
    """nn.LSTMCell once per time step, from Python."""
    s = c = torch.zeros(xt.shape[1], H)
    states = []
    with torch.set_grad_enabled(grad):
        for t in range(T):
            s, c = cell(xt[t], (s, c))
            states.append(s)
        return torch.stack(states)


def forward_only(B):
    """Four ways to run the forward pass over T steps for a batch of B sequences."""
    xt = torch.from_numpy(x[B])

    def torch_lstm():
        with torch.no_grad():
            net(xt)
    return {"numpy": lambda: lstm.forward(p, x[B]),
            "numpy, gộp cổng": lambda: lstm.forward_stacked(P, x[B]),
            "torch LSTMCell": lambda: torch_cell_loop(xt, grad=False),
            "torch nn.LSTM": torch_lstm}


def forward_backward(B):
    """Forward and backward through time (loss sum(R * s)), three ways."""
    xt, Rt = torch.from_numpy(x[B]), torch.from_numpy(R[B])

    def numpy_train():
        s, c, caches = lstm.forward(p, x[B])
        lstm.backward(p, R[B], caches)

    def cell_train():
        cell.zero_grad()
        (Rt * torch_cell_loop(xt, grad=True)).sum().backward()

    def lstm_train():
        net.zero_grad()
        (Rt * net(xt)[0]).sum().backward()
    return {"numpy": numpy_train, "torch LSTMCell": cell_train,
            "torch nn.LSTM": lstm_train}


# %% table varies=true timeout=120
step_us = {}           # µs per time step, forward only
train_tokens = {}      # tokens per second, forward and backward
for B in BATCHES:
    runs = {name: (fn, 5) for name, fn in forward_only(B).items()}
    for name, seconds in interleaved_medians(runs, 10):
        step_us[name, B] = 1e6 * seconds / T
    runs = {name: (fn, 3) for name, fn in forward_backward(B).items()}
    for name, seconds in interleaved_medians(runs, 10):
        train_tokens[name, B] = B * T / seconds
print(f"{'':<16}|  µs cho một bước tiến  |  từ/giây khi huấn luyện (tiến + lùi)")
print(f"{'cách cài đặt':<16}|    B = 1  |    B = 32  |    B = 1  |    B = 32")
for name in forward_only(1):
    tokens = [f"{train_tokens[name, B]:9.0f}" if (name, B) in train_tokens
              else f"{'–':>9}" for B in BATCHES]
    print(f"{name:<16}| {vi(step_us[name, 1], '9.1f')} | {vi(step_us[name, 32], '10.1f')} | "
          f"{tokens[0]} | {tokens[1]:>10}")
batch_cost = step_us["numpy", 32] / step_us["numpy", 1]    # 32 sequences vs one
batch_gain = train_tokens["numpy", 32] / train_tokens["numpy", 1]
stacked_gain_1, stacked_gain_32 = (step_us["numpy", B] / step_us["numpy, gộp cổng", B]
                                   for B in BATCHES)
torch_step_gain_1 = step_us["numpy", 1] / step_us["torch nn.LSTM", 1]
torch_vs_numpy_1, torch_vs_numpy_32 = (
    train_tokens["torch nn.LSTM", B] / train_tokens["numpy", B] for B in BATCHES)
numpy_vs_cell_1 = train_tokens["numpy", 1] / train_tokens["torch LSTMCell", 1]
best_vs_worst = max(train_tokens.values()) / min(train_tokens.values())

# %% padding
# training sentences drawn at random, cut into batches in two ways:
# in the order drawn, or sorted by length first
N_SENTENCES, BATCH = 640, 32
n_batches = N_SENTENCES // BATCH
corpus = load_corpus(vocab_size=2000, seed=0)
pool = np.random.default_rng(0).choice(len(corpus.X_train), N_SENTENCES, replace=False)
X = [corpus.X_train[i] for i in pool]
Y = [corpus.y_train[i] for i in pool]
lengths = np.array([len(x) for x in X])
random_batches = [np.arange(i, i + BATCH) for i in range(0, N_SENTENCES, BATCH)]
sorted_batches = length_batches(lengths, BATCH, seed=0)


def padding_share(batches):
    """Fraction of the padded (B, T_max) positions that are padding."""
    padded = sum(len(b) * lengths[b].max() for b in batches)
    return 1 - lengths.sum() / padded


random_padding_pct = 100 * padding_share(random_batches)
sorted_padding_pct = 100 * padding_share(sorted_batches)
random_real_pct = 100 - random_padding_pct          # positions that hold a real token
print(f"câu dài từ {lengths.min()} tới {lengths.max()} từ, "
      f"trung bình {vi(lengths.mean(), '.1f')}")
print(f"lô ngẫu nhiên:     {random_padding_pct:.0f}% vị trí là phần đệm")
print(f"lô theo độ dài:    {sorted_padding_pct:.0f}% vị trí là phần đệm")

# %% packing varies=true timeout=120
torch.manual_seed(0)
lm = GatedLM(corpus.vocab_size, 117, cell="lstm")     # the LSTM model of section 5


def train_padded(batches):
    """Forward + backward on padded batches: every position is computed."""
    for b in batches:
        xb, yb = pad_batch([X[i] for i in b], [Y[i] for i in b], "cpu")
        scores = lm(xb)[0]                                  # (B, T_max, K)
        loss = nn.functional.cross_entropy(scores.flatten(0, 1), yb.flatten(),
                                           ignore_index=PAD)  # PAD is not counted
        lm.zero_grad()
        loss.backward()


def train_packed(batches):
    """The same, packed: the LSTM and the output layer see the real tokens only."""
    for b in batches:
        xb, yb = pad_batch([X[i] for i in b], [Y[i] for i in b], "cpu")
        n = torch.as_tensor(lengths[b])
        packed = pack_padded_sequence(lm.embed(xb), n, batch_first=True,
                                      enforce_sorted=False)
        s, _ = lm.rnn(packed)                               # s.data: (tokens, H)
        y = pack_padded_sequence(yb, n, batch_first=True, enforce_sorted=False).data
        loss = nn.functional.cross_entropy(lm.out(s.data), y)
        lm.zero_grad()
        loss.backward()


def lstm_only(batches, packed):
    """Only the LSTM layers, forward + backward, padded or packed (loss: sum of s)."""
    for b in batches:
        xb = pad_batch([X[i] for i in b], [Y[i] for i in b], "cpu")[0]
        e = lm.embed(xb).detach()                           # (B, T_max, E)
        if packed:
            e = pack_padded_sequence(e, torch.as_tensor(lengths[b]), batch_first=True,
                                     enforce_sorted=False)
        s, _ = lm.rnn(e)
        lm.zero_grad()
        (s.data if packed else s).sum().backward()


ways = {"đệm, lô ngẫu nhiên": lambda: train_padded(random_batches),
        "đóng gói, lô ngẫu nhiên": lambda: train_packed(random_batches),
        "đệm, lô theo độ dài": lambda: train_padded(sorted_batches),
        "đóng gói, lô theo độ dài": lambda: train_packed(sorted_batches),
        "chỉ tầng LSTM, đệm, ngẫu nhiên": lambda: lstm_only(random_batches, False),
        "chỉ tầng LSTM, đóng gói, ngẫu nhiên": lambda: lstm_only(random_batches, True)}
packing_tokens = {name: lengths.sum() / seconds for name, seconds
                  in interleaved_medians({k: (f, 1) for k, f in ways.items()}, 3)}
print(f"{'':<36}| từ/giây")
for name, rate in packing_tokens.items():
    print(f"{name:<36}| {rate:7.0f}")
rate = packing_tokens
packing_gain = rate["đóng gói, lô ngẫu nhiên"] / rate["đệm, lô ngẫu nhiên"]
sorting_gain = rate["đệm, lô theo độ dài"] / rate["đệm, lô ngẫu nhiên"]
sorted_packing_gain = rate["đóng gói, lô theo độ dài"] / rate["đệm, lô theo độ dài"]
lstm_packing_gain = (rate["chỉ tầng LSTM, đóng gói, ngẫu nhiên"]
                     / rate["chỉ tầng LSTM, đệm, ngẫu nhiên"])
