"""The ``reference`` backend: pure PyTorch, runs anywhere, the oracle for the others.

Each kernel implements the contract in ``docs/backends.md``: 3-D tensors ``(N, M, T)`` (``M`` neurons
per sample, time last, any strides), decays ``(M,)``, states ``(N, M)``, plain ints and bools.
Internally the time series are copied to time-first ``(T, N, M)`` so each step works on a contiguous
slice; the loop over time is Python, every step is vectorised int64 arithmetic over all neurons.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import torch
from torch import Tensor

from slayer.core.dynamics._fixed_point import DECAY_ONE, decay_to_int, rtz_shift, scale_to_int, to_float

from ._backend import Backend

# -- layout helpers ---------------------------------------------------------------------------


def _time_first(x: Tensor) -> Tensor:
    """``(N, M, T)`` -> contiguous ``(T, N, M)``."""
    return x.permute(2, 0, 1).contiguous()


def _time_last_like(values: Tensor, like: Tensor) -> Tensor:
    """Time-first ``values`` written into a tensor laid out as ``torch.empty_like(like)``."""
    out = torch.empty_like(like, dtype=values.dtype)
    out.copy_(values.permute(1, 2, 0))
    return out


def _no_events(like: Tensor) -> Tensor:
    return torch.empty((0,), dtype=torch.bool, device=like.device)


def _poisoned_from(invalid: Tensor, initial: Tensor, *, inclusive: bool) -> Tensor:
    """Per bin, whether the neuron saw an invalid value (at or, if not ``inclusive``, before the bin)."""
    # a running OR over time (much cheaper than a cumsum of the whole tensor)
    seen = torch.stack(list(itertools.accumulate(invalid.unbind(0), torch.logical_or))) if len(invalid) else invalid
    if not inclusive:
        seen = torch.cat([torch.zeros_like(seen[:1]), seen[:-1]])
    return seen | initial


def _float_or_nan(values: Tensor, poisoned: Tensor, s_scale: int, dtype: torch.dtype) -> Tensor:
    return torch.where(poisoned, torch.nan, to_float(values, s_scale, dtype))


def _stack_like(steps: list[Tensor], like: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """Stack per-step ``(N, M)`` tensors to ``(T, N, M)``; an empty list gives ``like``'s empty shape."""
    if steps:
        return torch.stack(steps)
    return torch.empty(like.shape, dtype=dtype or like.dtype, device=like.device)


def _previous(initial: Tensor, post: Tensor) -> Tensor:
    """``[initial, post[0], ..., post[T-2]]`` along the time-first axis."""
    return torch.cat([initial.unsqueeze(0), post[:-1]])


# -- leaky integrator --------------------------------------------------------------------------


def leaky_integrator_forward(
    x: Tensor, decay: Tensor, state: Tensor, reset: bool, threshold: int, s_scale: int
) -> tuple[Tensor, Tensor, Tensor]:
    dtype = x.dtype
    x_int, x_valid = scale_to_int(_time_first(x), s_scale)
    d_int, d_valid = decay_to_int(decay)
    retention = DECAY_ONE - d_int
    y, s_valid = scale_to_int(state, s_scale)
    initial_bad = ~s_valid | ~d_valid
    steps, events = [], []
    for t in range(x_int.shape[0]):
        y = rtz_shift(y * retention) + x_int[t]
        steps.append(y)
        if reset:
            fired = y >= threshold
            events.append(fired)
            y = torch.where(fired, 0, y)
    poisoned = _poisoned_from(~x_valid, initial_bad, inclusive=True)
    out = _stack_like(steps, x_int)
    output = _time_last_like(_float_or_nan(out, poisoned, s_scale, dtype), x)
    last_bad = poisoned[-1] if len(steps) else initial_bad
    next_state = _float_or_nan(y, last_bad, s_scale, dtype)
    fired = _time_last_like(_stack_like(events, x_int, torch.bool), x) if reset else _no_events(x)
    return output, next_state, fired


def leaky_integrator_backward(
    grad_output: Tensor,
    grad_next_state: Tensor,
    output: Tensor,
    events: Tensor,
    decay: Tensor,
    state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor]:
    retention = 1 - decay / DECAY_ONE
    y = _time_first(output)
    post = torch.where(_time_first(events), 0, y) if reset else y
    before = _previous(state, post)
    g_out = _time_first(grad_output)
    adjoint = grad_next_state
    grad_retention = torch.zeros_like(state)
    grad_x = torch.empty_like(g_out)
    for t in range(g_out.shape[0] - 1, -1, -1):
        total = g_out[t] + adjoint
        grad_x[t] = total
        grad_retention = grad_retention + total * before[t]
        adjoint = retention * total
    return _time_last_like(grad_x, output), -grad_retention / DECAY_ONE, adjoint


# -- resonator ---------------------------------------------------------------------------------


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


# -- adaptive threshold / refractory -----------------------------------------------------------


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


# -- adaptive resonator (fused) ----------------------------------------------------------------


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


# -- fused CUBA and ALIF neurons ---------------------------------------------------------------
#
# The fused kernels are, by definition, the composition the neurons ran before: current integrator,
# voltage integrator (with reset for CUBA), (adaptive threshold for ALIF) and the real spike. The
# reference spells that composition out with the kernels above, so it is the oracle by construction.


