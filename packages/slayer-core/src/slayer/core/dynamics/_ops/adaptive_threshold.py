"""``slayer::adaptive_threshold`` and ``slayer::adaptive_phase_threshold`` (adaptive threshold / refractory):
ops, fake kernels and autograd; both share ``slayer::adaptive_threshold_backward``."""

import torch
from torch import Tensor

from .._fixed_point import quantity_to_int
from ._layout import (
    _flat_param,
    _flat_series,
    _flat_state,
    _kernel,
    _or_zeros,
    _series_like,
)


def _threshold_outputs_like(x: Tensor, ref_state: Tensor, th_state: Tensor):
    return (
        _series_like(x),
        _series_like(x),
        ref_state.new_empty(ref_state.shape),
        th_state.new_empty(th_state.shape),
        _series_like(x, torch.bool),
    )


def _threshold_outputs(results, x: Tensor, ref_state: Tensor, th_state: Tensor):
    th, r, next_r, next_th, events = results
    return (
        th.view(x.shape),
        r.view(x.shape),
        next_r.view(ref_state.shape),
        next_th.view(th_state.shape),
        events.view(x.shape),
    )


@torch.library.custom_op("slayer::adaptive_threshold", mutates_args=())
def adaptive_threshold_op(
    voltage: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(threshold, refractory, next_ref_state, next_th_state, spikes)``."""
    results = _kernel("adaptive_threshold_forward", voltage)(
        _flat_series(voltage), _flat_param(ref_decay), _flat_param(th_decay), _flat_state(ref_state),
        _flat_state(th_state), quantity_to_int(th_step, s_scale), quantity_to_int(th0, s_scale), s_scale,
    )  # fmt: skip
    return _threshold_outputs(results, voltage, ref_state, th_state)


@adaptive_threshold_op.register_fake
def _(voltage, ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale):
    return _threshold_outputs_like(voltage, ref_state, th_state)


@torch.library.custom_op("slayer::adaptive_threshold_backward", mutates_args=())
def adaptive_threshold_backward_op(
    grad_threshold: Tensor,
    grad_refractory: Tensor,
    grad_next_ref: Tensor,
    grad_next_th: Tensor,
    threshold_out: Tensor,
    refractory_out: Tensor,
    events: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(grad_ref_decay, grad_th_decay, grad_ref_state, grad_th_state)``, spike events held fixed."""
    g_ref_decay, g_th_decay, g_ref_state, g_th_state = _kernel("adaptive_threshold_backward", threshold_out)(
        _flat_series(grad_threshold), _flat_series(grad_refractory), _flat_state(grad_next_ref),
        _flat_state(grad_next_th), _flat_series(threshold_out), _flat_series(refractory_out), _flat_series(events),
        _flat_param(ref_decay), _flat_param(th_decay), _flat_state(ref_state), _flat_state(th_state),
        quantity_to_int(th_step, s_scale), quantity_to_int(th0, s_scale), s_scale,
    )  # fmt: skip
    return (
        g_ref_decay.sum(0).view(ref_decay.shape),
        g_th_decay.sum(0).view(th_decay.shape),
        g_ref_state.view(ref_state.shape),
        g_th_state.view(th_state.shape),
    )


@adaptive_threshold_backward_op.register_fake
def _(grad_threshold, grad_refractory, grad_next_ref, grad_next_th, threshold_out, refractory_out, events,
      ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale):  # fmt: skip
    return (
        ref_decay.new_empty(ref_decay.shape),
        th_decay.new_empty(th_decay.shape),
        ref_state.new_empty(ref_state.shape),
        th_state.new_empty(th_state.shape),
    )


def _threshold_grads(ctx, saved, grad_th, grad_r, grad_next_ref, grad_next_th):
    th, r, events, ref_decay, th_decay, ref_state, th_state = saved
    return adaptive_threshold_backward_op(
        _or_zeros(grad_th, th), _or_zeros(grad_r, r),
        _or_zeros(grad_next_ref, ref_state), _or_zeros(grad_next_th, th_state),
        th, r, events, ref_decay, th_decay, ref_state, th_state, ctx.th_step, ctx.th0, ctx.s_scale,
    )  # fmt: skip


def _adaptive_threshold_setup(ctx, inputs, output):
    _, ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale = inputs
    th, r, _, _, events = output
    ctx.save_for_backward(th, r, events, ref_decay, th_decay, ref_state, th_state)
    ctx.th_step, ctx.th0, ctx.s_scale = th_step, th0, s_scale


def _adaptive_threshold_backward(ctx, grad_th, grad_r, grad_next_ref, grad_next_th, _grad_events):
    g_ref_decay, g_th_decay, g_ref_state, g_th_state = _threshold_grads(
        ctx, ctx.saved_tensors, grad_th, grad_r, grad_next_ref, grad_next_th
    )
    # the voltage only decides spike times (piecewise constant): no gradient through θ/r
    return None, g_ref_decay, g_th_decay, g_ref_state, g_th_state, None, None, None


torch.library.register_autograd(
    "slayer::adaptive_threshold", _adaptive_threshold_backward, setup_context=_adaptive_threshold_setup
)


@torch.library.custom_op("slayer::adaptive_phase_threshold", mutates_args=())
def adaptive_phase_threshold_op(
    real: Tensor,
    imag: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    imag_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(threshold, refractory, next_ref_state, next_th_state, spikes)``."""
    results = _kernel("adaptive_phase_threshold_forward", real)(
        _flat_series(real), _flat_series(imag), _flat_param(ref_decay), _flat_param(th_decay),
        _flat_state(imag_state), _flat_state(ref_state), _flat_state(th_state),
        quantity_to_int(th_step, s_scale), quantity_to_int(th0, s_scale), s_scale,
    )  # fmt: skip
    return _threshold_outputs(results, real, ref_state, th_state)


@adaptive_phase_threshold_op.register_fake
def _(real, imag, ref_decay, th_decay, imag_state, ref_state, th_state, th_step, th0, s_scale):
    return _threshold_outputs_like(real, ref_state, th_state)


def _adaptive_phase_threshold_setup(ctx, inputs, output):
    _, _, ref_decay, th_decay, _, ref_state, th_state, th_step, th0, s_scale = inputs
    th, r, _, _, events = output
    ctx.save_for_backward(th, r, events, ref_decay, th_decay, ref_state, th_state)
    ctx.th_step, ctx.th0, ctx.s_scale = th_step, th0, s_scale


def _adaptive_phase_threshold_backward(ctx, grad_th, grad_r, grad_next_ref, grad_next_th, _grad_events):
    g_ref_decay, g_th_decay, g_ref_state, g_th_state = _threshold_grads(
        ctx, ctx.saved_tensors, grad_th, grad_r, grad_next_ref, grad_next_th
    )
    return None, None, g_ref_decay, g_th_decay, None, g_ref_state, g_th_state, None, None, None


torch.library.register_autograd(
    "slayer::adaptive_phase_threshold",
    _adaptive_phase_threshold_backward,
    setup_context=_adaptive_phase_threshold_setup,
)
