"""``slayer::alif`` (fused ALIF neuron): op, fake kernel, backward op and autograd.

One op per neuron: integrators, threshold and spike in one pass. Only the spikes and the voltage
are differentiable outputs (plus the next states); ALIF's current and θ/r traces and the events are marked
non-differentiable.

Only the input is saved for backward (with the decays and initial states): the backward reruns the forward
kernel for the traces, which are bit-identical because the arithmetic is integer. Saving them instead would
keep four float series and the events alive per layer (26.8 MiB at N=32, C=512, T=100, where SpikingJelly's
LIF keeps 18.8 MiB); the rerun costs one forward pass.
"""

import torch
from torch import Tensor

from .._fixed_point import quantity_to_int
from ._layout import (
    _empty_if_none,
    _flat_param,
    _flat_series,
    _flat_state,
    _kernel,
    _or_zeros,
    _series_like,
)


@torch.library.custom_op("slayer::alif", mutates_args=())
def alif_op(
    input: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(spikes, current, voltage, threshold, refractory, next_current, next_voltage, next_ref, next_th,
    events)``; events are the adaptive threshold's integer spike decisions (its jumps)."""
    results = _kernel("alif_forward", input)(
        _flat_series(input), _flat_param(current_decay), _flat_param(voltage_decay), _flat_param(ref_decay),
        _flat_param(th_decay), _flat_state(current_state), _flat_state(voltage_state), _flat_state(ref_state),
        _flat_state(th_state), quantity_to_int(th_step, s_scale), quantity_to_int(th0, s_scale), graded, s_scale,
    )  # fmt: skip
    shape = input.shape
    spikes, current, voltage, th, r, next_c, next_v, next_r, next_th, events = results
    return (
        spikes.view(shape),
        current.view(shape),
        voltage.view(shape),
        th.view(shape),
        r.view(shape),
        next_c.view(current_state.shape),
        next_v.view(voltage_state.shape),
        next_r.view(ref_state.shape),
        next_th.view(th_state.shape),
        events.view(shape),
    )


@alif_op.register_fake
def _(input, current_decay, voltage_decay, ref_decay, th_decay, current_state, voltage_state, ref_state, th_state,
      th_step, th0, tau_rho, scale_rho, graded, s_scale):  # fmt: skip
    return (
        *(_series_like(input) for _ in range(5)),
        current_state.new_empty(current_state.shape),
        voltage_state.new_empty(voltage_state.shape),
        ref_state.new_empty(ref_state.shape),
        th_state.new_empty(th_state.shape),
        _series_like(input, torch.bool),
    )


@torch.library.custom_op("slayer::alif_backward", mutates_args=())
def alif_backward_op(
    grad_spikes: Tensor,
    grad_voltage: Tensor,
    grad_next_current: Tensor,
    grad_next_voltage: Tensor,
    grad_next_ref: Tensor,
    grad_next_th: Tensor,
    current: Tensor,
    voltage: Tensor,
    threshold_out: Tensor,
    refractory_out: Tensor,
    events: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Gradients for ``(input, current_decay, voltage_decay, ref_decay, th_decay, current_state, voltage_state,
    ref_state, th_state)``; ``grad_voltage`` may be empty ``(0,)`` (no gradient)."""
    g_x, *per_neuron = _kernel("alif_backward", voltage)(
        _flat_series(grad_spikes), _flat_series(grad_voltage) if grad_voltage.numel() else grad_voltage,
        _flat_state(grad_next_current), _flat_state(grad_next_voltage), _flat_state(grad_next_ref),
        _flat_state(grad_next_th), _flat_series(current), _flat_series(voltage), _flat_series(threshold_out),
        _flat_series(refractory_out), _flat_series(events), _flat_param(current_decay), _flat_param(voltage_decay),
        _flat_param(ref_decay), _flat_param(th_decay), _flat_state(current_state), _flat_state(voltage_state),
        _flat_state(ref_state), _flat_state(th_state), quantity_to_int(th_step, s_scale),
        quantity_to_int(th0, s_scale), tau_rho, scale_rho, graded, s_scale,
    )  # fmt: skip
    g_cd, g_vd, g_rd, g_td, g_cs, g_vs, g_rs, g_ts = per_neuron
    return (
        g_x.view(voltage.shape),
        g_cd.sum(0).view(current_decay.shape),
        g_vd.sum(0).view(voltage_decay.shape),
        g_rd.sum(0).view(ref_decay.shape),
        g_td.sum(0).view(th_decay.shape),
        g_cs.view(current_state.shape),
        g_vs.view(voltage_state.shape),
        g_rs.view(ref_state.shape),
        g_ts.view(th_state.shape),
    )


@alif_backward_op.register_fake
def _(grad_spikes, grad_voltage, grad_next_current, grad_next_voltage, grad_next_ref, grad_next_th, current, voltage,
      threshold_out, refractory_out, events, current_decay, voltage_decay, ref_decay, th_decay, current_state,
      voltage_state, ref_state, th_state, th_step, th0, tau_rho, scale_rho, graded, s_scale):  # fmt: skip
    return (
        _series_like(voltage),
        *(p.new_empty(p.shape) for p in (current_decay, voltage_decay, ref_decay, th_decay)),
        *(s.new_empty(s.shape) for s in (current_state, voltage_state, ref_state, th_state)),
    )


def _alif_setup(ctx, inputs, output):
    *tensors, th_step, th0, tau_rho, scale_rho, graded, s_scale = inputs  # input, 4 decays, 4 states
    _, current, _, th, r, _, _, _, _, events = output
    ctx.save_for_backward(*tensors)
    ctx.mark_non_differentiable(current, th, r, events)
    ctx.set_materialize_grads(False)
    ctx.scalars = (th_step, th0, tau_rho, scale_rho, graded, s_scale)


def _alif_backward(ctx, grad_spikes, _grad_current, grad_voltage, _grad_th, _grad_r, grad_next_current,
                   grad_next_voltage, grad_next_ref, grad_next_th, _grad_events):  # fmt: skip
    input, *params_and_states = ctx.saved_tensors
    current_state, voltage_state, ref_state, th_state = params_and_states[4:]
    # the traces, recomputed bit for bit (see the module docstring)
    _, current, voltage, th, r, _, _, _, _, events = alif_op(input, *params_and_states, *ctx.scalars)
    grads = alif_backward_op(
        _or_zeros(grad_spikes, voltage), _empty_if_none(grad_voltage, voltage),
        _or_zeros(grad_next_current, current_state), _or_zeros(grad_next_voltage, voltage_state),
        _or_zeros(grad_next_ref, ref_state), _or_zeros(grad_next_th, th_state),
        current, voltage, th, r, events, *params_and_states, *ctx.scalars,
    )  # fmt: skip
    return (*grads, None, None, None, None, None, None)


torch.library.register_autograd("slayer::alif", _alif_backward, setup_context=_alif_setup)
