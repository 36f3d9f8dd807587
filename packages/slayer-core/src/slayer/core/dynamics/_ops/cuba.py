"""``slayer::cuba`` (fused CUBA neuron): op, fake kernel, backward op and autograd.

One op per neuron: integrators, threshold and spike in one pass. Only the spikes and the voltage
are differentiable outputs (plus the next states); the events are saved for backward and marked
non-differentiable. CUBA saves the input, not the current (recomputed in backward).
"""

import torch
from torch import Tensor

from .._fixed_point import threshold_to_int
from ._layout import (
    _empty_if_none,
    _flat_param,
    _flat_series,
    _flat_state,
    _kernel,
    _or_zeros,
    _series_like,
)


@torch.library.custom_op("slayer::cuba", mutates_args=())
def cuba_op(
    input: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    threshold: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(spikes, voltage, next_current_state, next_voltage_state, events)``; events are the resets."""
    spikes, voltage, next_c, next_v, events = _kernel("cuba_forward", input)(
        _flat_series(input), _flat_param(current_decay), _flat_param(voltage_decay), _flat_state(current_state),
        _flat_state(voltage_state), threshold_to_int(threshold, s_scale), threshold, graded, s_scale,
    )  # fmt: skip
    shape = input.shape
    return (
        spikes.view(shape),
        voltage.view(shape),
        next_c.view(current_state.shape),
        next_v.view(voltage_state.shape),
        events.view(shape),
    )


@cuba_op.register_fake
def _(input, current_decay, voltage_decay, current_state, voltage_state, threshold, tau_rho, scale_rho, graded,
      s_scale):  # fmt: skip
    return (
        _series_like(input),
        _series_like(input),
        current_state.new_empty(current_state.shape),
        voltage_state.new_empty(voltage_state.shape),
        _series_like(input, torch.bool),
    )


@torch.library.custom_op("slayer::cuba_backward", mutates_args=())
def cuba_backward_op(
    grad_spikes: Tensor,
    grad_voltage: Tensor,
    grad_next_current: Tensor,
    grad_next_voltage: Tensor,
    input: Tensor,
    voltage: Tensor,
    events: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    threshold: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(grad_input, grad_current_decay, grad_voltage_decay, grad_current_state, grad_voltage_state)``;
    ``grad_voltage`` may be empty ``(0,)`` (no gradient). The current is recomputed from ``input``."""
    g_x, g_cd, g_vd, g_cs, g_vs = _kernel("cuba_backward", voltage)(
        _flat_series(grad_spikes), _flat_series(grad_voltage) if grad_voltage.numel() else grad_voltage,
        _flat_state(grad_next_current), _flat_state(grad_next_voltage), _flat_series(input),
        _flat_series(voltage), _flat_series(events), _flat_param(current_decay), _flat_param(voltage_decay),
        _flat_state(current_state), _flat_state(voltage_state), threshold, tau_rho, scale_rho, graded, s_scale,
    )  # fmt: skip
    return (
        g_x.view(input.shape),
        g_cd.sum(0).view(current_decay.shape),
        g_vd.sum(0).view(voltage_decay.shape),
        g_cs.view(current_state.shape),
        g_vs.view(voltage_state.shape),
    )


@cuba_backward_op.register_fake
def _(grad_spikes, grad_voltage, grad_next_current, grad_next_voltage, input, voltage, events, current_decay,
      voltage_decay, current_state, voltage_state, threshold, tau_rho, scale_rho, graded, s_scale):  # fmt: skip
    return (
        _series_like(input),
        current_decay.new_empty(current_decay.shape),
        voltage_decay.new_empty(voltage_decay.shape),
        current_state.new_empty(current_state.shape),
        voltage_state.new_empty(voltage_state.shape),
    )


def _cuba_setup(ctx, inputs, output):
    *tensors, threshold, tau_rho, scale_rho, graded, s_scale = inputs  # input, decays, states
    _, voltage, _, _, events = output
    # the input instead of the current: the caller holds it anyway, and the backward recomputes the current
    input, current_decay, voltage_decay, current_state, voltage_state = tensors
    ctx.save_for_backward(input, voltage, events, current_decay, voltage_decay, current_state, voltage_state)
    ctx.mark_non_differentiable(events)
    ctx.set_materialize_grads(False)  # no full-size zero tensors for the unused outputs' gradients
    ctx.scalars = (threshold, tau_rho, scale_rho, graded, s_scale)


def _cuba_backward(ctx, grad_spikes, grad_voltage, grad_next_current, grad_next_voltage, _grad_events):
    input, voltage, events, current_decay, voltage_decay, current_state, voltage_state = ctx.saved_tensors
    grads = cuba_backward_op(
        _or_zeros(grad_spikes, voltage), _empty_if_none(grad_voltage, voltage),
        _or_zeros(grad_next_current, current_state), _or_zeros(grad_next_voltage, voltage_state),
        input, voltage, events, current_decay, voltage_decay, current_state, voltage_state, *ctx.scalars,
    )  # fmt: skip
    return (*grads, None, None, None, None, None)


torch.library.register_autograd("slayer::cuba", _cuba_backward, setup_context=_cuba_setup)
