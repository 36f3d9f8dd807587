"""lava-dl ``slayer.neuron.dynamics.resonator`` over :func:`slayer.core.dynamics.resonator`."""

from __future__ import annotations

import torch

from slayer.core import dynamics as core

from ._lava_args import layout_of, truncate_decay


def dynamics(
    real_input: torch.Tensor,
    imag_input: torch.Tensor,
    sin_decay: torch.Tensor,
    cos_decay: torch.Tensor,
    real_state: torch.Tensor,
    imag_state: torch.Tensor,
    w_scale: int,
    threshold: float | None = None,
    debug: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(real, imag)`` resonator traces of the input's shape (``(N, *S, T)``, ``(A, T)`` or ``(T,)``);
    with ``threshold``, Izhikevich reset. Decays are truncated to integers as lava-dl does."""
    layout = layout_of(real_input)
    real, imag, _, _ = core.resonator(
        layout.input(real_input),
        layout.input(imag_input),
        truncate_decay(sin_decay),
        truncate_decay(cos_decay),
        layout.state(real_state),
        layout.state(imag_state),
        threshold,
        s_scale=int(w_scale),
    )
    return layout.outputs(real, imag)


def persistent_real_state(real_state: torch.Tensor, spike: torch.Tensor) -> torch.Tensor:
    """``real_state`` zeroed where the last bin spiked."""
    return real_state * (1 - (spike > 0).to(real_state.dtype))


def persistent_imag_state(imag_state: torch.Tensor, spike: torch.Tensor, threshold: float, scale: int) -> torch.Tensor:
    """``imag_state`` set to one LSB below threshold (``threshold - 1/scale``) where the last bin spiked."""
    return torch.where(spike > 0, torch.full_like(imag_state, threshold - 1 / scale), imag_state)
