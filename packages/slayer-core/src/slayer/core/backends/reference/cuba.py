"""Reference ``cuba_forward`` / ``cuba_backward`` (fused CUBA neuron).

The fused kernels are, by definition, the composition the neurons ran before: current integrator,
voltage integrator (with reset for CUBA), (adaptive threshold for ALIF) and the real spike. The
reference spells that composition out with the kernels of this package, so it is the oracle by construction.
"""

from __future__ import annotations

from torch import Tensor

from ._layout import _no_events
from ._spike import _plus, _spike, _surrogate
from .leaky_integrator import leaky_integrator_backward, leaky_integrator_forward


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
