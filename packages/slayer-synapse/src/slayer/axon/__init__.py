"""slayer axon: fixed and learnable delays, delta encoder (distribution ``slayer-synapse``)."""

from ._delay import Delay as Delay
from ._delay import delay as delay
from ._delta import Delta as Delta

__all__ = ["Delay", "Delta", "delay"]
