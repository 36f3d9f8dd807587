"""Causal convolution and anti-causal correlation of every neuron's time series with one filter.

Both are exact ``conv1d`` formulations, so autograd gives the gradients with respect to the input
*and* the filter (lava-dl returns no filter gradient).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _prepare(input: Tensor, filter: Tensor, what: str) -> tuple[Tensor, Tensor]:
    if not isinstance(input, Tensor) or not isinstance(filter, Tensor):
        raise TypeError(
            f"{what} expects torch.Tensor input and filter, received {type(input).__name__} and {type(filter).__name__}"
        )
    if input.dim() == 0:
        raise ValueError(f"{what} expects an input with a time axis (at least 1-D), received a 0-D tensor")
    if filter.numel() == 0:
        raise ValueError(f"{what} expects a non-empty filter, received shape {tuple(filter.shape)}")
    if not input.is_floating_point():
        raise TypeError(f"{what} expects a floating-point input, received dtype {input.dtype}")
    series = input.reshape(math.prod(input.shape[:-1]), 1, input.shape[-1])  # (neurons, 1, T); any size may be 0
    kernel = filter.reshape(1, 1, -1).to(device=input.device, dtype=input.dtype)
    return series, kernel


def conv(input: Tensor, filter: Tensor, sampling_time: float = 1) -> Tensor:
    """Causal convolution along time: ``y[..., t] = Ts * sum_k filter[k] * x[..., t - k]``.

    * ``input``: ``(..., T)``, time last (any leading shape; a 1-D input is one series).
    * ``filter``: any shape, flattened to ``(K,)``; ``filter[0]`` weighs the current step.
    * returns ``input``'s shape; samples before ``t = 0`` count as zero.
    """
    series, kernel = _prepare(input, filter, "conv")
    if input.shape[-1] == 0:  # no time step: conv1d cannot take an input shorter than the kernel
        return input.clone()
    length = kernel.shape[-1]
    # conv1d correlates, so flipping the kernel makes it a convolution; left padding keeps it causal.
    out = F.conv1d(F.pad(series, (length - 1, 0)), torch.flip(kernel, dims=(-1,)))
    return (out * sampling_time).reshape(input.shape)


def corr(input: Tensor, filter: Tensor, sampling_time: float = 1) -> Tensor:
    """Anti-causal correlation along time: ``y[..., t] = Ts * sum_k filter[k] * x[..., t + k]``.

    The adjoint of :func:`conv`. Shapes as in :func:`conv`; samples after ``T - 1`` count as zero.
    """
    series, kernel = _prepare(input, filter, "corr")
    if input.shape[-1] == 0:
        return input.clone()
    length = kernel.shape[-1]
    out = F.conv1d(F.pad(series, (0, length - 1)), kernel)
    return (out * sampling_time).reshape(input.shape)
