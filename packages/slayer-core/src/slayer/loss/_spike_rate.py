"""SpikeRate: squared error between each output neuron's spike rate and a true/false target rate."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._shapes import as_channels, check_label, check_reduction, check_window, moving_rate


class SpikeRate(torch.nn.Module):
    """``mse_loss(rate, target_rate, reduction)`` with ``target_rate = true_rate`` for the labelled class and
    ``false_rate`` for the others (lava-dl's ``slayer.loss.SpikeRate``).

    * without ``moving_window``: ``rate = mean_t(spikes)`` ``(N, C)``; ``label`` ``(N,)``.
    * with ``moving_window = W``: ``rate[t]`` is the causal moving average over ``W`` steps ``(N, C, T)``;
      ``label`` ``(N, T)`` per step, or ``(N,)`` (replicated over time; lava-dl fails on it).

    ``spikes`` ``(N, ..., T)`` are flattened to ``C`` neurons. Returns a scalar (``'sum'``, ``'mean'``) or the
    flattened per-element loss (``'none'``).
    """

    def __init__(self, true_rate: float, false_rate: float, moving_window: int | None = None, reduction: str = "sum"):
        super().__init__()
        for name, rate in (("true_rate", true_rate), ("false_rate", false_rate)):
            if not 0 <= rate <= 1:
                raise ValueError(f"SpikeRate: {name} must be in [0, 1], received {rate!r}")
        self.true_rate, self.false_rate = float(true_rate), float(false_rate)
        self.moving_window = check_window("SpikeRate", moving_window)
        self.reduction = check_reduction("SpikeRate", reduction)

    def forward(self, input: Tensor, label: Tensor) -> Tensor:
        spikes = as_channels("SpikeRate", input)
        batch, classes, steps = spikes.shape
        if self.moving_window is None:
            rate = spikes.mean(dim=-1)  # (N, C)
            onehot = F.one_hot(check_label("SpikeRate", label, batch, classes), classes)  # (N, C)
        else:
            rate = moving_rate(spikes, self.moving_window)  # (N, C, T)
            per_step = check_label("SpikeRate", label, batch, classes, steps)  # (N, T)
            onehot = F.one_hot(per_step, classes).transpose(1, 2)  # (N, C, T)
        target = self.false_rate + (self.true_rate - self.false_rate) * onehot.to(rate.dtype)
        return F.mse_loss(rate.flatten(), target.flatten(), reduction=self.reduction)

    def extra_repr(self) -> str:
        return (
            f"true_rate={self.true_rate}, false_rate={self.false_rate}, moving_window={self.moving_window}, "
            f"reduction={self.reduction!r}"
        )
