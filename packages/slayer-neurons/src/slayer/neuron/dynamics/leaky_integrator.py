"""lava-dl ``slayer.neuron.dynamics.leaky_integrator`` over :func:`slayer.core.dynamics.leaky_integrator`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core


def dynamics(
    input: torch.Tensor,
    decay: torch.Tensor,
    state: torch.Tensor,
    w_scale: int,
    threshold: float | None = None,
    debug: bool = False,
) -> torch.Tensor:
    """Leaky integrator output ``(N, *S, T)`` (pre-reset values); ``decay`` in units of 1/4096,
    ``state`` ``(N, *S)`` or one element, ``w_scale`` the state scale. ``debug`` is ignored."""
    output, _ = core.leaky_integrator(input, decay, state, threshold, s_scale=int(w_scale))
    return output


def persistent_state(state: torch.Tensor, spike: torch.Tensor) -> torch.Tensor:
    """``state`` zeroed where the last time bin spiked (``spike``: the last bin's spikes)."""
    return state * (1 - (spike > 0).to(state.dtype))
