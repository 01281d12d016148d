"""A GRU layer in plain numpy: forward and backward through time.

The equations of part 4 for one time step (U multiplies the input x_t, W the
previous hidden state s_{t-1}, as in the rest of the series):

    z_t = sigmoid(U_z x_t + W_z s_{t-1} + b_z)                  update gate
    r_t = sigmoid(U_r x_t + W_r s_{t-1} + b_r)                  reset gate
    h~_t = tanh(U_h x_t + b_h + r_t * (W_h s_{t-1} + d_h))      candidate state
    s_t = (1 - z_t) * h~_t + z_t * s_{t-1}                      hidden state, s_{-1} = 0

(* is element-wise.) The reset gate multiplies W_h s_{t-1} + d_h, after the
product, as in PyTorch and cuDNN; the GRU paper of Cho et al. (2014) writes
W_h (r_t * s_{t-1}) instead. Because of that the candidate has two biases:
b_h on the input side, d_h inside the reset (PyTorch's b_in and b_hn).

Shapes (D = input size, H = hidden size, B = batch, T = time steps):
    U_* (H, D)   W_* (H, H)   b_* (H,)   d_h (H,)         for * in z, r, h
    x (T, B, D)   s (T, B, H)

`to_torch` builds a torch.nn.GRU with the same weights and `grads_from_torch`
reads its gradients back (PyTorch's gate order is r, z, n, where n is h~).
"""
from __future__ import annotations

import numpy as np

from .lstm import numerical_gradient, relative_error, sigmoid  # noqa: F401 (shared)

GATES = ("r", "z", "h")            # PyTorch's order in weight_ih_l0 (its n is our h)
NAMES = tuple(f"{kind}_{gate}" for gate in GATES for kind in "UWb") + ("d_h",)


