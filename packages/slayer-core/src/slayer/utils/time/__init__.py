"""Time-axis helpers (lava-dl ``slayer.utils.time``): integer shifts and replication.

Tensors are time-last: ``(N, C, T)``, ``(N, C, H, W, T)`` or any ``(N, *neurons, T)``.
"""

from ._replicate import replicate as replicate
from ._shift import shift as shift

__all__ = ["replicate", "shift"]
