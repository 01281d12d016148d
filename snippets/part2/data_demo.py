"""Part 2, section 2: Shakespeare's plays as training data for the language model.

The corpus figures, the tokenizer on a few lines of a play (and on Vietnamese), the vocabulary of
K = 8000 tokens, and one sentence turned into the training arrays X and y.

Run it as a reader would: python -m snippets.part2.data_demo
"""

# %% corpus
import collections

import numpy as np

from snippets.rnn.data import (SENTENCE_END, SENTENCE_START, UNKNOWN_TOKEN, corpus_stats,
                               encode, load_corpus, make_xy, play_paths, play_speeches,
                               split_sentences, tokenize)
from snippets.rnn.fmt import vi

VOCAB_SIZE = 8000                               # K: the vocabulary keeps K-1 tokens + UNKNOWN_TOKEN
VAL_FRACTION = 0.1                              # sentences held out for validation
corpus = load_corpus(vocab_size=VOCAB_SIZE, val_fraction=VAL_FRACTION, seed=0)
stats = corpus_stats(corpus)

n_plays = len(play_paths())
n_sentences = stats["sentences"]
n_tokens = stats["tokens"]                      # words and punctuation marks
n_distinct = stats["distinct_tokens"]
mean_length = stats["mean_sentence_length"]
coverage_pct = 100 * stats["coverage"]          # tokens that stay themselves, not UNKNOWN_TOKEN
n_train, n_val = stats["train_sentences"], stats["val_sentences"]
val_pct = 100 * VAL_FRACTION

print(f"số vở kịch:               {n_plays}")
print(f"số câu:                   {n_sentences}")
print(f"số token (từ và dấu câu): {n_tokens}")
print(f"số token khác nhau:       {n_distinct}")
print(f"độ dài câu trung bình:    {vi(mean_length, '.1f')} token")
print(f"bộ từ vựng K:             {corpus.vocab_size}")
print(f"token nằm trong bộ từ vựng: {vi(coverage_pct, '.1f')}%")
print(f"câu để huấn luyện / kiểm định: {n_train} / {n_val}")

# %% tokenize
# A few lines of A Midsummer Night's Dream, as the play's Markdown file has them.
dream = next(p for p in play_paths() if p.stem == "a-midsummer-night-s-dream")
markdown = dream.read_text(encoding="utf-8")
start, end = markdown.index("**HERMIA**  \nI give him"), markdown.index("**HERMIA**  \nHis folly")
excerpt = markdown[start:end]
print(excerpt.strip())

speeches = play_speeches(excerpt)               # the spoken text only: no speaker names
sentences = [s for speech in speeches for s in split_sentences(speech)]
for sentence in sentences:
    print(tokenize(sentence))

# The tokenizer knows Unicode letters: Vietnamese keeps its diacritics.
print()
print(tokenize("Càng yêu, chàng càng ghét tôi!"))

# %% vocab
counts = collections.Counter(t for s in corpus.sentences for t in s)
kept = corpus.index_to_word[:-1]                # the K-1 most frequent; the last is UNKNOWN_TOKEN
dropped = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
           if t not in corpus.word_to_index]
min_kept_count = min(counts[t] for t in kept)   # the rarest token still in the vocabulary
n_dropped = len(dropped)
n_once = sum(1 for c in counts.values() if c == 1)

print("10 token hay gặp nhất (số lần):")
for row in (kept[:5], kept[5:10]):
    print("   ", "   ".join(f"{t} ({counts[t]})" for t in row))
print(f"token hiếm nhất còn giữ xuất hiện {min_kept_count} lần")
rng = np.random.default_rng(0)
some = sorted(rng.choice(len(dropped), 8, replace=False))
print(f"{n_dropped} token bị thay bằng {UNKNOWN_TOKEN}, chẳng hạn:")
print("   ", [dropped[i] for i in some])
print(f"{n_once} token chỉ xuất hiện đúng một lần trong cả bộ")

# %% example
# The last sentence above, wrapped in the start and end tokens, as indices.
tokens = [SENTENCE_START, *tokenize(sentences[-1]), SENTENCE_END]
ids = encode(tokens, corpus.word_to_index)      # out of the vocabulary: UNKNOWN_TOKEN's index
X, y = make_xy(ids)                             # X: all but the last token, y: shifted by one
unknown_index = corpus.word_to_index[UNKNOWN_TOKEN]
n_steps = len(X)

print(f"{'t':>2}   {'x_t':<15}{'chỉ số':>6}   {'y_t':<15}{'chỉ số':>6}")
for t in range(n_steps):
    print(f"{t:>2}   {tokens[t]:<15}{X[t]:>6}   {tokens[t + 1]:<15}{y[t]:>6}")
for token in tokens:
    if token not in corpus.word_to_index:
        print(f"'{token}' không có trong bộ từ vựng: nó mang chỉ số {unknown_index} "
              f"của {UNKNOWN_TOKEN}")
print()
print("X =", X)
print("y =", y)
