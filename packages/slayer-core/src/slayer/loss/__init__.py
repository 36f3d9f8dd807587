"""Spike losses with lava-dl's names, signatures and defaults (``slayer.loss``), without its bugs.

Outputs are spikes ``(N, ..., T)``, time last. Differences from lava-dl are listed in docs/training.md.
"""

from ._sparsity import SparsityEnforcer as SparsityEnforcer
from ._spike_max import SpikeMax as SpikeMax
from ._spike_moid import SpikeMoid as SpikeMoid
from ._spike_rate import SpikeRate as SpikeRate
from ._spike_time import SpikeTime as SpikeTime

__all__ = ["SparsityEnforcer", "SpikeMax", "SpikeMoid", "SpikeRate", "SpikeTime"]
