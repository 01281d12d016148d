"""Part 4, sections 2 to 4: the numpy LSTM and GRU (snippets/rnn/lstm.py, gru.py) at
work, checked against torch.nn.LSTM / torch.nn.GRU with the same weights and against
numerical gradients, all in float64.

Run it as a reader would: python -m snippets.part4.cells
"""

# %% setup
import numpy as np
import torch

from snippets.rnn import gru, lstm
from snippets.rnn.fmt import vi

torch.set_num_threads(1)             # one thread: the same sums in the same order
T, B, D, H = 12, 4, 8, 16            # 12 steps, 4 sequences, input 8, hidden state 16
rng = np.random.default_rng(0)
x = rng.standard_normal((T, B, D))   # (T, B, D)  float64
R = rng.standard_normal((T, B, H))   # test loss L = sum_t sum(R_t * s_t): dL/ds_t = R_t

# %% lstm_forward
p_lstm = lstm.init_params(D, H, seed=0)
s, c, caches = lstm.forward(p_lstm, x)
print("x", x.shape, "-> s", s.shape, " c", c.shape)
_, _, _, i, f, o, g, _ = caches[-1]                  # the gates at the last step
for name, gate in (("i", i), ("f", f), ("o", o), ("g", g)):
    print(f"{name}_t: min {vi(gate.min(), '+.3f')}  max {vi(gate.max(), '+.3f')}")
print("s_t của chuỗi đầu tiên ở bước cuối:",
      " ".join(vi(v, "+.3f") for v in s[-1, 0, :6]), "...")
n_lstm = sum(v.size for v in p_lstm.values())       # 4 (H D + H H + H)

# %% lstm_check
# the same weights in torch.nn.LSTM, the same input and loss; autograd does the backward
net = lstm.to_torch(p_lstm)
x_torch = torch.tensor(x, requires_grad=True)
s_torch, _ = net(x_torch)
(torch.tensor(R) * s_torch).sum().backward()
grads, dx, _, _ = lstm.backward(p_lstm, R, caches)
torch_grads = lstm.grads_from_torch(net)
lstm_forward_diff = float(np.abs(s - s_torch.detach().numpy()).max())
lstm_grad_diff = max(float(np.abs(grads[k] - torch_grads[k]).max()) for k in grads)
lstm_dx_diff = float(np.abs(dx - x_torch.grad.numpy()).max())
print(f"|s - s_torch|             lớn nhất: {vi(lstm_forward_diff, '.1e')}")
print(f"|dL/dθ - torch| (12 mảng) lớn nhất: {vi(lstm_grad_diff, '.1e')}")
print(f"|dL/dx - torch|           lớn nhất: {vi(lstm_dx_diff, '.1e')}")

# %% gru_check
p_gru = gru.init_params(D, H, seed=0)
s_gru, gru_caches = gru.forward(p_gru, x)
net = gru.to_torch(p_gru)
x_torch = torch.tensor(x, requires_grad=True)
s_torch, _ = net(x_torch)
(torch.tensor(R) * s_torch).sum().backward()
grads, dx, _ = gru.backward(p_gru, R, gru_caches)
torch_grads = gru.grads_from_torch(net)
gru_forward_diff = float(np.abs(s_gru - s_torch.detach().numpy()).max())
gru_grad_diff = max(float(np.abs(grads[k] - torch_grads[k]).max()) for k in grads)
gru_dx_diff = float(np.abs(dx - x_torch.grad.numpy()).max())
print(f"|s - s_torch|             lớn nhất: {vi(gru_forward_diff, '.1e')}")
print(f"|dL/dθ - torch| (10 mảng) lớn nhất: {vi(gru_grad_diff, '.1e')}")
print(f"|dL/dx - torch|           lớn nhất: {vi(gru_dx_diff, '.1e')}")
n_gru = sum(v.size for v in p_gru.values())         # 3 (H D + H H + H) + H

# %% gradcheck
# central differences on a smaller problem: two forward passes per parameter entry
xs, Rs = x[:6, :2, :4], R[:6, :2, :5]                # T = 6, B = 2, D = 4, H = 5
errors = {}
for module in (lstm, gru):
    p = module.init_params(4, 5, seed=1)

    def loss():
        return float((Rs * module.forward(p, xs)[0]).sum())

    analytic = module.backward(p, Rs, module.forward(p, xs)[-1])[0]
    cell = module.__name__.split(".")[-1]
    errors[cell] = {name: module.relative_error(
        analytic[name], module.numerical_gradient(loss, p[name])) for name in p}
for cell, errs in errors.items():
    worst = max(errs, key=errs.get)
    print(f"{cell}: {len(errs)} mảng tham số, "
          f"sai số tương đối lớn nhất {vi(errs[worst], '.1e')} ({worst})")
lstm_gradcheck = max(errors["lstm"].values())
gru_gradcheck = max(errors["gru"].values())
