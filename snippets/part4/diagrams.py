"""The LSTM cell and the GRU cell of part 4, drawn with matplotlib (one cell, one figure).

Run it as a reader would: python -m snippets.part4.diagrams
The kit and the colours are part 1's (snippets/part1/draw.py). Wires carry vectors from
left to right and from bottom to top; the thick wire is the path the memory takes from
one step to the next, through a product with a gate and a sum only.
"""

# %% setup echo=false
from snippets.part1.draw import (COLORS, GREY, INK, LABEL, WORD, band, gate, line,
                                 new_figure, op, text)

MEMORY = "#C2185B"            # the memory path: c_t (LSTM), s_t (GRU)
SIGMOID = "#9C4DCC"           # a gate: sigmoid of a weighted sum
TANH = "#00897B"              # a candidate: tanh of a weighted sum
R = 0.26                      # radius of an operation circle

# %% lstm echo=false
# The LSTM cell: c_{t-1} -> (x f_t) -> (+ i_t g_t) -> c_t along the top; the four layers
# read [s_{t-1}, x_t] from the wire along the bottom.
fig, ax = new_figure((-2.0, 11.25), (-1.75, 6.55))
band(ax, 0.2, 9.6, 0.15, 5.25, COLORS["s"])
TOP, BUS, GATES, MID = 4.4, 0.85, 2.05, 3.25
F, I, G, O, TC = 1.7, 3.3, 4.9, 6.6, 8.0         # columns: gates, tanh(c_t)
ADD = 4.1                                         # column of the sum
# the memory path along the top
text(ax, (-1.2, TOP), "$c_{t-1}$", color=MEMORY, fontsize=LABEL)
line(ax, [(-0.45, TOP), (F - R, TOP)], MEMORY, lw=4)
op(ax, (F, TOP), "×", MEMORY)
line(ax, [(F + R, TOP), (ADD - R, TOP)], MEMORY, lw=4)
op(ax, (ADD, TOP), "+", MEMORY)
line(ax, [(ADD + R, TOP), (10.25, TOP)], MEMORY, lw=4)
text(ax, (10.65, TOP), "$c_t$", color=MEMORY, fontsize=LABEL)
# the inputs: s_{t-1} from the left, x_t from below, on one wire under the gates
text(ax, (-1.2, BUS), "$s_{t-1}$", color=COLORS["s"], fontsize=LABEL)
line(ax, [(-0.45, BUS), (O, BUS)], GREY, arrow_end=False)
text(ax, (0.75, -1.3), "$x_t$", color=COLORS["x"], fontsize=LABEL)
line(ax, [(0.75, -0.95), (0.75, BUS)], COLORS["x"], arrow_end=False)
for cx, kind, name, side, word in [(F, "σ", "f_t", -1, "cổng\nquên"),
                                  (I, "σ", "i_t", -1, "cổng\nvào"),
                                  (G, "tanh", "g_t", 1, "ứng\nviên"),
                                  (O, "σ", "o_t", -1, "cổng\nra")]:
    color = SIGMOID if kind == "σ" else TANH
    line(ax, [(cx, BUS), (cx, GATES - 0.31)], GREY)
    gate(ax, (cx, GATES), kind, color)
    text(ax, (cx + 0.2 * side, GATES + 0.75), f"${name}$", color=color, fontsize=LABEL - 4,
         ha="right" if side < 0 else "left")
    text(ax, (cx, -0.55), word, color=color, fontsize=WORD - 5, linespacing=1.0)
# f_t up to the product on the memory path; i_t and g_t meet in a product under the sum
line(ax, [(F, GATES + 0.31), (F, TOP - R)], SIGMOID)
op(ax, (ADD, MID), "×")
line(ax, [(I, GATES + 0.31), (I, MID), (ADD - R, MID)], SIGMOID)
line(ax, [(G, GATES + 0.31), (G, MID), (ADD + R, MID)], TANH)
line(ax, [(ADD, MID + R), (ADD, TOP - R)], INK)
# the output: s_t = o_t * tanh(c_t)
line(ax, [(TC, TOP), (TC, MID + 0.31)], MEMORY, lw=2)
gate(ax, (TC, MID), "tanh", TANH)
op(ax, (TC, GATES), "×")
line(ax, [(TC, MID - 0.31), (TC, GATES + R)], TANH)
line(ax, [(O + 0.5, GATES), (TC - R, GATES)], SIGMOID)
line(ax, [(TC + R, GATES), (9.0, GATES), (9.0, BUS), (10.25, BUS)], COLORS["s"])
line(ax, [(9.0, GATES), (9.0, 6.0)], COLORS["s"])
text(ax, (10.65, BUS), "$s_t$", color=COLORS["s"], fontsize=LABEL)
text(ax, (9.55, 6.1), "$s_t$", color=COLORS["s"], fontsize=LABEL)
text(ax, (4.1, 5.8), "trí nhớ $c$: chỉ nhân với $f_t$ rồi cộng",
     color=MEMORY, fontsize=WORD - 3)

