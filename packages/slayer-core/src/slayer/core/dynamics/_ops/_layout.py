"""Layout helpers shared by the op modules: ``(N, *S, T)`` <-> the kernel contract's ``(N, M, T)``.

Outputs follow the layout rule of the package docstring (``slayer.core.dynamics._ops``).
"""

import math

import torch
from torch import Tensor

from slayer.core.backends import select_kernel

from .._fixed_point import threshold_to_int


def _neurons(x: Tensor) -> int:
    return math.prod(x.shape[1:-1])


def _flat_series(x: Tensor) -> Tensor:
    """``(N, *S, T)`` -> ``(N, M, T)`` (a view whenever the strides allow)."""
    return x.reshape(x.shape[0], _neurons(x), x.shape[-1])


def _flat_state(state: Tensor) -> Tensor:
    return state.reshape(state.shape[0], -1).contiguous() if state.dim() > 1 else state.reshape(-1, 1)


def _flat_param(param: Tensor) -> Tensor:
    return param.reshape(-1).contiguous()


def _series_like(x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    return torch.empty_like(_flat_series(x), dtype=dtype).view(x.shape)


def _no_events(x: Tensor) -> Tensor:
    return x.new_empty((0,), dtype=torch.bool)


def _events_like(x: Tensor, present: bool) -> Tensor:
    return _series_like(x, torch.bool) if present else _no_events(x)


def _unflat_events(events: Tensor, x: Tensor, present: bool) -> Tensor:
    return events.view(x.shape) if present else events


def _kernel(name: str, x: Tensor):
    return select_kernel(name, x.device.type)


def _threshold_int(threshold: float | None, s_scale: int) -> int:
    return threshold_to_int(threshold, s_scale) if threshold is not None else 0


def _or_zeros(grad: Tensor | None, like: Tensor) -> Tensor:
    return torch.zeros_like(like) if grad is None else grad


def _empty_if_none(grad: Tensor | None, like: Tensor) -> Tensor:
    return like.new_empty((0,)) if grad is None else grad
