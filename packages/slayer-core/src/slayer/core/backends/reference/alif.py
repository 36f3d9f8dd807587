"""Reference ``alif_forward`` / ``alif_backward`` (fused ALIF neuron).

The fused kernels are, by definition, the composition the neurons ran before: current integrator,
voltage integrator (with reset for CUBA), (adaptive threshold for ALIF) and the real spike. The
reference spells that composition out with the kernels of this package, so it is the oracle by construction.
"""

from __future__ import annotations

from torch import Tensor

from ._layout import _no_events
from ._spike import _plus, _spike, _surrogate
from .adaptive_threshold import adaptive_threshold_backward, adaptive_threshold_forward
from .leaky_integrator import leaky_integrator_backward, leaky_integrator_forward


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
