"""The numpy RNN (snippets/rnn/numpy_rnn.py) and its naive twin (naive_rnn.py)."""
import numpy as np
import pytest

from snippets.rnn import data
from snippets.rnn.naive_rnn import NaiveRNN, one_hot
from snippets.rnn.numpy_rnn import (RNN, backprop_through_time, dense_dU, generate_sentence,
                                    gradient_check, log_softmax, softmax, train_with_sgd)


def sentence(V, T, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, T), rng.integers(0, V, T)


# ------------------------------------------------------------ init, shapes

def test_shapes_dtype_and_init_bounds():
    m = RNN(word_dim=50, hidden_dim=8, seed=0)
    assert (m.U.shape, m.V.shape, m.W.shape) == ((8, 50), (50, 8), (8, 8))
    assert m.U.dtype == m.V.dtype == m.W.dtype == np.float64
    assert np.abs(m.U).max() <= 1 / np.sqrt(50)       # fan-in of U: the word vector
    assert np.abs(m.V).max() <= 1 / np.sqrt(8)        # fan-in of V and W: the state
    assert np.abs(m.W).max() <= 1 / np.sqrt(8)
    assert np.abs(m.U).max() > 0.9 / np.sqrt(50)      # really spread over the range
    np.testing.assert_array_equal(m.W, RNN(50, 8, seed=0).W)
    assert not np.array_equal(m.W, RNN(50, 8, seed=1).W)