def init_params(input_dim: int, hidden_dim: int, seed: int = 0,
                dtype=np.float64) -> dict:
    """U_*, W_*, b_*, d_h uniform in [-1/sqrt(H), 1/sqrt(H)], as torch.nn.GRU does."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_dim)
    shapes = {"U": (hidden_dim, input_dim), "W": (hidden_dim, hidden_dim),
              "b": (hidden_dim,), "d": (hidden_dim,)}
    return {name: rng.uniform(-bound, bound, shapes[name[0]]).astype(dtype)
            for name in NAMES}


# ------------------------------------------------------------------ forward

def step(p: dict, x_t: np.ndarray, s_prev: np.ndarray):
    """One time step: x_t (B, D), s_prev (B, H) -> s_t (B, H), cache."""
    z = sigmoid(x_t @ p["U_z"].T + s_prev @ p["W_z"].T + p["b_z"])  # (B, H) update gate
    r = sigmoid(x_t @ p["U_r"].T + s_prev @ p["W_r"].T + p["b_r"])  # (B, H) reset gate
    q = s_prev @ p["W_h"].T + p["d_h"]                  # (B, H) W_h s_{t-1} + d_h
    h_tilde = np.tanh(x_t @ p["U_h"].T + p["b_h"] + r * q)   # (B, H) candidate state
    s = (1 - z) * h_tilde + z * s_prev                  # (B, H) hidden state s_t
    return s, (x_t, s_prev, z, r, q, h_tilde)


def forward(p: dict, x: np.ndarray, s0: np.ndarray | None = None):
    """The whole sequence: x (T, B, D) -> s (T, B, H) and one cache per step."""
    T, B, _ = x.shape
    H = p["W_z"].shape[0]
    s_t = np.zeros((B, H), x.dtype) if s0 is None else s0     # (B, H) s_{-1}
    s = np.empty((T, B, H), x.dtype)
    caches = []
    for t in range(T):
        s_t, cache = step(p, x[t], s_t)
        s[t] = s_t
        caches.append(cache)
    return s, caches


# ----------------------------------------------------------------- backward

def step_backward(p: dict, ds: np.ndarray, cache):
    """Back through one step. ds = dL/ds_t, everything that reaches s_t.

    Every array here is (B, H). Returns da = {"z", "r", "h": dL/d(pre-activation
    of z_t, r_t, h~_t), "q": dL/dq_t with q_t = W_h s_{t-1} + d_h}, then dL/ds_{t-1}."""
    x_t, s_prev, z, r, q, h_tilde = cache
    dh = ds * (1 - z)                     # [s_t = (1 - z_t) h~_t + z_t s_{t-1}]
    dz = ds * (s_prev - h_tilde)          # [same: product rule]
    da_h = dh * (1 - h_tilde ** 2)        # [tanh' = 1 - tanh^2]
    dr = da_h * q                         # [a_h = ... + r_t q_t: product rule]
    dq = da_h * r                         # [same]
    da = {"z": dz * z * (1 - z),          # [sigmoid' = sigmoid (1 - sigmoid)]
          "r": dr * r * (1 - r),          # [same]
          "h": da_h, "q": dq}
    ds_prev = (ds * z                     # [s_t = ... + z_t s_{t-1}: the direct path]
               + da["z"] @ p["W_z"]       # [a_z = ... + W_z s_{t-1}: W^T da]
               + da["r"] @ p["W_r"]       # [same for a_r]
               + dq @ p["W_h"])           # [q_t = W_h s_{t-1} + d_h: same]
    return da, ds_prev


def backward(p: dict, ds: np.ndarray, caches, ds_last: np.ndarray | None = None):
    """Backpropagation through time.

    ds (T, B, H): dL/ds_t that reaches each s_t directly (from the outputs);
    ds_last (B, H): an optional gradient on the last state s_{T-1}.
    Returns grads (a dict like p), dx (T, B, D) and dL/ds_{-1}."""
    T, B, H = ds.shape
    da = {key: np.empty_like(ds) for key in "zrhq"}           # (T, B, H) each
    ds_next = np.zeros((B, H), ds.dtype) if ds_last is None else ds_last
    for t in reversed(range(T)):
        # s_t goes to the output at t and to step t+1: both gradients add up
        # [multivariable chain rule]
        da_t, ds_next = step_backward(p, ds[t] + ds_next, caches[t])
        for key in "zrhq":
            da[key][t] = da_t[key]
    # Shared parameters: sums over t and the batch, one product each.  [linear maps]
    x = np.stack([cache[0] for cache in caches]).reshape(T * B, -1)       # (TB, D)
    s_prev = np.stack([cache[1] for cache in caches]).reshape(T * B, H)   # (TB, H)
    flat = {key: value.reshape(T * B, H) for key, value in da.items()}    # (TB, H)
    grads = {}
    for gate in "zr":                                 # a = U x_t + W s_{t-1} + b
        grads["U_" + gate] = flat[gate].T @ x         # (H, D) sum_t da_t x_t^T
        grads["W_" + gate] = flat[gate].T @ s_prev    # (H, H) sum_t da_t s_{t-1}^T
        grads["b_" + gate] = flat[gate].sum(axis=0)   # (H,)   sum_t da_t
    grads["U_h"] = flat["h"].T @ x          # (H, D)  [a_h = U_h x_t + b_h + r_t q_t]
    grads["b_h"] = flat["h"].sum(axis=0)    # (H,)
    grads["W_h"] = flat["q"].T @ s_prev     # (H, H)  [q_t = W_h s_{t-1} + d_h]
    grads["d_h"] = flat["q"].sum(axis=0)    # (H,)
    dx = da["z"] @ p["U_z"] + da["r"] @ p["U_r"] + da["h"] @ p["U_h"]  # (T, B, D)
    return {name: grads[name] for name in p}, dx, ds_next


# -------------------------------------------------------------------- torch

def to_torch(p: dict):
    """A torch.nn.GRU (one layer, time-major) computing exactly what p computes.

    weight_ih_l0 stacks U_r, U_z, U_h; bias_ih = (b_r, b_z, b_h), bias_hh = (0, 0, d_h).
    """
    import torch
    H, D = p["U_z"].shape
    dtype = torch.float64 if p["U_z"].dtype == np.float64 else torch.float32
    net = torch.nn.GRU(D, H).to(dtype)

    def stack(kind):
        return torch.from_numpy(np.concatenate([p[f"{kind}_{gate}"] for gate in GATES]))

    with torch.no_grad():
        net.weight_ih_l0.copy_(stack("U"))
        net.weight_hh_l0.copy_(stack("W"))
        net.bias_ih_l0.copy_(stack("b"))
        net.bias_hh_l0.zero_()
        net.bias_hh_l0[2 * H:] = torch.from_numpy(p["d_h"])
    return net


def grads_from_torch(net) -> dict:
    """net's gradients in our names (dL/db_r and dL/db_z are also those of bias_hh)."""
    H = net.hidden_size
    out = {}
    for kind, tensor in (("U", net.weight_ih_l0), ("W", net.weight_hh_l0),
                         ("b", net.bias_ih_l0)):
        grad = tensor.grad.detach().numpy()
        for k, gate in enumerate(GATES):
            out[f"{kind}_{gate}"] = grad[k * H:(k + 1) * H]
    out["d_h"] = net.bias_hh_l0.grad.detach().numpy()[2 * H:]
    return out
