"""Part 3's libraries: snippets/rnn/gradients.py and snippets/rnn/memory_task.py."""
import numpy as np
import pytest
import torch

from snippets.rnn import gradients as gr
from snippets.rnn import memory_task as mt
from snippets.rnn.numpy_rnn import RNN


def small_model(K=20, H=6, rho=None, seed=0):
    model = RNN(K, H, bptt_truncate=None, seed=seed)
    # larger U than the default 1/sqrt(K), so that the states are not all near 0
    model.U = np.random.default_rng(seed + 1).normal(0, 0.8, model.U.shape)
    if rho is not None:
        model.W = gr.with_radius(model.W, rho)
    return model


def sentence(K, T, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, K, T), rng.integers(0, K, T)


# ------------------------------------------------------------- activations

def test_activation_derivatives_match_finite_differences():
    a = np.linspace(-5, 5, 101)
    h = 1e-6
    for f, df in ((np.tanh, gr.dtanh), (gr.sigmoid, gr.dsigmoid)):
        numeric = (f(a + h) - f(a - h)) / (2 * h)
        np.testing.assert_allclose(df(a), numeric, atol=1e-9)
    assert gr.dtanh(0.0) == 1.0 and gr.dsigmoid(0.0) == 0.25


# --------------------------------------------------------------- Jacobians

@pytest.mark.parametrize("rho", [0.7, 1.5])
def test_state_jacobian_equals_autograd(rho):
    """prod diag(1 - s_j^2) W equals torch's d s_t / d s_k for the same recurrence."""
    model = small_model(rho=rho)
    x, _ = sentence(model.word_dim, 9)
    s = model.states(x)
    U, W = torch.tensor(model.U), torch.tensor(model.W)
    for t, k in [(8, 8), (8, 7), (8, 3), (5, 0), (6, 2)]:
        def run(s_k):
            h = s_k
            for j in range(k + 1, t + 1):
                h = torch.tanh(U[:, x[j]] + W @ h)
            return h
        expected = torch.autograd.functional.jacobian(run, torch.tensor(s[k])).numpy()
        np.testing.assert_allclose(gr.state_jacobian(model.W, s, t, k), expected,
                                   rtol=1e-12, atol=1e-14)


def test_state_jacobian_rejects_bad_steps():
    model = small_model()
    s = model.states(sentence(model.word_dim, 4)[0])
    for t, k in [(2, 3), (4, 0), (-1, -1)]:
        with pytest.raises(ValueError):
            gr.state_jacobian(model.W, s, t, k)


def test_jacobian_norms_are_spectral_norms_of_the_products():
    model = small_model(rho=1.2)
    s = model.states(sentence(model.word_dim, 11)[0])
    norms = gr.jacobian_norms(model.W, s, max_lag=5)
    assert norms.shape == (11, 6)
    for t in range(11):
        for j in range(6):
            if j > t:
                assert np.isnan(norms[t, j])
            else:
                J = gr.state_jacobian(model.W, s, t, t - j)
                assert norms[t, j] == pytest.approx(np.linalg.norm(J, 2), rel=1e-12)


def test_jacobian_norms_from_t_min():
    model = small_model()
    s = model.states(sentence(model.word_dim, 10)[0])
    full = gr.jacobian_norms(model.W, s, max_lag=4)
    part = gr.jacobian_norms(model.W, s, max_lag=4, t_min=6)
    assert np.isnan(part[:6]).all()
    np.testing.assert_array_equal(part[6:], full[6:])


def test_lag_profile_is_a_geometric_mean():
    model = small_model()
    X = [sentence(model.word_dim, T, seed=T)[0] for T in (3, 7, 8)]
    lags, profile = gr.lag_profile(model, X, max_lag=8, t_min=0)
    assert list(lags) == list(range(9))
    logs = np.concatenate([np.log(gr.jacobian_norms(model.W, model.states(x), 8)) for x in X])
    for j in range(8):
        col = logs[:, j][~np.isnan(logs[:, j])]
        assert profile[j] == pytest.approx(np.exp(col.mean()), rel=1e-12)
    assert np.isnan(profile[8])                  # no sentence is long enough for lag 8
    # by default only the steps t >= max_lag count, the same steps for every lag
    lags, profile = gr.lag_profile(model, X, max_lag=5)
    rows = np.concatenate([np.log(gr.jacobian_norms(model.W, model.states(x), 5))[5:] for x in X])
    np.testing.assert_allclose(profile, np.exp(rows.mean(axis=0)), rtol=1e-12)


def test_decay_per_step_of_an_exact_geometric_sequence():
    lags = np.arange(10)
    assert gr.decay_per_step(lags, 3.0 * 0.6 ** lags) == pytest.approx(0.6)


