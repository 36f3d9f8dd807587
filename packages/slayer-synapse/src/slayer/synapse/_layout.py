"""Moving the time axis into the batch and back, and input checks shared by the synapses.

Public tensors are time-last (``N C T`` / ``N C H W T``). The synapses fold time into the batch
(``N*T``) and return a time-last *view* of ``(N, T, ...)`` memory: neuron-contiguous storage
(DESIGN §5), which the neuron kernels read coalesced. Folding is free when the input already has
that storage (the output of another synapse).
"""

from __future__ import annotations

import torch
from torch import Tensor


def pair(value: int | tuple[int, ...], what: str) -> tuple[int, int]:
    """An int or an ``(h, w)`` pair (a third, time entry of lava-dl's 3-tuples must be the neutral one)."""
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) == 2:
        return value  # type: ignore[return-value]
    raise ValueError(f"{what} must be an int or an (height, width) pair, received {value!r}")


def neuron_shape(layer: str, x: Tensor, known: torch.Size | None) -> torch.Size:
    """The neuron shape ``S`` of an input ``(N, *S, T)``, checked against the ``known`` one (if any).

    For the layers whose shape is fixed by their first input (delta encoder, sigma decoder)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer} expects a torch.Tensor, received {type(x).__name__}")
    if x.dim() < 3:
        raise ValueError(f"{layer} expects input (N, C, ..., T) with at least 3 dims, received shape {tuple(x.shape)}")
    shape = x.shape[1:-1]
    if known is not None and shape != known:
        raise ValueError(f"{layer} was built for neuron shape {tuple(known)}, received input shape {tuple(x.shape)}")
    return shape


def check_input(x: Tensor, ndims: tuple[int, ...], layer: str, channels: int | None, layout: str) -> None:
    """Raise unless ``x`` is a tensor with one of ``ndims`` dimensions and (if given) ``channels`` in dim 1."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer} expects a torch.Tensor, received {type(x).__name__}")
    if x.dim() not in ndims:
        raise ValueError(
            f"{layer} expects input {layout} (time last), received a {x.dim()}-D tensor of shape {tuple(x.shape)}"
        )
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{layer} expects {channels} input channels (dim 1), received shape {tuple(x.shape)}")


def fold_time(x: Tensor) -> Tensor:
    """``(N, C, H, W, T)`` → ``(N*T, C, H, W)`` (free for neuron-contiguous storage)."""
    n, c, h, w, t = x.shape
    return x.permute(0, 4, 1, 2, 3).reshape(n * t, c, h, w)


def unfold_time(y: Tensor, batch: int) -> Tensor:
    """``(N*T, O, H, W)`` → ``(N, O, H, W, T)`` view of ``(N, T, O, H, W)`` memory."""
    nt, o, h, w = y.shape
    return y.view(batch, nt // batch, o, h, w).permute(0, 2, 3, 4, 1)


def time_major(x: Tensor) -> Tensor:
    """``(N, C, *spatial, T)`` → ``(N, T, C, *spatial)`` view (the storage order of our outputs)."""
    return x.movedim(-1, 1)


def is_neuron_contiguous(x: Tensor) -> bool:
    """True when ``x`` is a time-last view of ``(N, T, ...)`` memory."""
    return torch.movedim(x, -1, 1).is_contiguous()
