"""The functional core of nnlib: pure functions on NumPy arrays, batch in the first axis.

Every forward function has a ``*_backward`` partner that returns the gradient of the loss with
respect to its first input (and parameters, for layers). Nothing here keeps state or modifies its
inputs. This is the contract the tests, the layers and the grader rely on (DESIGN.md).

Sub-modules, in the order the book teaches them:

* :mod:`.activations` - sigmoid ... gelu, softmax, log_softmax
* :mod:`.losses` - mse ... cross_entropy, kl_divergence
* :mod:`.dense`, :mod:`.batchnorm`, :mod:`.dropout`, :mod:`.conv`, :mod:`.pooling` - layer ops
* :mod:`.optim_steps` - sgd_step ... adamw_step
"""

from .activations import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .optim_steps import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
