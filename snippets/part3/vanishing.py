"""Part 3, section 3: how fast ||ds_t/ds_k|| shrinks with t - k in the numpy RNN of part 2.

At initialisation, after a short training run (full BPTT, part 2's SGD loop on the plays),
and with W rescaled to several spectral radii. Then what truncated BPTT loses.

Run it as a reader would: python -m snippets.part3.vanishing
"""

# %% setup
import time

import matplotlib.pyplot as plt
import numpy as np

from snippets.rnn.data import load_corpus
from snippets.rnn.fmt import vi
from snippets.rnn.gradients import (decay_per_step, lag_profile,
                                    spectral_radius, with_radius)
from snippets.rnn.numpy_rnn import RNN, train_with_sgd
from snippets.rnn.timing import set_threads

set_threads(1)     # small matrices: one BLAS thread is enough
K, H = 2000, 50    # a small version of part 2's model
MAX_LAG = 30       # measure ds_t/ds_{t-j} for j = 0..30
LAG_MID = 10       # a distance in between, quoted in the post
corpus = load_corpus(vocab_size=K, seed=0)
# probe: 40 validation sentences long enough for every lag (31 to 60
# tokens); the norms are averaged over their steps t >= MAX_LAG, the same
# steps for every distance
probe_pairs = [(x, y) for x, y in zip(corpus.X_val, corpus.y_val)
               if MAX_LAG + 1 <= len(x) <= 60][:40]
probe = [x for x, _ in probe_pairs]
n_probe = len(probe)
# full BPTT
model = RNN(word_dim=K, hidden_dim=H, bptt_truncate=None, seed=0)
print(f"K = {K}, H = {H}, {n_probe} câu để đo, "
      f"dài {min(map(len, probe))} tới {max(map(len, probe))} từ")

# %% init
lags, profile_init = lag_profile(model, probe, MAX_LAG)
rho_init = spectral_radius(model.W)
norm2_init = float(np.linalg.norm(model.W, 2))
decay_init = decay_per_step(lags, profile_init)
norm_init_1, norm_init_10, norm_init_30 = (
    float(profile_init[j]) for j in (1, LAG_MID, MAX_LAG))
print(f"bán kính phổ của W: {vi(rho_init, '.3f')}   "
      f"||W||_2 = {vi(norm2_init, '.3f')}")
print(f"mỗi bước lùi, chuẩn nhân với khoảng {vi(decay_init, '.3f')}")
for j in (1, 2, 5, 10, 20, 30):
    print(f"t - k = {j:2d}:  ||ds_t/ds_k|| ≈ {vi(profile_init[j], '.2e')}")

# %% train timeout=240
N_TRAIN, N_EPOCHS, LEARNING_RATE = 5000, 2, 0.005
pairs = [(x, y) for x, y in zip(corpus.X_train, corpus.y_train)
         if len(x) <= 30][:N_TRAIN]
X_train, Y_train = [p[0] for p in pairs], [p[1] for p in pairs]
_start = time.perf_counter()
history = train_with_sgd(model, X_train, Y_train,
                         learning_rate=LEARNING_RATE, nepoch=N_EPOCHS,
                         evaluate_every=2500, X_val=corpus.X_val[:300],
                         Y_val=corpus.y_val[:300], log=print, fmt=vi)
_seconds = time.perf_counter() - _start
loss_before, loss_after = history[0]["loss"], history[-1]["loss"]

# %% train_time varies=true
train_seconds = _seconds
print(f"huấn luyện mất {train_seconds:.0f} giây")

# %% trained
lags, profile_trained = lag_profile(model, probe, MAX_LAG)
rho_trained = spectral_radius(model.W)
norm2_trained = float(np.linalg.norm(model.W, 2))
decay_trained = decay_per_step(lags, profile_trained)
norm_trained_1, norm_trained_10, norm_trained_30 = (
    float(profile_trained[j]) for j in (1, LAG_MID, MAX_LAG))
states = np.concatenate([model.states(x) for x in probe])
states_init = np.concatenate([RNN(K, H, seed=0).states(x) for x in probe])
# average tanh'(a) over units and steps
mean_dtanh_init = float(np.mean(1 - states_init ** 2))
mean_dtanh_trained = float(np.mean(1 - states ** 2))
SATURATED = 0.95       # |s| above this: tanh' < 0.1
saturated_pct = 100 * float(np.mean(np.abs(states) > SATURATED))
print(f"bán kính phổ của W: {vi(rho_init, '.3f')} -> "
      f"{vi(rho_trained, '.3f')}   ||W||_2: {vi(norm2_init, '.3f')} -> "
      f"{vi(norm2_trained, '.3f')}")
print(f"trung bình tanh'(a): {vi(mean_dtanh_init, '.3f')} -> "
      f"{vi(mean_dtanh_trained, '.3f')}   ({saturated_pct:.0f}% số giá trị "
      f"có |s| > {vi(SATURATED)})")
print(f"hệ số mỗi bước: {vi(decay_init, '.3f')} -> {vi(decay_trained, '.3f')}")
for j in (1, 2, 5, 10, 20, 30):
    print(f"t - k = {j:2d}:  {vi(profile_init[j], '.2e')} -> "
          f"{vi(profile_trained[j], '.2e')}")

