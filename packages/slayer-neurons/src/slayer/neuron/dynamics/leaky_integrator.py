"""lava-dl ``slayer.neuron.dynamics.leaky_integrator`` over :func:`slayer.core.dynamics.leaky_integrator`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from ._lava_args import layout_of, truncate_decay


def dynamics(
    input: torch.Tensor,
    decay: torch.Tensor,
    state: torch.Tensor,
    w_scale: int,
    threshold: float | None = None,
    debug: bool = False,
) -> torch.Tensor:
    """Leaky integrator output of ``input``'s shape (pre-reset values). ``input`` is ``(N, *S, T)``,
    ``(A, T)`` or ``(T,)``; ``decay`` in units of 1/4096, truncated to an integer as lava-dl does;
    ``state`` ``input.shape[:-1]`` or one element; ``w_scale`` the state scale. ``debug`` is ignored."""
    layout = layout_of(input)
    output, _ = core.leaky_integrator(
        layout.input(input), truncate_decay(decay), layout.state(state), threshold, s_scale=int(w_scale)
    )
    return layout.output(output)


def persistent_state(state: torch.Tensor, spike: torch.Tensor) -> torch.Tensor:
    """``state`` zeroed where the last time bin spiked (``spike``: the last bin's spikes)."""
    return state * (1 - (spike > 0).to(state.dtype))
