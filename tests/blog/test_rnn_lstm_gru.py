"""The numpy LSTM and GRU of part 4 (snippets/rnn/lstm.py, gru.py) against
torch.nn.LSTM / torch.nn.GRU with the same weights, in float64, and against
numerical gradients (central differences)."""
import numpy as np
import pytest
import torch

from snippets.rnn import gru, lstm

T, B, D, H = 7, 3, 4, 5
FORWARD_TOL, GRAD_TOL, NUMERIC_TOL = 1e-10, 1e-8, 1e-6


def inputs(seed):
    """x (T, B, D), initial states (B, H), and random weights R on every state,
    so that L = sum(R * s) + sum(r_s * s_last) [+ sum(r_c * c_last)] touches all."""
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((T, B, D)),
            "s0": 0.5 * rng.standard_normal((B, H)), "c0": 0.5 * rng.standard_normal((B, H)),
            "R": rng.standard_normal((T, B, H)),
            "r_s": rng.standard_normal((B, H)), "r_c": rng.standard_normal((B, H))}


def max_diff(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


# ------------------------------------------------------------------- LSTM

def lstm_loss(p, d):
    s, c, _ = lstm.forward(p, d["x"], d["s0"], d["c0"])
    return float((d["R"] * s).sum() + (d["r_s"] * s[-1]).sum() + (d["r_c"] * c[-1]).sum())


def lstm_grads(p, d):
    s, c, caches = lstm.forward(p, d["x"], d["s0"], d["c0"])
    return lstm.backward(p, d["R"], caches, ds_last=d["r_s"], dc_last=d["r_c"])


def torch_lstm(p, d):
    net = lstm.to_torch(p)
    x = torch.tensor(d["x"], requires_grad=True)
    s0 = torch.tensor(d["s0"][None], requires_grad=True)
    c0 = torch.tensor(d["c0"][None], requires_grad=True)
    s, (s_last, c_last) = net(x, (s0, c0))
    loss = ((torch.tensor(d["R"]) * s).sum() + (torch.tensor(d["r_s"]) * s_last[0]).sum()
            + (torch.tensor(d["r_c"]) * c_last[0]).sum())
    loss.backward()
    return net, s.detach().numpy(), c_last[0].detach().numpy(), x.grad.numpy(), \
        s0.grad[0].numpy(), c0.grad[0].numpy()


def test_lstm_params_shapes_and_dtype():
    p = lstm.init_params(D, H, seed=0)
    assert set(p) == {f"{k}_{g}" for k in "UWb" for g in "ifgo"}
    assert p["U_i"].shape == (H, D) and p["W_f"].shape == (H, H) and p["b_o"].shape == (H,)
    assert all(v.dtype == np.float64 for v in p.values())
    assert all(np.abs(v).max() <= 1 / np.sqrt(H) for v in p.values())
    assert lstm.init_params(D, H, dtype=np.float32)["W_g"].dtype == np.float32


def test_lstm_forward_equals_torch():
    p, d = lstm.init_params(D, H, seed=1), inputs(2)
    s, c, _ = lstm.forward(p, d["x"], d["s0"], d["c0"])
    _, s_torch, c_last_torch, *_ = torch_lstm(p, d)
    assert s.shape == c.shape == (T, B, H)
    assert max_diff(s, s_torch) < FORWARD_TOL
    assert max_diff(c[-1], c_last_torch) < FORWARD_TOL


def test_lstm_gradients_equal_torch():
    p, d = lstm.init_params(D, H, seed=3), inputs(4)
    grads, dx, ds0, dc0 = lstm_grads(p, d)
    net, _, _, dx_t, ds0_t, dc0_t = torch_lstm(p, d)
    expected = lstm.grads_from_torch(net)
    assert set(grads) == set(expected)
    for name in grads:
        assert grads[name].shape == p[name].shape
        assert max_diff(grads[name], expected[name]) < GRAD_TOL, name
    # the two torch biases receive the same gradient, which is ours
    assert max_diff(net.bias_hh_l0.grad.numpy(), net.bias_ih_l0.grad.numpy()) < GRAD_TOL
    assert max_diff(dx, dx_t) < GRAD_TOL
    assert max_diff(ds0, ds0_t) < GRAD_TOL
    assert max_diff(dc0, dc0_t) < GRAD_TOL


def test_lstm_torch_mapping_with_torch_initial_weights():
    """The map also works the other way: weights drawn by torch, read into our names."""
    torch.manual_seed(0)
    net = torch.nn.LSTM(D, H).double()
    W_ih, W_hh = net.weight_ih_l0.detach().numpy(), net.weight_hh_l0.detach().numpy()
    b = (net.bias_ih_l0 + net.bias_hh_l0).detach().numpy()
    p = {}
    for k, gate in enumerate(lstm.GATES):                   # torch: i, f, g, o
        rows = slice(k * H, (k + 1) * H)
        p[f"U_{gate}"], p[f"W_{gate}"], p[f"b_{gate}"] = W_ih[rows], W_hh[rows], b[rows]
    x = inputs(5)["x"]
    s, _, _ = lstm.forward(p, x)
    assert max_diff(s, net(torch.tensor(x))[0].detach().numpy()) < FORWARD_TOL


@pytest.mark.parametrize("name", lstm.NAMES)
def test_lstm_numerical_gradient(name):
    p, d = lstm.init_params(D, H, seed=6), inputs(7)
    grads = lstm_grads(p, d)[0]
    numeric = lstm.numerical_gradient(lambda: lstm_loss(p, d), p[name])
    assert lstm.relative_error(grads[name], numeric) < NUMERIC_TOL


def test_lstm_numerical_gradient_inputs_and_states():
    p, d = lstm.init_params(D, H, seed=8), inputs(9)
    _, dx, ds0, dc0 = lstm_grads(p, d)
    for key, analytic in (("x", dx), ("s0", ds0), ("c0", dc0)):
        numeric = lstm.numerical_gradient(lambda: lstm_loss(p, d), d[key])
        assert lstm.relative_error(analytic, numeric) < NUMERIC_TOL, key


def test_lstm_stacked_forward_equals_forward():
    p, d = lstm.init_params(D, H, seed=10), inputs(11)
    s, _, _ = lstm.forward(p, d["x"])
    assert max_diff(lstm.forward_stacked(lstm.stack_params(p), d["x"]), s) < 1e-14


def test_lstm_float32_stays_float32():
    p = lstm.init_params(D, H, seed=0, dtype=np.float32)
    x = inputs(0)["x"].astype(np.float32)
    s, c, caches = lstm.forward(p, x)
    grads, dx, _, _ = lstm.backward(p, np.ones_like(s), caches)
    assert s.dtype == c.dtype == dx.dtype == grads["W_i"].dtype == np.float32


def test_sigmoid_is_stable_and_exact():
    a = np.array([-1000.0, -30.0, -1.0, 0.0, 2.5, 1000.0])
    with np.errstate(all="raise"):
        out = lstm.sigmoid(a)
    np.testing.assert_allclose(out, torch.sigmoid(torch.tensor(a)).numpy(), rtol=0, atol=1e-15)


# -------------------------------------------------------------------- GRU

def gru_loss(p, d):
    s, _ = gru.forward(p, d["x"], d["s0"])
    return float((d["R"] * s).sum() + (d["r_s"] * s[-1]).sum())


def gru_grads(p, d):
    s, caches = gru.forward(p, d["x"], d["s0"])
    return gru.backward(p, d["R"], caches, ds_last=d["r_s"])


def torch_gru(p, d):
    net = gru.to_torch(p)
    x = torch.tensor(d["x"], requires_grad=True)
    s0 = torch.tensor(d["s0"][None], requires_grad=True)
    s, s_last = net(x, s0)
    loss = (torch.tensor(d["R"]) * s).sum() + (torch.tensor(d["r_s"]) * s_last[0]).sum()
    loss.backward()
    return net, s.detach().numpy(), x.grad.numpy(), s0.grad[0].numpy()


def test_gru_params_shapes_and_dtype():
    p = gru.init_params(D, H, seed=0)
    assert set(p) == {f"{k}_{g}" for k in "UWb" for g in "zrh"} | {"d_h"}
    assert p["U_z"].shape == (H, D) and p["W_r"].shape == (H, H) and p["d_h"].shape == (H,)
    assert all(v.dtype == np.float64 for v in p.values())


def test_gru_forward_equals_torch():
    p, d = gru.init_params(D, H, seed=1), inputs(2)
    s, _ = gru.forward(p, d["x"], d["s0"])
    _, s_torch, *_ = torch_gru(p, d)
    assert s.shape == (T, B, H)
    assert max_diff(s, s_torch) < FORWARD_TOL


def test_gru_gradients_equal_torch():
    p, d = gru.init_params(D, H, seed=3), inputs(4)
    grads, dx, ds0 = gru_grads(p, d)
    net, _, dx_t, ds0_t = torch_gru(p, d)
    expected = gru.grads_from_torch(net)
    assert set(grads) == set(expected)
    for name in grads:
        assert max_diff(grads[name], expected[name]) < GRAD_TOL, name
    # r and z: both torch biases get our gradient; n: bias_hh's is d_h's, bias_ih's is b_h's
    assert max_diff(net.bias_hh_l0.grad[:2 * H].numpy(), net.bias_ih_l0.grad[:2 * H].numpy()) \
        < GRAD_TOL
    assert max_diff(dx, dx_t) < GRAD_TOL
    assert max_diff(ds0, ds0_t) < GRAD_TOL


def test_gru_reset_gate_acts_after_the_product():
    """torch's n gate is tanh(W_in x + b_in + r * (W_hn h + b_hn)); with d_h != 0
    the other placement, W_h (r * s) + d_h, gives different numbers."""
    p, d = gru.init_params(D, H, seed=12), inputs(13)
    x, s0 = d["x"][:1], d["s0"]
    z = gru.sigmoid(x[0] @ p["U_z"].T + s0 @ p["W_z"].T + p["b_z"])
    r = gru.sigmoid(x[0] @ p["U_r"].T + s0 @ p["W_r"].T + p["b_r"])
    cho = np.tanh(x[0] @ p["U_h"].T + p["b_h"] + (r * s0) @ p["W_h"].T + p["d_h"])
    ours, _ = gru.forward(p, x, s0)
    assert max_diff(ours[0], (1 - z) * cho + z * s0) > 1e-3
    assert max_diff(ours[0], torch_gru(p, {**d, "x": x, "R": d["R"][:1]})[1][0]) < FORWARD_TOL


@pytest.mark.parametrize("name", gru.NAMES)
def test_gru_numerical_gradient(name):
    p, d = gru.init_params(D, H, seed=6), inputs(7)
    grads = gru_grads(p, d)[0]
    numeric = gru.numerical_gradient(lambda: gru_loss(p, d), p[name])
    assert gru.relative_error(grads[name], numeric) < NUMERIC_TOL


def test_gru_numerical_gradient_inputs_and_state():
    p, d = gru.init_params(D, H, seed=8), inputs(9)
    _, dx, ds0 = gru_grads(p, d)
    for key, analytic in (("x", dx), ("s0", ds0)):
        numeric = gru.numerical_gradient(lambda: gru_loss(p, d), d[key])
        assert gru.relative_error(analytic, numeric) < NUMERIC_TOL, key


def test_relative_error():
    a = np.array([1.0, -2.0])
    assert lstm.relative_error(a, a) == 0.0
    assert lstm.relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert lstm.relative_error(a, -a) == 1.0


# ------------------------------------------------- the PyTorch language models

def test_gated_lm_parameter_count_formula():
    from snippets.rnn.gated_lm import GatedLM, count_params, hidden_for, param_count
    for cell in ("rnn", "gru", "lstm"):
        for H, E, layers in ((7, 5, 1), (16, 8, 2), (33, 12, 3)):
            net = GatedLM(50, H, E, cell=cell, layers=layers)
            assert count_params(net) == param_count(cell, 50, H, E, layers)
    target = param_count("gru", 200, 32, 16)
    H = hidden_for("lstm", target, 200, 16)
    gaps = [abs(param_count("lstm", 200, h, 16) - target) for h in (H - 1, H, H + 1)]
    assert gaps[1] == min(gaps)


def test_gated_lm_trains_and_samples_deterministically():
    from snippets.rnn.gated_lm import GatedLM, sample, train_lm
    rng = np.random.default_rng(0)
    X = [rng.integers(0, 30, rng.integers(3, 9)) for _ in range(40)]
    Y = [np.roll(x, -1) for x in X]
    words = [f"w{i}" for i in range(27)] + ["SENTENCE_START", "SENTENCE_END", "UNKNOWN_TOKEN"]
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = GatedLM(30, 8, 4, cell="gru")
        history = train_lm(net, X, Y, updates=6, X_val=X[:5], Y_val=Y[:5], batch_size=8,
                           eval_every=3)
        runs.append((history, sample(net, words, seed=1, max_length=5)))
    (h1, s1), (h2, s2) = runs
    assert [r["update"] for r in h1] == [0, 3, 6]
    assert [r["perplexity"] for r in h1] == [r["perplexity"] for r in h2]
    assert h1[-1]["perplexity"] < h1[0]["perplexity"]
    assert s1 == s2 and len(s1) <= 5
    assert not {"SENTENCE_START", "UNKNOWN_TOKEN"} & set(s1)
