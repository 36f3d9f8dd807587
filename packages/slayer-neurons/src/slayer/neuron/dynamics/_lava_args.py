"""lava-dl's argument conventions for the ``dynamics(...)`` adapters: low-rank inputs and truncated decays.

* lava-dl loops over ``input[..., t]``, so it takes any rank: its dynamics tutorial passes ``(T,)``
  traces. slayer's core wants ``(N, *S, T)``; a ``(T,)`` input runs as ``(1, 1, T)`` and an ``(A, T)``
  input as ``(1, A, T)`` (so a length-``A`` decay is per channel, as lava-dl broadcasts it), and the
  outputs get the input's shape back.
* lava-dl's CPU path converts a decay to an integer by truncation toward zero (a fractional
  ``409.6`` acts as ``409``). The neurons pass decays already rounded to integers, so only a direct
  call with a fractional decay sees this; the adapters truncate (straight-through gradient) before
  handing the decay to :mod:`slayer.core.dynamics`, which would round half to even.
"""

from __future__ import annotations

import torch
from torch import Tensor


def truncate_decay(decay: Tensor) -> Tensor:
    """``trunc(decay)`` with a straight-through gradient (lava-dl's CPU conversion of a decay)."""
    if not isinstance(decay, Tensor) or not decay.is_floating_point():
        return decay  # the core names the problem
    return decay + (torch.trunc(decay) - decay).detach()


class TimeSeriesLayout:
    """Maps the inputs of one ``dynamics(...)`` call to ``(N, *S, T)`` and its outputs back.

    ``shape`` is the shape of the (first) input. Inputs of rank 3 or more pass unchanged.
    """

    def __init__(self, shape: torch.Size) -> None:
        self.shape = tuple(shape)
        if len(self.shape) == 1:
            self.core_shape: tuple[int, ...] = (1, 1, self.shape[0])
        elif len(self.shape) == 2:
            self.core_shape = (1, *self.shape)
        else:
            self.core_shape = self.shape

    @property
    def reshaped(self) -> bool:
        return self.core_shape != self.shape

    def input(self, x: Tensor) -> Tensor:
        """An input of the first input's shape, as ``(N, *S, T)``."""
        if not self.reshaped or not isinstance(x, Tensor) or tuple(x.shape) != self.shape:
            return x  # the core checks (and names) a mismatch
        return x.reshape(self.core_shape)

    def state(self, state: Tensor | None) -> Tensor | None:
        """A state of shape ``input.shape[:-1]`` as ``(N, *S)``; one element or other shapes pass."""
        if not self.reshaped or not isinstance(state, Tensor) or state.numel() == 1:
            return state
        if tuple(state.shape) == self.shape[:-1]:
            return state.reshape(self.core_shape[:-1])
        return state

    def output(self, y: Tensor) -> Tensor:
        return y.reshape(self.shape) if self.reshaped else y

    def outputs(self, *ys: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.output(y) for y in ys)

    def __repr__(self) -> str:
        return f"TimeSeriesLayout(shape={self.shape}, core_shape={self.core_shape})"


def layout_of(x: Tensor) -> TimeSeriesLayout:
    """The layout of an input; a non-tensor passes through to the core's type check."""
    return TimeSeriesLayout(x.shape if isinstance(x, Tensor) else torch.Size((0, 0, 0)))
