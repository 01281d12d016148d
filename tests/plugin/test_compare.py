"""How a re-run's text is compared with the committed text (compare.same_text)."""

import pytest

from hugosnip.compare import same_text

TABLE_OLD = "numpy           |      40.3 |     13584\ntorch           |      17.1 |     21836\n"
TABLE_NEW = "numpy           |      57.8 |      8227\ntorch           |      19.5 |     15369\n"


@pytest.mark.parametrize("old, new, varies, same", [
    ("loss 8.987\n", "loss 8.987\n", False, True),
    ("loss 8.987\n", "loss 8.9870000001\n", False, True),
    ("loss 8.987\n", "loss 8.988\n", False, False),
    ("loss 8.987\n", "loss 8.988\n", True, True),
    ("took 12 ms\n", "took 9 ms\n", True, True),
    ("took 12 ms\n", "took 9 s\n", True, False),
    ("a | b\n", "a | b | c\n", True, False),
    # a table whose numbers changed width re-pads its columns: same shape
    (TABLE_OLD, TABLE_NEW, True, True),
    (TABLE_OLD, TABLE_NEW, False, False),
    # but a line more or less is a different shape, and so is a changed word
    (TABLE_OLD, TABLE_NEW + "jax | 1 | 2\n", True, False),
    (TABLE_OLD, TABLE_NEW.replace("torch", "jax"), True, False),
    ("x\ny\n", "x y\n", True, False),
])
def test_same_text(old, new, varies, same):
    assert same_text(old, new, 1e-6, varies) is same
