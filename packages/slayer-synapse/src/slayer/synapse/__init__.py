"""slayer synapses (distribution ``slayer-synapse``), lava-dl compatible.

Inputs are time-last, ``(N, C, T)`` or ``(N, C, H, W, T)``; outputs are time-last views of
neuron-contiguous ``(N, T, ...)`` memory (DESIGN §5). Every synapse supports a connection
``mask``, weight norm and a ``pre_hook_fx`` weight quantiser; see ``docs/synapses.md``.
"""

from . import complex as complex
from ._base import SynapseBase as SynapseBase
from ._conv import Conv as Conv
from ._conv import ConvTranspose as ConvTranspose
from ._dense import Dense as Dense
from ._pool import Pool as Pool
from ._pool import Unpool as Unpool

__all__ = ["Conv", "ConvTranspose", "Dense", "Pool", "SynapseBase", "Unpool", "complex"]
