"""Leaky integrator ``y[t] = (1 - d/4096) y'[t-1] + x[t]`` in lava-dl's fixed point (spec §3.1)."""

from __future__ import annotations

from torch import Tensor

from ._ops import leaky_integrator_op
from ._validation import (
    check_s_scale,
    initial_state,
    neuron_parameter,
    scalar,
    time_series,
    validate,
    validate_traces,
)


def leaky_integrator(
    input: Tensor,
    decay: Tensor,
    state: Tensor | None = None,
    threshold: float | Tensor | None = None,
    *,
    s_scale: int = 4096,
) -> tuple[Tensor, Tensor]:
    """First-order leaky integration with optional reset to zero, in integer units of ``1/s_scale``.

    input: ``(N, *S, T)``; decay: ``()``, ``(1,)``, ``(S[0],)`` or ``S`` (units of 1/4096);
    state: ``(N, *S)``, one element or ``None`` (zero); threshold: float units or ``None`` (no reset).

    Integer rule: ``y[t] = rtz(y'[t-1] * (4096 - d), 12) + trunc(s_scale * x[t])`` and, when a threshold
    is given, ``y'[t] = 0`` if ``y[t] >= threshold * s_scale`` (compared exactly) else ``y[t]``.

    Returns ``(output, next_state)``: output ``(N, *S, T)`` holds the pre-reset values ``y[t] / s_scale``
    (as lava-dl); next_state ``(N, *S)`` is ``y'[T-1] / s_scale`` (reset of a last-bin spike applied).
    Shapes: time last, ``N`` batch, ``S`` spatial shape (any number of dims), ``T`` time; any strides.
    Decay-type parameters: float tensors in units of 1/4096, shape ``()``/``(1,)`` (shared), ``(S[0],)``
    (per channel) or ``S`` (per neuron); rounded to integers with a straight-through gradient.
    States: float tensors in float units, shape ``(N, *S)`` or one element (broadcast); ``None`` = zero.
    float16/bfloat16 are computed in float32 and returned in the input dtype, except the next states: they stay
    float32 (exact), so that chunked runs equal one long run.
    """
    batch, spatial, x = time_series("input", input)
    check_s_scale(s_scale)
    retention_decay = neuron_parameter("decay", decay, spatial, x)
    start = initial_state("state", state, batch, spatial, x, 0.0)
    level = None if threshold is None else scalar("threshold", threshold)
    validate(s_scale, {"decay": retention_decay}, input=x, state=start)
    output, next_state, _ = leaky_integrator_op(x, retention_decay, start, level, s_scale)
    validate_traces(s_scale, state=start, output=output)
    return output.to(input.dtype), next_state
