"""Corpus reading, tokenization, vocabulary and X/y construction (snippets/rnn/data.py)."""
import unicodedata

import numpy as np
import pytest

from snippets.rnn import data
from snippets.rnn.data import SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN


# ------------------------------------------------------------- tokenizer

def test_tokenizer_keeps_vietnamese_diacritics_and_returns_nfc():
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt có dấu, ĐƯỜNG PHỐ Hà Nội!")
    assert decomposed != unicodedata.normalize("NFC", decomposed)  # really decomposed input
    tokens = data.tokenize(decomposed)
    assert tokens == ["tiếng", "việt", "có", "dấu", ",", "đường", "phố", "hà", "nội", "!"]
    assert all(unicodedata.is_normalized("NFC", t) for t in tokens)


def test_tokenizer_nfc_and_nfd_inputs_give_identical_tokens():
    text = "Người ta bảo: “Học, học nữa, học mãi.”"
    assert data.tokenize(unicodedata.normalize("NFD", text)) == data.tokenize(text)
    assert data.tokenize(text) == ["người", "ta", "bảo", ":", "“", "học", ",", "học", "nữa",
                                   ",", "học", "mãi", ".", "”"]


def test_tokenizer_english_apostrophes_and_punctuation():
    assert data.tokenize("What, has this thing appear'd again to-night?") == [
        "what", ",", "has", "this", "thing", "appear'd", "again", "to", "-", "night", "?"]
    assert data.tokenize("O'er the hills; 'tis 3 o'clock") == [
        "o'er", "the", "hills", ";", "'", "tis", "3", "o'clock"]


def test_tokenizer_keeps_combining_marks_that_have_no_precomposed_form():
    word = "x\u0301y"            # x + combining acute: NFC cannot compose it
    assert data.tokenize(word) == [word]


def test_split_sentences():
    text = 'Stand, ho! Who is there? "Friends." Then go... now Nay'
    assert data.split_sentences(text) == [
        "Stand, ho!", "Who is there?", '"Friends."', "Then go...", "now Nay"]
    assert data.split_sentences("Xin chào. Bạn khỏe không? Tôi khỏe!") == [
        "Xin chào.", "Bạn khỏe không?", "Tôi khỏe!"]


# -------------------------------------------------------------- plays

def test_play_files_come_from_the_installed_package():
    paths = data.play_paths()
    assert len(paths) == 38
    assert all(p.suffix == ".md" and p.is_file() for p in paths)
    assert "hamlet.md" in {p.name for p in paths}


def test_play_speeches_drop_headings_speakers_and_stage_directions():
    markdown = (
        "# Hamlet\n\n## ACT I\n\n### SCENE I. Elsinore.\n\n"
        "_Enter BERNARDO and\nFRANCISCO_\n\n"
        "**BERNARDO**  \nWho's there?\n\n"
        "**FRANCISCO**  \nNay, answer me:  \n_Aside_  \nstand, \\--and unfold _yourself_.\n\n"
        "_Exit_\n"
    )
    assert data.play_speeches(markdown) == [
        "Who's there?", "Nay, answer me: stand, --and unfold yourself."]


# ------------------------------------------------------------ vocabulary

def test_build_vocab_keeps_most_frequent_and_breaks_ties_alphabetically():
    sentences = [[SENTENCE_START, "b", "a", "c", "a", SENTENCE_END],
                 [SENTENCE_START, "d", "b", "a", SENTENCE_END]]
    # counts: a 3, b 2, START 2, END 2, c 1, d 1
    assert data.build_vocab(sentences, 5) == ["a", SENTENCE_END, SENTENCE_START, "b", UNKNOWN_TOKEN]
    assert data.build_vocab(sentences, 7) == ["a", SENTENCE_END, SENTENCE_START, "b", "c", "d",
                                              UNKNOWN_TOKEN]
    with pytest.raises(ValueError):
        data.build_vocab(sentences, 2)


# ------------------------------------------------------ corpus from a file

TEXT_VI = """Hôm nay trời đẹp. Chúng tôi đi học.

Trời đẹp quá! Chúng tôi vui.
Hôm nay, chúng tôi học tiếng Việt.

Ai đi học? Tôi đi.
"""


@pytest.fixture
def vi_file(tmp_path):
    path = tmp_path / "vi.txt"
    path.write_text(unicodedata.normalize("NFD", TEXT_VI), encoding="utf-8")
    return path


