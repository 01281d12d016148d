"""The diagram of part 2's language model (matplotlib, one cell, one figure).

Run it as a reader would: python -m snippets.part2.diagrams
The kit and the colours are part 1's (snippets/part1/draw.py). The bars are a made-up
distribution o_t, drawn only to show its shape; they are not a model's output.
"""

# %% setup echo=false
from matplotlib.patches import Rectangle

from snippets.part1.draw import COLORS, GREY, INK, LABEL, WORD, arrow, new_figure, node, text
from snippets.rnn.data import SENTENCE_END, SENTENCE_START

# %% language_model echo=false
# One sentence, "good my lord", read word by word. The input at step t is word t (a column
# of U); the output o_t = softmax(V s_t) is a distribution over the vocabulary, and the
# loss at step t is -log of the probability it gives the next word y_t.
words = [SENTENCE_START, "good", "my", "lord", SENTENCE_END]
fig, ax = new_figure((-1.7, 10.6), (-1.25, 6.3))
cols = [0.9, 3.4, 5.9, 8.4]
X, S, O = 0.0, 1.9, 3.55
shape = [0.25, 0.5, 0.2, 0.9, 0.35, 0.15]        # bar heights; the target is bar `hit`
hit = [1, 3, 0, 4]
for t, cx in enumerate(cols):
    mono = {"family": "monospace"} if words[t].isupper() else {}
    text(ax, (cx, X), words[t], color=COLORS["x"], fontsize=WORD - 6 if mono else WORD, **mono)
    st = node(ax, (cx, S), "s", f"$s_{t + 1}$", size=0.42, fontsize=LABEL - 4)
    arrow(ax, (cx, X + 0.32), st, COLORS["U"], "$U$" if t == 0 else None, offset=(-0.35, 0))
    if t:
        arrow(ax, prev, st, COLORS["W"], "$W$" if t == 1 else None, offset=(0, 0.38))
    prev = st
    # o_t: six bars standing for the K probabilities, the target's bar in full colour
    left = cx - 0.75
    for j, h in enumerate(shape if t % 2 == 0 else shape[::-1]):
        j_hit = hit[t] if t % 2 == 0 else 5 - hit[t]
        ax.add_patch(Rectangle((left + 0.25 * j, O), 0.2, h * 1.1,
                               facecolor=COLORS["o"] if j == j_hit else "#F2C9B8",
                               edgecolor="none", zorder=3))
    ax.plot([left - 0.05, left + 1.5], [O, O], color=GREY, linewidth=1, zorder=3)
    arrow(ax, st, (cx, O - 0.05), COLORS["V"], "$V$" if t == 0 else None, offset=(-0.35, 0))
    mono = {"family": "monospace"} if words[t + 1].isupper() else {}
    text(ax, (cx, 5.75), words[t + 1], color=COLORS["o"],
         fontsize=WORD - 6 if mono else WORD, **mono)
text(ax, (-1.05, X), "$x_t$", color=COLORS["x"], fontsize=LABEL - 2)
text(ax, (-1.05, 5.75), "$y_t$", color=COLORS["o"], fontsize=LABEL - 2)
text(ax, (-1.05, S), "$s_t$", color=COLORS["s"], fontsize=LABEL - 2)
text(ax, (-1.05, O + 0.5), "$o_t$", color=COLORS["o"], fontsize=LABEL - 2)
text(ax, (4.65, -0.85), r"cột đậm: xác suất $o_t[y_t]$ của từ đúng;  mất mát $L_t = -\log o_t[y_t]$",
     color=INK, fontsize=WORD - 5)