# %% gru echo=false
# The GRU cell: s_{t-1} -> (x z_t) -> (+ (1 - z_t) h~_t) -> s_t along the top; the reset
# gate r_t multiplies W_h s_{t-1} + d_h inside the candidate.
fig, ax = new_figure((-2.0, 11.25), (-1.75, 6.55))
band(ax, 0.2, 9.6, 0.15, 5.25, COLORS["s"])
TOP, BUS, GATES, MID = 4.4, 0.85, 2.05, 3.25
Z, RS, H = 1.7, 4.0, 6.4                          # columns: update gate, reset gate, candidate
KEEP, ADD = 2.9, 7.8                              # columns: the two products, the sum
text(ax, (-1.2, TOP), "$s_{t-1}$", color=MEMORY, fontsize=LABEL)
line(ax, [(-0.45, TOP), (KEEP - R, TOP)], MEMORY, lw=4)
op(ax, (KEEP, TOP), "×", MEMORY)
line(ax, [(KEEP + R, TOP), (ADD - R, TOP)], MEMORY, lw=4)
op(ax, (ADD, TOP), "+", MEMORY)
line(ax, [(ADD + R, TOP), (10.25, TOP)], MEMORY, lw=4)
text(ax, (10.65, TOP), "$s_t$", color=MEMORY, fontsize=LABEL)
line(ax, [(9.0, TOP), (9.0, 6.0)], MEMORY, lw=2)
text(ax, (9.55, 6.1), "$s_t$", color=MEMORY, fontsize=LABEL)
# s_{t-1} also goes down to the wire the gates read; x_t comes from below
line(ax, [(0.0, TOP), (0.0, BUS), (H, BUS)], GREY, arrow_end=False)
text(ax, (0.75, -1.3), "$x_t$", color=COLORS["x"], fontsize=LABEL)
line(ax, [(0.75, -0.95), (0.75, BUS)], COLORS["x"], arrow_end=False)
for cx, kind, word in [(Z, "σ", "cổng\ncập nhật"), (RS, "σ", "cổng\nthiết lập lại"),
                      (H, "tanh", "ứng\nviên")]:
    color = SIGMOID if kind == "σ" else TANH
    line(ax, [(cx, BUS), (cx, GATES - 0.31)], GREY)
    gate(ax, (cx, GATES), kind, color)
    text(ax, (cx, -0.55), word, color=color, fontsize=WORD - 5, linespacing=1.0)
text(ax, (Z - 0.2, GATES + 0.75), "$z_t$", color=SIGMOID, fontsize=LABEL - 4, ha="right")
text(ax, ((RS + H) / 2, GATES + 0.4), "$r_t$", color=SIGMOID, fontsize=LABEL - 4)
text(ax, (H + 0.6, GATES), r"$\tilde{h}_t$", color=TANH, fontsize=LABEL - 4, ha="left")
# z_t keeps a share of the old state and lets 1 - z_t of the candidate in
line(ax, [(Z, GATES + 0.31), (Z, MID), (KEEP, MID), (KEEP, TOP - R)], SIGMOID)
op(ax, (4.6, MID), "1−", SIGMOID, size=0.38, fontsize=WORD - 5)
line(ax, [(KEEP, MID), (4.6 - 0.38, MID)], SIGMOID)
op(ax, (ADD, MID), "×")
line(ax, [(4.6 + 0.38, MID), (ADD - R, MID)], SIGMOID)
line(ax, [(H, GATES + 0.31), (H, 2.75), (ADD, 2.75), (ADD, MID - R)], TANH)
line(ax, [(ADD, MID + R), (ADD, TOP - R)], INK)
# r_t goes into the candidate's layer (it multiplies W_h s_{t-1} + d_h there)
line(ax, [(RS + 0.5, GATES), (H - 0.5, GATES)], SIGMOID)
text(ax, (4.1, 5.8), "giữ $z_t$ phần cũ, lấy $1 - z_t$ phần mới",
     color=MEMORY, fontsize=WORD - 3)
