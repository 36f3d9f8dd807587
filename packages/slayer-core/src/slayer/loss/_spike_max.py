"""SpikeMax: negative log-likelihood of the labelled class from the output spike rates."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._shapes import as_channels, check_label, check_reduction, check_window, moving_rate

MODES = ("probability", "softmax")


def log_probability(rate: Tensor, mode: str, eps: float = 1e-6) -> Tensor:
    """Log class probabilities along dim 1 of ``rate`` ``(N, C, ...)``.

    ``'probability'``: ``log((r_c + eps) / sum_j (r_j + eps))``, finite even when no neuron spikes (lava-dl
    omits the ``eps`` in the numerator, giving an infinite loss and NaN gradients then);
    otherwise ``log_softmax(r)``.
    """
    if mode == "probability":
        shifted = rate + eps
        return torch.log(shifted) - torch.log(shifted.sum(dim=1, keepdim=True))
    return F.log_softmax(rate, dim=1)


class SpikeMax(torch.nn.Module):
    """``nll_loss(log p, label, reduction)`` with ``p`` the class probabilities of :func:`log_probability`
    (lava-dl's ``slayer.loss.SpikeMax``).

    ``spikes`` ``(N, ..., T)`` are flattened to ``C`` classes. Without ``moving_window``: the rate is
    ``mean_t(spikes)`` and ``label`` ``(N,)``; with ``moving_window = W``: per step from the causal moving
    average, ``label`` ``(N,)`` (replicated over time) or ``(N, T)``. ``mode``: ``'probability'`` or
    ``'softmax'`` (lava-dl treats every mode but ``'probability'`` as softmax; others raise here).
    """

    def __init__(self, moving_window: int | None = None, mode: str = "probability", reduction: str = "sum"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"SpikeMax: mode must be one of {MODES}, received {mode!r}")
        self.moving_window = check_window("SpikeMax", moving_window)
        self.mode = mode
        self.reduction = check_reduction("SpikeMax", reduction)

    def forward(self, input: Tensor, label: Tensor) -> Tensor:
        spikes = as_channels("SpikeMax", input)
        batch, classes, steps = spikes.shape
        if self.moving_window is None:
            log_p = log_probability(spikes.mean(dim=-1), self.mode)  # (N, C)
            target = check_label("SpikeMax", label, batch, classes)
        else:
            log_p = log_probability(moving_rate(spikes, self.moving_window), self.mode)  # (N, C, T)
            target = check_label("SpikeMax", label, batch, classes, steps)  # (N, T)
        return F.nll_loss(log_p, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"moving_window={self.moving_window}, mode={self.mode!r}, reduction={self.reduction!r}"
