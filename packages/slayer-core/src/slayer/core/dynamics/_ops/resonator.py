"""``slayer::resonator``: op, fake kernel, backward op and autograd."""

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
