"""Reference ``resonator_forward`` / ``resonator_backward``."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.dynamics._fixed_point import DECAY_ONE, decay_to_int, rtz_shift, scale_to_int

from ._layout import _float_or_nan, _no_events, _poisoned_from, _previous, _stack_like, _time_first, _time_last_like


def _rotate(re: Tensor, im: Tensor, sin: Tensor, cos: Tensor) -> tuple[Tensor, Tensor]:
    """One fixed-point damped rotation; each product truncated separately (as lava-dl)."""
    return (
        rtz_shift(cos * re) - rtz_shift(sin * im),
        rtz_shift(sin * re) + rtz_shift(cos * im),
    )


def resonator_forward(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor,
    imag_state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    dtype = real.dtype
    xr, xr_valid = scale_to_int(_time_first(real), s_scale)
    xi, xi_valid = scale_to_int(_time_first(imag), s_scale)
    sin, sin_valid = decay_to_int(sin_decay)
    cos, cos_valid = decay_to_int(cos_decay)
    re, re_valid = scale_to_int(real_state, s_scale)
    im, im_valid = scale_to_int(imag_state, s_scale)
    initial_bad = ~(re_valid & im_valid & sin_valid & cos_valid)
    res, ims, events = [], [], []
    for t in range(xr.shape[0]):
        re, im = _rotate(re, im, sin, cos)
        re, im = re + xr[t], im + xi[t]
        res.append(re)
        ims.append(im)
        if reset:
            fired = im >= threshold
            events.append(fired)
            re = torch.where(fired, 0, re)
            im = torch.where(fired, threshold - 1, im)
    poisoned = _poisoned_from(~(xr_valid & xi_valid), initial_bad, inclusive=True)
    last_bad = poisoned[-1] if len(res) else initial_bad
    return (
        _time_last_like(_float_or_nan(_stack_like(res, xr), poisoned, s_scale, dtype), real),
        _time_last_like(_float_or_nan(_stack_like(ims, xr), poisoned, s_scale, dtype), imag),
        _float_or_nan(re, last_bad, s_scale, dtype),
        _float_or_nan(im, last_bad, s_scale, dtype),
        _time_last_like(_stack_like(events, xr, torch.bool), real) if reset else _no_events(real),
    )


def resonator_backward(
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
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    sin, cos = sin_decay / DECAY_ONE, cos_decay / DECAY_ONE
    re, im = _time_first(real_out), _time_first(imag_out)
    if reset:
        fired = _time_first(events)
        re = torch.where(fired, 0, re)
        im = torch.where(fired, (threshold - 1) / s_scale, im)
    re_before, im_before = _previous(real_state, re), _previous(imag_state, im)
    g_re, g_im = _time_first(grad_real), _time_first(grad_imag)
    adj_re, adj_im = grad_next_real, grad_next_imag
    grad_sin, grad_cos = torch.zeros_like(real_state), torch.zeros_like(real_state)
    grad_x_re, grad_x_im = torch.empty_like(g_re), torch.empty_like(g_im)
    for t in range(g_re.shape[0] - 1, -1, -1):
        total_re, total_im = g_re[t] + adj_re, g_im[t] + adj_im
        grad_x_re[t], grad_x_im[t] = total_re, total_im
        grad_cos = grad_cos + total_re * re_before[t] + total_im * im_before[t]
        grad_sin = grad_sin - total_re * im_before[t] + total_im * re_before[t]
        # transpose of the rotation [[cos, -sin], [sin, cos]]
        adj_re, adj_im = cos * total_re + sin * total_im, cos * total_im - sin * total_re
    return (
        _time_last_like(grad_x_re, real_out),
        _time_last_like(grad_x_im, imag_out),
        grad_sin / DECAY_ONE,
        grad_cos / DECAY_ONE,
        adj_re,
        adj_im,
    )