def test_dW_by_lag_sums_to_full_and_truncated_bptt():
    """The textbook sum over (t, k) of Jacobian products is what numpy_rnn computes,
    and keeping the lags up to k is BPTT truncated after k steps."""
    model = small_model(rho=1.1)
    x, y = sentence(model.word_dim, 8, seed=3)
    C = gr.dW_by_lag(model, x, y)
    _, _, dW_full = model.bptt(x, y)
    np.testing.assert_allclose(C.sum(0), dW_full, rtol=1e-10, atol=1e-13)
    for k in (0, 1, 3):
        model.bptt_truncate = k
        _, _, dW_k = model.bptt(x, y)
        np.testing.assert_allclose(C[: k + 1].sum(0), dW_k, rtol=1e-10, atol=1e-13)


# ------------------------------------------------------ radius and clipping

def test_with_radius():
    W = np.random.default_rng(0).normal(size=(7, 7))
    for rho in (0.5, 1.0, 3.0):
        assert gr.spectral_radius(gr.with_radius(W, rho)) == pytest.approx(rho, rel=1e-12)


def test_clip_by_norm():
    grads = [np.full((2, 2), 3.0), np.array([4.0, 0.0, 0.0, 0.0])]   # global norm sqrt(36 + 16)
    norm = np.sqrt(52.0)
    clipped, before = gr.clip_by_norm(grads, 1.0)
    assert before == pytest.approx(norm)
    assert gr.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped[0], grads[0] / norm)           # same direction
    same, _ = gr.clip_by_norm(grads, 100.0)
    np.testing.assert_array_equal(same[1], grads[1])


def test_train_clipped_caps_every_step():
    model = small_model(K=15, H=5, rho=4.0)
    X, Y = zip(*(sentence(15, 10, seed=i) for i in range(30)))
    h = gr.train_clipped(model, X, Y, learning_rate=0.05, max_norm=2.0, evaluate_every=10)
    assert len(h["grad_norm"]) == 30 and h["steps"] == [0, 10, 20, 30]
    assert 0 < h["clipped"] <= 30
    assert all(np.isfinite(h["loss"]))


# --------------------------------------------------------------- memory task

def test_memory_batch():
    x, y = mt.make_batch(np.random.default_rng(0), 500, gap=7)
    assert x.shape == (500, 8) and y.shape == (500,)
    assert x.dtype == torch.int64 and y.dtype == torch.int64
    assert torch.equal(x[:, 0], y)                                    # the payload comes first
    assert int(y.min()) >= 0 and int(y.max()) < mt.N_SYMBOLS
    noise = x[:, 1:]
    assert int(noise.min()) >= mt.N_SYMBOLS and int(noise.max()) < mt.N_SYMBOLS + mt.N_NOISE
    assert len(torch.unique(y)) == mt.N_SYMBOLS                      # every payload occurs
    x2, y2 = mt.make_batch(np.random.default_rng(0), 500, gap=7)
    assert torch.equal(x, x2) and torch.equal(y, y2)                  # seeded
    x0, _ = mt.make_batch(np.random.default_rng(0), 3, gap=0)
    assert x0.shape == (3, 1)


def test_noise_says_nothing_about_the_payload():
    """The tokens after the first are independent of the answer."""
    x, y = mt.make_batch(np.random.default_rng(1), 4000, gap=5)
    counts = np.zeros((mt.N_SYMBOLS, mt.N_NOISE))
    for payload, row in zip(y.numpy(), x[:, 1:].numpy()):
        np.add.at(counts[payload], row - mt.N_SYMBOLS, 1)
    freq = counts / counts.sum(1, keepdims=True)
    assert np.abs(freq - 1 / mt.N_NOISE).max() < 0.03


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "irnn"])
def test_memory_net_shapes_and_init(cell):
    torch.manual_seed(0)
    net = mt.MemoryNet(cell, hidden=8)
    x, _ = mt.make_batch(np.random.default_rng(0), 4, gap=3)
    assert net(x).shape == (4, mt.N_SYMBOLS)
    if cell in ("lstm", "gru"):                  # the keep gate starts mostly open
        b = (net.rnn.bias_ih_l0[8:16] + net.rnn.bias_hh_l0[8:16]).detach()
        assert float(b.min()) > 3.0 - 2 / np.sqrt(8) - 1e-6
    if cell == "irnn":
        assert torch.equal(net.rnn.weight_hh_l0, torch.eye(8))
        assert net.rnn.nonlinearity == "relu"


def test_memory_training_learns_a_short_gap_and_is_reproducible():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                     # as in the snippet: one thread, same sums
    try:
        a = mt.train("gru", gap=2, steps=150, hidden=16, seed=0)
        b = mt.train("gru", gap=2, steps=150, hidden=16, seed=0)
    finally:
        torch.set_num_threads(threads)
    assert a.accuracy > 0.9
    assert a.losses == b.losses and a.accuracy == b.accuracy
    assert a.steps == len(a.losses) <= 150
