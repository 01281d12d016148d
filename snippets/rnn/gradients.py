"""How gradients travel back in time through the numpy RNN of part 3.

For s_t = tanh(U x_t + W s_{t-1}) one step back is the Jacobian

    ds_t/ds_{t-1} = diag(1 - s_t^2) W                      (H, H)

and k steps back is the product of k of them:

    ds_t/ds_k = prod_{j=k+1..t} diag(1 - s_j^2) W          (H, H)

Its norm says how much of the gradient of a loss at step t reaches step k.
This module measures that norm, changes W's spectral radius, clips
gradients and trains with or without clipping, for the part-3 snippets.

    step_jacobian(W, s_t)                 one factor
    state_jacobian(W, s, t, k)            ds_t/ds_k from the states s of one sentence
    jacobian_norms(W, s, max_lag)         ||ds_t/ds_{t-j}||_2 for every t and j <= max_lag
    lag_profile(model, X, max_lag)        geometric mean of those norms by lag, over sentences
    spectral_radius(W), with_radius(W, rho)
    clip_by_norm(grads, max_norm)         scale all gradients together when their norm is too big
    train_clipped(model, X, Y, ...)       SGD, one sentence a step, full BPTT, optional clipping
"""
from __future__ import annotations

import math

import numpy as np


# ------------------------------------------------------------- activations

def sigmoid(a):
    """1 / (1 + e^-a)."""
    return 1.0 / (1.0 + np.exp(-a))


def dtanh(a):
    """tanh'(a) = 1 - tanh(a)^2, at most 1 (at a = 0)."""
    return 1.0 - np.tanh(a) ** 2


def dsigmoid(a):
    """sigmoid'(a) = sigmoid(a) (1 - sigmoid(a)), at most 1/4 (at a = 0)."""
    g = sigmoid(a)
    return g * (1.0 - g)


# --------------------------------------------------------------- Jacobians

def step_jacobian(W: np.ndarray, s_t: np.ndarray) -> np.ndarray:
    """ds_t/ds_{t-1} = diag(1 - s_t^2) W, for s_t = tanh(U x_t + W s_{t-1})."""
    return (1.0 - s_t * s_t)[:, None] * W                       # row i scaled by tanh'(a_t[i])


def state_jacobian(W: np.ndarray, s: np.ndarray, t: int, k: int) -> np.ndarray:
    """ds_t/ds_k (H, H) for the states s (T, H) of one sentence, k <= t.

    The identity when k == t; otherwise the product of the t - k step
    Jacobians from step t down to step k + 1."""
    if not 0 <= k <= t < len(s):
        raise ValueError(f"need 0 <= k <= t < {len(s)}, got t={t}, k={k}")
    J = np.eye(W.shape[0], dtype=s.dtype)
    for j in range(t, k, -1):                                   # t, t-1, ..., k+1
        J = J @ step_jacobian(W, s[j])                          # ds_t/ds_{j-1} = ds_t/ds_j ds_j/ds_{j-1}
    return J


def jacobian_norms(W: np.ndarray, s: np.ndarray, max_lag: int,
                   t_min: int = 0) -> np.ndarray:
    """norms[t, j] = ||ds_t/ds_{t-j}||_2 (largest singular value), j = 0..max_lag.

    Only rows t >= t_min are computed; NaN elsewhere and where t - j < 0.
    The products for all those t are extended one step further back at once
    (a stack of matrices), so a sentence costs max_lag batched products and
    singular value decompositions."""
    T, H = s.shape
    norms = np.full((T, max_lag + 1), np.nan)
    D = 1.0 - s * s                    # (T, H) tanh'(a_j) for every step j
    ts = np.arange(min(t_min, T), T)   # the steps t measured
    norms[ts, 0] = 1.0                 # ds_t/ds_t = I
    J = np.broadcast_to(np.eye(H, dtype=s.dtype), (len(ts), H, H))
    for j in range(1, max_lag + 1):
        keep = ts >= j                 # s_{t-j} must exist
        ts, J = ts[keep], J[keep]
        if len(ts) == 0:
            break
        # J held ds_t/ds_{t-j+1}: multiply on the right by one more step back,
        # diag(1 - s_{t-j+1}^2) W (scaling J's columns, then W)
        J = (J * D[ts - j + 1][:, None, :]) @ W      # ds_t/ds_{t-j}
        norms[ts, j] = np.linalg.svd(J, compute_uv=False)[:, 0]
    return norms


