"""SpikeTime: a van Rossum-style distance between output and target spike trains."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from slayer.utils.filter import conv

from ._shapes import check_reduction


def _fft_size(steps: int, taps: int) -> int:
    """The smallest ``2^a 3^b 5^c >= T + K - 1`` (nothing wraps around; such sizes are as fast as powers of two
    per sample, and much closer: 2,160 instead of 4,096 for the Oxford tutorial's 2,099)."""
    need = max(steps + taps - 1, 1)
    best = 1 << (need - 1).bit_length()
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three << max(0, (need - 1) // three).bit_length()  # three * 2^a >= need, a minimal
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def _filtered(input: Tensor, spectrum: Tensor, size: int) -> Tensor:
    """``input`` ``(..., T)`` filtered causally by the kernel whose ``rfft`` (at ``size``) is ``spectrum``."""
    return torch.fft.irfft(torch.fft.rfft(input, n=size) * spectrum, n=size)[..., : input.shape[-1]]


class _CausalFftConv(torch.autograd.Function):
    """The causal convolution with its adjoint as the backward: one forward FFT pair each way, where autograd
    through ``rfft(n=...)`` would run a full complex FFT and zero-filled copies."""

    @staticmethod
    def forward(input: Tensor, spectrum: Tensor, size: int) -> Tensor:
        return _filtered(input, spectrum, size)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        _, spectrum, size = inputs
        ctx.save_for_backward(spectrum)
        ctx.size = size

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        # the adjoint filters anti-causally, g[t] = sum_k kernel[k] grad[t + k]: the causal filter of the flipped
        # gradient, flipped back (through apply, so that double backward works too)
        (spectrum,) = ctx.saved_tensors
        return _CausalFftConv.apply(grad_output.flip(-1), spectrum, ctx.size).flip(-1), None, None


def causal_fft_conv(input: Tensor, kernel: Tensor, spectrum: Tensor | None = None) -> Tensor:
    """``y[..., t] = sum_k kernel[k] input[..., t - k]`` along the last axis, through the FFT (one
    pointwise product instead of ``len(kernel)`` multiply-adds per sample; single-channel ``conv1d`` is
    the slow path on CPUs). Zero-padded to at least ``T + K - 1`` samples, so nothing wraps around.
    ``spectrum``: the kernel's ``rfft`` at that size, when the caller keeps it. Differentiable in ``input``
    (the kernel is a constant)."""
    size = _fft_size(input.shape[-1], kernel.shape[-1])
    if spectrum is None:
        spectrum = torch.fft.rfft(kernel.to(input.dtype), n=size)
    return _CausalFftConv.apply(input, spectrum, size)


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
        self._spectra: dict = {}  # the filter's spectrum for the last (size, dtype, device) seen

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        if output.shape != target.shape:
            raise ValueError(
                f"SpikeTime: output and target must have the same shape (N, ..., T), "
                f"received {tuple(output.shape)} and {tuple(target.shape)}"
            )
        difference = output - target.to(output.dtype)
        filtered = causal_fft_conv(difference, self.filter, self._spectrum(difference)).flatten()
        return F.mse_loss(filtered, torch.zeros_like(filtered), reduction=self.reduction)

    def _spectrum(self, like: Tensor) -> Tensor:
        """The filter's ``rfft`` for series like ``like``, computed once per length, dtype and device."""
        size = _fft_size(like.shape[-1], self.filter.shape[-1])
        # the filter's identity and version too: a loaded state dict or an in-place edit changes it
        key = (size, like.dtype, like.device, self.filter.data_ptr(), self.filter._version)
        if self._spectra.get("key") != key:
            self._spectra = {"key": key, "value": torch.fft.rfft(self.filter.to(like.dtype), n=size)}
        return self._spectra["value"]

    def extra_repr(self) -> str:
        return (
            f"time_constant={self.time_constant}, length={self.length}, filter_order={self.filter_order}, "
            f"reduction={self.reduction!r}"
        )
