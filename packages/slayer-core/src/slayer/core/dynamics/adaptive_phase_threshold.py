"""Adaptive threshold for phase-spiking resonators (ADRF, spec §3.4) in lava-dl's fixed point."""

from __future__ import annotations

from torch import Tensor

from ._ops import adaptive_phase_threshold_op
from ._validation import (
    check_s_scale,
    complex_series,
    initial_state,
    neuron_parameter,
    scalar,
    validate,
    validate_traces,
)


def adaptive_phase_threshold(
    real: Tensor,
    imag: Tensor,
    ref_decay: Tensor,
    th_decay: Tensor,
    th_step: float | Tensor,
    th0: float | Tensor,
    imag_state: Tensor | None = None,
    ref_state: Tensor | None = None,
    th_state: Tensor | None = None,
    *,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``θ``/``r`` traces as :func:`adaptive_threshold`, spiking at upward zero crossings of ``imag``.

    real, imag: ``(N, *S, T)`` resonator traces; imag_state: ``(N, *S)``/one element/``None`` (0), the
    imaginary value before the first bin. Spike at ``t`` when ``trunc(s_scale re[t]) >= θ[t] + r[t]`` and
    ``im[t-1] < 0 <= im[t]`` (integer values).

    Returns ``(threshold, refractory, next_ref_state, next_th_state)``.
    Shapes: time last, ``N`` batch, ``S`` spatial shape (any number of dims), ``T`` time; any strides.
    Decay-type parameters: float tensors in units of 1/4096, shape ``()``/``(1,)`` (shared), ``(S[0],)``
    (per channel) or ``S`` (per neuron); rounded to integers with a straight-through gradient.
    States: float tensors in float units, shape ``(N, *S)`` or one element (broadcast); ``None`` = zero.
    float16/bfloat16 are computed in float32 and returned in the input dtype, except the next states: they stay
    float32 (exact), so that chunked runs equal one long run.
    """
    batch, spatial, re, im = complex_series(real, imag)
    check_s_scale(s_scale)
    ref_d = neuron_parameter("ref_decay", ref_decay, spatial, re)
    th_d = neuron_parameter("th_decay", th_decay, spatial, re)
    step, base = scalar("th_step", th_step), scalar("th0", th0)
    im0 = initial_state("imag_state", imag_state, batch, spatial, re, 0.0)
    r0 = initial_state("ref_state", ref_state, batch, spatial, re, 0.0)
    th_0 = initial_state("th_state", th_state, batch, spatial, re, base)
    decays = {"ref_decay": ref_d, "th_decay": th_d}
    validate(s_scale, decays, real=re, imag=im, imag_state=im0, ref_state=r0, th_state=th_0)
    th, r, next_r, next_th, _ = adaptive_phase_threshold_op(re, im, ref_d, th_d, im0, r0, th_0, step, base, s_scale)
    validate_traces(s_scale, ref_state=r0, th_state=th_0, threshold=th, refractory=r)
    out = real.dtype
    return th.to(out), r.to(out), next_r, next_th
