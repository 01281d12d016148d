"""The five diagrams of part 1, drawn with matplotlib (one cell, one figure).

Run it as a reader would: python -m snippets.part1.diagrams
The colours and the kit are in snippets/part1/draw.py.
"""

# %% setup echo=false
from snippets.part1.draw import (COLORS, GREY, INK, LABEL, WORD, arrow, band, new_figure, node,
                                 text, trapezoid)

# %% unrolled echo=false
# Left: the RNN as it is written, one cell with a loop. Right: the same cell unrolled over
# three time steps t-1, t, t+1; the parameters U, V, W are the same at every step.
fig, ax = new_figure((-1.8, 9.0), (-0.85, 5.5))
X, S, O = 0.0, 2.3, 4.65                      # heights of the three rows
x = node(ax, (0, X), "x", "$x$", size=0.55)
s = node(ax, (0, S), "s", "$s$", size=0.55)
o = node(ax, (0, O), "o", "$o$", size=0.55)
arrow(ax, x, s, COLORS["U"], "$U$", offset=(0.42, 0))
arrow(ax, s, o, COLORS["V"], "$V$", offset=(0.42, 0))
# the loop: out of the left side of s, round, and back in
arrow(ax, (-0.55, S + 0.26), (-0.55, S - 0.26), COLORS["W"],
      connection="arc,angleA=180,angleB=180,armA=36,armB=36,rad=12")
text(ax, (-1.05, S + 0.85), "$W$", color=COLORS["W"], fontsize=LABEL)

# "unroll" arrow, its label above it
arrow(ax, (0.75, S), (1.45, S), INK, lw=3)
text(ax, (1.15, S + 0.72), "triển\nkhai", color=INK, fontsize=WORD - 3, linespacing=1.0)

cols = [3.1, 5.05, 7.0]
steps = ["t-1", "t", "t+1"]
text(ax, (1.72, S), "…", color=INK, fontsize=WORD, ha="left")
prev = (2.05, S)
for cx, t in zip(cols, steps):
    xt = node(ax, (cx, X), "x", f"$x_{{{t}}}$", size=0.6, fontsize=LABEL - 2)
    st = node(ax, (cx, S), "s", f"$s_{{{t}}}$", size=0.55, fontsize=LABEL - 3, width=1.15)
    ot = node(ax, (cx, O), "o", f"$o_{{{t}}}$", size=0.6, fontsize=LABEL - 2)
    arrow(ax, xt, st, COLORS["U"], "$U$", offset=(0.4, 0))
    arrow(ax, st, ot, COLORS["V"], "$V$", offset=(0.4, 0))
    arrow(ax, prev, st, COLORS["W"], None if isinstance(prev, tuple) else "$W$",
          offset=(0, 0.5))
    prev = st
arrow(ax, prev, (cols[-1] + 1.15, S), COLORS["W"])
text(ax, (cols[-1] + 1.2, S), "…", color=INK, fontsize=WORD, ha="left")

# %% translation echo=false
# Encoder-decoder: the encoder reads "Tôi đi học" word by word; its last hidden state carries
# the sentence to the decoder, which writes "I go to school".
fig, ax = new_figure((-0.85, 10.2), (-1.8, 3.85))
D = 1.5
src = ["Tôi", "đi", "học"]
dst = ["I", "go", "to", "school"]
enc_x = [i * D for i in range(len(src))]
dec_x = [enc_x[-1] + 0.35 + (i + 1) * D for i in range(len(dst))]
band(ax, enc_x[0] - 0.75, enc_x[-1] + 0.75, -1.05, 1.75, COLORS["x"],
     "bộ mã hóa (encoder)", label_y=-1.45)
band(ax, dec_x[0] - 0.75, dec_x[-1] + 0.75, -1.05, 3.5, COLORS["o"],
     "bộ giải mã (decoder)", label_y=-1.45)
