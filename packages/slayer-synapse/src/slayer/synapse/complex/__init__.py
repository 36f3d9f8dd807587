"""Complex synapses (lava-dl ``slayer.synapse.complex``): real input, ``(real, imag)`` output."""

from __future__ import annotations

from .. import _conv, _dense, _pool
from ._layer import ComplexSynapse as ComplexSynapse


class Dense(ComplexSynapse):
    """Complex :class:`slayer.synapse.Dense`: same arguments, returns ``(real, imag)``.

    >>> import torch, slayer
    >>> real, imag = slayer.synapse.complex.Dense(3, 2)(torch.ones(4, 3, 10))
    >>> real.shape, imag.shape
    (torch.Size([4, 2, 10]), torch.Size([4, 2, 10]))
    """

    name = "complex_dense"
    _real_type = _dense.Dense


class Conv(ComplexSynapse):
    """Complex :class:`slayer.synapse.Conv`: same arguments, returns ``(real, imag)``.

    >>> import torch, slayer
    >>> real, imag = slayer.synapse.complex.Conv(2, 4, 3, padding=1)(torch.ones(1, 2, 8, 8, 5))
    >>> real.shape
    torch.Size([1, 4, 8, 8, 5])
    """

    name = "complex_conv"
    _real_type = _conv.Conv


class ConvTranspose(ComplexSynapse):
    """Complex :class:`slayer.synapse.ConvTranspose`: same arguments, returns ``(real, imag)``.

    >>> import torch, slayer
    >>> real, imag = slayer.synapse.complex.ConvTranspose(4, 2, 2, stride=2)(torch.ones(1, 4, 4, 4, 5))
    >>> real.shape
    torch.Size([1, 2, 8, 8, 5])
    """

    name = "complex_conv_transpose"
    _real_type = _conv.ConvTranspose


class Pool(ComplexSynapse):
    """Complex :class:`slayer.synapse.Pool`: same arguments, returns ``(real, imag)``.

    >>> import torch, slayer
    >>> real, imag = slayer.synapse.complex.Pool(2)(torch.ones(1, 3, 4, 4, 5))
    >>> real.shape
    torch.Size([1, 3, 2, 2, 5])
    """

    name = "complex_pool"
    _real_type = _pool.Pool


class Unpool(ComplexSynapse):
    """Complex :class:`slayer.synapse.Unpool`: same arguments, returns ``(real, imag)``.

    >>> import torch, slayer
    >>> real, imag = slayer.synapse.complex.Unpool(2)(torch.ones(1, 3, 2, 2, 5))
    >>> real.shape
    torch.Size([1, 3, 4, 4, 5])
    """

    name = "complex_unpool"
    _real_type = _pool.Unpool


__all__ = ["ComplexSynapse", "Conv", "ConvTranspose", "Dense", "Pool", "Unpool"]
