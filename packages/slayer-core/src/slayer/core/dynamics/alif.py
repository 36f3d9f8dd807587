"""Fused ALIF neuron: current and voltage integration, adaptive threshold/refractory and spike in one op
(``slayer::alif``)."""

from __future__ import annotations

from torch import Tensor

from ._fused_checks import check_surrogate, fused_dtype
from ._ops import alif_op
from ._ops._layout import neuron_major_input
from ._validation import (
    check_s_scale,
    initial_state,
    neuron_parameter,
    scalar,
    time_series_shape,
    validate,
    validate_traces,
)


def alif(
    input: Tensor,
    current_decay: Tensor,
    voltage_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    current_state: Tensor | None = None,
    voltage_state: Tensor | None = None,
    ref_state: Tensor | None = None,
    th_state: Tensor | None = None,
    *,
    th_step: float | Tensor,
    th0: float | Tensor,
    tau_rho: float,
    scale_rho: float,
    graded: bool = False,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Spikes of an ALIF neuron, identical to the composition it fuses.

    input: ``(N, *S, T)`` float32 or float64, any strides; decays (``current``, ``voltage``, ``ref``,
    ``th``): ``()``, ``(1,)``, ``(S[0],)`` or ``S`` in units of 1/4096; states ``(N, *S)``, one element
    or ``None`` (0; ``th_state=None`` means ``th0``); th_step, th0: float units; tau_rho, scale_rho: the
    real spike's surrogate width and height.

    Same values as::

        current, next_c = leaky_integrator(input, current_decay, current_state, s_scale=s_scale)
        voltage, next_v = leaky_integrator(current, voltage_decay, voltage_state, s_scale=s_scale)
        th, r, next_r, next_th = adaptive_threshold(voltage, ref_decay, th_decay, th_step, th0,
                                                    ref_state, th_state, s_scale=s_scale)
        spikes = slayer.spike.real_spike(voltage, th + r, tau_rho, scale_rho, graded)

    bit for bit, with the same gradients for the input, all four decays and all initial states: the
    spike's threshold gradient (``-ρ``) flows into the adaptive threshold's backward. The voltage is not
    reset; graded spikes carry the voltage.

    Returns ``(spikes, voltage, next_current_state, next_voltage_state, next_ref_state, next_th_state)``.
    """
    batch, spatial, _ = time_series_shape("input", input)
    fused_dtype("input", input)
    check_s_scale(s_scale)
    tau, height = check_surrogate(tau_rho, scale_rho)
    decay_names = ("current_decay", "voltage_decay", "ref_decay", "th_decay")
    decays = [
        neuron_parameter(name, value, spatial, input)
        for name, value in zip(decay_names, (current_decay, voltage_decay, ref_decay, th_decay))
    ]
    step, base = scalar("th_step", th_step), scalar("th0", th0)
    states = [
        initial_state(name, value, batch, spatial, input, default)
        for name, value, default in (
            ("current_state", current_state, 0.0),
            ("voltage_state", voltage_state, 0.0),
            ("ref_state", ref_state, 0.0),
            ("th_state", th_state, base),
        )
    ]
    state_names = ("current_state", "voltage_state", "ref_state", "th_state")
    validate(s_scale, dict(zip(decay_names, decays)), input=input, **dict(zip(state_names, states)))
    input = neuron_major_input(input)  # saved for backward: copied once, not again there
    spikes, current, voltage, threshold, refractory, next_c, next_v, next_r, next_th, _ = alif_op(
        input, *decays, *states, step, base, tau, height, bool(graded), s_scale
    )
    traces = dict(current=current, voltage=voltage, threshold=threshold, refractory=refractory)
    validate_traces(s_scale, **dict(zip(state_names, states)), **traces)
    return spikes, voltage, next_c, next_v, next_r, next_th
