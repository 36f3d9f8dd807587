"""The ``torch.library`` custom ops (``slayer::*``): op, fake kernel and autograd per dynamics.

Ops take canonical tensors: time series ``(N, *S, T)`` in float32/float64, decays already rounded and
broadcast to ``S``, states broadcast to ``(N, *S)``, all in one dtype. The op body flattens ``S`` to
``M`` neurons and calls the kernel of the selected backend (docs/backends.md). Backward passes are ops
too, so ``torch.compile`` traces forward and backward without graph breaks.

Layout rule (shared by real and fake kernels): a time-series output is laid out like
``torch.empty_like(x.reshape(N, M, T)).view(x.shape)`` for the input ``x`` it corresponds to, so a
neuron-contiguous input (``N T C`` storage seen as ``N C T``) gives neuron-contiguous outputs.
States and parameter gradients are contiguous.
"""

import math

import torch
from torch import Tensor

from slayer.core.backends import select_kernel

from ._fixed_point import quantity_to_int, threshold_to_int

# -- layout helpers ---------------------------------------------------------------------------


def _neurons(x: Tensor) -> int:
    return math.prod(x.shape[1:-1])


def _flat_series(x: Tensor) -> Tensor:
    """``(N, *S, T)`` -> ``(N, M, T)`` (a view whenever the strides allow)."""
    return x.reshape(x.shape[0], _neurons(x), x.shape[-1])


def _flat_state(state: Tensor) -> Tensor:
    return state.reshape(state.shape[0], -1).contiguous() if state.dim() > 1 else state.reshape(-1, 1)


def _flat_param(param: Tensor) -> Tensor:
    return param.reshape(-1).contiguous()


