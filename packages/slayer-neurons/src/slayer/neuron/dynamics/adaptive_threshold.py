"""lava-dl ``slayer.neuron.dynamics.adaptive_threshold`` over :func:`slayer.core.dynamics.adaptive_threshold`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from ._lava_args import layout_of, truncate_decay


def dynamics(
    input: torch.Tensor,
    ref_state: torch.Tensor,
    ref_decay: torch.Tensor,
    th_state: torch.Tensor,
    th_decay: torch.Tensor,
    th_scale: float,
    th0: float,
    w_scale: int,
    debug: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(threshold, refractory)`` traces of ``input``'s shape (``(N, *S, T)``, ``(A, T)`` or ``(T,)``)
    for a voltage ``input``; ``th_scale`` is the threshold step and ``th0`` the base threshold (float
    units). Decays are truncated to integers as lava-dl does."""
    layout = layout_of(input)
    threshold, refractory, _, _ = core.adaptive_threshold(
        layout.input(input),
        truncate_decay(ref_decay),
        truncate_decay(th_decay),
        th_scale,
        th0,
        layout.state(ref_state),
        layout.state(th_state),
        s_scale=int(w_scale),
    )
    return layout.outputs(threshold, refractory)


def persistent_ref_state(ref_state: torch.Tensor, spike: torch.Tensor, th_state: torch.Tensor) -> torch.Tensor:
    """Refractory state plus ``2 θ`` where the last bin spiked."""
    return ref_state + 2 * (spike > 0).to(ref_state.dtype) * th_state


def persistent_th_state(th_state: torch.Tensor, spike: torch.Tensor, th_step: float) -> torch.Tensor:
    """Threshold state plus ``th_step`` where the last bin spiked."""
    return th_state + (spike > 0).to(th_state.dtype) * th_step
