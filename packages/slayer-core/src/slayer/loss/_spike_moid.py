"""SpikeMoid: multi-label binary cross-entropy on sigmoid-squashed spike rates."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._shapes import as_channels, check_reduction, check_window, moving_rate


class SpikeMoid(torch.nn.Module):
    """``binary_cross_entropy(sigmoid((rate - theta) / alpha), label, reduction)`` per class
    (lava-dl's ``slayer.loss.SpikeMoid``, multi-label).

    ``spikes`` ``(N, ..., T)`` are flattened to ``C`` classes; ``label`` holds 0/1 (or probabilities) per
    class: ``(N, C)`` without ``moving_window`` (rate = ``mean_t``), ``(N, C)`` (replicated over time) or
    ``(N, C, T)`` with a moving window of ``W`` steps.
    """

    def __init__(self, moving_window: int | None = None, reduction: str = "sum", alpha: float = 1, theta: float = 0):
        super().__init__()
        if alpha <= 0:
            raise ValueError(f"SpikeMoid: alpha must be positive, received {alpha!r}")
        self.moving_window = check_window("SpikeMoid", moving_window)
        self.reduction = check_reduction("SpikeMoid", reduction)
        self.alpha, self.theta = float(alpha), float(theta)

    def forward(self, input: Tensor, label: Tensor) -> Tensor:
        spikes = as_channels("SpikeMoid", input)
        batch, classes, steps = spikes.shape
        label = torch.as_tensor(label, device=spikes.device)
        if self.moving_window is None:
            rate, shapes = spikes.mean(dim=-1), [(batch, classes)]
        else:
            rate, shapes = moving_rate(spikes, self.moving_window), [(batch, classes), (batch, classes, steps)]
        if tuple(label.shape) not in shapes:
            raise ValueError(
                f"SpikeMoid: labels must have shape {' or '.join(map(str, shapes))}, received {tuple(label.shape)}"
            )
        label = label.to(rate.dtype)
        if label.dim() < rate.dim():
            label = label[..., None].expand_as(rate)
        if label.numel() and (label.min() < 0 or label.max() > 1):
            raise ValueError("SpikeMoid: labels must lie in [0, 1]")
        probability = torch.sigmoid((rate - self.theta) / self.alpha)
        return F.binary_cross_entropy(probability.flatten(), label.flatten(), reduction=self.reduction)

    def extra_repr(self) -> str:
        window, reduction = self.moving_window, self.reduction
        return f"moving_window={window}, reduction={reduction!r}, alpha={self.alpha}, theta={self.theta}"
