"""hugosnip's living example: softmax, a cross-entropy check and a plot, cell by cell.

Run it as a reader would: python -m snippets.demo.basics
"""

# %% setup
import numpy as np
import matplotlib.pyplot as plt

from snippets.demo.layers import Dense, softmax

rng = np.random.default_rng(0)

# %% scores
z = np.array([2.0, 1.0, 0.1])
p = softmax(z)
print("z =", z)
print("p =", p.round(4))
p.sum()

# %% layer
layer = Dense(3, 4, rng)
y = layer.forward(z)
print("y.shape =", y.shape)
y.round(3)

# %% uniform_loss
V = 8000
# A model that guesses uniformly gives every word probability 1/V: its loss is ln V.
loss = -np.log(1 / V)
loss

# %% plot echo=false
x = np.linspace(-4, 4, 201)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(x, np.tanh(x), label="tanh(x)")
ax.plot(x, 1 - np.tanh(x) ** 2, label="tanh'(x)", linestyle="--")
ax.set_xlabel("x")
ax.grid(alpha=0.3)
ax.legend()

# %% ragged raises=ValueError
softmax(np.array([[1.0, 2.0], [3.0]]))

# %% timing varies=true
import time

start = time.perf_counter()
softmax(rng.random(100_000))
print(f"softmax of 100000 numbers: {(time.perf_counter() - start) * 1e3:.2f} ms")

# %% escaping
print("<script>alert(1)</script>")
print("{{< image src=\"x\" >}} and `backticks`")
