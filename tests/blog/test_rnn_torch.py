"""The PyTorch models (snippets/rnn/torch_rnn.py) against the numpy one, in float64."""
import numpy as np
import pytest
import torch

from snippets.rnn import data
from snippets.rnn import torch_rnn as tr
from snippets.rnn.numpy_rnn import RNN


def sentence(V, T, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, T), rng.integers(0, V, T)


def cpu_params(model):
    return tr.params_from_numpy(model, device="cpu")


def reference_truncated_loss(p, x, y, k):
    """The truncated graph written out: the loss at step t is recomputed from
    the detached state s_{t-k-1}, so its gradient reaches steps t-k..t only."""
    U, V, W = p["U"], p["V"], p["W"]
    with torch.no_grad():
        s = tr.forward(p, x)[1][0]                            # (T, H) values
    loss = 0
    for t in range(len(x)):
        first = max(0, t - k)
        h = s[first - 1].detach() if first > 0 else torch.zeros(U.shape[0], dtype=U.dtype)
        for m in range(first, t + 1):
            h = torch.tanh(U[:, x[m]] + W @ h)
        z = V @ h
        loss = loss + torch.logsumexp(z, 0) - z[y[t]]
    return loss


def grads_of(loss, p):
    return torch.autograd.grad(loss, [p["U"], p["V"], p["W"]])


# --------------------------------------------------------- hand-written

def test_init_params_are_the_numpy_initial_values():
    p = tr.init_params(50, 8, seed=3, device="cpu")
    m = RNN(50, 8, seed=3)
    for name in "UVW":
        assert p[name].dtype == torch.float64 and p[name].requires_grad
        np.testing.assert_array_equal(p[name].detach().numpy(), getattr(m, name))


def test_forward_equals_numpy():
    m = RNN(60, 9, seed=1)
    x, _ = sentence(60, 13, 2)
    o, s = m.forward(x)
    z_t, s_t = tr.forward(cpu_params(m), torch.as_tensor(x))
    assert z_t.shape == (1, 13, 60) and s_t.shape == (1, 13, 9)
    np.testing.assert_allclose(torch.softmax(z_t[0], -1).detach().numpy(), o, rtol=0, atol=1e-10)
    np.testing.assert_allclose(s_t[0].detach().numpy(), s, rtol=0, atol=1e-10)


def test_loss_equals_numpy():
    m = RNN(60, 9, seed=1)
    X, Y = zip(*(sentence(60, T, T) for T in (4, 11, 2)))
    assert tr.total_loss(cpu_params(m), X, Y) == pytest.approx(m.total_loss(X, Y), rel=1e-12)


def test_full_bptt_equals_autograd():
    m = RNN(60, 9, bptt_truncate=None, seed=1)
    x, y = sentence(60, 13, 3)
    x[2] = x[9]                                               # a repeated word
    for g_np, g_t in zip(m.bptt(x, y), tr.bptt(cpu_params(m), x, y, None)):
        np.testing.assert_allclose(g_np, g_t.numpy(), rtol=0, atol=1e-8)


@pytest.mark.parametrize("k", [0, 1, 2, 4, 11])
def test_truncated_bptt_equals_autograd_of_the_truncated_graph(k):
    m = RNN(60, 9, bptt_truncate=k, seed=1)
    x, y = sentence(60, 13, 4)
    p = cpu_params(m)
    reference = grads_of(reference_truncated_loss(p, x, y, k), p)
    for g_np, g_ref, g_t in zip(m.bptt(x, y), reference, tr.bptt(p, x, y, k)):
        np.testing.assert_allclose(g_np, g_ref.numpy(), rtol=0, atol=1e-8)
        np.testing.assert_allclose(g_t.numpy(), g_ref.numpy(), rtol=0, atol=1e-12)


def test_truncated_and_full_differ():
    m = RNN(60, 9, seed=1)
    x, y = sentence(60, 13, 4)
    p = cpu_params(m)
    dW_full, dW_trunc = tr.bptt(p, x, y, None)[2], tr.bptt(p, x, y, 2)[2]
    assert (dW_full - dW_trunc).abs().max() > 1e-6