prev = None
for cx, w in zip(enc_x, src):
    st = node(ax, (cx, 0.95), "s", size=0.38)
    text(ax, (cx, -0.45), w, color=COLORS["x"], fontsize=WORD)
    arrow(ax, (cx, -0.2), st, COLORS["U"])
    if prev is not None:
        arrow(ax, prev, st, COLORS["W"])
    prev = st
for cx, w in zip(dec_x, dst):
    st = node(ax, (cx, 0.95), "s", size=0.38)
    text(ax, (cx, 2.95), w, color=COLORS["o"], fontsize=WORD)
    arrow(ax, st, (cx, 2.7), COLORS["V"])
    arrow(ax, prev, st, COLORS["W"])
    prev = st

# %% captioning echo=false
# Image captioning: a CNN turns the picture into a vector, which starts the RNN; the RNN then
# writes one word per step, each word being the input of the next step.
from matplotlib.patches import Circle, Polygon, Rectangle

fig, ax = new_figure((-0.3, 10.2), (-1.75, 4.1))
# the picture: a sun rising behind a mountain
ax.add_patch(Rectangle((0, -1.2), 2.0, 2.0, facecolor="#CFE8FF", edgecolor=INK, linewidth=1.5,
                       zorder=1))
ax.add_patch(Circle((1.35, 0.25), 0.32, facecolor="#F6B100", edgecolor="none", zorder=1.5))
ax.add_patch(Polygon([(0, -1.2), (0.85, 0.35), (1.5, -0.35), (2.0, -0.8), (2.0, -1.2)],
                     closed=True, facecolor="#5B7F4A", edgecolor="none", zorder=2))
text(ax, (1.0, -1.48), "ảnh", color=INK, fontsize=WORD - 1)
cnn = trapezoid(ax, (1.0, 2.15), 1.5, 0.6, 1.3, GREY, "CNN")
arrow(ax, (1.0, 0.85), (1.0, 1.45), INK)

D = 1.95
cols = [3.35 + i * D for i in range(4)]
words = ["mặt trời", "mọc", "sau", "núi"]
prev = None
for i, (cx, w) in enumerate(zip(cols, words)):
    st = node(ax, (cx, 1.2), "s", size=0.4)
    text(ax, (cx, 3.35), w, color=COLORS["o"], fontsize=WORD)
    arrow(ax, st, (cx, 3.05), COLORS["V"])
    if prev is None:
        arrow(ax, (1.7, 2.15), st, INK, rad=-0.25)          # the image's vector starts the RNN
    else:
        arrow(ax, prev, st, COLORS["W"])
        text(ax, (cx, -0.45), words[i - 1], color=COLORS["x"], fontsize=WORD)
        arrow(ax, (cx, -0.15), st, COLORS["U"])
    prev = st

# %% bidirectional echo=false
# Bidirectional RNN: one chain reads left to right, the other right to left; the output at step
# t sees both.
fig, ax = new_figure((-2.2, 7.9), (-0.7, 5.45))
cols = [0.0, 2.6, 5.2]
steps = ["t-1", "t", "t+1"]
F, B, O = 1.65, 3.0, 4.75          # heights: forward chain, backward chain, outputs
dx = 0.55                          # the two chains are staggered so that no arrow crosses a node
text(ax, (-1.55, F), r"$s^{\rightarrow}$", color=COLORS["s"], fontsize=LABEL + 2)
text(ax, (-1.55, B), r"$s^{\leftarrow}$", color=COLORS["s"], fontsize=LABEL + 2)
fwd, bwd = [], []
for cx, t in zip(cols, steps):
    xt = node(ax, (cx, 0), "x", f"$x_{{{t}}}$", size=0.55, fontsize=LABEL - 3)
    f = node(ax, (cx - dx, F), "s", "→", size=0.36, fontsize=LABEL)
    b = node(ax, (cx + dx, B), "s", "←", size=0.36, fontsize=LABEL)
    ot = node(ax, (cx, O), "o", f"$o_{{{t}}}$", size=0.55, fontsize=LABEL - 3)
    arrow(ax, xt, f, COLORS["U"])
    arrow(ax, xt, b, COLORS["U"])
    arrow(ax, f, ot, COLORS["V"])
    arrow(ax, b, ot, COLORS["V"])
    fwd.append(f)
    bwd.append(b)
