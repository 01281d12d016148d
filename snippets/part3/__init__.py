"""Part 3 of the RNN series ("Tìm hiểu về giải thuật BPTT và vấn đề tiêu biến đạo hàm").

The snippets use the library in snippets/rnn/: numpy_rnn and data (part 2), gradients
(Jacobians, spectral radius, clipping) and memory_task (the long-range memory experiment).
"""
