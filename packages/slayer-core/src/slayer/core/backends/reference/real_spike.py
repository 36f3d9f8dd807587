"""Reference kernels of the real spike (``slayer.spike.real``): ``real_spike_forward`` and ``real_spike_backward``,
elementwise PyTorch.

A series ``(N, M, T)`` (time last, any strides); the threshold one number or a ``threshold_series`` (one per
element; empty: not given). As the phase spike's reference, it also takes tensor constants and any ``(..., T)``
shape: the spike function's general path calls it so. Formulas in ``slayer.spike.real``'s docstring. The oracle
of the ``cpu`` kernels (which serve the models whose dynamics and spike are separate ops, e.g. rf_iz), and what
CUDA tensors run.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .phase_spike import level


def real_spike_forward(
    voltage: Tensor, threshold_series: Tensor, threshold: float, graded: bool, scale: float
) -> Tensor:
    """1 (or ``voltage / scale`` when ``graded``) where ``voltage >= threshold``, else 0."""
    fired = (voltage >= level(threshold_series, threshold)).to(voltage.dtype)
    return fired * (voltage / scale) if graded else fired


def real_spike_backward(
    grad_output: Tensor,
    voltage: Tensor,
    threshold_series: Tensor | None,
    threshold,
    tau_rho,
    scale_rho,
    graded: bool,
) -> Tensor:
    """``grad_output`` times the surrogate: ``scale_rho * exp(-|u|/a) / (2a)`` (binary) or
    ``scale_rho * exp(min(u, 0)/a)`` (graded), ``u = voltage - threshold``, ``a = tau_rho``."""
    distance = voltage - level(threshold_series, threshold)
    if graded:
        return grad_output * (scale_rho * torch.exp(torch.clamp(distance, max=0) / tau_rho))
    return grad_output * (scale_rho * (torch.exp(-torch.abs(distance) / tau_rho) / (2 * tau_rho)))
