"""Layout helpers shared by the op modules: ``(N, *S, T)`` <-> the kernel contract's ``(N, M, T)``.

Outputs follow the layout rule of the package docstring (``slayer.core.dynamics._ops``).
"""

import math

import torch
from torch import Tensor

from slayer.core.backends import BackendSelectionError, select_kernel
from slayer.core.backends import as_series as _flat_view  # (N, *S, T) -> (N, M, T)

from .._fixed_point import threshold_to_int


def _neurons(x: Tensor) -> int:
    return math.prod(x.shape[1:-1])


#: Device types whose kernels scan any storage in place about as fast as neuron-contiguous storage: the cpu
#: backend's unfused kernels (a time-contiguous row stays in cache over consecutive steps; copying first cost
#: 10-50 % there). Its fused CUBA/ALIF kernels are the exception: ``neuron_major_input``. Elsewhere (the GPU:
#: 5-40x slower in place) every series is copied first. Measured by ``benchmarks/bench_layouts.py``.
_SCANS_IN_PLACE = frozenset({"cpu"})


def _is_neuron_major(flat: Tensor) -> bool:
    """Whether ``flat`` ``(N, M, T)`` is neuron-contiguous: stride 1 along neurons, or one neuron or step."""
    _, neurons, steps = flat.shape
    return neurons <= 1 or steps <= 1 or flat.stride(1) == 1


def _copies(flat: Tensor) -> bool:
    """Whether ``_flat_series`` copies ``flat`` into neuron-contiguous storage before the kernel."""
    return not _is_neuron_major(flat) and flat.device.type not in _SCANS_IN_PLACE


def _flat_series(x: Tensor) -> Tensor:
    """``(N, *S, T)`` -> ``(N, M, T)``, neuron-contiguous where the kernels need it to be fast.

    A view when ``x`` is neuron-contiguous or its device's kernels scan it in place (``_SCANS_IN_PLACE``);
    otherwise (e.g. plain ``N C T`` on a GPU) one tiled copy by the selected backend's ``neuron_major`` kernel.
    """
    flat = _flat_view(x)
    return _neuron_major_kernel(flat.device.type)(flat) if _copies(flat) else flat


def _neuron_major_kernel(device_type: str):
    """The selected backend's ``neuron_major``; a layout copy, not dynamics, so a backend chosen by
    ``SLAYER_BACKEND`` that lacks it gets the reference copy instead of an error."""
    try:
        return select_kernel("neuron_major", device_type)
    except BackendSelectionError:
        from slayer.core.backends.reference import neuron_major  # lazily: reference imports dynamics

        return neuron_major


def _flat_state(state: Tensor) -> Tensor:
    # the neuron count spelled out: ``-1`` is ambiguous for an empty batch (N = 0)
    return (
        state.reshape(state.shape[0], math.prod(state.shape[1:])).contiguous()
        if state.dim() > 1
        else state.reshape(-1, 1)
    )


def _flat_param(param: Tensor) -> Tensor:
    return param.reshape(-1).contiguous()


def _series_like(x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """An output for the series ``x``, laid out as the kernels return it (``_flat_series``); for fake kernels."""
    flat = _flat_view(x)
    if _copies(flat):
        flat = flat.new_empty((flat.shape[0], flat.shape[2], flat.shape[1])).transpose(1, 2)
    return torch.empty_like(flat, dtype=dtype).view(x.shape)


def _no_events(x: Tensor) -> Tensor:
    return x.new_empty((0,), dtype=torch.bool)


def _events_like(x: Tensor, present: bool) -> Tensor:
    return _series_like(x, torch.bool) if present else _no_events(x)


def _unflat_events(events: Tensor, x: Tensor, present: bool) -> Tensor:
    return events.view(x.shape) if present else events


def _kernel(name: str, x: Tensor):
    return select_kernel(name, x.device.type)


def _threshold_int(threshold: float | None, s_scale: int) -> int:
    return threshold_to_int(threshold, s_scale) if threshold is not None else 0


def _or_zeros(grad: Tensor | None, like: Tensor) -> Tensor:
    return torch.zeros_like(like) if grad is None else grad


def _empty_if_none(grad: Tensor | None, like: Tensor) -> Tensor:
    return like.new_empty((0,)) if grad is None else grad


class _NeuronMajor(torch.autograd.Function):
    """The ``neuron_major`` copy as an autograd step. The gradient has the same values; for a plain contiguous
    input it is copied back into that layout with the same fast kernel (otherwise torch would, several times
    slower, when it accumulates the gradient of a leaf)."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.contiguous = x.is_contiguous()
        flat = _flat_view(x)
        return _neuron_major_kernel(flat.device.type)(flat).view(x.shape)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        if not ctx.contiguous:
            return grad
        flat = _flat_view(grad)
        if flat.stride(1) != 1 or flat.shape[1] <= 1 or flat.shape[2] <= 1:
            return grad.contiguous()
        # (N, T, M) seen with M last and stride 1: neuron_major of it is N M T storage, i.e. plain N C T
        time_last = _neuron_major_kernel(flat.device.type)(flat.transpose(1, 2)).transpose(1, 2)
        return time_last.view(grad.shape)


def neuron_major_input(x: Tensor) -> Tensor:
    """``x`` in neuron-contiguous storage, on every device, before the fused CUBA/ALIF ops: their kernels are
    several times slower on other storage (the cpu backend's too), and they save the input for backward, which
    then reads this copy instead of making another. Under ``torch.compile`` the op copies where ``_flat_series``
    does."""
    if torch.compiler.is_compiling() or _is_neuron_major(_flat_view(x)):
        return x
    return _NeuronMajor.apply(x)