def test_load_corpus_from_a_utf8_file(vi_file):
    corpus = data.load_corpus(vocab_size=10, path=vi_file, val_fraction=0.25, seed=1)
    assert len(corpus.sentences) == 7
    assert corpus.sentences[0] == [SENTENCE_START, "hôm", "nay", "trời", "đẹp", ".", SENTENCE_END]
    assert corpus.vocab_size == 10
    assert corpus.index_to_word[-1] == UNKNOWN_TOKEN
    assert {SENTENCE_START, SENTENCE_END} <= set(corpus.index_to_word)
    assert all(corpus.word_to_index[w] == i for i, w in enumerate(corpus.index_to_word))
    assert (len(corpus.X_train), len(corpus.X_val)) == (5, 2)


def test_x_and_y_are_the_sentence_shifted_by_one(vi_file):
    corpus = data.load_corpus(vocab_size=10, path=vi_file, val_fraction=0.25, seed=1)
    start, end = corpus.word_to_index[SENTENCE_START], corpus.word_to_index[SENTENCE_END]
    for X, Y in [(corpus.X_train, corpus.y_train), (corpus.X_val, corpus.y_val)]:
        for x, y in zip(X, Y):
            assert x.dtype == np.int64 and len(x) == len(y)
            assert x[0] == start and y[-1] == end
            np.testing.assert_array_equal(x[1:], y[:-1])


def test_rare_words_become_unknown(vi_file):
    corpus = data.load_corpus(vocab_size=10, path=vi_file, val_fraction=0.25, seed=1)
    unk = corpus.word_to_index[UNKNOWN_TOKEN]
    ids = data.encode(corpus.sentences[-2], corpus.word_to_index)  # START ai đi học ? END
    words = corpus.decode(ids)
    assert words == [SENTENCE_START, UNKNOWN_TOKEN, "đi", "học", UNKNOWN_TOKEN, SENTENCE_END]
    assert ids[1] == ids[4] == unk                                # "ai" and "?" occur once


def test_validation_split_is_seeded_disjoint_and_complete():
    train, val = data.split_indices(100, 0.1, seed=3)
    assert len(val) == 10 and len(train) == 90
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    np.testing.assert_array_equal(val, data.split_indices(100, 0.1, seed=3)[1])
    assert not np.array_equal(val, data.split_indices(100, 0.1, seed=4)[1])


def test_corpus_stats_on_a_file(vi_file):
    corpus = data.load_corpus(vocab_size=10, path=vi_file, val_fraction=0.25, seed=1)
    stats = data.corpus_stats(corpus)
    # 26 word tokens + 8 punctuation marks; 17 distinct tokens of which 13 are words
    assert stats["sentences"] == 7
    assert stats["tokens"] == 34
    assert stats["distinct_tokens"] == 17
    assert stats["distinct_words"] == 13
    # kept besides start/end: . (5) tôi (4) chúng học đi (3 each) hôm nay (2 each)
    kept = [w for w in corpus.index_to_word if w not in data.SPECIAL_TOKENS]
    assert kept == [".", "tôi", "chúng", "học", "đi", "hôm", "nay"]
    assert stats["coverage"] == 22 / 34


# ------------------------------------------------------- the real corpus

def test_plays_corpus_figures_and_determinism():
    corpus = data.load_corpus(vocab_size=8000)
    stats = data.corpus_stats(corpus)
    # These figures pin the tokenizer: update them if it changes on purpose.
    assert stats["sentences"] == 55779
    assert stats["tokens"] == 1022015
    assert stats["vocab_size"] == 8000
    assert 0.96 < stats["coverage"] < 0.98
    again = data.load_corpus(vocab_size=8000)
    assert again.index_to_word == corpus.index_to_word
    assert all(np.array_equal(a, b) for a, b in zip(again.X_val, corpus.X_val))


def test_main_prints_the_figures(capsys, vi_file):
    data.main([str(vi_file), "--vocab-size", "10"])
    out = capsys.readouterr().out
    assert "sentences: 7" in out and "coverage:" in out


def test_an_edited_file_is_read_again(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Một câu. Hai câu.", encoding="utf-8")
    assert len(data.tokenized_sentences(path)) == 2
    path.write_text("Một câu. Hai câu. Ba câu!", encoding="utf-8")
    assert data.tokenized_sentences(path)[-1] == [SENTENCE_START, "ba", "câu", "!", SENTENCE_END]
