"""The blog's runnable snippets. Run one with ``python -m snippets.<folder>.<name>``.

Seeding here makes a run from the command line print what the post shows: hugosnip seeds
``random`` and numpy with the same seed (0) before a snippet's first cell.
"""

import random as _random

_random.seed(0)
try:
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is a dependency of every snippet that needs it
    pass
else:
    _np.random.seed(0)