def _series_like(x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    return torch.empty_like(_flat_series(x), dtype=dtype).view(x.shape)


def _no_events(x: Tensor) -> Tensor:
    return x.new_empty((0,), dtype=torch.bool)


def _events_like(x: Tensor, present: bool) -> Tensor:
    return _series_like(x, torch.bool) if present else _no_events(x)


def _unflat_events(events: Tensor, x: Tensor, present: bool) -> Tensor:
    return events.view(x.shape) if present else events


def _kernel(name: str, x: Tensor):
    return select_kernel(name, x.device.type)


def _threshold_int(threshold: float | None, s_scale: int) -> int:
    return threshold_to_int(threshold, s_scale) if threshold is not None else 0


def _or_zeros(grad: Tensor | None, like: Tensor) -> Tensor:
    return torch.zeros_like(like) if grad is None else grad


# -- leaky integrator --------------------------------------------------------------------------


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


# -- resonator ---------------------------------------------------------------------------------


@torch.library.custom_op("slayer::resonator", mutates_args=())
def resonator_op(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    threshold: float | None,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(real_out, imag_out, next_real_state, next_imag_state, events)``."""
    reset = threshold is not None
    re, im, next_re, next_im, events = _kernel("resonator_forward", real)(
        _flat_series(real), _flat_series(imag), _flat_param(sin_decay), _flat_param(cos_decay),
        _flat_state(real_state), _flat_state(imag_state), reset, _threshold_int(threshold, s_scale), s_scale,
    )  # fmt: skip
    return (
        re.view(real.shape),
        im.view(imag.shape),
        next_re.view(real_state.shape),
        next_im.view(imag_state.shape),
        _unflat_events(events, real, reset),
    )


@resonator_op.register_fake
def _(real, imag, sin_decay, cos_decay, real_state, imag_state, threshold, s_scale):
    return (
        _series_like(real),
        _series_like(imag),
        real_state.new_empty(real_state.shape),
        imag_state.new_empty(imag_state.shape),
        _events_like(real, threshold is not None),
    )


@torch.library.custom_op("slayer::resonator_backward", mutates_args=())
def resonator_backward_op(
    grad_real: Tensor,
    grad_imag: Tensor,
    grad_next_real: Tensor,
    grad_next_imag: Tensor,
    real_out: Tensor,
    imag_out: Tensor,
    events: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    threshold: float | None,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(grad_real, grad_imag, grad_sin, grad_cos, grad_real_state, grad_imag_state)``."""
    reset = threshold is not None
    g_re, g_im, g_sin, g_cos, g_rs, g_is = _kernel("resonator_backward", real_out)(
        _flat_series(grad_real), _flat_series(grad_imag), _flat_state(grad_next_real), _flat_state(grad_next_imag),
        _flat_series(real_out), _flat_series(imag_out), _flat_series(events) if reset else events,
        _flat_param(sin_decay), _flat_param(cos_decay), _flat_state(real_state), _flat_state(imag_state),
        reset, _threshold_int(threshold, s_scale), s_scale,
    )  # fmt: skip
    return (
        g_re.view(real_out.shape),
        g_im.view(imag_out.shape),
        g_sin.sum(0).view(sin_decay.shape),
        g_cos.sum(0).view(cos_decay.shape),
        g_rs.view(real_state.shape),
        g_is.view(imag_state.shape),
    )


@resonator_backward_op.register_fake
def _(grad_real, grad_imag, grad_next_real, grad_next_imag, real_out, imag_out, events, sin_decay, cos_decay,
      real_state, imag_state, threshold, s_scale):  # fmt: skip
    return (
        _series_like(real_out),
        _series_like(imag_out),
        sin_decay.new_empty(sin_decay.shape),
        cos_decay.new_empty(cos_decay.shape),
        real_state.new_empty(real_state.shape),
        imag_state.new_empty(imag_state.shape),
    )


def _resonator_setup(ctx, inputs, output):
    _, _, sin_decay, cos_decay, real_state, imag_state, threshold, s_scale = inputs
    re, im, _, _, events = output
    ctx.save_for_backward(re, im, events, sin_decay, cos_decay, real_state, imag_state)
    ctx.threshold, ctx.s_scale = threshold, s_scale


def _resonator_backward(ctx, grad_re, grad_im, grad_next_re, grad_next_im, _grad_events):
    re, im, events, sin_decay, cos_decay, real_state, imag_state = ctx.saved_tensors
    grads = resonator_backward_op(
        _or_zeros(grad_re, re), _or_zeros(grad_im, im),
        _or_zeros(grad_next_re, real_state), _or_zeros(grad_next_im, imag_state),
        re, im, events, sin_decay, cos_decay, real_state, imag_state, ctx.threshold, ctx.s_scale,
    )  # fmt: skip
    return (*grads, None, None)


torch.library.register_autograd("slayer::resonator", _resonator_backward, setup_context=_resonator_setup)


# -- adaptive threshold / refractory -----------------------------------------------------------


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


# -- adaptive resonator ------------------------------------------------------------------------


@torch.library.custom_op("slayer::adaptive_resonator", mutates_args=())
def adaptive_resonator_op(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: float,
    th0: float,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(real_out, imag_out, threshold, refractory, next_real, next_imag, next_ref, next_th, spikes)``."""
    re, im, th, r, next_re, next_im, next_r, next_th, events = _kernel("adaptive_resonator_forward", real)(
        _flat_series(real), _flat_series(imag), _flat_param(sin_decay), _flat_param(cos_decay),
        _flat_param(ref_decay), _flat_param(th_decay), _flat_state(real_state), _flat_state(imag_state),
        _flat_state(ref_state), _flat_state(th_state),
        quantity_to_int(th_step, s_scale), quantity_to_int(th0, s_scale), s_scale,
    )  # fmt: skip
    return (
        re.view(real.shape),
        im.view(imag.shape),
        th.view(real.shape),
        r.view(real.shape),
        next_re.view(real_state.shape),
        next_im.view(imag_state.shape),
        next_r.view(ref_state.shape),
        next_th.view(th_state.shape),
        events.view(real.shape),
    )


@adaptive_resonator_op.register_fake
def _(real, imag, sin_decay, cos_decay, ref_decay, th_decay, real_state, imag_state, ref_state, th_state,
      th_step, th0, s_scale):  # fmt: skip
    return (
        _series_like(real),
        _series_like(imag),
        _series_like(real),
        _series_like(real),
        real_state.new_empty(real_state.shape),
        imag_state.new_empty(imag_state.shape),
        ref_state.new_empty(ref_state.shape),
        th_state.new_empty(th_state.shape),
        _series_like(real, torch.bool),
    )


def _adaptive_resonator_setup(ctx, inputs, output):
    (_, _, sin_decay, cos_decay, ref_decay, th_decay, real_state, imag_state, ref_state, th_state,
     th_step, th0, s_scale) = inputs  # fmt: skip
    re, im, th, r, _, _, _, _, events = output
    ctx.save_for_backward(
        re, im, sin_decay, cos_decay, real_state, imag_state, th, r, events, ref_decay, th_decay, ref_state, th_state
    )
    ctx.th_step, ctx.th0, ctx.s_scale = th_step, th0, s_scale


def _adaptive_resonator_backward(
    ctx, grad_re, grad_im, grad_th, grad_r, grad_next_re, grad_next_im, grad_next_ref, grad_next_th, _grad_events
):
    re, im, sin_decay, cos_decay, real_state, imag_state, *threshold_saved = ctx.saved_tensors
    g_re, g_im, g_sin, g_cos, g_rs, g_is = resonator_backward_op(
        _or_zeros(grad_re, re), _or_zeros(grad_im, im),
        _or_zeros(grad_next_re, real_state), _or_zeros(grad_next_im, imag_state),
        re, im, _no_events(re), sin_decay, cos_decay, real_state, imag_state, None, ctx.s_scale,
    )  # fmt: skip
    g_ref_decay, g_th_decay, g_ref_state, g_th_state = _threshold_grads(
        ctx, threshold_saved, grad_th, grad_r, grad_next_ref, grad_next_th
    )
    return (g_re, g_im, g_sin, g_cos, g_ref_decay, g_th_decay, g_rs, g_is, g_ref_state, g_th_state, None, None, None)


torch.library.register_autograd(
    "slayer::adaptive_resonator", _adaptive_resonator_backward, setup_context=_adaptive_resonator_setup
)


# -- fused CUBA and ALIF neurons ---------------------------------------------------------------
#
# One op per neuron: integrators, threshold and spike in one pass. Only the spikes and the voltage
# are differentiable outputs (plus the next states); ALIF's current and θ/r traces and the events are saved
# for backward and marked non-differentiable. CUBA saves the input, not the current (recomputed in backward).


def _empty_if_none(grad: Tensor | None, like: Tensor) -> Tensor:
    return like.new_empty((0,)) if grad is None else grad


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
    (_, current_decay, voltage_decay, ref_decay, th_decay, current_state, voltage_state, ref_state, th_state,
     th_step, th0, tau_rho, scale_rho, graded, s_scale) = inputs  # fmt: skip
    _, current, voltage, th, r, _, _, _, _, events = output
    ctx.save_for_backward(
        current, voltage, th, r, events, current_decay, voltage_decay, ref_decay, th_decay,
        current_state, voltage_state, ref_state, th_state,
    )  # fmt: skip
    ctx.mark_non_differentiable(current, th, r, events)
    ctx.set_materialize_grads(False)
    ctx.scalars = (th_step, th0, tau_rho, scale_rho, graded, s_scale)


def _alif_backward(ctx, grad_spikes, _grad_current, grad_voltage, _grad_th, _grad_r, grad_next_current,
                   grad_next_voltage, grad_next_ref, grad_next_th, _grad_events):  # fmt: skip
    current, voltage, th, r, events, *params_and_states = ctx.saved_tensors
    current_state, voltage_state, ref_state, th_state = params_and_states[4:]
    grads = alif_backward_op(
        _or_zeros(grad_spikes, voltage), _empty_if_none(grad_voltage, voltage),
        _or_zeros(grad_next_current, current_state), _or_zeros(grad_next_voltage, voltage_state),
        _or_zeros(grad_next_ref, ref_state), _or_zeros(grad_next_th, th_state),
        current, voltage, th, r, events, *params_and_states, *ctx.scalars,
    )  # fmt: skip
    return (*grads, None, None, None, None, None, None)


torch.library.register_autograd("slayer::alif", _alif_backward, setup_context=_alif_setup)
