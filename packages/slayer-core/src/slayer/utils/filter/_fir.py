"""Finite impulse response filters along time: a fixed one and a learnable bank."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from slayer.core import arguments

from ._conv import conv


class FIR(torch.nn.Module):
    """A fixed (non-learnable) causal FIR filter applied to every neuron.

    ``fir_response``: the impulse response ``h[k]`` (any sequence or tensor, flattened). When
    ``None``, ``h[k] = exp(-k / time_constant)`` for ``k = 0 .. length-1`` (``k`` counts samples,
    as in lava-dl). Held as buffer ``filter``.

    input ``(..., T)`` → output ``(..., T)`` (``(T,)`` → ``(1, T)``): ``y[t] = sampling_time * sum_k h[k] x[t-k]``.
    ``sampling_time``: finite and positive (a ValueError otherwise).
    """

    filter: Tensor

    def __init__(
        self,
        fir_response: Tensor | list[float] | None = None,
        time_constant: float = 1,
        length: int = 20,
        sampling_time: float = 1,
    ) -> None:
        super().__init__()
        if fir_response is None:
            if length < 1:
                raise ValueError(f"FIR: length must be >= 1, received {length!r}")
            if time_constant <= 0:
                raise ValueError(f"FIR: time_constant must be positive, received {time_constant!r}")
            response = torch.exp(-torch.arange(length, dtype=torch.float32) / time_constant)
        else:
            response = torch.as_tensor(fir_response, dtype=torch.float32).flatten()
            if response.numel() == 0:
                raise ValueError("FIR: fir_response must not be empty")
        self.register_buffer("filter", response)
        self.sampling_time = arguments.positive("FIR", "sampling_time", sampling_time)

    def forward(self, input: Tensor) -> Tensor:
        """``(..., T)`` → the same shape; a 1-D input ``(T,)`` gives ``(1, T)`` (one series, as lava-dl)."""
        if isinstance(input, Tensor) and input.dim() == 1:
            input = input.unsqueeze(0)
        return conv(input, self.filter, self.sampling_time)

    def extra_repr(self) -> str:
        return f"length={self.filter.numel()}, sampling_time={self.sampling_time}"


class FIRBank(torch.nn.Module):
    """A bank of ``num_filter`` learnable causal FIR filters applied to every neuron.

    * ``filter_length``: length in time units; the filters have ``K = int(filter_length /
      sampling_time)`` taps.
    * ``scale``: multiplies the default initialisation ``U(-1/sqrt(K), 1/sqrt(K))`` (PyTorch's
      ``Conv3d`` default, as in lava-dl).
    * parameter ``weight``: ``(num_filter, 1, 1, 1, K)`` (lava-dl's ``Conv3d`` layout, so checkpoints
      load); tap ``weight[..., j]`` weighs ``x[t - (K - 1 - j)]``, i.e. the impulse response is the
      time-reversed weight (:attr:`impulse_response`).

    input ``(N, C, *spatial, T)`` → output ``(N, num_filter * C, *spatial, T)``, channel
    ``f * C + c`` holding filter ``f`` applied to channel ``c`` (lava-dl's order), scaled by
    ``sampling_time``.
    """

    def __init__(self, num_filter: int, filter_length: float, sampling_time: float = 1, scale: float = 1) -> None:
        super().__init__()
        sampling_time = arguments.positive("FIRBank", "sampling_time", sampling_time)
        filter_length = arguments.positive("FIRBank", "filter_length", filter_length)
        scale = arguments.finite("FIRBank", "scale", scale)
        taps = int(filter_length / sampling_time)
        if num_filter < 1 or taps < 1:
            raise ValueError(
                f"FIRBank needs num_filter >= 1 and filter_length / sampling_time >= 1, received "
                f"num_filter={num_filter!r}, filter_length={filter_length!r}, sampling_time={sampling_time!r}"
            )
        bound = scale / math.sqrt(taps)
        self.weight = torch.nn.Parameter(torch.empty(num_filter, 1, 1, 1, taps).uniform_(-bound, bound))
        self.sampling_time = sampling_time

    @property
    def num_filter(self) -> int:
        return self.weight.shape[0]

    @property
    def filter_length(self) -> int:
        """Number of taps ``K``."""
        return self.weight.shape[-1]

    @property
    def impulse_response(self):
        """``(num_filter, K)`` numpy array: ``h[f, k]`` weighs ``x[t - k]``."""
        return torch.flip(self.weight.detach().reshape(self.num_filter, -1), dims=(-1,)).cpu().numpy()

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() < 3:
            raise ValueError(f"FIRBank expects input (N, C, ..., T), received shape {tuple(input.shape)}")
        batch, num_steps = input.shape[0], input.shape[-1]
        taps = self.filter_length
        if num_steps == 0:  # no time step: conv1d cannot take an input shorter than the kernel
            return input.new_zeros(batch, self.num_filter * input.shape[1], *input.shape[2:])
        series = input.reshape(math.prod(input.shape[:-1]), 1, num_steps)  # (N * neurons, 1, T); sizes may be 0
        kernel = self.weight.reshape(self.num_filter, 1, taps)
        out = F.conv1d(F.pad(series, (taps - 1, 0)), kernel)  # (N * neurons, F, T)
        neurons = math.prod(input.shape[1:-1])
        out = out.reshape(batch, neurons, self.num_filter, num_steps).transpose(1, 2)  # (N, F, neurons, T)
        return out.reshape(batch, self.num_filter * input.shape[1], *input.shape[2:]) * self.sampling_time

    def extra_repr(self) -> str:
        return f"num_filter={self.num_filter}, taps={self.filter_length}, sampling_time={self.sampling_time}"
