"""Neuron dropout: a dropped neuron is silent for the whole time window."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class Dropout(torch.nn.Dropout3d):
    """Dropout with one mask per neuron and sample, shared by every time step (lava-dl
    ``slayer.neuron.Dropout``). Kept values are scaled by ``1 / (1 - p)`` in training mode.

    Input ``(N, *S, T)`` (e.g. ``(N, C, T)`` or ``(N, C, H, W, T)``), output of the same shape.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__(p=p, inplace=inplace)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if not isinstance(input, torch.Tensor) or input.dim() < 2:
            shape = tuple(input.shape) if isinstance(input, torch.Tensor) else type(input).__name__
            raise ValueError(f"Dropout: expected a tensor (N, *S, T), received {shape}")
        # every neuron becomes a "channel" of a 5-D tensor whose only non-channel axis is time
        as_channels = input.reshape(input.shape[0], -1, 1, 1, input.shape[-1])
        return F.dropout3d(as_channels, self.p, self.training, self.inplace).reshape(input.shape)
