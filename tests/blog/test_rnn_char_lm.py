"""The character-level language models of part 4 (snippets/rnn/char_lm.py)."""
import math

import numpy as np
import pytest
import torch

from snippets.rnn import char_lm as cl


def test_corpus_indexes_every_character_of_both_texts():
    corpus = cl.CharCorpus.from_texts("abca\n", "cbd")
    assert corpus.chars == ["\n", "a", "b", "c", "d"]
    assert corpus.train.tolist() == [1, 2, 3, 1, 0]
    assert corpus.val.tolist() == [3, 2, 4]
    assert corpus.decode(corpus.val) == "cbd"


def test_stream_batches_lay_streams_side_by_side_and_continue_them():
    data = np.arange(23)                       # 3 streams of 7, the last 2 dropped
    chunks = cl.stream_batches(data, batch=3, T=4)
    assert [x.tolist() for x, _ in chunks] == [[[0, 1, 2, 3], [7, 8, 9, 10], [14, 15, 16, 17]],
                                               [[4, 5], [11, 12], [18, 19]]]
    assert [y.tolist() for _, y in chunks] == [[[1, 2, 3, 4], [8, 9, 10, 11], [15, 16, 17, 18]],
                                               [[5, 6], [12, 13], [19, 20]]]


def test_stream_batches_refuse_too_little_data():
    with pytest.raises(ValueError, match="5 characters are too few for 4 streams"):
        cl.stream_batches(np.arange(5), batch=4, T=3)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("hidden", [1, 7, 33])
def test_param_count_formula_matches_the_model(cell, hidden):
    net = cl.CharLM(11, hidden, embed=5, cell=cell)
    assert cl.param_count(cell, 11, hidden, embed=5) == sum(p.numel() for p in net.parameters())


def test_hidden_for_picks_the_closest_count():
    n = cl.param_count("lstm", 76, 128)
    H = cl.hidden_for("rnn", n, 76)
    gap = abs(cl.param_count("rnn", 76, H) - n)
    assert gap <= abs(cl.param_count("rnn", 76, H - 1) - n)
    assert gap <= abs(cl.param_count("rnn", 76, H + 1) - n)
    assert cl.hidden_for("lstm", n, 76) == 128


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keep_bias_opens_the_gate_that_keeps_memory(cell):
    torch.manual_seed(0)
    plain = cl.CharLM(9, 6, embed=4, cell=cell, keep_bias=0.0)
    torch.manual_seed(0)
    kept = cl.CharLM(9, 6, embed=4, cell=cell, keep_bias=1.0)
    diff = kept.rnn.bias_ih_l0 - plain.rnn.bias_ih_l0
    # PyTorch's gate order: LSTM (i, f, g, o), GRU (r, z, n): rows 6..11 are f_t / z_t
    expected = torch.zeros_like(diff)
    expected[6:12] = 1.0
    assert torch.allclose(diff, expected, atol=1e-6)
    assert torch.equal(kept.rnn.bias_hh_l0, plain.rnn.bias_hh_l0)

    # the LSTM's forget gate (the GRU's update gate) on a zero input and state is
    # sigmoid(bias_ih + bias_hh) of those rows: 1 more than before inside the sigmoid
    b = (kept.rnn.bias_ih_l0 + kept.rnn.bias_hh_l0)[6:12]
    b0 = (plain.rnn.bias_ih_l0 + plain.rnn.bias_hh_l0)[6:12]
    assert torch.allclose(b - b0, torch.ones(6))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_bits_per_char_is_the_cross_entropy_of_each_stream_read_whole(cell):
    # oracle: each stream run through the model in one call, log-softmax by hand
    torch.manual_seed(1)
    net = cl.CharLM(6, 5, embed=3, cell=cell)
    data = np.random.default_rng(0).integers(0, 6, 61)
    batch, n = 3, 61 // 3
    total = 0.0
    with torch.no_grad():
        for b in range(batch):
            stream = torch.from_numpy(data[b * n: (b + 1) * n])
            z, _ = net(stream[None, :-1])
            logp = torch.log_softmax(z[0].double(), -1)
            total -= float(logp[torch.arange(n - 1), stream[1:]].sum())
    expected = total / (batch * (n - 1)) / math.log(2)
    assert cl.bits_per_char(net, data, batch=batch, T=4) == pytest.approx(expected, rel=1e-6)