for i in range(len(cols) - 1):
    # each W labelled once, in the free space between the two chains
    arrow(ax, fwd[i], fwd[i + 1], COLORS["W"], r"$W^{\rightarrow}$" if i == 0 else None,
          offset=(0.55, 0.6))
    arrow(ax, bwd[i + 1], bwd[i], COLORS["W"], r"$W^{\leftarrow}$" if i == 1 else None,
          offset=(-0.55, -0.6))

# %% deep_bidirectional echo=false
# Deep bidirectional RNN: two bidirectional layers stacked; layer 2 reads, at each step, both
# hidden states of layer 1.
fig, ax = new_figure((-2.75, 7.95), (-0.85, 8.3))
cols = [0.0, 2.6, 5.2]
steps = ["t-1", "t", "t+1"]
rows = {1: (1.6, 2.9), 2: (4.4, 5.7)}   # layer -> heights of its forward and backward chains
O = 7.45
dx = 0.55                               # forward chain left of the column, backward right
half_h = 0.34 * 0.85                    # half the height of a hidden-state box
for layer, (F, B) in rows.items():
    band(ax, cols[0] - 1.05, cols[-1] + 1.05, F - 0.5, B + 0.5, COLORS["s"])
    text(ax, (-1.2, (F + B) / 2), f"tầng {layer}", color=INK, fontsize=WORD, ha="right")
    # each chain named outside the band, right of its row, where there is room for the superscript
    text(ax, (cols[-1] + 1.2, F), rf"$s^{{({layer})\rightarrow}}$", color=COLORS["s"], fontsize=LABEL,
         ha="left")
    text(ax, (cols[-1] + 1.2, B), rf"$s^{{({layer})\leftarrow}}$", color=COLORS["s"], fontsize=LABEL,
         ha="left")
layers = {}
for layer, (F, B) in rows.items():
    layers[layer] = [(node(ax, (cx - dx, F), "s", "→", size=0.34, fontsize=LABEL - 2),
                      node(ax, (cx + dx, B), "s", "←", size=0.34, fontsize=LABEL - 2))
                     for cx in cols]
    fwd = [f for f, _ in layers[layer]]
    bwd = [b for _, b in layers[layer]]
    for i in range(len(cols) - 1):
        arrow(ax, fwd[i], fwd[i + 1], COLORS["W"])
        arrow(ax, bwd[i + 1], bwd[i], COLORS["W"])
(F1, B1), (F2, B2) = rows[1], rows[2]
for j, (cx, t) in enumerate(zip(cols, steps)):
    # circles wide enough for the widest label, x_{t+1}, with a margin
    xt = node(ax, (cx, 0), "x", f"$x_{{{t}}}$", size=0.62, fontsize=LABEL - 5)
    ot = node(ax, (cx, O), "o", f"$o_{{{t}}}$", size=0.62, fontsize=LABEL - 5)
    f1, b1 = layers[1][j]
    f2, b2 = layers[2][j]
    arrow(ax, xt, f1, COLORS["U"])
    arrow(ax, xt, b1, COLORS["U"])
    # layer 2 sees both chains of layer 1: four links, each with its own start and end point
    fx, bx = cx - dx, cx + dx
    for start, end in [((fx - 0.15, F1 + half_h), (fx - 0.15, F2 - half_h)),
                       ((bx + 0.15, B1 + half_h), (bx + 0.15, B2 - half_h)),
                       ((bx - 0.2, B1 + half_h), (fx + 0.2, F2 - half_h)),
                       ((fx + 0.2, F1 + half_h), (bx - 0.2, B2 - half_h))]:
        arrow(ax, start, end, GREY, lw=1.5)
    arrow(ax, f2, ot, COLORS["V"])
    arrow(ax, b2, ot, COLORS["V"])
