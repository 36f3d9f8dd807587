"""What the spike functions keep for backward, shared by the real and the phase spike."""

from __future__ import annotations

from typing import Any

from torch import Tensor


def save_spike_inputs(
    ctx: Any,
    states: tuple[Tensor, ...],
    threshold: float | Tensor,
    tau_rho: float | Tensor,
    scale_rho: float | Tensor,
    graded: bool,
    scale: float | Tensor,
) -> None:
    """Save the state tensors and the threshold (with ``save_for_backward`` when it is a tensor, which may
    need a gradient; on ``ctx`` when it is a float) and the surrogate constants on ``ctx``."""
    ctx.threshold_is_tensor = isinstance(threshold, Tensor)
    if ctx.threshold_is_tensor:
        ctx.save_for_backward(*states, threshold)
    else:
        ctx.save_for_backward(*states)
        ctx.threshold = threshold
    ctx.tau_rho, ctx.scale_rho, ctx.graded, ctx.scale = tau_rho, scale_rho, graded, scale


def saved_spike_inputs(ctx: Any) -> tuple[tuple[Tensor, ...], float | Tensor]:
    """``(states, threshold)`` as given to :func:`save_spike_inputs`."""
    saved = tuple(ctx.saved_tensors)
    if ctx.threshold_is_tensor:
        return saved[:-1], saved[-1]
    return saved, ctx.threshold
