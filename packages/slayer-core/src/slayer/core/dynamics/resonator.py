"""Resonator ``z[t] = (1-a) e^(i phi) z'[t-1] + x[t]`` in lava-dl's fixed point (spec §3.2)."""

from __future__ import annotations

from torch import Tensor

from ._ops import resonator_op
from ._validation import (
    check_s_scale,
    complex_series,
    initial_state,
    neuron_parameter,
    scalar,
    validate,
    validate_traces,
)


def resonator(
    real: Tensor,
    imag: Tensor,
    sin_decay: Tensor,
    cos_decay: Tensor,
    real_state: Tensor | None = None,
    imag_state: Tensor | None = None,
    threshold: float | Tensor | None = None,
    *,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Damped rotation of ``(re, im)`` with optional Izhikevich reset, in integer units of ``1/s_scale``.

    real, imag: ``(N, *S, T)``; sin_decay, cos_decay: ``4096 (1-a) sin(phi)`` and ``4096 (1-a) cos(phi)``,
    shape ``()``, ``(1,)``, ``(S[0],)`` or ``S``; real_state, imag_state: ``(N, *S)``, one element or ``None``.

    Integer rule: ``re[t] = rtz(cos*re'[t-1], 12) - rtz(sin*im'[t-1], 12) + trunc(s_scale*x_re[t])``,
    ``im[t] = rtz(sin*re'[t-1], 12) + rtz(cos*im'[t-1], 12) + trunc(s_scale*x_im[t])``; with a threshold,
    ``im[t] >= threshold*s_scale`` sets ``re' = 0`` and ``im' = ceil(threshold*s_scale) - 1`` for the next step.

    Returns ``(real_out, imag_out, next_real_state, next_imag_state)``; outputs ``(N, *S, T)`` are pre-reset.
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
    re0 = initial_state("real_state", real_state, batch, spatial, re, 0.0)
    im0 = initial_state("imag_state", imag_state, batch, spatial, re, 0.0)
    level = None if threshold is None else scalar("threshold", threshold)
    validate(s_scale, {"sin_decay": sin, "cos_decay": cos}, real=re, imag=im, real_state=re0, imag_state=im0)
    re_out, im_out, next_re, next_im, _ = resonator_op(re, im, sin, cos, re0, im0, level, s_scale)
    validate_traces(s_scale, real_state=re0, imag_state=im0, real=re_out, imag=im_out)
    return re_out.to(real.dtype), im_out.to(imag.dtype), next_re, next_im