def _spike(voltage: Tensor, level: float | Tensor, graded: bool) -> Tensor:
    """``voltage >= level`` in the voltage's dtype (a Python ``level`` is cast to it, as torch does);
    graded spikes carry the voltage (``0 * v`` elsewhere, NaN where the voltage is NaN)."""
    fired = (voltage >= level).to(voltage.dtype)
    return fired * voltage if graded else fired


def _surrogate(distance: Tensor, tau_rho: float, scale_rho: float, graded: bool) -> tuple[Tensor, Tensor]:
    """``(∂s/∂v, Laplace bump)`` of the real spike at ``distance = v - level`` (docs/spikes.md)."""
    bump = scale_rho * (torch.exp(-torch.abs(distance) / tau_rho) / (2 * tau_rho))
    if graded:
        return scale_rho * torch.exp(torch.clamp(distance, max=0) / tau_rho), bump
    return bump, bump


def _plus(grad: Tensor, extra: Tensor) -> Tensor:
    """``grad + extra``; an empty ``extra`` (``(0,)``) means no gradient."""
    return grad + extra if extra.numel() else grad


def cuba_forward(
    x: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    threshold: int,
    spike_threshold: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    current, next_current, _ = leaky_integrator_forward(x, current_decay, current_state, False, 0, s_scale)
    voltage, next_voltage, events = leaky_integrator_forward(
        current, voltage_decay, voltage_state, True, threshold, s_scale
    )
    return _spike(voltage, spike_threshold, graded), voltage, next_current, next_voltage, events


def cuba_backward(
    grad_spikes: Tensor,
    grad_voltage: Tensor,
    grad_next_current: Tensor,
    grad_next_voltage: Tensor,
    x: Tensor,
    voltage: Tensor,
    events: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    spike_threshold: float,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    # the current is not saved: recompute it from the input (the same integer recursion as the forward)
    current, _, _ = leaky_integrator_forward(x, current_decay, current_state, False, 0, s_scale)
    rho, _ = _surrogate(voltage - spike_threshold, tau_rho, scale_rho, graded)
    grad_v = _plus(grad_spikes * rho, grad_voltage)
    grad_current, grad_vd, grad_vs = leaky_integrator_backward(
        grad_v, grad_next_voltage, voltage, events, voltage_decay, voltage_state, True, 0, s_scale
    )
    grad_x, grad_cd, grad_cs = leaky_integrator_backward(
        grad_current, grad_next_current, current, _no_events(x), current_decay, current_state, False, 0, s_scale
    )
    # grad_x is laid out like the current, i.e. like empty_like(x): already what the contract asks
    return grad_x, grad_cd, grad_vd, grad_cs, grad_vs


def alif_forward(
    x: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor,
    voltage_state: Tensor,
    ref_state: Tensor,
    th_state: Tensor,
    th_step: int,
    th0: int,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    current, next_current, _ = leaky_integrator_forward(x, current_decay, current_state, False, 0, s_scale)
    voltage, next_voltage, _ = leaky_integrator_forward(current, voltage_decay, voltage_state, False, 0, s_scale)
    th, r, next_r, next_th, events = adaptive_threshold_forward(
        voltage, ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale
    )
    spikes = _spike(voltage, th + r, graded)
    return spikes, current, voltage, th, r, next_current, next_voltage, next_r, next_th, events


def alif_backward(
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
    th_step: int,
    th0: int,
    tau_rho: float,
    scale_rho: float,
    graded: bool,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    rho, bump = _surrogate(voltage - (threshold_out + refractory_out), tau_rho, scale_rho, graded)
    # the spike's threshold θ[t] + r[t] gets -ρ (graded: -bump * v) and passes it to both θ and r
    grad_level = grad_spikes * (-bump * voltage if graded else -bump)
    grad_rd, grad_td, grad_rs, grad_ts = adaptive_threshold_backward(
        grad_level, grad_level, grad_next_ref, grad_next_th, threshold_out, refractory_out, events,
        ref_decay, th_decay, ref_state, th_state, th_step, th0, s_scale,
    )  # fmt: skip
    none = _no_events(voltage)
    grad_current, grad_vd, grad_vs = leaky_integrator_backward(
        _plus(grad_spikes * rho, grad_voltage), grad_next_voltage, voltage, none, voltage_decay, voltage_state,
        False, 0, s_scale,
    )  # fmt: skip
    grad_x, grad_cd, grad_cs = leaky_integrator_backward(
        grad_current, grad_next_current, current, none, current_decay, current_state, False, 0, s_scale
    )
    return grad_x, grad_cd, grad_vd, grad_rd, grad_td, grad_cs, grad_vs, grad_rs, grad_ts


KERNELS: dict[str, Callable] = {
    "leaky_integrator_forward": leaky_integrator_forward,
    "leaky_integrator_backward": leaky_integrator_backward,
    "resonator_forward": resonator_forward,
    "resonator_backward": resonator_backward,
    "adaptive_threshold_forward": adaptive_threshold_forward,
    "adaptive_threshold_backward": adaptive_threshold_backward,
    "adaptive_phase_threshold_forward": adaptive_phase_threshold_forward,
    "adaptive_resonator_forward": adaptive_resonator_forward,
    "cuba_forward": cuba_forward,
    "cuba_backward": cuba_backward,
    "alif_forward": alif_forward,
    "alif_backward": alif_backward,
}


class ReferenceBackend(Backend):
    name = "reference"
    device_types = frozenset({"cpu", "cuda", "mps", "xpu", "meta"})
    priority = 0
    description = "pure PyTorch fixed-point dynamics (readable oracle)"

    def kernels(self) -> Mapping[str, Callable]:
        return KERNELS
