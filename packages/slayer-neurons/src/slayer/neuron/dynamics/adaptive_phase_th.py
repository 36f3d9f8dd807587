"""lava-dl ``slayer.neuron.dynamics.adaptive_phase_th`` over
:func:`slayer.core.dynamics.adaptive_phase_threshold`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from ._lava_args import layout_of, truncate_decay
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
    """``(threshold, refractory)`` traces of the input's shape (``(N, *S, T)``, ``(A, T)`` or ``(T,)``)
    for resonator traces ``re_input``/``im_input`` (phase spikes at upward zero crossings of the
    imaginary part; ``im_state`` is ``im[-1]``). Decays are truncated to integers as lava-dl does."""
    layout = layout_of(re_input)
    threshold, refractory, _, _ = core.adaptive_phase_threshold(
        layout.input(re_input),
        layout.input(im_input),
        truncate_decay(ref_decay),
        truncate_decay(th_decay),
        th_scale,
        th0,
        layout.state(im_state),
        layout.state(ref_state),
        layout.state(th_state),
        s_scale=int(w_scale),
    )
    return layout.outputs(threshold, refractory)
