"""lava-dl ``slayer.neuron.dynamics.adaptive_phase_th`` over
:func:`slayer.core.dynamics.adaptive_phase_threshold`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from .adaptive_threshold import persistent_ref_state as persistent_ref_state
from .adaptive_threshold import persistent_th_state as persistent_th_state


def dynamics(
    re_input: torch.Tensor,
    im_input: torch.Tensor,
    im_state: torch.Tensor,
    ref_state: torch.Tensor,
    ref_decay: torch.Tensor,
    th_state: torch.Tensor,
    th_decay: torch.Tensor,
    th_scale: float,
    th0: float,
    w_scale: int,
    debug: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(threshold, refractory)`` traces ``(N, *S, T)`` for resonator traces ``re_input``/``im_input``
    (phase spikes at upward zero crossings of the imaginary part; ``im_state`` is ``im[-1]``)."""
    threshold, refractory, _, _ = core.adaptive_phase_threshold(
        re_input, im_input, ref_decay, th_decay, th_scale, th0, im_state, ref_state, th_state, s_scale=int(w_scale)
    )
    return threshold, refractory
