"""Adaptive threshold with refractory increment (ALIF, spec §3.3) in lava-dl's fixed point."""

from __future__ import annotations

from torch import Tensor

from ._ops import adaptive_threshold_op
from ._validation import (
    check_s_scale,
    initial_state,
    neuron_parameter,
    scalar,
    time_series,
    validate,
    validate_traces,
)


def adaptive_threshold(
    voltage: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    th_step: float | Tensor,
    th0: float | Tensor,
    ref_state: Tensor | None = None,
    th_state: Tensor | None = None,
    *,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Threshold ``θ`` and refractory ``r`` traces of an ALIF neuron driven by a voltage trace.

    voltage: ``(N, *S, T)``; ref_decay, th_decay: ``()``, ``(1,)``, ``(S[0],)`` or ``S``;
    th_step, th0: float units; ref_state: ``(N, *S)``/one element/``None`` (0); th_state likewise (``None`` = th0).

    Integer rule: ``r[t] = rtz(r'[t-1] (4096 - ref_decay), 12)``,
    ``θ[t] = rtz((θ'[t-1] - θ0) (4096 - th_decay), 12) + θ0``; spike ``trunc(s_scale v[t]) >= θ[t] + r[t]``;
    after a spike ``r' = r + 2θ`` and ``θ' = θ + θ_step`` (``θ0, θ_step = trunc(s_scale * th0, th_step)``).

    Returns ``(threshold, refractory, next_ref_state, next_th_state)``; outputs ``(N, *S, T)`` are the
    pre-spike values. Gradients flow to the decays and states (spike events held fixed), not to the voltage.
    Shapes: time last, ``N`` batch, ``S`` spatial shape (any number of dims), ``T`` time; any strides.
    Decay-type parameters: float tensors in units of 1/4096, shape ``()``/``(1,)`` (shared), ``(S[0],)``
    (per channel) or ``S`` (per neuron); rounded to integers with a straight-through gradient.
    States: float tensors in float units, shape ``(N, *S)`` or one element (broadcast); ``None`` = zero.
    float16/bfloat16 are computed in float32 and returned in the input dtype, except the next states: they stay
    float32 (exact), so that chunked runs equal one long run.
    """
    batch, spatial, v = time_series("voltage", voltage)
    check_s_scale(s_scale)
    ref_d = neuron_parameter("ref_decay", ref_decay, spatial, v)
    th_d = neuron_parameter("th_decay", th_decay, spatial, v)
    step, base = scalar("th_step", th_step), scalar("th0", th0)
    r0 = initial_state("ref_state", ref_state, batch, spatial, v, 0.0)
    th_0 = initial_state("th_state", th_state, batch, spatial, v, base)
    validate(s_scale, {"ref_decay": ref_d, "th_decay": th_d}, voltage=v, ref_state=r0, th_state=th_0)
    th, r, next_r, next_th, _ = adaptive_threshold_op(v, ref_d, th_d, r0, th_0, step, base, s_scale)
    validate_traces(s_scale, ref_state=r0, th_state=th_0, threshold=th, refractory=r)
    out = voltage.dtype
    return th.to(out), r.to(out), next_r, next_th
