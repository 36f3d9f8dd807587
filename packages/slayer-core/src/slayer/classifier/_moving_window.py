"""MovingWindow classifier: a class prediction at every time step from a causal moving-average rate."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.loss._shapes import check_window, moving_rate

from ._confidence import check_mode, check_spikes, confidence


class MovingWindow(torch.nn.Module):
    """``time_window`` steps of causal moving average; ``mode`` and ``eps`` are the defaults of
    :meth:`confidence`. Spikes ``(N, C, T)`` (more neuron dims are flattened into ``C``)."""

    def __init__(self, time_window: int, mode: str = "probability", eps: float = 1e-6) -> None:
        super().__init__()
        self.time_window = check_window("MovingWindow", time_window, "time_window")
        if self.time_window is None:
            raise ValueError("MovingWindow: time_window must be a positive integer, received None")
        self.mode, self.eps = check_mode(mode), eps

    def rate(self, spike: Tensor) -> Tensor:
        """``(N, ..., T)`` → ``(N, C, T)``: ``r[t] = sum_{k < W} s[t-k] / W``."""
        spike = check_spikes("MovingWindow.rate", spike)
        return moving_rate(spike.reshape(spike.shape[0], -1, spike.shape[-1]), self.time_window)

    def confidence(self, spike: Tensor, mode: str | None = None) -> Tensor:
        """``(N, C, T)`` confidences per time step (``mode`` defaults to the classifier's)."""
        return confidence(self.rate(spike), self.mode if mode is None else mode, self.eps)

    def predict(self, spike: Tensor) -> Tensor:
        """``(N, T)``: the class with the highest moving-window rate at each step."""
        return torch.argmax(self.rate(spike), dim=1)

    def forward(self, spike: Tensor) -> Tensor:
        return self.predict(spike)  # lava-dl computes this and returns None

    def extra_repr(self) -> str:
        return f"time_window={self.time_window}, mode={self.mode!r}, eps={self.eps}"
