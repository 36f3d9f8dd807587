"""Time shifts that carry history across calls, so chunked runs of a persistent block equal one long run.

Pure functions: each takes the history from the previous call (or ``None``) and returns the new one.
Outputs keep the neuron-contiguous layout (``(N, T, ...)`` memory seen as ``(N, ..., T)``) that the next
synapse reads for free.
"""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.utils.time import shift


def _cat_time(parts: list[Tensor]) -> Tensor:
    """Concatenate ``(N, *S, T_i)`` tensors along time into neuron-contiguous storage."""
    return torch.cat([part.movedim(-1, 1) for part in parts], dim=1).movedim(1, -1)


def with_history(x: Tensor, history: Tensor | None, length: int) -> Tensor:
    """``x`` ``(N, *S, T)`` with ``length`` earlier steps in front: ``history`` ``(N, *S, length)`` or zeros."""
    if history is None or history.shape[:-1] != x.shape[:-1] or history.shape[-1] != length:
        history = x.new_zeros(*x.shape[:-1], length)  # a new stream (or batch size) starts from silence
    return _cat_time([history.to(dtype=x.dtype, device=x.device), x])


def step_delay(x: Tensor, history: Tensor | None, persistent: bool) -> tuple[Tensor, Tensor | None]:
    """Shift ``x`` ``(N, *S, T)`` one step later (Loihi's one-step axon latency).

    Not ``persistent``: zeros enter at ``t = 0`` and no history is kept. ``persistent``: the previous
    call's last step (``history``, zeros at first) enters, and this call's last step is returned (detached)
    as the history for the next call.
    """
    if not persistent:
        return shift(x, 1), None
    extended = with_history(x, history, 1)
    return extended[..., :-1], x[..., -1:].detach()


def delayed_with_history(
    x: Tensor, history: Tensor | None, length: int, delay: torch.nn.Module
) -> tuple[Tensor, Tensor]:
    """Apply an axonal ``delay`` module (delays at most ``length`` steps) to ``x`` ``(N, *S, T)`` as if the
    previous call's last ``length`` steps (``history``) came first; returns the output ``(N, *S, T)`` and
    the new history (detached)."""
    extended = with_history(x, history, length)
    output = delay(extended)[..., length:]
    return output, extended[..., -length:].detach()
