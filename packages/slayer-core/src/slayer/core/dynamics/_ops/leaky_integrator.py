"""``slayer::leaky_integrator``: op, fake kernel, backward op and autograd."""

import torch
from torch import Tensor

from ._layout import (
    _events_like,
    _flat_param,
    _flat_series,
    _flat_state,
    _kernel,
    _or_zeros,
    _series_like,
    _threshold_int,
    _unflat_events,
)


@torch.library.custom_op("slayer::leaky_integrator", mutates_args=())
def leaky_integrator_op(
    input: Tensor, decay: Tensor, state: Tensor, threshold: float | None, s_scale: int
) -> tuple[Tensor, Tensor, Tensor]:
    """``(output, next_state, events)``; events ``(N, *S, T)`` bool resets, or ``(0,)`` without threshold."""
    reset = threshold is not None
    output, next_state, events = _kernel("leaky_integrator_forward", input)(
        _flat_series(input), _flat_param(decay), _flat_state(state), reset, _threshold_int(threshold, s_scale), s_scale
    )
    return output.view(input.shape), next_state.view(state.shape), _unflat_events(events, input, reset)


@leaky_integrator_op.register_fake
def _(input, decay, state, threshold, s_scale):
    return _series_like(input), state.new_empty(state.shape), _events_like(input, threshold is not None)


@torch.library.custom_op("slayer::leaky_integrator_backward", mutates_args=())
def leaky_integrator_backward_op(
    grad_output: Tensor,
    grad_next_state: Tensor,
    output: Tensor,
    events: Tensor,
    decay: Tensor,
    state: Tensor,
    threshold: float | None,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor]:
    """``(grad_input, grad_decay, grad_state)`` of the linear system with resets held fixed."""
    reset = threshold is not None
    grad_input, grad_decay, grad_state = _kernel("leaky_integrator_backward", output)(
        _flat_series(grad_output),
        _flat_state(grad_next_state),
        _flat_series(output),
        _flat_series(events) if reset else events,
        _flat_param(decay),
        _flat_state(state),
        reset,
        _threshold_int(threshold, s_scale),
        s_scale,
    )
    return grad_input.view(output.shape), grad_decay.sum(0).view(decay.shape), grad_state.view(state.shape)


@leaky_integrator_backward_op.register_fake
def _(grad_output, grad_next_state, output, events, decay, state, threshold, s_scale):
    return _series_like(output), decay.new_empty(decay.shape), state.new_empty(state.shape)


def _leaky_integrator_setup(ctx, inputs, output):
    _, decay, state, threshold, s_scale = inputs
    out, _, events = output
    ctx.save_for_backward(out, events, decay, state)
    ctx.threshold, ctx.s_scale = threshold, s_scale


def _leaky_integrator_backward(ctx, grad_output, grad_next_state, _grad_events):
    out, events, decay, state = ctx.saved_tensors
    grads = leaky_integrator_backward_op(
        _or_zeros(grad_output, out), _or_zeros(grad_next_state, state), out, events, decay, state,
        ctx.threshold, ctx.s_scale,
    )  # fmt: skip
    return (*grads, None, None)


torch.library.register_autograd(
    "slayer::leaky_integrator", _leaky_integrator_backward, setup_context=_leaky_integrator_setup
)
