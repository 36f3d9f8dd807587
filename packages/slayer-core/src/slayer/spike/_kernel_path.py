"""What the spike functions share to run through the backends' spike kernels (``phase_spike_*``,
``real_spike_*``, docs/backends.md) instead of their elementwise general path."""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.backends import as_series, kernel_or_reference, reference


def _plain_number(value: float | Tensor) -> bool:
    return not isinstance(value, Tensor) or (value.numel() == 1 and not value.requires_grad)


def kernel_applies(state: Tensor, threshold: float | Tensor, constants: tuple, graded: bool) -> bool:
    """Whether the spike kernels compute a call on ``state`` ``(N, *S, T)``: a float32/float64 CPU tensor with a
    batch and a time axis; a threshold that is a plain number or one per element (``θ[t] + r[t]``; learnable only for
    binary spikes, whose threshold gradient is minus the state's); plain-number ``constants``; not traced by
    ``torch.compile`` (the kernels are opaque to it)."""
    per_element = isinstance(threshold, Tensor) and threshold.shape == state.shape
    return (
        state.device.type == "cpu"  # other devices have no such kernel (and float() of a constant would sync)
        and state.dtype in (torch.float32, torch.float64)
        and state.ndim >= 2
        and (_plain_number(threshold) or (per_element and not (graded and threshold.requires_grad)))
        and all(_plain_number(value) for value in constants)
        and not torch.compiler.is_compiling()
    )


def threshold_arguments(threshold: float | Tensor, state: Tensor) -> tuple[Tensor, float]:
    """``(threshold_series, threshold)`` for the kernels: a per-element threshold as an ``(N, M, T)`` series and
    0, or an empty series and the number."""
    if isinstance(threshold, Tensor) and threshold.shape == state.shape:
        return as_series(threshold), 0.0
    return state.new_empty(0), float(threshold)


def like(x: Tensor, layout: Tensor) -> Tensor:
    """``x`` with ``layout``'s strides (one copy if they differ; e.g. the expanded ones of ``.sum().backward()``),
    so that the kernels run their unit-stride loops."""
    return x if x.stride() == layout.stride() else torch.empty_like(layout).copy_(x)


def backward_kernel(op: str, state: Tensor):
    """The kernel for a spike function's backward: the reference (differentiable torch ops) when autograd records
    the backward itself (``create_graph=True``: double backward), else the selected backend's."""
    return reference.KERNELS[op] if torch.is_grad_enabled() else kernel_or_reference(op, state)
