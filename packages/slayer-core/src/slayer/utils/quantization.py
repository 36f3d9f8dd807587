"""Quantisers with straight-through gradients (lava-dl ``slayer.utils.quantize``).

The module is named ``quantization`` (not ``quantize``) on purpose: lava-dl exposes the
*function* ``quantize`` as ``slayer.utils.quantize``, and a submodule of the same name
would shadow it (or be shadowed by it) depending on import order. So the function wins
the attribute ``slayer.utils.quantize``, and this module is reached as
``slayer.utils.quantization``.

All functions accept any floating-point tensor of any shape and return a tensor of the
same shape and dtype.
"""

from __future__ import annotations

from enum import IntEnum

import torch
from torch import Tensor

from slayer.core.arguments import positive

__all__ = ["MODE", "quantize", "quantize_8bit", "quantize_hook_fx"]


class MODE(IntEnum):
    """Rounding mode of :func:`quantize` (exported as ``slayer.utils.QUANTIZE_MODE``)."""

    ROUND = 0  #: nearest multiple of ``step``; ties to even (``torch.round``)
    FLOOR = 1  #: largest multiple of ``step`` not above the input


def _check_floating(x: Tensor, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} expects a torch.Tensor, received {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{what} expects a floating-point tensor, received dtype {x.dtype}")


class _StraightThroughQuantize(torch.autograd.Function):
    """``round(x/step)*step`` or ``floor(x/step)*step`` forward, identity backward.

    An autograd.Function rather than ``x + (q - x).detach()`` because the latter is not
    exactly ``q`` in floating point.
    """

    @staticmethod
    def forward(x: Tensor, step: float, mode: int) -> Tensor:
        scaled = x / step
        snapped = torch.floor(scaled) if mode == MODE.FLOOR else torch.round(scaled)
        return snapped * step

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        pass

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None, None]:
        return grad_output, None, None


def quantize(input: Tensor, step: float = 1, mode: MODE = MODE.ROUND) -> Tensor:
    """Snap ``input`` to multiples of ``step`` with a straight-through (identity) gradient.

    ``mode=MODE.ROUND`` gives ``round(x/step)*step`` (ties to even), ``MODE.FLOOR`` gives
    ``floor(x/step)*step``. ``input``: any shape, floating point.
    """
    _check_floating(input, "quantize")
    step = positive("quantize", "step", step)
    if mode not in (MODE.ROUND, MODE.FLOOR):
        raise ValueError(f"mode must be MODE.ROUND (0) or MODE.FLOOR (1), received {mode!r}")
    return _StraightThroughQuantize.apply(input, step, int(mode))


def _clamped_quantize(x: Tensor, step: float, low: float, high: float) -> Tensor:
    # clamp first (both ends are multiples of step, so clamp-then-round equals round-then-clamp), with the
    # gradient 1 on [low, high] inclusive and 0 outside stated explicitly: torch.clamp's own gradient at the
    # ends changed between releases (1 up to 2.13, 0 in 2.14).
    inside = (x >= low) & (x <= high)
    clamped = torch.where(inside, x, torch.clamp(x, low, high).detach())
    return quantize(clamped, step=step, mode=MODE.ROUND)


def quantize_8bit(weight: Tensor, w_scale: float = 64, descale: bool = False) -> Tensor:
    """Quantise weights to lava-dl's / Loihi's 8-bit even mantissa.

    Rounds to a step of ``2 / w_scale`` and clamps to ``[-256, 254] / w_scale``
    (``[-4, 3.96875]`` for ``w_scale=64``); ``descale=True`` returns the hardware
    integers ``-256, -254, ..., 254`` (as floats), i.e. the result times ``w_scale``.
    Gradient: identity inside the clamp range (straight through the rounding), zero for
    weights outside it. ``weight``: any shape, floating point.
    """
    _check_floating(weight, "quantize_8bit")
    w_scale = positive("quantize_8bit", "w_scale", w_scale)
    quantized = _clamped_quantize(weight, 2 / w_scale, -256 / w_scale, 254 / w_scale)
    return quantized * w_scale if descale else quantized


def quantize_hook_fx(x: Tensor, scale: float = 1 << 6, num_bits: int = 8, descale: bool = False) -> Tensor:
    """lava-dl's generic synapse pre-hook quantiser: step ``2 / scale``, clamp to
    ``[-2 * 2**num_bits, 2 * (2**num_bits - 1)] / scale``.

    Note the range is **twice** that of :func:`quantize_8bit` for the same "8 bits"
    (``[-512, 510] / 64`` vs ``[-256, 254] / 64``); kept as in lava-dl for compatibility.
    Use :func:`quantize_8bit` for Loihi-exact weights. Gradient as for
    :func:`quantize_8bit`. ``x``: any shape, floating point.
    """
    _check_floating(x, "quantize_hook_fx")
    scale = positive("quantize_hook_fx", "scale", scale)
    if isinstance(num_bits, bool) or not isinstance(num_bits, int) or num_bits < 1:
        raise ValueError(f"num_bits must be a positive int, received {num_bits!r}")
    levels = 1 << num_bits
    quantized = _clamped_quantize(x, 2 / scale, -2 * levels / scale, 2 * (levels - 1) / scale)
    return quantized * scale if descale else quantized
