"""Complex synapses (lava-dl ``slayer.synapse.complex``): real input, ``(real, imag)`` output."""

from __future__ import annotations

from .. import _conv, _dense, _pool
from ._layer import ComplexSynapse as ComplexSynapse


class Dense(ComplexSynapse):
    """Complex :class:`slayer.synapse.Dense`: same arguments, returns ``(real, imag)``."""

    name = "complex_dense"
    _real_type = _dense.Dense


class Conv(ComplexSynapse):
    """Complex :class:`slayer.synapse.Conv`: same arguments, returns ``(real, imag)``."""

    name = "complex_conv"
    _real_type = _conv.Conv


class ConvTranspose(ComplexSynapse):
    """Complex :class:`slayer.synapse.ConvTranspose`: same arguments, returns ``(real, imag)``."""

    name = "complex_conv_transpose"
    _real_type = _conv.ConvTranspose


class Pool(ComplexSynapse):
    """Complex :class:`slayer.synapse.Pool`: same arguments, returns ``(real, imag)``."""

    name = "complex_pool"
    _real_type = _pool.Pool


class Unpool(ComplexSynapse):
    """Complex :class:`slayer.synapse.Unpool`: same arguments, returns ``(real, imag)``."""

    name = "complex_unpool"
    _real_type = _pool.Unpool


__all__ = ["ComplexSynapse", "Conv", "ConvTranspose", "Dense", "Pool", "Unpool"]
