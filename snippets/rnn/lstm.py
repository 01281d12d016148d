"""An LSTM layer in plain numpy: forward and backward through time.

The equations of part 4, in the series' notation (U multiplies the input x_t,
W the previous hidden state s_{t-1}), for one time step:

    i_t = sigmoid(U_i x_t + W_i s_{t-1} + b_i)     input gate
    f_t = sigmoid(U_f x_t + W_f s_{t-1} + b_f)     forget gate
    o_t = sigmoid(U_o x_t + W_o s_{t-1} + b_o)     output gate
    g_t = tanh(U_g x_t + W_g s_{t-1} + b_g)        candidate values for the cell
    c_t = f_t * c_{t-1} + i_t * g_t                cell state       (* is element-wise)
    s_t = o_t * tanh(c_t)                          hidden state     s_{-1} = c_{-1} = 0

Shapes (D = input size, H = hidden size, B = batch, T = time steps):
    U_* (H, D)   W_* (H, H)   b_* (H,)            for * in i, f, o, g
    x (T, B, D)   s, c (T, B, H)

Vectors are the rows of a batch, so U x_t is written x_t @ U.T and W^T g is
written g @ W. Everything is float64 unless init_params is told otherwise.

`to_torch` builds a torch.nn.LSTM with the same weights and `grads_from_torch`
reads its gradients back in these names (PyTorch stacks the gates in the
order i, f, g, o and has two bias vectors, b_ih + b_hh = b).
"""
from __future__ import annotations

import numpy as np

GATES = ("i", "f", "g", "o")       # PyTorch's order of the gates in weight_ih_l0
NAMES = tuple(f"{kind}_{gate}" for gate in GATES for kind in "UWb")


def sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a), written with tanh so that it never overflows."""
    return 0.5 * np.tanh(0.5 * a) + 0.5


def init_params(input_dim: int, hidden_dim: int, seed: int = 0,
                dtype=np.float64) -> dict:
    """U_*, W_*, b_* uniform in [-1/sqrt(H), 1/sqrt(H)], as torch.nn.LSTM does."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_dim)
    shapes = {"U": (hidden_dim, input_dim), "W": (hidden_dim, hidden_dim),
              "b": (hidden_dim,)}
    return {name: rng.uniform(-bound, bound, shapes[name[0]]).astype(dtype)
            for name in NAMES}


# ------------------------------------------------------------------ forward

def step(p: dict, x_t: np.ndarray, s_prev: np.ndarray, c_prev: np.ndarray):
    """One time step: x_t (B, D), s_prev, c_prev (B, H) -> s_t, c_t (B, H), cache."""
    def a(gate):                 # (B, H) U_* x_t + W_* s_{t-1} + b_*, row by row
        return x_t @ p["U_" + gate].T + s_prev @ p["W_" + gate].T + p["b_" + gate]
    i = sigmoid(a("i"))          # (B, H) input gate
    f = sigmoid(a("f"))          # (B, H) forget gate
    o = sigmoid(a("o"))          # (B, H) output gate
    g = np.tanh(a("g"))          # (B, H) candidate values
    c = f * c_prev + i * g       # (B, H) cell state c_t
    tanh_c = np.tanh(c)          # (B, H)
    s = o * tanh_c               # (B, H) hidden state s_t
    return s, c, (x_t, s_prev, c_prev, i, f, o, g, tanh_c)


def forward(p: dict, x: np.ndarray, s0: np.ndarray | None = None,
            c0: np.ndarray | None = None):
    """The whole sequence: x (T, B, D) -> s, c (T, B, H) and one cache per step."""
    T, B, _ = x.shape
    H = p["W_i"].shape[0]
    s_t = np.zeros((B, H), x.dtype) if s0 is None else s0     # (B, H) s_{-1}
    c_t = np.zeros((B, H), x.dtype) if c0 is None else c0     # (B, H) c_{-1}
    s = np.empty((T, B, H), x.dtype)
    c = np.empty((T, B, H), x.dtype)
    caches = []
    for t in range(T):
        s_t, c_t, cache = step(p, x[t], s_t, c_t)
        s[t], c[t] = s_t, c_t
        caches.append(cache)
    return s, c, caches


# ----------------------------------------------------------------- backward

def step_backward(p: dict, ds: np.ndarray, dc: np.ndarray, cache):
    """Back through one step. ds = dL/ds_t and dc = dL/dc_t, from the later steps.

    Every array here is (B, H). Returns da = {gate: dL/da_gate}, the gradients
    with respect to the pre-activations a_* = U_* x_t + W_* s_{t-1} + b_*,
    then dL/ds_{t-1} and dL/dc_{t-1}."""
    x_t, s_prev, c_prev, i, f, o, g, tanh_c = cache
    do = ds * tanh_c                      # [s_t = o_t * tanh(c_t): product rule]
    dc = dc + ds * o * (1 - tanh_c ** 2)  # [same, chain rule; tanh' = 1 - tanh^2]
    df = dc * c_prev                      # [c_t = f_t c_{t-1} + i_t g_t: product rule]
    di = dc * g                           # [same]
    dg = dc * i                           # [same]
    dc_prev = dc * f                      # [same: the cell state's own path]
    da = {"i": di * i * (1 - i),          # [sigmoid' = sigmoid (1 - sigmoid)]
          "f": df * f * (1 - f),          # [same]
          "o": do * o * (1 - o),          # [same]
          "g": dg * (1 - g ** 2)}         # [tanh' = 1 - tanh^2]
    ds_prev = sum(da[k] @ p["W_" + k] for k in GATES)  # [a = ... + W s_{t-1}: W^T da]
    return da, ds_prev, dc_prev


