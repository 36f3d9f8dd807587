"""lava-dl ``slayer.neuron.dynamics.adaptive_resonator`` over
:func:`slayer.core.dynamics.adaptive_resonator`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from .adaptive_threshold import persistent_ref_state as persistent_ref_state
from .adaptive_threshold import persistent_th_state as persistent_th_state


def dynamics(
    real_input: torch.Tensor,
    imag_input: torch.Tensor,
    sin_decay: torch.Tensor,
    cos_decay: torch.Tensor,
    ref_decay: torch.Tensor,
    th_decay: torch.Tensor,
    real_state: torch.Tensor,
    imag_state: torch.Tensor,
    ref_state: torch.Tensor,
    th_state: torch.Tensor,
    th_scale: float,
    th0: float,
    w_scale: int,
    debug: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(real, imag, threshold, refractory)`` traces ``(N, *S, T)`` of an adaptive Izhikevich resonator."""
    real, imag, threshold, refractory, *_ = core.adaptive_resonator(
        real_input,
        imag_input,
        sin_decay,
        cos_decay,
        ref_decay,
        th_decay,
        th_scale,
        th0,
        real_state,
        imag_state,
        ref_state,
        th_state,
        s_scale=int(w_scale),
    )
    return real, imag, threshold, refractory
