"""Reference adaptive threshold / refractory: ``adaptive_threshold_forward``,
``adaptive_phase_threshold_forward`` and the shared ``adaptive_threshold_backward``."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.dynamics._fixed_point import DECAY_ONE, decay_to_int, rtz_shift, scale_to_int

from ._layout import _float_or_nan, _poisoned_from, _previous, _stack_like, _time_first, _time_last_like


class _ThresholdState:
    """θ and r of every neuron, stepped in integers: decay, then spike-triggered jumps."""

    def __init__(self, ref_decay, th_decay, ref_state, th_state, th_step: int, th0: int, s_scale: int):
        ref_d, ref_valid = decay_to_int(ref_decay)
        th_d, th_valid = decay_to_int(th_decay)
        self.ref_retention, self.th_retention = DECAY_ONE - ref_d, DECAY_ONE - th_d
        self.r, r_valid = scale_to_int(ref_state, s_scale)
        self.th, t_valid = scale_to_int(th_state, s_scale)
        self.initial_bad = ~(ref_valid & th_valid & r_valid & t_valid)
        self.th_step, self.th0 = th_step, th0
        self.rs, self.ths, self.events = [], [], []

    def decay(self) -> None:
        self.r = rtz_shift(self.r * self.ref_retention)
        self.th = rtz_shift((self.th - self.th0) * self.th_retention) + self.th0
        self.rs.append(self.r)
        self.ths.append(self.th)

    def jump(self, fired: Tensor) -> None:
        self.events.append(fired)
        self.r = torch.where(fired, self.r + 2 * self.th, self.r)
        self.th = torch.where(fired, self.th + self.th_step, self.th)

    def results(self, invalid: Tensor, like: Tensor, s_scale: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """``(θ, r, next_r, next_θ, events)``; an invalid driving value poisons from the next bin."""
        dtype = like.dtype
        poisoned = _poisoned_from(invalid, self.initial_bad, inclusive=False)
        last_bad = (poisoned[-1] | invalid[-1]) if len(self.rs) else self.initial_bad
        reference = invalid.to(torch.int64)
        return (
            _time_last_like(_float_or_nan(_stack_like(self.ths, reference), poisoned, s_scale, dtype), like),
            _time_last_like(_float_or_nan(_stack_like(self.rs, reference), poisoned, s_scale, dtype), like),
            _float_or_nan(self.r, last_bad, s_scale, dtype),
            _float_or_nan(self.th, last_bad, s_scale, dtype),
            _time_last_like(_stack_like(self.events, reference, torch.bool), like),
        )


def adaptive_threshold_forward(
    voltage: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    v, v_valid = scale_to_int(_time_first(voltage), s_scale)
    state = _ThresholdState(ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale)
    for t in range(v.shape[0]):
        state.decay()
        state.jump(v[t] >= state.th + state.r)
    return state.results(~v_valid, voltage, s_scale)


def adaptive_phase_threshold_forward(
    real: Tensor,
    imag: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    imag_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    re, re_valid = scale_to_int(_time_first(real), s_scale)
    im, im_valid = scale_to_int(_time_first(imag), s_scale)
    im_before, before_valid = scale_to_int(imag_state, s_scale)
    state = _ThresholdState(ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale)
    state.initial_bad = state.initial_bad | ~before_valid
    for t in range(re.shape[0]):
        state.decay()
        upward_zero_crossing = (im_before < 0) & (im[t] >= 0)
        state.jump((re[t] >= state.th + state.r) & upward_zero_crossing)
        im_before = im[t]
    return state.results(~(re_valid & im_valid), real, s_scale)


def adaptive_threshold_backward(
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
    th_step: int,
    th0: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Adjoint of ``r[t] = b r'[t-1]``, ``φ[t] = a φ'[t-1]`` (``φ = θ - θ0``) with jumps
    ``r' = r + 2 s θ``, ``φ' = φ + s θ_step`` for fixed spikes ``s``; see docs/semantics.md."""
    ref_retention, th_retention = 1 - ref_decay / DECAY_ONE, 1 - th_decay / DECAY_ONE
    base, step = th0 / s_scale, th_step / s_scale
    fired = _time_first(events).to(threshold_out.dtype)
    th, r = _time_first(threshold_out), _time_first(refractory_out)
    r_before = _previous(ref_state, r + 2 * fired * th)
    phi_before = _previous(th_state - base, th - base + step * fired)
    g_th, g_r = _time_first(grad_threshold), _time_first(grad_refractory)
    adj_r, adj_phi = grad_next_ref, grad_next_th
    grad_ref_retention, grad_th_retention = torch.zeros_like(ref_state), torch.zeros_like(ref_state)
    for t in range(g_th.shape[0] - 1, -1, -1):
        total_r = g_r[t] + adj_r
        total_phi = g_th[t] + adj_phi + 2 * fired[t] * adj_r
        grad_ref_retention = grad_ref_retention + total_r * r_before[t]
        grad_th_retention = grad_th_retention + total_phi * phi_before[t]
        adj_r, adj_phi = ref_retention * total_r, th_retention * total_phi
    return -grad_ref_retention / DECAY_ONE, -grad_th_retention / DECAY_ONE, adj_r, adj_phi
