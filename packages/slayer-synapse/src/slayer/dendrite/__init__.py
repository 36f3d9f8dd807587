"""slayer dendrite: sigma decoder (distribution ``slayer-synapse``)."""

from ._sigma import Sigma as Sigma

__all__ = ["Sigma"]
