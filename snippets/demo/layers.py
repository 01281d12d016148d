"""A small library module (no cells): the demo snippet imports it, the docs page shows its code."""

import numpy as np


def softmax(z):
    """Turn scores into probabilities; subtracting the max keeps exp from overflowing."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Dense:
    """A fully connected layer y = W x + b."""

    def __init__(self, n_in, n_out, rng):
        bound = 1 / np.sqrt(n_in)
        self.W = rng.uniform(-bound, bound, (n_out, n_in))  # (n_out, n_in)
        self.b = np.zeros(n_out)                            # (n_out,)

    def forward(self, x):
        """x: (n_in,) -> (n_out,)"""
        return self.W @ x + self.b
