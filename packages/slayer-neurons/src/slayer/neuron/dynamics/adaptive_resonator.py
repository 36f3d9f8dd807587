"""lava-dl ``slayer.neuron.dynamics.adaptive_resonator`` over
:func:`slayer.core.dynamics.adaptive_resonator`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from ._lava_args import layout_of, truncate_decay
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
    """``(real, imag, threshold, refractory)`` traces of an adaptive Izhikevich resonator, of the input's
    shape (``(N, *S, T)``, ``(A, T)`` or ``(T,)``). Decays are truncated to integers as lava-dl does."""
    layout = layout_of(real_input)
    real, imag, threshold, refractory, *_ = core.adaptive_resonator(
        layout.input(real_input),
        layout.input(imag_input),
        truncate_decay(sin_decay),
        truncate_decay(cos_decay),
        truncate_decay(ref_decay),
        truncate_decay(th_decay),
        th_scale,
        th0,
        layout.state(real_state),
        layout.state(imag_state),
        layout.state(ref_state),
        layout.state(th_state),
        s_scale=int(w_scale),
    )
    return layout.outputs(real, imag, threshold, refractory)
