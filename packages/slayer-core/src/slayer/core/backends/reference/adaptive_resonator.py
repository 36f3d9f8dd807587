"""Reference ``adaptive_resonator_forward`` (fused resonator and adaptive threshold)."""

from __future__ import annotations

from torch import Tensor

from slayer.core.dynamics._fixed_point import decay_to_int, scale_to_int

from ._layout import _float_or_nan, _poisoned_from, _stack_like, _time_first, _time_last_like
from .adaptive_threshold import _ThresholdState
from .resonator import _rotate


def adaptive_resonator_forward(
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
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    dtype = real.dtype
    xr, xr_valid = scale_to_int(_time_first(real), s_scale)
    xi, xi_valid = scale_to_int(_time_first(imag), s_scale)
    sin, sin_valid = decay_to_int(sin_decay)
    cos, cos_valid = decay_to_int(cos_decay)
    re, re_valid = scale_to_int(real_state, s_scale)
    im, im_valid = scale_to_int(imag_state, s_scale)
    resonator_bad = ~(re_valid & im_valid & sin_valid & cos_valid)
    state = _ThresholdState(ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale)
    state.initial_bad = state.initial_bad | resonator_bad
    res, ims = [], []
    for t in range(xr.shape[0]):
        re, im = _rotate(re, im, sin, cos)
        re, im = re + xr[t], im + xi[t]
        res.append(re)
        ims.append(im)
        state.decay()
        state.jump(im >= state.th + state.r)  # Izhikevich spike; re/im are not reset
    invalid = ~(xr_valid & xi_valid)
    poisoned = _poisoned_from(invalid, resonator_bad, inclusive=True)
    last_bad = poisoned[-1] if len(res) else resonator_bad
    th, r, next_r, next_th, events = state.results(invalid, real, s_scale)
    return (
        _time_last_like(_float_or_nan(_stack_like(res, xr), poisoned, s_scale, dtype), real),
        _time_last_like(_float_or_nan(_stack_like(ims, xr), poisoned, s_scale, dtype), imag),
        th,
        r,
        _float_or_nan(re, last_bad, s_scale, dtype),
        _float_or_nan(im, last_bad, s_scale, dtype),
        next_r,
        next_th,
        events,
    )
