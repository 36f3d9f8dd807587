"""Resonator fused with the adaptive threshold (ADRF-Izhikevich, spec §3.5) in lava-dl's fixed point."""

from __future__ import annotations

from torch import Tensor


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
    float16/bfloat16 are computed in float32 and returned in the input dtype.
    """
    raise NotImplementedError
