"""Small drawing kit for the part 1 diagrams (a library module: no cells).

Every diagram uses the same colour for a symbol as the post's formulas do
(``\\textcolor{...}`` in content/posts/what-is-rnn.md):

    x_t  input          blue        U  input -> hidden     purple
    s_t  hidden state   green       W  hidden -> hidden    amber
    o_t  output         red         V  hidden -> output    teal

The figures are drawn on a light card (the figure's own background), so an SVG reads the same
on a light or a dark page. Sizes are chosen for a phone: 6.4 inches wide, labels of 16 pt and
more. A phone shows the figure about 330 px wide, 0.7 px per point, so a label is 11 px or taller.
"""

# No matplotlib.use() here: a backend forced by a library would keep Jupyter from showing the
# figures of a downloaded notebook (the build and `python -m` draw off-screen anyway).
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon

COLORS = {
    "x": "#1E6FD9",
    "s": "#228B22",
    "o": "#D9480F",
    "U": "#9C4DCC",
    "W": "#B36B00",
    "V": "#00897B",
}
CARD = "#FBFAF6"   # light background card
INK = "#222222"    # ordinary text
GREY = "#6B6B6B"   # connections that carry no named matrix
LABEL = 22         # size of a symbol such as $x_t$
WORD = 18          # size of a word such as "học"


def tint(color, amount=0.85):
    """The colour mixed with white: a pale fill behind a label of that colour."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def new_figure(xlim, ylim, width=6.4):
    """A figure whose axes span xlim x ylim in data units, one unit the same length on both axes."""
    height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    fig = plt.figure(figsize=(width, height))
    fig.patch.set_facecolor(CARD)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def node(ax, xy, kind, label=None, size=0.44, fontsize=LABEL, width=None):
    """An input or output (circle, kind "x" / "o") or a hidden state (rounded box, kind "s")."""
    color = COLORS[kind]
    if kind == "s":
        w = width if width is not None else 2 * size
        h = 2 * size * 0.85
        patch = FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h,
                               boxstyle="round,pad=0,rounding_size=0.14",
                               facecolor=tint(color), edgecolor=color, linewidth=2.2, zorder=3)
    else:
        patch = Circle(xy, size, facecolor=tint(color), edgecolor=color, linewidth=2.2, zorder=3)
    ax.add_patch(patch)
    if label:
        ax.text(xy[0], xy[1], label, color=color, fontsize=fontsize, ha="center", va="center",
                zorder=4)
    return patch


def arrow(ax, a, b, color=GREY, label=None, label_at=0.5, offset=(0.0, 0.0), rad=0.0,
          lw=2.0, fontsize=LABEL, dashed=False, connection=None):
    """An arrow from a to b, each a point or a patch (the arrow stops at the patch's edge).

    label is drawn at the fraction label_at of the way, moved by offset, in the arrow's colour.
    connection is a matplotlib connection style; the default bends the arrow by rad.
    """
    pa = a if not isinstance(a, tuple) else None
    pb = b if not isinstance(b, tuple) else None
    start = a if pa is None else _centre(pa)
    end = b if pb is None else _centre(pb)
    patch = FancyArrowPatch(start, end, patchA=pa, patchB=pb, arrowstyle="-|>",
                            mutation_scale=18, linewidth=lw, color=color,
                            connectionstyle=connection or f"arc3,rad={rad}", shrinkA=2, shrinkB=2,
                            linestyle="--" if dashed else "-", zorder=2)
    ax.add_patch(patch)
    if label:
        x = start[0] + (end[0] - start[0]) * label_at + offset[0]
        y = start[1] + (end[1] - start[1]) * label_at + offset[1]
        ax.text(x, y, label, color=color, fontsize=fontsize, ha="center", va="center", zorder=5,
                bbox={"boxstyle": "round,pad=0.12", "facecolor": CARD, "edgecolor": "none"})
    return patch


def _centre(patch):
    if isinstance(patch, Circle):
        return tuple(patch.center)
    x, y = patch.get_x(), patch.get_y()
    return (x + patch.get_width() / 2, y + patch.get_height() / 2)


def text(ax, xy, s, color=INK, fontsize=WORD, **kwargs):
    """Plain text centred on xy."""
    kwargs.setdefault("ha", "center")
    kwargs.setdefault("va", "center")
    return ax.text(xy[0], xy[1], s, color=color, fontsize=fontsize, zorder=5, **kwargs)


def band(ax, x0, x1, y0, y1, color, label=None, label_y=None, fontsize=WORD):
    """A pale rounded region that groups part of a diagram (e.g. the encoder), with a title."""
    ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.25",
                                facecolor=tint(color, 0.92), edgecolor=tint(color, 0.55),
                                linewidth=1.5, zorder=0))
    if label:
        text(ax, ((x0 + x1) / 2, label_y if label_y is not None else y0 - 0.35), label,
             color=INK, fontsize=fontsize)


def trapezoid(ax, centre, w_in, w_out, h, color, label):
    """A block drawn as a trapezoid lying on its side (wide input on the left), e.g. a CNN."""
    cx, cy = centre
    pts = [(cx - h / 2, cy - w_in / 2), (cx + h / 2, cy - w_out / 2),
           (cx + h / 2, cy + w_out / 2), (cx - h / 2, cy + w_in / 2)]
    patch = Polygon(pts, closed=True, facecolor=tint(color, 0.8), edgecolor=color, linewidth=2,
                    zorder=3)
    ax.add_patch(patch)
    text(ax, centre, label, color=INK, fontsize=WORD, fontweight="bold")
    return patch


# ------------------------------------------------- cells with gates (parts 3 and 4)

def op(ax, xy, symbol, color=INK, size=0.26, fontsize=WORD):
    """A pointwise operation: a small circle with ×, + or 1−."""
    patch = Circle(xy, size, facecolor=CARD, edgecolor=color, linewidth=1.8, zorder=3)
    ax.add_patch(patch)
    ax.text(xy[0], xy[1], symbol, color=color, fontsize=fontsize, ha="center", va="center",
            zorder=4)
    return patch


def gate(ax, xy, label, color, width=1.0, height=0.62, fontsize=WORD - 2):
    """A layer of the cell (sigmoid or tanh of a weighted sum): a small filled box."""
    patch = FancyBboxPatch((xy[0] - width / 2, xy[1] - height / 2), width, height,
                           boxstyle="round,pad=0,rounding_size=0.1", facecolor=tint(color, 0.75),
                           edgecolor=color, linewidth=1.8, zorder=3)
    ax.add_patch(patch)
    ax.text(xy[0], xy[1], label, color=INK, fontsize=fontsize, ha="center", va="center",
            zorder=4)
    return patch


def line(ax, points, color=GREY, lw=2.0, arrow_end=True, zorder=2, dashed=False):
    """A polyline through points, with an arrow head at the end (a wire of a cell)."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1] + (xs[-1],), ys, color=color, linewidth=lw, zorder=zorder,
            solid_capstyle="round", linestyle="--" if dashed else "-")
    if arrow_end:
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=16,
                                     linewidth=0, color=color, shrinkA=0, shrinkB=0,
                                     zorder=zorder))
