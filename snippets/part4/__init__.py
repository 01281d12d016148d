"""Part 4 of the RNN series ("Cài đặt GRU/LSTM"): the post's snippets.

They use the library in snippets/rnn/ (lstm, gru, gated_lm, and part 2's data and torch_rnn).
"""
