"""The timing helpers (snippets/rnn/timing.py) shared by bench/rnn_step.py and part 2's snippet."""
import numpy as np
import pytest
import torch

from snippets.rnn import timing


def test_set_threads_changes_numpy_blas_and_torch_at_run_time():
    before_blas, before_torch = timing.blas_threads(), torch.get_num_threads()
    try:
        result = timing.set_threads(1)
        assert result["torch"] == 1 == torch.get_num_threads()
        if before_blas is not None:                    # numpy's wheels ship OpenBLAS
            assert result["numpy"] == 1 == timing.blas_threads()
        a = np.arange(16.0).reshape(4, 4)
        np.testing.assert_array_equal(a @ np.eye(4), a)    # BLAS still works
    finally:
        timing.set_threads(before_blas or before_torch)
        torch.set_num_threads(before_torch)


def test_step_flops_counts_the_products():
    # no truncation steps, T = 1: forward 2H^2 + 2HV, backward 4VH + 2H^2, update 2VH + 2H^2 + 2H
    H, V = 3, 5
    assert timing.step_flops(1, H, V, 4) == 2 * H * H + 2 * H * V + 4 * V * H + 2 * H * H + \
        2 * V * H + 2 * H * H + 2 * H
    assert timing.step_flops(20, 100, 8000, 4) > timing.step_flops(20, 100, 8000, 1)


def test_interleaved_medians_times_every_function():
    calls = []
    rows = timing.interleaved_medians({"a": (lambda: calls.append("a"), 2),
                                       "b": (lambda: calls.append("b"), 1)}, rounds=3)
    assert [name for name, _ in rows] == ["a", "b"]
    assert all(t >= 0 for _, t in rows)
    assert calls.count("a") == 2 + 6 and calls.count("b") == 2 + 3   # warm-up + rounds


def test_time_steps_and_time_training_on_a_tiny_model():
    rng = np.random.default_rng(0)
    X = [rng.integers(0, 30, n) for n in (5, 7, 3, 6)]
    Y = [rng.integers(0, 30, len(x)) for x in X]
    steps = timing.time_steps(X[0], Y[0], word_dim=30, hidden_dim=4, bptt_truncate=2, rounds=1)
    assert [name for name, _ in steps] == list(timing.STEP_NAMES)
    assert all(seconds > 0 for _, seconds in steps)
    for bits in (64, 32):
        rows = timing.time_training(X, Y, n_numpy=2, word_dim=30, hidden_dim=4, bptt_truncate=2,
                                    float_bits=bits, device="cpu")
        assert [row["trainer"] for row in rows] == list(timing.TRAINER_NAMES)
        assert [row["sentences"] for row in rows] == [2, 4, 4]
        assert rows[0]["tokens"] == 12 and rows[1]["tokens"] == 21
        for row in rows:
            assert row["tokens_per_s"] == pytest.approx(row["tokens"] / row["seconds"])
            assert row["system_share"] is None or row["system_share"] >= 0


def test_matmul_gflops_is_positive():
    assert timing.matmul_gflops(n=64, repeats=1) > 0


def test_time_training_in_rounds_covers_every_sentence_once():
    rng = np.random.default_rng(1)
    X = [rng.integers(0, 30, n) for n in (5, 7, 3, 6, 4, 8, 2)]
    Y = [rng.integers(0, 30, len(x)) for x in X]
    rows = timing.time_training(X, Y, n_numpy=5, word_dim=30, hidden_dim=4, bptt_truncate=2,
                                device="cpu", rounds=3)
    assert [row["sentences"] for row in rows] == [5, 7, 7]
    assert rows[0]["tokens"] == 5 + 7 + 3 + 6 + 4 and rows[1]["tokens"] == rows[2]["tokens"] == 35
    assert all(row["tokens_per_s"] > 0 for row in rows)


def test_time_steps_alternating_times_both_steps_on_a_tiny_model():
    rng = np.random.default_rng(2)
    X = [rng.integers(0, 30, n) for n in (5, 7, 3)]
    Y = [rng.integers(0, 30, len(x)) for x in X]
    rows = timing.time_steps_alternating(X, Y, word_dim=30, hidden_dim=4, bptt_truncate=2,
                                         other_mb=1, rounds=4)
    assert [name for name, _ in rows] == list(timing.ALTERNATING_NAMES)
    assert all(seconds > 0 for _, seconds in rows)
