"""Integer shift along the last (time) axis, one shift for all neurons or one per neuron."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from slayer.core import arguments


def _steps(shift_val: float, sampling_time: float, num_steps: int) -> int:
    # int() truncates toward zero, as lava-dl does: 2.7 -> 2, -2.7 -> -2; a quotient beyond the time axis
    # (even an overflow to inf for a tiny sampling time) shifts everything out
    steps = shift_val / sampling_time
    return int(max(-num_steps, min(num_steps, steps)))


def _time_major(input: Tensor) -> bool:
    """True when ``input`` is an ``(N, *neurons, T)`` view of ``(N, T, *neurons)`` memory (DESIGN §5)."""
    return input.dim() >= 3 and input.stride(-1) != 1 and input.movedim(-1, 1).is_contiguous()


def _shift_all(input: Tensor, steps: int, time_dim: int) -> Tensor:
    num_steps = input.shape[time_dim]
    if steps == 0:
        return input.clone()
    steps = max(-num_steps, min(num_steps, steps))  # all shifted out: zeros, still connected to the graph
    if steps > 0:  # delay: y[t] = x[t - steps], zeros enter at the start
        kept = input.narrow(time_dim, 0, num_steps - steps)
        zeros = input.new_zeros(*input.shape[:time_dim], steps, *input.shape[time_dim + 1 :])
        return torch.cat([zeros, kept], dim=time_dim)
    kept = input.narrow(time_dim, -steps, num_steps + steps)  # advance: zeros enter at the end
    zeros = input.new_zeros(*input.shape[:time_dim], -steps, *input.shape[time_dim + 1 :])
    return torch.cat([kept, zeros], dim=time_dim)


def _shift_per_neuron(input: Tensor, steps: Tensor, time_dim: int) -> Tensor:
    # One gather with a per-neuron source index t - k; sources outside [0, T) read zero, and a neuron whose
    # shift is not finite (NaN, inf) reads NaN everywhere: its output is poisoned, not silently zero.
    finite = torch.isfinite(steps)
    num_steps = input.shape[time_dim]
    steps = torch.where(finite, steps, 0).long()
    neuron_shape = tuple(s for d, s in enumerate(input.shape[1:], start=1) if d != time_dim)
    time = torch.arange(num_steps, device=input.device)
    if time_dim == 1:  # (N, T, *neurons)
        source = time.reshape(num_steps, *([1] * len(neuron_shape))) - steps.reshape(neuron_shape)
    else:  # (N, *neurons, T)
        source = time - steps.reshape(*neuron_shape, 1)
    valid = (source >= 0) & (source < num_steps)
    poisoned = ~finite.reshape(neuron_shape + (1,) * (source.dim() - len(neuron_shape)))
    if time_dim == 1:
        poisoned = poisoned.reshape(1, *neuron_shape)
    fill = torch.zeros((), dtype=input.dtype, device=input.device).masked_fill(poisoned, float("nan"))
    index = source.clamp(0, num_steps - 1).expand(input.shape)
    # a where, not a product with a 0/1 mask: 0 * inf would turn a shifted-out inf into NaN
    return torch.where(valid & ~poisoned, torch.gather(input, time_dim, index), fill)


def _apply(input: Tensor, fn, *args) -> Tensor:
    # Work in the storage order so that the result keeps the input's layout.
    if _time_major(input):
        return fn(input.movedim(-1, 1), *args, 1).movedim(1, -1)
    return fn(input, *args, input.dim() - 1)


def shift(input: Tensor, shift_val: float | Tensor, sampling_time: float = 1) -> Tensor:
    """Shift ``input`` along time by ``int(shift_val / sampling_time)`` steps, filling with zeros.

    Positive values delay (``y[..., t] = x[..., t - k]``), negative values advance.

    * ``input``: ``(N, *neurons, T)`` (time last), or ``(T,)``.
    * ``shift_val``: a number (the same shift for every neuron) or a tensor with one value per
      neuron: ``prod(neurons)`` elements, reshaped to ``neurons`` (vectorised gather, no loop). A
      non-finite scalar raises; a neuron with a non-finite value gets NaN (poisoned, like a NaN input).
    * ``sampling_time``: finite and positive.

    Returns a new tensor of ``input``'s shape and storage order (an ``(N, *neurons, T)`` view of
    neuron-contiguous memory stays one). Differentiable with respect to ``input`` (the
    gradient is shifted back by the same amounts); the shift amounts get no gradient.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"shift expects a torch.Tensor input, received {type(input).__name__}")
    if input.dim() == 0:
        raise ValueError("shift expects an input with a time axis (at least 1-D), received a 0-D tensor")
    sampling_time = arguments.positive("shift", "sampling_time", sampling_time)
    if not isinstance(shift_val, Tensor) or shift_val.numel() == 1:
        value = float(shift_val.item() if isinstance(shift_val, Tensor) else shift_val)
        if not math.isfinite(value):
            raise ValueError(f"shift: shift_val must be finite, received {value!r}")
        return _apply(input, _shift_all, _steps(value, sampling_time, input.shape[-1]))
    neurons = math.prod(input.shape[1:-1]) if input.dim() >= 2 else 1
    if shift_val.numel() != neurons:
        raise ValueError(
            f"shift: a per-neuron shift_val needs one value per neuron of input shape {tuple(input.shape)}: "
            f"expected {neurons} elements (prod of shape[1:-1]), received {shift_val.numel()} "
            f"(shape {tuple(shift_val.shape)})"
        )
    values = shift_val.detach().to(input.device, torch.float64)
    num_steps = input.shape[-1]
    steps = torch.trunc(values / sampling_time).clamp(-num_steps, num_steps)  # NaN stays NaN: poisoned below
    return _apply(input, _shift_per_neuron, torch.where(torch.isfinite(values), steps, float("nan")))
