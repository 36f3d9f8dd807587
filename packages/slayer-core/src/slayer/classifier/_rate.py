"""Rate classifier: the class is the output neuron with the highest mean spike rate."""

from __future__ import annotations

import torch
from torch import Tensor

from ._confidence import check_spikes, confidence


class Rate(torch.nn.Module):
    """Stateless; every method is static, so ``slayer.classifier.Rate.predict`` can be passed as a function
    (as lava-dl's tutorials do). ``forward`` = :meth:`predict`."""

    @staticmethod
    def rate(spike: Tensor) -> Tensor:
        """Mean over time: ``(N, ..., T)`` → ``(N, ...)``."""
        return check_spikes("Rate.rate", spike).mean(dim=-1)

    @staticmethod
    def confidence(spike: Tensor, mode: str = "probability", eps: float = 1e-6) -> Tensor:
        """``(N, ..., T)`` → ``(N, C)`` confidences over the flattened neurons (see ``mode`` in
        :func:`slayer.classifier.confidence`)."""
        rate = Rate.rate(spike)
        return confidence(rate.reshape(rate.shape[0], -1), mode, eps)

    @staticmethod
    def predict(spike: Tensor) -> Tensor:
        """``(N, ..., T)`` → ``(N,)`` index of the flattened neuron with the highest rate."""
        rate = Rate.rate(spike)
        return torch.argmax(rate.reshape(rate.shape[0], -1), dim=1)

    def forward(self, spike: Tensor) -> Tensor:
        return Rate.predict(spike)