# %% figure_trained echo=false
# 7 inches wide, the width of the page's column, and no text under 11 pt: on the page, the
# smallest text is as large as the caption's.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.semilogy(lags, profile_init, marker=".",
            label=rf"lúc khởi tạo ($\rho(W) = {vi(rho_init, '.2f')}$)")
ax.semilogy(lags, profile_trained, marker=".", color="tab:red",
            label=rf"sau khi huấn luyện ($\rho(W) = "
                  rf"{vi(rho_trained, '.2f')}$)")
ax.set_xlabel("khoảng cách $t - k$ (bước)")
ax.set_ylabel(r"$\Vert\partial s_t / \partial s_k\Vert$ (trung bình nhân)")
ax.grid(alpha=0.3, which="both")
ax.legend()
fig.tight_layout()

# %% radius
RHO_SMALL, RHO_ONE, RHO_BIG = 0.5, 1.0, 3.0
RADII = [RHO_SMALL, 0.75, RHO_ONE, 1.25, 1.5, 2.0, RHO_BIG]
fresh = RNN(word_dim=K, hidden_dim=H, bptt_truncate=None, seed=0)
W0 = fresh.W.copy()
profiles = {}
for rho in RADII:
    fresh.W = with_radius(W0, rho)
    profiles[rho] = lag_profile(fresh, probe, MAX_LAG)[1]
decay = {rho: decay_per_step(lags, p) for rho, p in profiles.items()}
print(f"  ρ(W)   hệ số/bước   t-k={LAG_MID}      t-k={MAX_LAG}")
for rho in RADII:
    print(f"{vi(rho, '6.2f')}   {vi(decay[rho], '9.3f')}   "
          f"{vi(profiles[rho][LAG_MID], '.2e')}   "
          f"{vi(profiles[rho][MAX_LAG], '.2e')}")
decay_05, decay_1, decay_3 = (decay[RHO_SMALL], decay[RHO_ONE],
                              decay[RHO_BIG])
norm_05_30, norm_1_30, norm_3_30 = (
    float(profiles[r][MAX_LAG]) for r in (RHO_SMALL, RHO_ONE, RHO_BIG))

# %% figure_radius echo=false
fig, (ax_lag, ax_rho) = plt.subplots(2, 1, figsize=(7, 6.4))
colors = plt.cm.viridis(np.linspace(0, 0.9, len(RADII)))
for rho, color in zip(RADII, colors):
    ax_lag.semilogy(lags, profiles[rho], color=color,
                    label=rf"$\rho = {vi(rho, 'g')}$")
ax_lag.set_xlabel("khoảng cách $t - k$ (bước)")
ax_lag.set_ylabel(r"$\Vert\partial s_t / \partial s_k\Vert$")
ax_lag.legend(ncol=2, loc="center left", bbox_to_anchor=(1.01, 0.5))
for j, marker in ((5, "o"), (LAG_MID, "s"), (MAX_LAG, "^")):
    ax_rho.semilogy(RADII, [profiles[r][j] for r in RADII], marker=marker,
                    label=f"$t - k = {j}$")
ax_rho.axvline(1.0, color="gray", linestyle=":", linewidth=1)
ax_rho.set_xlabel(r"bán kính phổ $\rho(W)$")
ax_rho.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
for ax in (ax_lag, ax_rho):
    ax.grid(alpha=0.3, which="both")
fig.tight_layout()

# %% truncation
# What BPTT truncated after tau steps leaves out of dE/dW, relative to full
# BPTT, on the probe sentences: at initialisation and after training.
TAU_SHORT, TAU_LONG = 4, 8                      # part 2 used 4
TRUNCATIONS = [1, 2, TAU_SHORT, TAU_LONG, 16]


def truncation_error(m, tau):
    """sqrt(sum ||dW_tau - dW||^2 / sum ||dW||^2) over the probe sentences."""
    num = den = 0.0
    for x, y in probe_pairs:
        m.bptt_truncate = None
        dW = m.bptt(x, y)[2]
        m.bptt_truncate = tau
        num += float(np.sum((m.bptt(x, y)[2] - dW) ** 2))
        den += float(np.sum(dW ** 2))
    m.bptt_truncate = None
    return np.sqrt(num / den)


untrained = RNN(word_dim=K, hidden_dim=H, bptt_truncate=None, seed=0)
trunc_init = {tau: truncation_error(untrained, tau) for tau in TRUNCATIONS}
trunc_trained = {tau: truncation_error(model, tau) for tau in TRUNCATIONS}
print("   τ   lúc khởi tạo   sau huấn luyện")
for tau in TRUNCATIONS:
    print(f"{tau:4d}   {vi(trunc_init[tau], '12.2e')}   "
          f"{vi(trunc_trained[tau], '14.2e')}")
trunc_init_4_pct = 100 * trunc_init[TAU_SHORT]
trunc_trained_4_pct = 100 * trunc_trained[TAU_SHORT]
trunc_init_8_pct = 100 * trunc_init[TAU_LONG]
trunc_trained_8_pct = 100 * trunc_trained[TAU_LONG]
