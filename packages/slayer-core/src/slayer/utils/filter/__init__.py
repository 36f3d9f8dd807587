"""Time-axis filters (lava-dl ``slayer.utils.filter``): causal convolution, anti-causal correlation,
fixed (``FIR``) and learnable (``FIRBank``) finite impulse response filters.

Tensors are time-last: ``(N, C, T)``, ``(N, C, H, W, T)`` or any ``(..., T)``.
"""

from ._conv import conv as conv
from ._conv import corr as corr
from ._fir import FIR as FIR
from ._fir import FIRBank as FIRBank

__all__ = ["FIR", "FIRBank", "conv", "corr"]
