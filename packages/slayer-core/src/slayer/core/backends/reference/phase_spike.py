"""Reference kernels of the phase spike (``slayer.spike.complex``): ``phase_spike_forward`` and
``phase_spike_backward``, elementwise PyTorch.

Series ``(N, M, T)`` (time last, any strides), ``imag_state`` ``(N, M)`` (``im`` before ``t = 0``), the
threshold one number or a ``threshold_series`` (one per element; empty: not given). The
formulas are in ``slayer.spike.complex``'s docstring; ``threshold``, ``tau_rho``, ``scale_rho`` and ``scale``
may also be tensors that broadcast to the series (the spike function's general path passes them so), and any
shape ``(..., T)`` works. The oracle of the ``cpu`` kernel; CUDA tensors use it (the ``gpu`` backend has none).
"""

from __future__ import annotations

import torch
from torch import Tensor


def upward_crossing(imag: Tensor, imag_state: Tensor | None) -> Tensor:
    """``im[t-1] < 0 <= im[t]`` for every ``t`` (``im[-1] = imag_state``, zeros when ``None``), laid out like
    ``imag``: slices of it rather than a concatenated delayed copy (a time-last ``cat`` of a neuron-contiguous
    series is a slow transposing copy)."""
    crossing = torch.empty_like(imag, dtype=torch.bool)
    if imag.shape[-1] == 0:
        return crossing
    crossing[..., 1:] = (imag[..., :-1] < 0) & (imag[..., 1:] >= 0)
    if imag_state is None:
        crossing[..., 0] = False  # im[-1] = 0 is not < 0
    else:
        crossing[..., 0] = (imag_state.expand(imag.shape[:-1]) < 0) & (imag[..., 0] >= 0)
    return crossing


def level(threshold_series: Tensor | None, threshold):
    """The per-element threshold series when given (not empty), else ``threshold``."""
    return threshold_series if threshold_series is not None and threshold_series.numel() else threshold


def phase_spike_forward(
    real: Tensor,
    imag: Tensor,
    imag_state: Tensor | None,
    threshold_series: Tensor | None,
    threshold,
    graded: bool,
    scale,
) -> Tensor:
    """Spikes like ``real``: 1 (or ``real / scale`` when ``graded``) where ``re >= threshold`` and ``im`` crosses
    zero upwards, else 0. The threshold is ``threshold_series`` (one per element) unless that is empty."""
    fired = ((real >= level(threshold_series, threshold)) & upward_crossing(imag, imag_state)).to(real.dtype)
    return fired * (real / scale) if graded else fired


def phase_spike_backward(
    grad_output: Tensor,
    real: Tensor,
    imag: Tensor,
    threshold_series: Tensor | None,
    threshold,
    tau_rho,
    scale_rho,
    graded: bool,
    real_grad: bool,
    imag_grad: bool,
) -> tuple[Tensor, Tensor]:
    """``(grad_real, grad_imag)``, each empty unless asked for."""
    a = tau_rho
    distance = real - level(threshold_series, threshold)
    if graded:
        delta_re = torch.exp(torch.clamp(distance, max=0) / a)
    else:
        delta_re = torch.exp(-torch.abs(distance) / a) / (2 * a)
    delta_im = torch.exp(-torch.abs(imag) / a) / (2 * a)
    grad_real = grad_imag = grad_output.new_empty(0)
    if real_grad:
        grad_real = grad_output * (scale_rho * delta_re * delta_im)
    if imag_grad:
        step_re = 0.5 * (1 + torch.sign(distance) * (1 - 2 * a * delta_re))
        grad_imag = grad_output * (-(scale_rho / a) * torch.sign(imag) * delta_im * step_re)
    return grad_real, grad_imag
