"""Fused CUBA neuron: current and voltage integration, spike and reset in one op (``slayer::cuba``)."""

from __future__ import annotations

from torch import Tensor

from ._fused_checks import check_surrogate, fused_dtype
from ._ops import cuba_op, leaky_integrator_op
from ._ops._layout import neuron_major_input
from ._validation import (
    check_s_scale,
    initial_state,
    neuron_parameter,
    scalar,
    time_series_shape,
    validate,
    validate_traces,
    validation_enabled,
)


def cuba(
    input: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    current_state: Tensor | None = None,
    voltage_state: Tensor | None = None,
    *,
    threshold: float | Tensor,
    tau_rho: float,
    scale_rho: float,
    graded: bool = False,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Spikes of a CUBA neuron, identical to the composition it fuses.

    input: ``(N, *S, T)`` float32 or float64, any strides; current_decay, voltage_decay: ``()``, ``(1,)``,
    ``(S[0],)`` or ``S`` in units of 1/4096; current_state, voltage_state: ``(N, *S)``, one element or
    ``None`` (zero); threshold: the spike/reset level in float units (the CUBA neuron passes
    ``θ + 0.01/s_scale``); tau_rho, scale_rho: the real spike's surrogate width and height.

    Same values as::

        current, next_c = leaky_integrator(input, current_decay, current_state, s_scale=s_scale)
        voltage, next_v = leaky_integrator(current, voltage_decay, voltage_state, threshold, s_scale=s_scale)
        spikes = slayer.spike.real_spike(voltage, threshold, tau_rho, scale_rho, graded)

    bit for bit (spikes, voltage, next states), with the same gradients for the input, both decays and
    both initial states (and the voltage, if it is used). Graded spikes carry the voltage.

    Returns ``(spikes, voltage, next_current_state, next_voltage_state)``: spikes and voltage
    ``(N, *S, T)`` laid out like the input (neuron-contiguous in, neuron-contiguous out), states ``(N, *S)``.
    """
    batch, spatial, _ = time_series_shape("input", input)
    fused_dtype("input", input)
    check_s_scale(s_scale)
    tau, height = check_surrogate(tau_rho, scale_rho)
    cd = neuron_parameter("current_decay", current_decay, spatial, input)
    vd = neuron_parameter("voltage_decay", voltage_decay, spatial, input)
    c0 = initial_state("current_state", current_state, batch, spatial, input, 0.0)
    v0 = initial_state("voltage_state", voltage_state, batch, spatial, input, 0.0)
    level = scalar("threshold", threshold)
    validate(s_scale, {"current_decay": cd, "voltage_decay": vd}, input=input, current_state=c0, voltage_state=v0)
    input = neuron_major_input(input)  # saved for backward: copied once, not again there
    spikes, voltage, next_c, next_v, _ = cuba_op(input, cd, vd, c0, v0, level, tau, height, bool(graded), s_scale)
    if validation_enabled():  # the current trace is not an output: recomputed to check it
        current = leaky_integrator_op(input, cd, c0, None, s_scale)[0]
        validate_traces(s_scale, current_state=c0, voltage_state=v0, current=current, voltage=voltage)
    return spikes, voltage, next_c, next_v
