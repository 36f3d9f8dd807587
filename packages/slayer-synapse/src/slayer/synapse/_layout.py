"""Moving the time axis into the batch and back, and input checks shared by the synapses.

Public tensors are time-last (``N C T`` / ``N C H W T``). The synapses fold time into the batch
(``N*T``) and return a time-last *view* of ``(N, T, ...)`` memory: neuron-contiguous storage
(DESIGN §5), which the neuron kernels read coalesced. Folding is free when the input already has
that storage (the output of another synapse).
"""

from __future__ import annotations

import torch
from torch import Tensor

from slayer.core.arguments import int_pair

Triple = tuple[int, int, int]


def conv_geometry(
    layer: str,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int],
    dilation: int | tuple[int, int],
) -> tuple[Triple, Triple, Triple, Triple]:
    """lava-dl's ``Conv3d`` attributes ``(kernel_size, stride, padding, dilation)``: the checked ``(h, w)``
    values with the neutral time entry appended (kernel 1, stride 1, padding 0, dilation 1)."""
    kh, kw = int_pair(layer, "kernel_size", kernel_size, minimum=1)
    sh, sw = int_pair(layer, "stride", stride, minimum=1)
    ph, pw = int_pair(layer, "padding", padding, minimum=0)
    dh, dw = int_pair(layer, "dilation", dilation, minimum=1)
    return (kh, kw, 1), (sh, sw, 1), (ph, pw, 0), (dh, dw, 1)


def conv2d_arguments(module: torch.nn.Module, groups: int) -> dict[str, tuple[int, int] | int]:
    """``stride``, ``padding``, ``dilation`` (the ``(h, w)`` part of ``module``'s 3-tuples) and ``groups``
    for ``F.conv2d`` / ``F.conv_transpose2d``."""
    return {
        "stride": module.stride[:2],
        "padding": module.padding[:2],
        "dilation": module.dilation[:2],
        "groups": groups,
    }


def geometry_repr(module: torch.nn.Module) -> str:
    """``kernel_size=(h, w), stride=(h, w)`` plus padding and dilation where not neutral, for ``extra_repr``."""
    parts = [f"kernel_size={module.kernel_size[:2]}", f"stride={module.stride[:2]}"]
    if module.padding[:2] != (0, 0):
        parts.append(f"padding={module.padding[:2]}")
    if module.dilation[:2] != (1, 1):
        parts.append(f"dilation={module.dilation[:2]}")
    return ", ".join(parts)


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


def unfold_time(y: Tensor, like: Tensor) -> Tensor:
    """``(N*T, O, H, W)`` → ``(N, O, H, W, T)`` view of ``(N, T, O, H, W)`` memory, ``N`` and ``T`` those of the
    input ``like`` (either may be 0)."""
    _, o, h, w = y.shape
    return y.view(like.shape[0], like.shape[-1], o, h, w).permute(0, 2, 3, 4, 1)


def time_major(x: Tensor) -> Tensor:
    """``(N, C, *spatial, T)`` → ``(N, T, C, *spatial)`` view (the storage order of our outputs)."""
    return x.movedim(-1, 1)


def is_neuron_contiguous(x: Tensor) -> bool:
    """True when ``x`` is a time-last view of ``(N, T, ...)`` memory."""
    return torch.movedim(x, -1, 1).is_contiguous()
