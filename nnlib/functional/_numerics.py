"""One numerical switch shared by the activations and the losses.

Results smaller than ~1e-308 are flushed to 0 on purpose in the tails of many functions
(``sigmoid(-1e4)``, ``softmax`` of a very negative logit). A caller who runs under
``np.errstate(all="raise")`` should not get a ``FloatingPointError`` for that, so every function
that can underflow is decorated with :data:`underflow_ok`. Overflow and invalid operations still
raise if the caller asks them to.

>>> import numpy as np
>>> @underflow_ok
... def tiny(x):
...     return np.exp(x)
>>> with np.errstate(all="raise"):
...     float(tiny(np.array(-1e4)))
0.0
"""

from __future__ import annotations

import numpy as np

#: decorator (and context manager): silence underflow, and only underflow
underflow_ok = np.errstate(under="ignore")
