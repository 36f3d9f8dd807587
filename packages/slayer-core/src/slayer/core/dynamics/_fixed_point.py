"""lava-dl's fixed-point arithmetic in one place, so every backend mirrors exactly the same rules.

Integer states are int64 multiples of ``1/s_scale``; decay-type parameters are integers in units of
``1/4096`` (``DECAY_ONE``); a decay product is ``rtz(state * retention, 12)`` (truncation toward zero).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

DECAY_SHIFT = 12
#: A decay-type parameter of ``DECAY_ONE`` means "decay everything" (retention ``1 - d/4096`` = 0).
DECAY_ONE = 1 << DECAY_SHIFT
#: Scaled values at or above this magnitude (and NaN/inf) are invalid: int64 could overflow.
INT_LIMIT = float(2**62)
#: Integer states must stay below this magnitude: a decay product ``state * (4096 - d)``, or a resonator's
#: ``sin * re + cos * im``, then fits in int64. Beyond it the recursion wraps (caught by validation mode).
STATE_LIMIT = float(2**50)


def round_decay(decay: Tensor) -> Tensor:
    """Round a decay-type parameter to an integer (ties to even) with a straight-through gradient."""
    return decay + (torch.round(decay) - decay).detach()


def rtz_shift(product: Tensor) -> Tensor:
    """``product / 4096`` truncated toward zero (not floored: ``-1 -> 0``), int64 in and out."""
    return torch.div(product, DECAY_ONE, rounding_mode="trunc")


def scale_to_int(value: Tensor, s_scale: int) -> tuple[Tensor, Tensor]:
    """``(trunc(value * s_scale) as int64, valid)``; the product is formed in ``value``'s dtype.

    ``valid`` is False where the scaled value is NaN, infinite or ``>= 2**62`` in magnitude; those
    entries are returned as 0 so the integer recursion stays defined (the caller poisons them).
    """
    scaled = value * s_scale
    valid = scaled.abs() < INT_LIMIT
    return torch.where(valid, scaled, 0).to(torch.int64), valid


def decay_to_int(decay: Tensor) -> tuple[Tensor, Tensor]:
    """``(trunc(decay) as int64, valid)`` for a decay tensor already rounded to integers."""
    valid = decay.abs() < INT_LIMIT
    return torch.where(valid, decay, 0).to(torch.int64), valid


def to_float(value: Tensor, s_scale: int, dtype: torch.dtype) -> Tensor:
    """Integer state ``value`` in float units: ``value.to(dtype) / s_scale``."""
    return value.to(dtype) / s_scale


def threshold_to_int(threshold: float, s_scale: int) -> int:
    """Smallest integer state that reaches ``threshold``: ``y >= threshold * s_scale`` iff ``y >= this``.

    The comparison is exact (lava-dl's CPU path compares the integer state with the float product),
    so CUBA's ``threshold + 0.01/s_scale`` keeps its meaning "strictly above θ" in integer terms.
    """
    return math.ceil(threshold * s_scale)


def quantity_to_int(value: float, s_scale: int) -> int:
    """``trunc(value * s_scale)`` for ``th0`` and ``th_step`` (as lava-dl converts them)."""
    return int(value * s_scale)
