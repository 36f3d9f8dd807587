"""Parameter granularity: one value per layer, per channel or per neuron, and how each is initialised.

lava-dl's ``shared_param=True`` is ``"layer"`` (a ``(1,)`` parameter) and ``shared_param=False`` is
``"channel"`` (a ``(C,)`` parameter). ``"neuron"`` is new: a parameter of the neuron shape ``S``
(``(C,)`` for ``N C T`` input, ``(C, H, W)`` for ``N C H W T``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch

Granularity = Literal["layer", "channel", "neuron"]
GRANULARITIES: tuple[str, ...] = ("layer", "channel", "neuron")

#: relative spread of the uniform range drawn around a scalar initial value (lava-dl: +-1 %)
JITTER = 0.01


def resolve_granularity(shared_param: bool, granularity: str | None) -> Granularity:
    """The granularity from lava-dl's ``shared_param`` flag, or from the explicit new option."""
    if granularity is None:
        return "layer" if shared_param else "channel"
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, received {granularity!r}")
    return granularity  # type: ignore[return-value]


def parameter_shape(granularity: Granularity, neuron_shape: Sequence[int]) -> tuple[int, ...]:
    """Shape of a parameter of this granularity for neurons of shape ``S`` (input ``(N, *S, T)``)."""
    if granularity == "layer":
        return (1,)
    if granularity == "channel":
        return (int(neuron_shape[0]),)
    return tuple(int(s) for s in neuron_shape)


#: an initial value: a scalar, a ``(min, max)`` range, or a tensor of explicit values (``(C,)`` or ``S``)
InitialValue = float | Sequence[float] | torch.Tensor


def value_range(value: InitialValue, jitter: bool) -> tuple[float, float]:
    """``(min, max)`` of the initial values: a given pair, or a scalar widened by +-1 % if ``jitter``."""
    if isinstance(value, torch.Tensor):
        return float(value.min()), float(value.max())
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"expected a scalar or a (min, max) pair, received {value!r}")
        low, high = float(value[0]), float(value[1])
        if low > high:
            raise ValueError(f"expected (min, max) with min <= max, received {value!r}")
        return low, high
    value = float(value)
    if jitter:
        return min(value * (1 - JITTER), value * (1 + JITTER)), max(value * (1 - JITTER), value * (1 + JITTER))
    return value, value


def midpoint(value: InitialValue) -> float:
    """The single value a shared parameter (or a placeholder) holds."""
    if isinstance(value, torch.Tensor):
        return float(value.float().mean())
    low, high = value_range(value, jitter=False)
    return 0.5 * (low + high)


def uniform(low: float, high: float, shape: tuple[int, ...]) -> torch.Tensor:
    """Values drawn uniformly in ``[low, high]`` (exactly ``low`` when the range is empty)."""
    return low + (high - low) * torch.rand(shape)


def log_spaced_per_channel(low: float, high: float, shape: tuple[int, ...]) -> torch.Tensor:
    """Values log-spaced from ``low`` to ``high`` along the first (channel) axis of ``shape``.

    Every neuron of a channel starts with its channel's value (per-neuron parameters then learn apart).
    """
    channels = shape[0]
    if low <= 0 or high <= 0:
        raise ValueError(f"log-spaced initialisation needs positive bounds, received ({low}, {high})")
    values = torch.logspace(math.log10(low), math.log10(high), channels, dtype=torch.float64).float()
    return values.reshape((channels,) + (1,) * (len(shape) - 1)).expand(shape).clone()


def initial_tensor(value: InitialValue, shape: tuple[int, ...], jitter: bool) -> torch.Tensor:
    """Initial values of ``shape``: explicit tensor values (reshaped, or broadcast over the neurons of a
    channel), or drawn uniformly in :func:`value_range`."""
    if isinstance(value, torch.Tensor):
        value = value.detach().float()
        if value.numel() == math.prod(shape):
            return value.reshape(shape).clone()
        if value.numel() == shape[0]:
            return value.reshape((shape[0],) + (1,) * (len(shape) - 1)).expand(shape).clone()
        raise ValueError(f"explicit initial values of shape {tuple(value.shape)} do not fit a parameter of {shape}")
    return uniform(*value_range(value, jitter), shape)
