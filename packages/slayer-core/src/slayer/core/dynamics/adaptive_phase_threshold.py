"""Adaptive threshold for phase-spiking resonators (ADRF, spec §3.4) in lava-dl's fixed point."""

from __future__ import annotations

from torch import Tensor


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
    float16/bfloat16 are computed in float32 and returned in the input dtype.
    """
    raise NotImplementedError
