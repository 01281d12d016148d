"""Part 2 of the RNN series ("Cài đặt RNN với Python"): the post's snippets.

They use the library in snippets/rnn/ (data, numpy_rnn, naive_rnn, torch_rnn, timing).
"""