def test_untrained_model_is_near_uniform():
    torch.manual_seed(0)
    net = cl.CharLM(64, 16, cell="lstm")
    data = np.random.default_rng(0).integers(0, 64, 2000)
    assert cl.bits_per_char(net, data, batch=4, T=50) == pytest.approx(6.0, abs=0.05)


def test_training_lowers_the_loss_and_records_history():
    text = "to be or not to be, that is the question.\n" * 40
    corpus = cl.CharCorpus.from_texts(text, text[:400])
    torch.manual_seed(0)
    net = cl.CharLM(len(corpus.chars), 16, embed=8, cell="gru")
    history = cl.train_char_lm(net, corpus.train, corpus.val, updates=60, batch=4, T=20,
                               learning_rate=1e-2, eval_every=20)
    assert [h["update"] for h in history] == [0, 20, 40, 60]
    # 4 streams x 20 characters an update; the first pass has 21 such chunks
    assert [h["chars"] for h in history][:2] == [0, 1600]
    assert history[2]["chars"] - history[1]["chars"] in range(1500, 1601)
    assert history[-1]["bpc"] < history[0]["bpc"] - 0.5


def test_training_is_repeatable():
    text = "the quick brown fox jumps over the lazy dog\n" * 30
    corpus = cl.CharCorpus.from_texts(text, text[:300])
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = cl.CharLM(len(corpus.chars), 8, embed=4, cell="lstm")
        runs.append(cl.train_char_lm(net, corpus.train, corpus.val, updates=25, batch=3, T=15,
                                     eval_every=25)[-1]["bpc"])
    assert runs[0] == runs[1]


def test_sample_is_repeatable_and_checks_the_prime():
    corpus = cl.CharCorpus.from_texts("abcab\n", "ab")
    torch.manual_seed(0)
    net = cl.CharLM(len(corpus.chars), 4, embed=2, cell="rnn")
    a = cl.sample(net, corpus, "ab", 30, seed=3)
    assert len(a) == 30 and set(a) <= set(corpus.chars)
    assert cl.sample(net, corpus, "ab", 30, seed=3) == a
    assert net.training                      # left as it was found
    with pytest.raises(ValueError, match=r"prime has characters the model does not know: \['z'\]"):
        cl.sample(net, corpus, "az", 5, seed=0)


def test_plays_corpus_refuses_a_bad_split():
    with pytest.raises(ValueError, match="n_val_plays must be between 1 and"):
        cl.plays_corpus(n_val_plays=0)


def test_bits_per_char_without_carry_reads_each_chunk_alone():
    torch.manual_seed(2)
    net = cl.CharLM(5, 4, embed=3, cell="lstm")
    data = np.random.default_rng(1).integers(0, 5, 42)     # 2 streams of 21: chunks 7, 7, 6
    total, count = 0.0, 0
    with torch.no_grad():
        for x, y in cl.stream_batches(data, 2, 7):
            for b in range(2):
                z, _ = net(x[b: b + 1])                      # a fresh zero state each time
                logp = torch.log_softmax(z[0].double(), -1)
                total -= float(logp[torch.arange(y.shape[1]), y[b]].sum())
                count += y.shape[1]
    expected = total / count / math.log(2)
    assert cl.bits_per_char(net, data, batch=2, T=7, carry=False) == pytest.approx(expected,
                                                                                  rel=1e-6)
    assert cl.bits_per_char(net, data, batch=2, T=7) != pytest.approx(expected, rel=1e-6)


def test_play_script_keeps_speakers_and_verse_lines():
    markdown = ("# Hamlet\n\n## ACT I\n\n_Enter BERNARDO_\n\n**BERNARDO**  \nWho's there?\n\n"
                "**FRANCISCO**  \nFor this relief much thanks: 'tis bitter cold,  \n"
                "And I am sick at heart\\--\n_Aside_\n\nAnd *so* on.\n")
    assert cl.play_script(markdown) == (
        "BERNARDO\nWho's there?\n\n"
        "FRANCISCO\nFor this relief much thanks: 'tis bitter cold,\nAnd I am sick at heart--\n\n"
        "And so on.\n\n")