def test_forward_shapes_and_probabilities():
    m = RNN(20, 6, seed=0)
    x, _ = sentence(20, 7, 0)
    o, s = m.forward(x)
    assert o.shape == (7, 20) and s.shape == (7, 6)
    np.testing.assert_allclose(o.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(np.abs(s) < 1)
    # the first state only sees the first word: s_0 = tanh(U x_0)
    np.testing.assert_array_equal(s[0], np.tanh(m.U[:, x[0]] + m.W @ np.zeros(6)))


def test_softmax_and_log_softmax_are_stable():
    z = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -np.inf]])
    np.testing.assert_allclose(softmax(z), [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(log_softmax(z[:, :2]), np.log([[0.5, 0.5], [0.25, 0.75]]),
                               rtol=1e-15)


def test_total_loss_equals_sum_of_sentence_losses():
    m = RNN(30, 5, seed=0)
    X, Y = zip(*(sentence(30, T, T) for T in (3, 9, 1, 14)))
    by_sentence = sum(m.sentence_loss(x, y) for x, y in zip(X, Y))
    assert m.total_loss(X, Y, chunk=4) == pytest.approx(by_sentence, rel=1e-13)
    assert m.mean_loss(X, Y) == pytest.approx(by_sentence / 27, rel=1e-13)


# ------------------------------------------------------------- gradients

def test_gradient_check_passes_on_a_small_model():
    m = RNN(word_dim=10, hidden_dim=6, bptt_truncate=None, seed=2)
    x, y = sentence(10, 8, 1)
    errors = gradient_check(m, x, y, h=1e-5)
    assert set(errors) == {"U", "V", "W"}
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_uses_full_bptt_even_for_a_truncated_model():
    m = RNN(word_dim=10, hidden_dim=6, bptt_truncate=1, seed=2)
    x, y = sentence(10, 8, 1)
    assert max(gradient_check(m, x, y).values()) < 1e-6
    assert m.bptt_truncate == 1                         # the model is left as it was


def test_gradient_check_catches_a_missing_tanh_derivative():
    m = RNN(word_dim=10, hidden_dim=6, bptt_truncate=None, seed=2)
    x, y = sentence(10, 8, 1)

    def broken_bptt(x, y):                              # forgets (1 - s^2) through time
        o, s = m.forward(x)
        do = o.copy()
        do[np.arange(len(y)), y] -= 1
        delta = (do @ m.V) * (1 - s ** 2)
        da = backprop_through_time(delta, np.ones_like(s), m.W, None)
        s_prev = np.vstack([np.zeros((1, 6)), s[:-1]])
        return dense_dU(da, x, 10), do.T @ s, da.T @ s_prev

    errors = gradient_check(m, x, y, bptt=broken_bptt)
    assert errors["V"] < 1e-6                           # dV does not go through time
    assert errors["U"] > 1e-3 and errors["W"] > 1e-3


def test_gradient_check_catches_a_one_percent_error():
    m = RNN(word_dim=10, hidden_dim=6, bptt_truncate=None, seed=2)
    x, y = sentence(10, 8, 1)

    def scaled_bptt(x, y):
        dU, dV, dW = m.bptt(x, y)
        return dU, dV, dW * 1.01

    errors = gradient_check(m, x, y, bptt=scaled_bptt)
    assert errors["W"] == pytest.approx(0.01 / 2.01, rel=1e-3)
    assert errors["U"] < 1e-6


def test_truncation_longer_than_the_sentence_is_full_bptt():
    x, y = sentence(15, 6, 3)
    full = RNN(15, 5, bptt_truncate=None, seed=4).bptt(x, y)
    for k in (5, 6, 100):
        for g, h in zip(full, RNN(15, 5, bptt_truncate=k, seed=4).bptt(x, y)):
            np.testing.assert_allclose(g, h, rtol=0, atol=1e-15)


def test_truncated_gradients_change_only_u_and_w():
    x, y = sentence(15, 10, 3)
    dU1, dV1, dW1 = RNN(15, 5, bptt_truncate=None, seed=4).bptt(x, y)
    dU2, dV2, dW2 = RNN(15, 5, bptt_truncate=2, seed=4).bptt(x, y)
    np.testing.assert_array_equal(dV1, dV2)
    assert np.abs(dW1 - dW2).max() > 1e-6 and np.abs(dU1 - dU2).max() > 1e-6


# ----------------------------------------------------- naive == fast

@pytest.mark.parametrize("truncate", [None, 0, 1, 3])
def test_naive_and_fast_give_the_same_loss_and_gradients(truncate):
    fast, naive = RNN(40, 7, truncate, seed=5), NaiveRNN(40, 7, truncate, seed=5)
    x, y = sentence(40, 12, 6)
    x[3] = x[7] = x[8]                                   # repeated words share a column of U
    assert naive.sentence_loss(x, y) == pytest.approx(fast.sentence_loss(x, y), rel=1e-14)
    for g_fast, g_naive in zip(fast.bptt(x, y), naive.bptt(x, y)):
        np.testing.assert_allclose(g_fast, g_naive, rtol=0, atol=1e-14)


def test_naive_and_fast_sgd_steps_agree_and_fast_touches_only_used_columns():
    fast, naive = RNN(40, 7, 3, seed=5), NaiveRNN(40, 7, 3, seed=5)
    U0 = fast.U.copy()
    x, y = sentence(40, 12, 7)
    x[0] = x[5]
    for _ in range(3):
        fast.sgd_step(x, y, 0.1)
        naive.sgd_step(x, y, 0.1)
    for name in "UVW":
        np.testing.assert_allclose(getattr(fast, name), getattr(naive, name), rtol=0, atol=1e-14)
    unused = np.setdiff1d(np.arange(40), x)
    np.testing.assert_array_equal(fast.U[:, unused], U0[:, unused])
    assert np.all(np.any(fast.U[:, np.unique(x)] != U0[:, np.unique(x)], axis=0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("truncate", [None, 0, 3])
def test_fast_sgd_step_equals_the_reference_step_up_to_rounding(truncate, dtype):
    # word_dim 2100: several blocks of V in both passes (1024 and 256 rows)
    # and a shorter last one; lengths 1 to 70 make the reused buffers grow;
    # repeated words share a column of U. The fast step sums ds = do V block
    # by block, in another order than the reference's one product, so after
    # six steps the two may differ in the last bits: here by at most 32 units
    # in the last place of each matrix's largest entry (measured: up to 8),
    # while a slip in the maths moves them by ~1e-3.
    fast = RNN(2100, 9, truncate, seed=3, dtype=dtype)
    ref = RNN(2100, 9, truncate, seed=3, dtype=dtype)
    for i, T in enumerate((12, 1, 40, 5, 70, 33)):
        x, y = sentence(2100, T, 10 + i)
        x[: T // 2] = x[0]
        fast.sgd_step(x, y, 0.1)
        ref.reference_sgd_step(x, y, 0.1)
        for name in "UVW":
            P = getattr(ref, name)
            ulp = np.finfo(dtype).eps * np.abs(P).max()
            np.testing.assert_allclose(getattr(fast, name), P, rtol=0, atol=32 * ulp)
    assert fast.V.dtype == fast.U.dtype == np.dtype(dtype)


def test_fast_sgd_step_reuses_its_buffers_and_updates_v_in_place():
    m = RNN(600, 9, 3, seed=3)
    V = m.V
    x, y = sentence(600, 12, 1)
    m.sgd_step(x, y, 0.1)
    buffers = {name: id(buf) for name, buf in m._buffers.items()}
    assert sorted(buffers) == ["dV", "ds", "scores"]
    m.sgd_step(*sentence(600, 20, 2), 0.1)
    assert m.V is V and {name: id(buf) for name, buf in m._buffers.items()} == buffers


def test_one_hot():
    np.testing.assert_array_equal(one_hot(2, 4), [0.0, 0.0, 1.0, 0.0])


# ----------------------------------------------------------- float32

def test_float32_model_stays_float32_and_matches_float64():
    m32, m64 = RNN(30, 6, 2, seed=1, dtype=np.float32), RNN(30, 6, 2, seed=1)
    x, y = sentence(30, 9, 2)
    o, s = m32.forward(x)
    assert o.dtype == s.dtype == np.float32
    for g32, g64 in zip(m32.bptt(x, y), m64.bptt(x, y)):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=0, atol=1e-5)
    m32.sgd_step(x, y, 0.1)
    m64.sgd_step(x, y, 0.1)
    assert m32.U.dtype == m32.V.dtype == m32.W.dtype == np.float32
    assert m32.sentence_loss(x, y) == pytest.approx(m64.sentence_loss(x, y), rel=1e-6)


# ------------------------------------------------------- real corpus

@pytest.fixture(scope="module")
def corpus_8000():
    return data.load_corpus(vocab_size=8000)


def test_untrained_loss_is_ln_v(corpus_8000):
    model = RNN(8000, hidden_dim=100, seed=0)
    X, Y = corpus_8000.X_train[:1000], corpus_8000.y_train[:1000]
    loss = model.mean_loss(X, Y)
    assert abs(loss - np.log(8000)) / np.log(8000) < 0.005, loss
    assert np.log(8000) == pytest.approx(8.987, abs=5e-4)


@pytest.fixture(scope="module")
def small_corpus():
    corpus = data.load_corpus(vocab_size=300, max_sentences=3000, seed=0)
    short = [i for i, x in enumerate(corpus.X_train) if len(x) <= 15][:500]
    X = [corpus.X_train[i] for i in short]
    Y = [corpus.y_train[i] for i in short]
    return corpus, X, Y


def test_short_training_run_lowers_the_validation_loss(small_corpus):
    corpus, X, Y = small_corpus
    model = RNN(corpus.vocab_size, hidden_dim=16, bptt_truncate=4, seed=0)
    history = train_with_sgd(model, X, Y, learning_rate=0.01, nepoch=1, evaluate_every=250,
                             X_val=corpus.X_val[:100], Y_val=corpus.y_val[:100])
    losses = [h["loss"] for h in history]
    assert [h["seen"] for h in history] == [0, 250, 500]
    assert losses[0] == pytest.approx(np.log(300), rel=0.01)
    assert losses[2] < losses[1] < losses[0] - 1.0
    assert model.mean_loss(corpus.X_val[:100], corpus.y_val[:100]) == losses[-1]


def test_learning_rate_halves_when_the_loss_goes_up():
    model = RNN(10, 4, seed=0)
    losses = iter([5.0, 4.0, 4.5, 4.4, 4.6])
    model.mean_loss = lambda X, Y: next(losses)
    model.sgd_step = lambda x, y, lr: None
    X = [np.array([1, 2])] * 4
    history = train_with_sgd(model, X, X, learning_rate=0.8, nepoch=1, evaluate_every=1)
    assert [h["learning_rate"] for h in history] == [0.8, 0.8, 0.4, 0.4, 0.2]


# ---------------------------------------------------------- sampling

def test_sampling_is_reproducible_and_uses_only_vocabulary_words(small_corpus):
    corpus, X, Y = small_corpus
    model = RNN(corpus.vocab_size, hidden_dim=16, seed=0)
    train_with_sgd(model, X, Y, learning_rate=0.01)
    vocab = set(corpus.index_to_word) - set(data.SPECIAL_TOKENS)
    sentences = [generate_sentence(model, corpus.index_to_word, seed=i, max_length=25)
                 for i in range(20)]
    again = [generate_sentence(model, corpus.index_to_word, seed=i, max_length=25)
             for i in range(20)]
    assert sentences == again
    assert len({tuple(s) for s in sentences}) > 10       # different seeds, different sentences
    assert all(set(s) <= vocab and 1 <= len(s) <= 25 for s in sentences)


def test_sampling_temperature_zero_is_greedy_and_max_length_holds(small_corpus):
    corpus, _, _ = small_corpus
    model = RNN(corpus.vocab_size, hidden_dim=16, seed=0)
    greedy = [generate_sentence(model, corpus.index_to_word, seed=i, temperature=0,
                                max_length=7) for i in range(3)]
    assert greedy[0] == greedy[1] == greedy[2] and len(greedy[0]) <= 7