def backward(p: dict, ds: np.ndarray, caches, ds_last: np.ndarray | None = None,
             dc_last: np.ndarray | None = None):
    """Backpropagation through time.

    ds (T, B, H): dL/ds_t that reaches each s_t directly (from the outputs);
    ds_last, dc_last (B, H): optional gradients on the last s_{T-1}, c_{T-1}.
    Returns grads (a dict like p), dx (T, B, D), dL/ds_{-1} and dL/dc_{-1}."""
    T, B, H = ds.shape
    da = {gate: np.empty_like(ds) for gate in GATES}          # (T, B, H) each
    ds_next = np.zeros((B, H), ds.dtype) if ds_last is None else ds_last
    dc_next = np.zeros((B, H), ds.dtype) if dc_last is None else dc_last
    for t in reversed(range(T)):
        # s_t goes to the output at t and to step t+1: both gradients add up
        # [multivariable chain rule]
        da_t, ds_next, dc_next = step_backward(p, ds[t] + ds_next, dc_next, caches[t])
        for gate in GATES:
            da[gate][t] = da_t[gate]
    # The parameters are shared by every step: their gradients are sums over t
    # and the batch, one matrix product each.  [a = U x_t + W s_{t-1} + b: linear]
    x = np.stack([cache[0] for cache in caches]).reshape(T * B, -1)       # (TB, D)
    s_prev = np.stack([cache[1] for cache in caches]).reshape(T * B, H)   # (TB, H)
    grads, dx = {}, 0
    for gate in GATES:
        da_gate = da[gate].reshape(T * B, H)          # (TB, H)
        grads["U_" + gate] = da_gate.T @ x            # (H, D) sum_t da_t x_t^T
        grads["W_" + gate] = da_gate.T @ s_prev       # (H, H) sum_t da_t s_{t-1}^T
        grads["b_" + gate] = da_gate.sum(axis=0)      # (H,)   sum_t da_t
        dx = dx + da[gate] @ p["U_" + gate]           # (T, B, D) sum of U^T da
    return grads, dx, ds_next, dc_next


# ------------------------------------------------------- faster: one matrix

def stack_params(p: dict) -> dict:
    """The four gates in one matrix each, in PyTorch's order i, f, g, o:
    U (4H, D), W (4H, H), b (4H,)."""
    return {kind: np.concatenate([p[f"{kind}_{gate}"] for gate in GATES])
            for kind in "UWb"}


def step_stacked(P: dict, Ux_t: np.ndarray, s_prev: np.ndarray, c_prev: np.ndarray):
    """step() with one product for the four gates. Ux_t = x_t @ U.T + b (B, 4H)
    is computed beforehand for every step at once. Returns s_t, c_t (B, H)."""
    H = s_prev.shape[1]
    a = Ux_t + s_prev @ P["W"].T                # (B, 4H) pre-activations of i, f, g, o
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def forward_stacked(P: dict, x: np.ndarray):
    """forward() with stacked weights, the input products done in one matmul."""
    T, B, _ = x.shape
    H = P["W"].shape[1]
    Ux = x @ P["U"].T + P["b"]                  # (T, B, 4H) every U x_t + b at once
    s_t = np.zeros((B, H), x.dtype)
    c_t = np.zeros((B, H), x.dtype)
    s = np.empty((T, B, H), x.dtype)
    for t in range(T):                          # only W s_{t-1} has to wait for t-1
        s_t, c_t = step_stacked(P, Ux[t], s_t, c_t)
        s[t] = s_t
    return s


# ------------------------------------------------------- checks and torch

def numerical_gradient(loss, P: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """dloss/dP by central differences (loss(P+h) - loss(P-h)) / 2h, entry by entry.

    `loss()` takes no argument and reads P, which is changed in place and restored."""
    grad = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        old = P[idx]
        P[idx] = old + h
        plus = loss()
        P[idx] = old - h
        minus = loss()
        P[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """|a - b| / (|a| + |b|), Euclidean norms over the whole array (0 if both are 0)."""
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale else 0.0


def to_torch(p: dict):
    """A torch.nn.LSTM (one layer, time-major) computing exactly what p computes.

    weight_ih_l0 stacks U_i, U_f, U_g, U_o; b goes to bias_ih, and bias_hh = 0."""
    import torch
    H, D = p["U_i"].shape
    dtype = torch.float64 if p["U_i"].dtype == np.float64 else torch.float32
    net = torch.nn.LSTM(D, H).to(dtype)
    P = stack_params(p)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(P["U"]))
        net.weight_hh_l0.copy_(torch.from_numpy(P["W"]))
        net.bias_ih_l0.copy_(torch.from_numpy(P["b"]))
        net.bias_hh_l0.zero_()
    return net


def grads_from_torch(net) -> dict:
    """net's gradients in our names. dL/db equals both dL/dbias_ih and dL/dbias_hh."""
    H = net.hidden_size
    out = {}
    for kind, tensor in (("U", net.weight_ih_l0), ("W", net.weight_hh_l0),
                         ("b", net.bias_ih_l0)):
        grad = tensor.grad.detach().numpy()
        for k, gate in enumerate(GATES):
            out[f"{kind}_{gate}"] = grad[k * H:(k + 1) * H]
    return out