def lag_profile(model, X, max_lag: int, t_min: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Geometric mean over sentences and steps of ||ds_t/ds_{t-j}||_2, by lag j.

    Returns (lags 0..max_lag, profile). Only steps t >= t_min count (default
    max_lag: then every lag is averaged over the same steps). A geometric
    mean (the mean of the logarithms) because the norms span many orders of
    magnitude; lags that no step reaches are NaN."""
    t_min = max_lag if t_min is None else t_min
    logs = [np.log(jacobian_norms(model.W, model.states(x), max_lag, t_min)) for x in X]
    logs = np.concatenate(logs)                                 # (sum of T, max_lag + 1)
    counts = np.sum(~np.isnan(logs), axis=0)
    sums = np.nansum(logs, axis=0)
    mean = np.full(max_lag + 1, np.nan)
    mean[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return np.arange(max_lag + 1), np.exp(mean)


def decay_per_step(lags: np.ndarray, profile: np.ndarray, first: int = 1, last: int | None = None) -> float:
    """Average factor by which the norm shrinks (<1) or grows (>1) per step back,
    from a straight-line fit of log(profile) against lag over [first, last]."""
    sel = (lags >= first) & (lags <= (lags.max() if last is None else last)) & np.isfinite(profile)
    slope = np.polyfit(lags[sel], np.log(profile[sel]), 1)[0]
    return float(np.exp(slope))


def dW_by_lag(model, x, y) -> np.ndarray:
    """The BPTT sum for dE/dW written out term by term, grouped by distance.

        dE/dW = sum_t sum_{k<=t} dE_t/ds_t  ds_t/ds_k  (ds_k/dW)_direct

    where (ds_k/dW)_direct treats s_{k-1} as a constant: entry (i, m) of W
    moves s_k[i] by (1 - s_k[i]^2) s_{k-1}[m]. Returns C (T, H, H) with C[j]
    the sum of the terms with t - k = j, so C.sum(0) is the full gradient and
    C[:k+1].sum(0) what BPTT truncated after k steps keeps. Built from
    explicit Jacobian products (O(T^2) of them): slow, but independent of the
    recursion in numpy_rnn.backprop_through_time, which it checks."""
    o, s = model.forward(x)
    T, H = s.shape
    e = o.copy()
    e[np.arange(T), y] -= 1            # dE_t/dz_t = o_t - onehot(y_t)
    dE_ds = e @ model.V                # (T, H) row t: dE_t/ds_t
    # s_{k-1}, with s_{-1} = 0
    s_prev = np.vstack([np.zeros((1, H), s.dtype), s[:-1]])
    C = np.zeros((T, H, H), s.dtype)
    for t in range(T):
        for k in range(t + 1):
            # dE_t/ds_k (a row vector), times (ds_k/dW)_direct
            g = dE_ds[t] @ state_jacobian(model.W, s, t, k)
            C[t - k] += np.outer(g * (1 - s[k] ** 2), s_prev[k])
    return C


# ---------------------------------------------------------- spectral radius

def spectral_radius(W: np.ndarray) -> float:
    """The largest |eigenvalue| of W: how much W stretches a vector per step, in the long run."""
    return float(np.abs(np.linalg.eigvals(W)).max())


def with_radius(W: np.ndarray, rho: float) -> np.ndarray:
    """W rescaled so that its spectral radius is rho (same eigenvectors)."""
    return W * (rho / spectral_radius(W))


# ----------------------------------------------------------------- clipping

def global_norm(grads) -> float:
    """sqrt of the sum of squares of every entry of every gradient."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads))


def clip_by_norm(grads, max_norm: float) -> tuple[list[np.ndarray], float]:
    """If the gradients' global norm exceeds max_norm, scale them all by
    max_norm / norm (the direction is kept, only the step is shortened).

    Returns the (possibly scaled) gradients and the norm before clipping."""
    norm = global_norm(grads)
    if norm > max_norm:
        scale = max_norm / norm
        return [g * scale for g in grads], norm
    return list(grads), norm


def train_clipped(model, X, Y, learning_rate: float, max_norm: float | None = None,
                  X_val=None, Y_val=None, evaluate_every: int = 50) -> dict:
    """Plain SGD with full BPTT, one sentence per step, in the order given.

    max_norm=None: no clipping. Records the gradient norm of every step and the
    mean loss on (X_val, Y_val) every `evaluate_every` steps (and at the start).
    A loss that is not finite stops training (the parameters are then NaN or inf).
    The model is changed in place. Returns {"steps", "loss", "grad_norm", "clipped"}."""
    X_eval, Y_eval = (X, Y) if X_val is None else (X_val, Y_val)
    history = {"steps": [0], "loss": [model.mean_loss(X_eval, Y_eval)], "grad_norm": [], "clipped": 0}
    for step, (x, y) in enumerate(zip(X, Y), start=1):
        with np.errstate(over="ignore", invalid="ignore"):
            grads = model.bptt(x, y)                            # dU, dV, dW (full BPTT if the model says so)
            if max_norm is not None:
                grads, norm = clip_by_norm(grads, max_norm)
                history["clipped"] += norm > max_norm
            else:
                norm = global_norm(grads)
            history["grad_norm"].append(norm)
            for name, g in zip("UVW", grads):
                setattr(model, name, getattr(model, name) - learning_rate * g)
            if step % evaluate_every == 0:
                loss = model.mean_loss(X_eval, Y_eval)
                history["steps"].append(step)
                history["loss"].append(loss)
                if not np.isfinite(loss):
                    break
    return history
