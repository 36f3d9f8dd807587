"""Complex synapses: a real and an imaginary real-valued synapse applied to the same real input."""

from __future__ import annotations

import inspect

import torch
from torch import Tensor

from .._base import PreHook, SynapseBase


class ComplexSynapse(torch.nn.Module):
    """``forward(x) -> (real(x), imag(x))``: the complex input current of resonate-and-fire neurons.

    Holds two independent synapses ``real`` and ``imag`` built with the same arguments
    (state-dict keys ``real.weight``, ``imag.weight`` as in lava-dl). Attributes that export code
    reads (``in_channels``, ``out_channels``, ``kernel_size``, ``stride``, ``padding``, ``dilation``,
    ``groups``, ``weight_norm_enabled``) come from ``real``; ``pre_hook_fx`` and ``mask`` set both.
    """

    complex = True
    _real_type: type[SynapseBase]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_real_type" in cls.__dict__:  # show the real synapse's explicit signature, not (*args, **kwargs)
            cls.__signature__ = inspect.signature(cls._real_type)

    def __init__(self, *args, **kwargs) -> None:
        """Arguments exactly as the real synapse ``_real_type`` (see ``inspect.signature(cls)``)."""
        super().__init__()
        self.real = self._real_type(*args, **kwargs)
        self.imag = self._real_type(*args, **kwargs)

    def forward(self, input: Tensor) -> tuple[Tensor, Tensor]:
        return self.real(input), self.imag(input)

    # -- attributes read by blocks and export -------------------------------------------
    in_channels = property(lambda self: self.real.in_channels)
    out_channels = property(lambda self: self.real.out_channels)
    kernel_size = property(lambda self: self.real.kernel_size)
    stride = property(lambda self: getattr(self.real, "stride", None))
    padding = property(lambda self: getattr(self.real, "padding", None))
    dilation = property(lambda self: getattr(self.real, "dilation", None))
    groups = property(lambda self: getattr(self.real, "groups", 1))
    weight_norm_enabled = property(lambda self: self.real.weight_norm_enabled)

    @property
    def shape(self) -> torch.Size:
        return self.real.shape

    @property
    def pre_hook_fx(self) -> PreHook | None:
        return self.real.pre_hook_fx

    @pre_hook_fx.setter
    def pre_hook_fx(self, fx: PreHook | None) -> None:
        self.real.pre_hook_fx = fx
        self.imag.pre_hook_fx = fx

    @property
    def grad_norm(self) -> float:
        """``sqrt(real.grad_norm**2 + imag.grad_norm**2)``."""
        return (self.real.grad_norm**2 + self.imag.grad_norm**2) ** 0.5

    def enable_weight_norm(self) -> None:
        self.real.enable_weight_norm()
        self.imag.enable_weight_norm()

    def disable_weight_norm(self) -> None:
        self.real.disable_weight_norm()
        self.imag.disable_weight_norm()

    def set_mask(self, mask: Tensor | None) -> None:
        self.real.set_mask(mask)
        self.imag.set_mask(mask)

    def effective_weight(self) -> tuple[Tensor, Tensor]:
        """``(real, imag)`` weights as used by the forward pass (for export; does not modify the module)."""
        return self.real.effective_weight(), self.imag.effective_weight()
