"""Input checks and the causal moving-window rate shared by the losses and classifiers."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.utils.filter import conv

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(owner: str, reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be one of {REDUCTIONS}, received {reduction!r}")
    return reduction


def check_window(owner: str, window: int | None, name: str = "moving_window") -> int | None:
    if window is not None and (int(window) != window or window < 1):
        raise ValueError(f"{owner}: {name} must be a positive integer or None, received {window!r}")
    return None if window is None else int(window)


def as_channels(owner: str, spikes: Tensor) -> Tensor:
    """``spikes`` ``(N, ..., T)`` → ``(N, C, T)`` with ``C`` the product of the neuron dims."""
    if not isinstance(spikes, Tensor) or not spikes.is_floating_point():
        kind = spikes.dtype if isinstance(spikes, Tensor) else type(spikes).__name__
        raise TypeError(f"{owner}: expects floating-point spikes (N, ..., T), received {kind}")
    if spikes.dim() < 2:
        raise ValueError(f"{owner}: expects spikes (N, ..., T) with at least 2 dims, received {tuple(spikes.shape)}")
    return spikes.reshape(spikes.shape[0], -1, spikes.shape[-1])


def moving_rate(spikes: Tensor, window: int) -> Tensor:
    """Causal moving average over ``window`` steps: ``r[t] = sum_{k<window} s[t-k] / window`` (zeros before 0)."""
    return conv(spikes, torch.full((window,), 1.0 / window, dtype=spikes.dtype, device=spikes.device))


def check_label(owner: str, label: Tensor, batch: int, classes: int, steps: int | None = None) -> Tensor:
    """Class indices ``(N,)`` or, when ``steps`` is given, ``(N, T)`` (a ``(N,)`` label is replicated)."""
    label = torch.as_tensor(label)
    if label.is_floating_point() or label.is_complex() or label.dtype == torch.bool:
        raise TypeError(f"{owner}: labels must be integer class indices, received dtype {label.dtype}")
    allowed = [(batch,)] if steps is None else [(batch,), (batch, steps)]
    if tuple(label.shape) not in allowed:
        raise ValueError(
            f"{owner}: labels must have shape {' or '.join(map(str, allowed))} for output of {batch} samples, "
            f"{classes} classes{'' if steps is None else f', {steps} steps'}; received {tuple(label.shape)}"
        )
    if label.numel() and (label.min() < 0 or label.max() >= classes):
        raise ValueError(
            f"{owner}: labels must lie in [0, {classes}) for {classes} output neurons, "
            f"received values in [{int(label.min())}, {int(label.max())}]"
        )
    label = label.long()
    if steps is not None and label.dim() == 1:
        label = label[:, None].expand(batch, steps)
    return label
