"""Integer helpers for fixed-point neuron arithmetic (lava-dl ``slayer.utils.int_utils``).

Loihi-style dynamics round every decay product toward zero; these two helpers provide that
rounding for integer tensors (:func:`right_shift_to_zero`) and for float tensors holding
integers (:func:`truncate_toward_zero`, differentiable with an identity gradient).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["Q2Zero", "right_shift_to_zero", "truncate_toward_zero"]

_SHIFTABLE_DTYPES = {torch.int32: 32, torch.int64: 64}


def right_shift_to_zero(x: Tensor, bits: int) -> Tensor:
    """``x / 2**bits`` rounded toward zero, for int32/int64 tensors of any shape.

    Equals lava-dl's ``sign(x) * (|x| >> bits)`` but never overflows: negative values use
    ``(x + 2**bits - 1) >> bits`` (an arithmetic shift floors, so adding ``2**bits - 1``
    turns it into a ceiling), so even the most negative integer is handled.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"right_shift_to_zero expects a torch.Tensor, received {type(x).__name__}")
    width = _SHIFTABLE_DTYPES.get(x.dtype)
    if width is None:
        raise TypeError(f"right_shift_to_zero expects an int32 or int64 tensor, received dtype {x.dtype}")
    if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits < width:
        raise ValueError(f"bits must be an int in [0, {width - 1}] for {x.dtype}, received {bits!r}")
    if bits == 0:
        return x.clone()
    return torch.where(x < 0, (x + ((1 << bits) - 1)) >> bits, x >> bits)


class Q2Zero(torch.autograd.Function):
    """Truncate toward zero (``torch.trunc``) with an identity gradient.

    lava-dl-compatible name; prefer :func:`truncate_toward_zero`. Use as ``Q2Zero.apply(x)``.
    """

    @staticmethod
    def forward(x: Tensor) -> Tensor:
        return torch.trunc(x)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        pass

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> Tensor:
        return grad_output


def truncate_toward_zero(x: Tensor) -> Tensor:
    """Round a floating-point tensor (any shape) toward zero; gradient passes straight through."""
    if not isinstance(x, Tensor):
        raise TypeError(f"truncate_toward_zero expects a torch.Tensor, received {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"truncate_toward_zero expects a floating-point tensor, received dtype {x.dtype}")
    return Q2Zero.apply(x)
