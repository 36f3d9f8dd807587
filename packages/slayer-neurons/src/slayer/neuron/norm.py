"""Quantisation-ready batch normalisation for neurons: the mean becomes a (quantised) neuron bias and
the scale a power of two (a weight exponent), so a trained network maps to fixed-point hardware."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def _identity(x: torch.Tensor, descale: bool = False) -> torch.Tensor:
    return x


def _channel_view(x: torch.Tensor, rank: int) -> torch.Tensor:
    """``(C,)`` values viewed to broadcast against an ``(N, C, ...)`` tensor of ``rank`` dims."""
    return x.reshape((1, -1) + (1,) * (rank - 2))


class _LazyChannels(torch.nn.Module):
    """Shared machinery: ``num_features`` found from ``input.shape[1]`` on the first call, and a
    ``running_mean`` that loads from a checkpoint of any size before that."""

    def __init__(self, num_features: int | None, momentum: float, pre_hook_fx: Callable[..., Any] | None) -> None:
        super().__init__()
        self.num_features = num_features
        self.momentum = momentum
        self.pre_hook_fx = _identity if pre_hook_fx is None else pre_hook_fx
        self.register_buffer("running_mean", torch.zeros(1 if num_features is None else num_features))
        self.update = True

    def _check(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"{type(self).__name__}: expected input (N, C, ...), received shape {tuple(input.shape)}")
        if self.num_features is None:
            self.num_features = int(input.shape[1])
            if self.running_mean.numel() != self.num_features:
                self.running_mean = self.running_mean.mean().expand(self.num_features).clone()
        elif input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels (dim 1), received input of "
                f"shape {tuple(input.shape)}"
            )

    def _batch_mean(self, input: torch.Tensor) -> torch.Tensor:
        return input.transpose(0, 1).reshape(input.shape[1], -1).mean(dim=1)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors) -> None:
        value = state_dict.get(prefix + "running_mean")
        if self.num_features is None and isinstance(value, torch.Tensor) and value.shape != self.running_mean.shape:
            self.running_mean = torch.empty_like(value)
            self.num_features = value.numel()
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected, errors)

    def reset_parameters(self) -> None:
        """Zero the running statistics."""
        for buffer in self.buffers(recurse=False):
            buffer.zero_()

    @property
    def bias(self) -> torch.Tensor:
        """Equivalent neuron bias ``-pre_hook_fx(running_mean, descale=True)`` (hardware units)."""
        return -self.pre_hook_fx(self.running_mean, descale=True)

    def extra_repr(self) -> str:
        return f"num_features={self.num_features}, momentum={self.momentum}"


class MeanOnlyBatchNorm(_LazyChannels):
    """Subtract the per-channel mean (batch mean in training, running mean in eval).

    Input ``(N, C, ...)`` (``(N, C, T)``, ``(N, C, H, W, T)``, ...), output of the same shape:
    ``x - pre_hook_fx(mean)``. The neuron installs its ``quantize_8bit`` as ``pre_hook_fx``.
    """

    def __init__(
        self, num_features: int | None = None, momentum: float = 0.1, pre_hook_fx: Callable[..., Any] | None = None
    ) -> None:
        super().__init__(num_features, momentum, pre_hook_fx)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        if self.training and self.update:
            mean = self._batch_mean(input)
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean.detach()
        else:
            mean = self.running_mean
        return input - self.pre_hook_fx(_channel_view(mean, input.dim()))


class WgtScaleBatchNorm(_LazyChannels):
    """Subtract the per-channel mean and divide by a power-of-two standard deviation
    ``2^clamp(ceil(log2 sqrt(var + eps)), -weight_exp_bits, weight_exp_bits)``, where ``var`` is the
    (scalar) variance of the whole tensor, so the scale is a hardware weight exponent.

    Input ``(N, C, ...)``, output of the same shape. Buffers ``running_mean`` ``(C,)``, ``running_var``
    ``(1,)``; the running variance is updated with ``var * n / (n + 1)``, ``n = numel / C`` (lava-dl).
    """

    def __init__(
        self,
        num_features: int | None = None,
        momentum: float = 0.1,
        weight_exp_bits: int = 3,
        eps: float = 1e-5,
        pre_hook_fx: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(num_features, momentum, pre_hook_fx)
        self.weight_exp_bits = weight_exp_bits
        self.eps = eps
        self.register_buffer("running_var", torch.zeros(1))

    def std(self, var: torch.Tensor) -> torch.Tensor:
        """The power-of-two standard deviation used to divide."""
        exponent = torch.ceil(torch.log2(torch.sqrt(var + self.eps)))
        return 2.0 ** exponent.clamp(-self.weight_exp_bits, self.weight_exp_bits)

    @property
    def weight_exp(self) -> torch.Tensor:
        """Equivalent weight exponent ``ceil(log2 sqrt(running_var + eps))``."""
        return torch.ceil(torch.log2(torch.sqrt(self.running_var + self.eps)))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        if self.training and self.update:
            mean = self._batch_mean(input)
            var = input.var(unbiased=False).reshape(1)
            n = input.numel() / input.shape[1]
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean.detach()
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var.detach() * n / (n + 1)
        else:
            mean, var = self.running_mean, self.running_var
        centred = input - self.pre_hook_fx(_channel_view(mean, input.dim()))
        return centred / self.std(var).detach()
