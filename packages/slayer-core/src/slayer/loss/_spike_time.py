"""SpikeTime: a van Rossum-style distance between output and target spike trains."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from slayer.utils.filter import conv

from ._shapes import check_reduction


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
        target = target.to(output.dtype)
        filtered_output, filtered_target = conv(output, self.filter), conv(target, self.filter)
        return F.mse_loss(filtered_output.flatten(), filtered_target.flatten(), reduction=self.reduction)

    def extra_repr(self) -> str:
        return (
            f"time_constant={self.time_constant}, length={self.length}, filter_order={self.filter_order}, "
            f"reduction={self.reduction!r}"
        )
