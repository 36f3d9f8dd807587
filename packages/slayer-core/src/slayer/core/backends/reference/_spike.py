"""The real spike and its surrogate gradient, shared by the fused CUBA and ALIF reference kernels."""

from __future__ import annotations

import torch
from torch import Tensor


def _spike(voltage: Tensor, level: float | Tensor, graded: bool) -> Tensor:
    """``voltage >= level`` in the voltage's dtype (a Python ``level`` is cast to it, as torch does);
    graded spikes carry the voltage (``0 * v`` elsewhere, NaN where the voltage is NaN)."""
    fired = (voltage >= level).to(voltage.dtype)
    return fired * voltage if graded else fired


def _surrogate(distance: Tensor, tau_rho: float, scale_rho: float, graded: bool) -> tuple[Tensor, Tensor]:
    """``(∂s/∂v, Laplace bump)`` of the real spike at ``distance = v - level`` (docs/spikes.md)."""
    bump = scale_rho * (torch.exp(-torch.abs(distance) / tau_rho) / (2 * tau_rho))
    if graded:
        return scale_rho * torch.exp(torch.clamp(distance, max=0) / tau_rho), bump
    return bump, bump


def _plus(grad: Tensor, extra: Tensor) -> Tensor:
    """``grad + extra``; an empty ``extra`` (``(0,)``) means no gradient."""
    return grad + extra if extra.numel() else grad
