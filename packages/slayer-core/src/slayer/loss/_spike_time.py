"""SpikeTime: a van Rossum-style distance between output and target spike trains."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from slayer.utils.filter import conv

from ._shapes import check_reduction


def causal_fft_conv(input: Tensor, kernel: Tensor) -> Tensor:
    """``y[..., t] = sum_k kernel[k] input[..., t - k]`` along the last axis, through the FFT (one
    pointwise product instead of ``len(kernel)`` multiply-adds per sample; single-channel ``conv1d`` is
    the slow path on CPUs). Zero-padded to at least ``T + K - 1`` samples, so nothing wraps around."""
    steps, taps = input.shape[-1], kernel.shape[-1]
    size = 1 << (steps + taps - 2).bit_length()
    spectrum = torch.fft.rfft(input, n=size) * torch.fft.rfft(kernel.to(input.dtype), n=size)
    return torch.fft.irfft(spectrum, n=size)[..., :steps]


def spike_time_kernel(time_constant: float, length: int, filter_order: int) -> Tensor:
    """``h[k] = exp(-k / time_constant)``, ``k < length``, convolved with itself ``filter_order - 1`` times
    and truncated to ``length`` taps; ``(length,)`` float32."""
    single = torch.exp(-torch.arange(length, dtype=torch.float64) / time_constant)
    kernel = single
    for _ in range(filter_order - 1):
        kernel = conv(kernel, single)  # causal convolution of equal lengths keeps the first `length` taps
    return kernel.float()


class SpikeTime(torch.nn.Module):
    """``mse_loss(h * output, h * target, reduction)`` with ``h`` the causal filter of
    :func:`spike_time_kernel` applied along time (lava-dl's ``slayer.loss.SpikeTime``; no ``1/2T`` factor).
    Computed as ``mse_loss(h * (output - target), 0)`` with one FFT convolution (the filter is linear).

    ``output``, ``target``: spikes ``(N, ..., T)`` of equal shape → a scalar (``'sum'``, ``'mean'``) or the
    per-element loss ``(N * ... * T,)`` (``'none'``).
    """

    filter: Tensor

    def __init__(self, time_constant: float = 5, length: int = 100, filter_order: int = 1, reduction: str = "sum"):
        super().__init__()
        if time_constant <= 0 or length < 1 or filter_order < 1:
            raise ValueError(
                "SpikeTime: needs time_constant > 0, length >= 1 and filter_order >= 1, received "
                f"time_constant={time_constant!r}, length={length!r}, filter_order={filter_order!r}"
            )
        self.time_constant, self.length, self.filter_order = time_constant, int(length), int(filter_order)
        self.reduction = check_reduction("SpikeTime", reduction)
        self.register_buffer("filter", spike_time_kernel(time_constant, self.length, self.filter_order))

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        if output.shape != target.shape:
            raise ValueError(
                f"SpikeTime: output and target must have the same shape (N, ..., T), "
                f"received {tuple(output.shape)} and {tuple(target.shape)}"
            )
        difference = causal_fft_conv(output - target.to(output.dtype), self.filter).flatten()
        return F.mse_loss(difference, torch.zeros_like(difference), reduction=self.reduction)

    def extra_repr(self) -> str:
        return (
            f"time_constant={self.time_constant}, length={self.length}, filter_order={self.filter_order}, "
            f"reduction={self.reduction!r}"
        )
