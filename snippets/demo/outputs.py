"""Each kind of rich output once, for the page about hugosnip (content/hugosnip.md)."""

# %% table
import numpy as np
import pandas as pd
from IPython.display import display

scores = np.array([2.0, 1.0, 0.1])
probabilities = np.exp(scores) / np.exp(scores).sum()
table = pd.DataFrame({"điểm": scores, "xác suất": probabilities.round(3)}, index=["mèo", "chó", "cá"])
table.columns.name = "lớp"   # the header's corner cell names the rows (an empty one is not accessible)
print("softmax của ba điểm số:")
display(table)
print("tổng xác suất:", round(float(probabilities.sum()), 6))

# %% derivative
import sympy

x = sympy.Symbol("x")
sympy.diff(sympy.tanh(x), x)

# %% text
from IPython.display import HTML, Markdown

display(Markdown("Đầu ra **Markdown** được Hugo dựng như chữ của bài, kể cả [liên kết](#nhúng-một-ô-snip-cell)."))
HTML("<p>Đầu ra <abbr title='HyperText Markup Language'>HTML</abbr> được đặt nguyên như ô tạo ra.</p>")

# %% picture
from PIL import Image

Image.linear_gradient("L").resize((128, 24))

# %% heatmap figure_format=png
import matplotlib.pyplot as plt

rng = np.random.default_rng(0)
fig, ax = plt.subplots(figsize=(4, 2.4))
ax.imshow(rng.random((12, 40)), cmap="viridis", aspect="auto")
ax.set_title("Ma trận ngẫu nhiên 12 × 40")

# %% plotly
import plotly.graph_objects as go

xs = np.linspace(-3, 3, 61)
go.Figure([go.Scatter(x=xs.tolist(), y=np.tanh(xs).round(4).tolist(), name="tanh(x)"),
           go.Scatter(x=xs.tolist(), y=(1 - np.tanh(xs) ** 2).round(4).tolist(), name="1 − tanh²(x)")],
          layout={"width": 560, "height": 320, "margin": {"t": 30}})

# %% altair
import altair as alt

sigmoid = pd.DataFrame({"x": xs, "sigmoid(x)": 1 / (1 + np.exp(-xs))})
alt.Chart(sigmoid).mark_line().encode(x="x:Q", y="sigmoid(x):Q").properties(width=400, height=200)
