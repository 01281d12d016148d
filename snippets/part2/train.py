"""Part 2, sections 3.6 and 5: train the numpy RNN with SGD on the plays, then sample sentences.

The site's build trains a small model that fits in about a minute and a half on one core
(K = 3000 words, H = 64, 10,000 sentences, 5 epochs). With time to spare, train the size of
the original tutorial (K = 8000, H = 100, every training sentence, 20 epochs: an hour or more
in numpy):

    FULL=1 python -m snippets.part2.train

Run it as a reader would: python -m snippets.part2.train
"""

# %% setup
import os
import textwrap
import time

import matplotlib.pyplot as plt
import numpy as np

from snippets.rnn.data import load_corpus
from snippets.rnn.fmt import vi
from snippets.rnn.numpy_rnn import RNN, generate_sentence, train_with_sgd
from snippets.rnn.timing import set_threads

# FULL=1: the tutorial's size (an hour or more)
FULL = os.environ.get("FULL", "0") == "1"
SHORT_VOCAB, SHORT_HIDDEN, SHORT_SENTENCES, SHORT_EPOCHS = 3000, 64, 10_000, 5
# None: all the training sentences
FULL_VOCAB, FULL_HIDDEN, FULL_SENTENCES, FULL_EPOCHS = 8000, 100, None, 20
VOCAB_SIZE, HIDDEN, N_SENTENCES, N_EPOCHS = (
    (FULL_VOCAB, FULL_HIDDEN, FULL_SENTENCES, FULL_EPOCHS) if FULL else
    (SHORT_VOCAB, SHORT_HIDDEN, SHORT_SENTENCES, SHORT_EPOCHS))
LEARNING_RATE, BPTT_TRUNCATE, N_VAL = 0.005, 4, 1000
MAX_LENGTH = 20                 # sampled sentences are cut after 20 words

# Small matrix products gain nothing from a second BLAS thread; one thread
# per snippet also leaves the other core to the other snippets of the build.
set_threads(1)

corpus = load_corpus(vocab_size=VOCAB_SIZE, seed=0)
X_train, y_train = corpus.X_train[:N_SENTENCES], corpus.y_train[:N_SENTENCES]
X_val, y_val = corpus.X_val[:N_VAL], corpus.y_val[:N_VAL]
n_train = len(X_train)
n_train_tokens = sum(len(y) for y in y_train)
n_val_tokens = sum(len(y) for y in y_val)
model = RNN(word_dim=VOCAB_SIZE, hidden_dim=HIDDEN,
            bptt_truncate=BPTT_TRUNCATE, seed=0)
print(f"K = {VOCAB_SIZE}, H = {HIDDEN}, {n_train} câu huấn luyện "
      f"({n_train_tokens} từ), {len(X_val)} câu kiểm định, {N_EPOCHS} vòng lặp")


def samples(model, seeds=range(6), temperature=1.0):
    """One sampled sentence per seed, as text (wrapped at 80 columns)."""
    return [textwrap.fill(" ".join(generate_sentence(
                model, corpus.index_to_word, seed=seed,
                temperature=temperature, max_length=MAX_LENGTH)), width=80)
            for seed in seeds]


# %% before
for sentence in samples(model):
    print(sentence)

# %% train timeout=300
_start = time.perf_counter()
# the validation loss is measured after each epoch
history = train_with_sgd(model, X_train, y_train, learning_rate=LEARNING_RATE,
                         nepoch=N_EPOCHS, X_val=X_val, Y_val=y_val,
                         log=print, fmt=vi)
_seconds = time.perf_counter() - _start

epochs = [h["seen"] / n_train for h in history]
val_loss = [h["loss"] for h in history]
loss_before, loss_after = val_loss[0], val_loss[-1]
perplexity_before, perplexity_after = np.exp(loss_before), np.exp(loss_after)
loss_drop = loss_before - loss_after
final_learning_rate = history[-1]["learning_rate"]

# %% train_time varies=true
train_seconds = _seconds
tokens_per_second = N_EPOCHS * n_train_tokens / train_seconds
print(f"huấn luyện mất {train_seconds:.0f} giây, "
      f"{tokens_per_second:.0f} từ mỗi giây")

# %% figure echo=false
# 7 inches wide, the width of the page's column, and no text under 11 pt: on the page, the
# smallest text is as large as the caption's.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
fig, (ax_loss, ax_ppl) = plt.subplots(1, 2, figsize=(7, 3.2))
ax_loss.plot(epochs, val_loss, marker="o")
ax_loss.axhline(np.log(VOCAB_SIZE), color="gray", linestyle="--", linewidth=1)
ax_loss.annotate(f"ln K = {vi(np.log(VOCAB_SIZE), '.2f')}",
                 (epochs[-1], np.log(VOCAB_SIZE)), textcoords="offset points",
                 xytext=(0, -12), ha="right", color="gray")
ax_loss.set_xlabel("lượt (epoch)")
ax_loss.set_ylabel("mất mát trên tập kiểm định")
ax_ppl.plot(epochs, np.exp(val_loss), marker="o", color="tab:orange")
ax_ppl.set_yscale("log")
ax_ppl.set_xlabel("lượt (epoch)")
ax_ppl.set_ylabel("độ hỗn độn (perplexity)")
for ax in (ax_loss, ax_ppl):
    ax.grid(alpha=0.3)
    ax.set_xticks(range(0, N_EPOCHS + 1, max(1, N_EPOCHS // 10)))
fig.tight_layout()

# %% after
for sentence in samples(model):
    print(sentence)

# %% cooler
# A lower temperature sharpens the distribution: likelier words, less
# variety.
for sentence in samples(model, temperature=0.6):
    print(sentence)
