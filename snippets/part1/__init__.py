"""Part 1 of the RNN series ("RNN là gì?"): the post's diagrams and a tiny numpy RNN."""
