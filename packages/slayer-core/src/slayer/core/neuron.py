"""The contract every neuron model implements, built-in or third party."""

from __future__ import annotations

from typing import ClassVar

import torch


class Neuron(torch.nn.Module):
    """Base class of all slayer neuron models.

    A subclass is registered through the ``slayer_register_neurons`` hook under its class
    attribute ``name`` and then works everywhere a built-in model works (blocks, export).

    Subclasses set:

    * ``name``: the registry name, e.g. ``"cuba"``;
    * ``complex``: ``True`` if ``forward`` takes a ``(real, imag)`` pair of tensors.

    ``forward`` maps an input of shape ``(N, C, T)`` or ``(N, C, H, W, T)`` (time last) to
    spikes of the same shape.
    """

    name: ClassVar[str]
    complex: ClassVar[bool] = False

    def reset_state(self) -> None:
        """Forget every persistent state (buffers whose name ends in ``_state``)."""
        for buffer_name, buffer in self.named_buffers(recurse=False):
            if buffer_name.endswith("_state"):
                setattr(self, buffer_name, torch.zeros(1, dtype=buffer.dtype, device=buffer.device))
