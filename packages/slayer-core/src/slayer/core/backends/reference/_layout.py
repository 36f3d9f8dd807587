"""Layout and NaN-poisoning helpers shared by the reference kernels (time-first ``(T, N, M)`` internally)."""

from __future__ import annotations

import itertools

import torch
from torch import Tensor

from slayer.core.dynamics._fixed_point import to_float


def neuron_major(x: Tensor) -> Tensor:
    """The contract's ``neuron_major``: ``x`` ``(N, M, T)`` copied into ``N T M`` storage seen as ``(N, M, T)``."""
    if x.dim() != 3:
        raise ValueError(f"neuron_major: x must have shape (N, M, T), got {tuple(x.shape)}")
    return x.transpose(1, 2).contiguous().transpose(1, 2)


def _time_first(x: Tensor) -> Tensor:
    """``(N, M, T)`` -> contiguous ``(T, N, M)``."""
    return x.permute(2, 0, 1).contiguous()


def _time_last_like(values: Tensor, like: Tensor) -> Tensor:
    """Time-first ``values`` written into a tensor laid out as ``torch.empty_like(like)``."""
    out = torch.empty_like(like, dtype=values.dtype)
    out.copy_(values.permute(1, 2, 0))
    return out


def _no_events(like: Tensor) -> Tensor:
    return torch.empty((0,), dtype=torch.bool, device=like.device)


def _poisoned_from(invalid: Tensor, initial: Tensor, *, inclusive: bool) -> Tensor:
    """Per bin, whether the neuron saw an invalid value (at or, if not ``inclusive``, before the bin)."""
    # a running OR over time (much cheaper than a cumsum of the whole tensor)
    seen = torch.stack(list(itertools.accumulate(invalid.unbind(0), torch.logical_or))) if len(invalid) else invalid
    if not inclusive:
        seen = torch.cat([torch.zeros_like(seen[:1]), seen[:-1]])
    return seen | initial


def _float_or_nan(values: Tensor, poisoned: Tensor, s_scale: int, dtype: torch.dtype) -> Tensor:
    return torch.where(poisoned, torch.nan, to_float(values, s_scale, dtype))


def _stack_like(steps: list[Tensor], like: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """Stack per-step ``(N, M)`` tensors to ``(T, N, M)``; an empty list gives ``like``'s empty shape."""
    if steps:
        return torch.stack(steps)
    return torch.empty(like.shape, dtype=dtype or like.dtype, device=like.device)


def _previous(initial: Tensor, post: Tensor) -> Tensor:
    """``[initial, post[0], ..., post[T-2]]`` along the time-first axis."""
    return torch.cat([initial.unsqueeze(0), post[:-1]])
