"""Part 3, section 3: tanh and sigmoid and their derivatives, the factors BPTT multiplies.

Run it as a reader would: python -m snippets.part3.activations
"""

# %% setup
import matplotlib.pyplot as plt
import numpy as np

from snippets.rnn.fmt import vi
from snippets.rnn.gradients import dsigmoid, dtanh, sigmoid

# %% values
max_dtanh = float(dtanh(0.0))        # tanh'(0) = 1, the largest it gets
max_dsigmoid = float(dsigmoid(0.0))  # sigmoid'(0) = 1/4
dtanh_at_2 = float(dtanh(2.0))       # a unit with |a| = 2 passes this on
dtanh_at_3 = float(dtanh(3.0))
sigmoid_10_steps = max_dsigmoid ** 10   # ten steps of at most 1/4 each
for a in (0.0, 1.0, 2.0, 3.0):
    print(f"a = {a:.0f}:  tanh'(a) = {vi(dtanh(a), '.4f')}   "
          f"sigmoid'(a) = {vi(dsigmoid(a), '.4f')}")
print(f"(1/4)^10 = {vi(sigmoid_10_steps, '.2e')}")

# %% plot echo=false
a = np.linspace(-5, 5, 401)
# 7 inches wide, the width of the page's column, and no text under 11 pt: on the page, the
# smallest text is as large as the caption's.
plt.rcParams.update({"font.size": 11, "legend.fontsize": 11})
fig, (ax_f, ax_d) = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True)
ax_f.plot(a, np.tanh(a), label="tanh(a)")
ax_f.plot(a, sigmoid(a), label="sigmoid(a)", color="tab:orange")
ax_f.set_title("hàm kích hoạt")
ax_d.plot(a, dtanh(a), label="tanh'(a) = 1 − tanh²(a)")
ax_d.plot(a, dsigmoid(a), label="sigmoid'(a) = σ(a)(1 − σ(a))", color="tab:orange")
ax_d.axhline(0.25, color="gray", linestyle=":", linewidth=1)
ax_d.set_title("đạo hàm")
for ax in (ax_f, ax_d):
    ax.axhline(0, color="black", linewidth=0.6)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
ax_d.set_xlabel("a")
ax_d.set_ylim(-0.05, 1.25)
fig.tight_layout()
