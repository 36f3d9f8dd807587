"""Class confidences from spike rates (shared by the Rate and MovingWindow classifiers)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

CONFIDENCE_MODES = ("probability", "softmax", "logsoftmax")


def check_mode(mode: str) -> str:
    if mode not in CONFIDENCE_MODES:
        raise ValueError(f"confidence mode must be one of {CONFIDENCE_MODES}, received {mode!r}")
    return mode


def confidence(rate: Tensor, mode: str = "probability", eps: float = 1e-6) -> Tensor:
    """Along dim 1 of ``rate`` ``(N, C, ...)``: ``'probability'`` ``r / (sum r + eps)``, ``'softmax'`` or
    ``'logsoftmax'``; other modes raise."""
    if check_mode(mode) == "probability":
        return rate / (rate.sum(dim=1, keepdim=True) + eps)
    return F.softmax(rate, dim=1) if mode == "softmax" else F.log_softmax(rate, dim=1)


def check_spikes(owner: str, spikes: Tensor) -> Tensor:
    """``spikes`` as a floating-point ``(N, ..., T)`` tensor, or a clear error."""
    if not isinstance(spikes, Tensor) or spikes.dim() < 2:
        shape = tuple(spikes.shape) if isinstance(spikes, Tensor) else type(spikes).__name__
        raise ValueError(f"{owner}: expects spikes (N, ..., T), received {shape}")
    return spikes if spikes.is_floating_point() else spikes.float()
