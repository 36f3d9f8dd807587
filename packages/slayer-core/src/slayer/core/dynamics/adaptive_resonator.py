"""Resonator fused with the adaptive threshold (ADRF-Izhikevich, spec §3.5) in lava-dl's fixed point."""

from __future__ import annotations

from torch import Tensor

from ._ops import adaptive_resonator_op
from ._validation import (
    check_s_scale,
    complex_series,
    initial_state,
    neuron_parameter,
    scalar,
    validate,
    validate_traces,
)


def adaptive_resonator(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    th_step: float | Tensor,
    th0: float | Tensor,
    real_state: Tensor | None = None,
    imag_state: Tensor | None = None,
    ref_state: Tensor | None = None,
    th_state: Tensor | None = None,
    *,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Resonator (no reset) plus ``θ``/``r`` with the Izhikevich spike ``im[t] >= θ[t] + r[t]``.

    Returns ``(real_out, imag_out, threshold, refractory, next_real_state, next_imag_state,
    next_ref_state, next_th_state)``; outputs ``(N, *S, T)``, next states ``(N, *S)``.
    Shapes: time last, ``N`` batch, ``S`` spatial shape (any number of dims), ``T`` time; any strides.
    Decay-type parameters: float tensors in units of 1/4096, shape ``()``/``(1,)`` (shared), ``(S[0],)``
    (per channel) or ``S`` (per neuron); rounded to integers with a straight-through gradient.
    States: float tensors in float units, shape ``(N, *S)`` or one element (broadcast); ``None`` = zero.
    float16/bfloat16 are computed in float32 and returned in the input dtype, except the next states: they stay
    float32 (exact), so that chunked runs equal one long run.
    """
    batch, spatial, re, im = complex_series(real, imag)
    check_s_scale(s_scale)
    sin = neuron_parameter("sin_decay", sin_decay, spatial, re)
    cos = neuron_parameter("cos_decay", cos_decay, spatial, re)
    ref_d = neuron_parameter("ref_decay", ref_decay, spatial, re)
    th_d = neuron_parameter("th_decay", th_decay, spatial, re)
    step, base = scalar("th_step", th_step), scalar("th0", th0)
    re0 = initial_state("real_state", real_state, batch, spatial, re, 0.0)
    im0 = initial_state("imag_state", imag_state, batch, spatial, re, 0.0)
    r0 = initial_state("ref_state", ref_state, batch, spatial, re, 0.0)
    th_0 = initial_state("th_state", th_state, batch, spatial, re, base)
    decays = {"sin_decay": sin, "cos_decay": cos, "ref_decay": ref_d, "th_decay": th_d}
    validate(s_scale, decays, real=re, imag=im, real_state=re0, imag_state=im0, ref_state=r0, th_state=th_0)
    outputs = adaptive_resonator_op(re, im, sin, cos, ref_d, th_d, re0, im0, r0, th_0, step, base, s_scale)
    traces = dict(zip(("real", "imag", "threshold", "refractory"), outputs[:4]))
    validate_traces(s_scale, real_state=re0, imag_state=im0, ref_state=r0, th_state=th_0, **traces)
    return (*(value.to(real.dtype) for value in outputs[:4]), *outputs[4:8])  # type: ignore[return-value]
