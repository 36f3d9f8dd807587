"""``slayer::adaptive_resonator``: op, fake kernel and autograd (backward through the resonator and
adaptive threshold backward ops)."""

import torch
from torch import Tensor

from .._fixed_point import quantity_to_int
from ._layout import (
    _flat_param,
    _flat_series,
    _flat_state,
    _kernel,
    _no_events,
    _or_zeros,
    _series_like,
)
from .adaptive_threshold import _threshold_grads
from .resonator import resonator_backward_op


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
