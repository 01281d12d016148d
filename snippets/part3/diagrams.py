"""The diagram of backpropagation through time in part 3 (matplotlib, one cell, one figure).

Run it as a reader would: python -m snippets.part3.diagrams
The kit and the colours are part 1's (snippets/part1/draw.py): the same colour for a symbol
as in the formulas. Solid arrows are the forward pass, dashed red arrows the backward pass.
"""

# %% setup echo=false
from snippets.part1.draw import COLORS, INK, LABEL, WORD, arrow, line, new_figure, node, text

BACK = "#C62828"              # the gradient going back

# %% bptt echo=false
# The RNN unrolled over four steps. Forward: x_k -U-> s_k -V-> E_k, s_{k-1} -W-> s_k.
# Backward: each E_k sends V^T e_k down to s_k; delta_k goes back to step k-1 through W^T
# and the tanh; at every step delta_k s_{k-1}^T is one term of dE/dW.
fig, ax = new_figure((-1.6, 10.9), (-1.6, 6.3))
cols = [1.6, 4.0, 6.4, 8.8]
X, S, E = 0.0, 2.5, 5.0
s_prev = node(ax, (-0.6, S), "s", "$s_0$", size=0.42, fontsize=LABEL - 4)
prev = s_prev
states = []
for k, cx in enumerate(cols, start=1):
    xk = node(ax, (cx, X), "x", f"$x_{k}$", size=0.45, fontsize=LABEL - 4)
    sk = node(ax, (cx, S), "s", f"$s_{k}$", size=0.42, fontsize=LABEL - 4)
    ek = node(ax, (cx, E), "o", f"$E_{k}$", size=0.45, fontsize=LABEL - 4)
    arrow(ax, xk, sk, COLORS["U"], "$U$" if k == 1 else None, offset=(-0.35, 0))
    arrow(ax, sk, ek, COLORS["V"], "$V$" if k == 1 else None, offset=(-0.35, 0))
    arrow(ax, prev, sk, COLORS["W"], "$W$" if k == 1 else None, offset=(0, 0.38))
    states.append(sk)
    prev = sk
    # backward: from the loss at step k down to s_k, beside the forward arrow
    line(ax, [(cx + 0.28, E - 0.45), (cx + 0.28, S + 0.36)], BACK, lw=1.8, dashed=True)
    if k == len(cols):
        text(ax, (cx + 0.42, (E + S) / 2 + 0.35), "$V^{\\top} e_k$", color=BACK, fontsize=LABEL - 6,
             ha="left")
    text(ax, (cx + 0.45, S + 0.6), f"$\\delta_{k}$", color=BACK, fontsize=LABEL - 4,
         ha="left")
# backward along the chain, under the forward W arrows
for k in range(len(cols) - 1, 0, -1):
    a, b = cols[k], cols[k - 1]
    line(ax, [(a - 0.5, S - 0.25), (b + 0.5, S - 0.25)], BACK, lw=1.8, dashed=True)
text(ax, ((cols[2] + cols[3]) / 2, S - 0.7), "$W^{\\top}$", color=BACK, fontsize=LABEL - 5)
line(ax, [(cols[0] - 0.5, S - 0.25), (-0.6 + 0.5, S - 0.25)], BACK, lw=1.8, dashed=True)
# the sum that makes the gradient for W
text(ax, (4.6, -1.2),
     r"$\delta_k = (V^{\top} e_k + W^{\top} \delta_{k+1}) \odot (1 - s_k^2)$,   "
     r"$\partial E / \partial W = \sum_k \delta_k\, s_{k-1}^{\top}$",
     color=BACK, fontsize=LABEL - 7)
# legend: solid = forward, dashed = backward
line(ax, [(-1.3, 6.0), (-0.5, 6.0)], INK, lw=2)
text(ax, (-0.35, 6.0), "lan truyền tiến", color=INK, fontsize=WORD - 4, ha="left")
line(ax, [(4.3, 6.0), (5.1, 6.0)], BACK, lw=1.8, dashed=True)
text(ax, (5.25, 6.0), "lan truyền ngược (đạo hàm)", color=BACK,
     fontsize=WORD - 4, ha="left")