def test_padded_batch_equals_the_sum_of_its_sentences():
    m = RNN(60, 9, bptt_truncate=3, seed=1)
    X, Y = zip(*(sentence(60, T, T) for T in (5, 12, 1, 8)))
    x, y = tr.pad_batch(X, Y, device="cpu")
    assert x.shape == y.shape == (4, 12)
    assert int((y == tr.PAD).sum()) == 4 * 12 - (5 + 12 + 1 + 8)
    batch = tr.bptt(cpu_params(m), x, y, 3)
    summed = [sum(g) for g in zip(*(m.bptt(xi, yi) for xi, yi in zip(X, Y)))]
    for g_np, g_t in zip(summed, batch):
        np.testing.assert_allclose(g_np, g_t.numpy(), rtol=0, atol=1e-10)


def test_sgd_step_equals_numpy():
    m = RNN(60, 9, bptt_truncate=4, seed=1)
    p = cpu_params(m)
    x, y = sentence(60, 13, 5)
    for _ in range(3):
        loss = tr.sgd_step(p, x, y, 0.05, bptt_truncate=4)
        m.sgd_step(x, y, 0.05)
    assert isinstance(loss, float)
    for name in "UVW":
        np.testing.assert_allclose(p[name].detach().numpy(), getattr(m, name), rtol=0, atol=1e-12)


def test_length_batches_cover_every_sentence_once():
    lengths = [5, 1, 9, 3, 3, 7, 2, 8, 6, 4]
    batches = tr.length_batches(lengths, 3, seed=0)
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert [len(b) for b in sorted(batches, key=lambda b: lengths[b[0]])] == [3, 3, 3, 1]
    assert sorted(lengths[i] for i in batches[0]) == [lengths[i] for i in batches[0]]
    assert [b.tolist() for b in batches] == [b.tolist() for b in tr.length_batches(lengths, 3, 0)]


# ------------------------------------------------------------- nn.RNN

def test_device_is_cuda_only_when_available():
    assert tr.DEVICE.type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_rnnlm_from_numpy_computes_the_same_scores():
    m = RNN(60, 9, seed=1)
    X, _ = zip(*(sentence(60, T, T) for T in (6, 10)))
    x, _ = tr.pad_batch(X, X, device="cpu")
    net = tr.RNNLM.from_numpy(m)
    z, h = net(x)
    assert z.shape == (2, 10, 60) and h.shape == (1, 2, 9)
    for i, xi in enumerate(X):
        o, s = m.forward(xi)
        np.testing.assert_allclose(torch.softmax(z[i, : len(xi)], -1).detach().numpy(), o,
                                   rtol=0, atol=1e-10)


def test_rnnlm_loss_ignores_padding():
    net = tr.RNNLM(60, 9).double()
    X, Y = zip(*(sentence(60, T, T) for T in (3, 10)))
    x, y = tr.pad_batch(X, Y, device="cpu")
    with torch.no_grad():
        z, _ = net(x)
        alone = tr.loss_fn(net(torch.as_tensor(X[0])[None])[0], torch.as_tensor(Y[0])[None])
        assert float(tr.loss_fn(z[:1], y[:1])) == pytest.approx(float(alone), rel=1e-12)


@pytest.fixture(scope="module")
def small_corpus():
    corpus = data.load_corpus(vocab_size=300, max_sentences=3000, seed=0)
    return corpus, corpus.X_train[:1000], corpus.y_train[:1000]


def test_rnnlm_training_lowers_the_validation_loss(small_corpus):
    corpus, X, Y = small_corpus
    torch.manual_seed(0)
    net = tr.RNNLM(corpus.vocab_size, hidden_dim=32)
    before = tr.evaluate(net, corpus.X_val, corpus.y_val)
    history = tr.train_rnnlm(net, X, Y, learning_rate=1.0, batch_size=32, nepoch=2)
    after = tr.evaluate(net, corpus.X_val, corpus.y_val)
    assert len(history) == 2 and history[1] < history[0]
    assert after < before - 1.0, (before, after)


def test_hand_written_batched_training_lowers_the_loss(small_corpus):
    corpus, X, Y = small_corpus
    p = tr.init_params(corpus.vocab_size, 16, seed=0, device="cpu")
    tokens = sum(len(y) for y in corpus.y_val)
    before = tr.total_loss(p, corpus.X_val, corpus.y_val) / tokens
    history = tr.train_batched(p, X, Y, learning_rate=0.03, batch_size=16, nepoch=2)
    after = tr.total_loss(p, corpus.X_val, corpus.y_val) / tokens
    assert before == pytest.approx(np.log(300), rel=0.01)
    assert history[1] < history[0]
    assert after < before - 1.0, (before, after)
