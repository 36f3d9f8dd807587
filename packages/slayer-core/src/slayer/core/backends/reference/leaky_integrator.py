"""Reference ``leaky_integrator_forward`` / ``leaky_integrator_backward``."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.dynamics._fixed_point import DECAY_ONE, decay_to_int, rtz_shift, scale_to_int

from ._layout import _float_or_nan, _no_events, _poisoned_from, _previous, _stack_like, _time_first, _time_last_like


def leaky_integrator_forward(
    x: Tensor, decay: Tensor, state: Tensor, reset: bool, threshold: int, s_scale: int
) -> tuple[Tensor, Tensor, Tensor]:
    dtype = x.dtype
    x_int, x_valid = scale_to_int(_time_first(x), s_scale)
    d_int, d_valid = decay_to_int(decay)
    retention = DECAY_ONE - d_int
    y, s_valid = scale_to_int(state, s_scale)
    initial_bad = ~s_valid | ~d_valid
    steps, events = [], []
    for t in range(x_int.shape[0]):
        y = rtz_shift(y * retention) + x_int[t]
        steps.append(y)
        if reset:
            fired = y >= threshold
            events.append(fired)
            y = torch.where(fired, 0, y)
    poisoned = _poisoned_from(~x_valid, initial_bad, inclusive=True)
    out = _stack_like(steps, x_int)
    output = _time_last_like(_float_or_nan(out, poisoned, s_scale, dtype), x)
    last_bad = poisoned[-1] if len(steps) else initial_bad
    next_state = _float_or_nan(y, last_bad, s_scale, dtype)
    fired = _time_last_like(_stack_like(events, x_int, torch.bool), x) if reset else _no_events(x)
    return output, next_state, fired


def leaky_integrator_backward(
    grad_output: Tensor,
    grad_next_state: Tensor,
    output: Tensor,
    events: Tensor,
    decay: Tensor,
    state: Tensor,
    reset: bool,
    threshold: int,
    s_scale: int,
) -> tuple[Tensor, Tensor, Tensor]:
    retention = 1 - decay / DECAY_ONE
    y = _time_first(output)
    post = torch.where(_time_first(events), 0, y) if reset else y
    before = _previous(state, post)
    g_out = _time_first(grad_output)
    adjoint = grad_next_state
    grad_retention = torch.zeros_like(state)
    grad_x = torch.empty_like(g_out)
    for t in range(g_out.shape[0] - 1, -1, -1):
        total = g_out[t] + adjoint
        grad_x[t] = total
        grad_retention = grad_retention + total * before[t]
        adjoint = retention * total
    return _time_last_like(grad_x, output), -grad_retention / DECAY_ONE, adjoint
