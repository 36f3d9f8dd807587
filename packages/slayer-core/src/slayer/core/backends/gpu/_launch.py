"""Host-side helpers shared by the kernel launchers: argument checks, tiling choice, grid, device.

Tiling: a program owns ``block`` neurons of one sample and walks time in chunks of ``tile_t`` bins.
Neuron-contiguous storage (``N T C`` seen as ``N C T``, stride 1 along neurons) uses ``tile_t = 1``:
each step's ``(block,)`` load is one coalesced transaction. Time-contiguous storage (plain ``N C T``)
loads ``(block, tile_t)`` tiles whose rows are whole sectors and scans their columns in registers.
``SLAYER_GPU_BLOCK`` and ``SLAYER_GPU_TIME_TILE`` override the defaults (for tuning, see
``benchmarks/gpu_check.py``).
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass

import torch
from torch import Tensor

BLOCK_ENV = "SLAYER_GPU_BLOCK"
TIME_TILE_ENV = "SLAYER_GPU_TIME_TILE"
DEFAULT_BLOCK = 128
DEFAULT_TIME_TILE = 8
NUM_WARPS = 4
_FLOAT_DTYPES = (torch.float32, torch.float64)


@dataclass(frozen=True)
class Tiling:
    """Launch shape of one scan: neurons per program, time bins per tile, row alignment hint."""

    block: int
    tile_t: int
    row_align: int
    num_warps: int = NUM_WARPS


def _env_power_of_two(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1 or value & (value - 1):
        raise ValueError(f"{name} must be a power of two >= 1, got {raw!r}")
    return value


def _largest_power_of_two_dividing(values: list[int], cap: int) -> int:
    g = 0
    for v in values:
        g = math.gcd(g, int(v))
    align = 1
    while align < cap and g % (align * 2) == 0:
        align *= 2
    return align


def tiling(*series: Tensor) -> Tiling:
    """The tiling for time series ``(N, M, T)`` (the first decides the storage order)."""
    first = series[0]
    _, neurons, steps = first.shape
    _, stride_m, stride_t = first.stride()
    time_contiguous = stride_t == 1 and neurons > 1 and steps > 1 and stride_m != 1
    tile_t = _env_power_of_two(TIME_TILE_ENV, DEFAULT_TIME_TILE) if time_contiguous else 1
    block = _env_power_of_two(BLOCK_ENV, DEFAULT_BLOCK)
    # element offsets of every tile row are multiples of this (lets Triton vectorise the row loads)
    strides = [s for x in series if x.numel() for s in (x.stride(0), x.stride(1))]
    row_align = _largest_power_of_two_dividing(strides, cap=16) if time_contiguous else 1
    return Tiling(block=block, tile_t=tile_t, row_align=row_align)


def grid(batch: int, neurons: int, block: int) -> tuple[int]:
    return (batch * math.ceil(neurons / block),)


def check_series(name: str, x: Tensor, shape: tuple[int, ...] | None = None) -> None:
    if x.dim() != 3:
        raise ValueError(f"gpu backend: {name} must be (N, M, T), got shape {tuple(x.shape)}")
    if shape is not None and tuple(x.shape) != tuple(shape):
        raise ValueError(f"gpu backend: {name} must have shape {tuple(shape)}, got {tuple(x.shape)}")


def check_floats(device: torch.device, **tensors: Tensor) -> torch.dtype:
    """All tensors float32 or all float64, on ``device``; returns the dtype."""
    dtypes = {name: t.dtype for name, t in tensors.items()}
    first_name, dtype = next(iter(dtypes.items()))
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"gpu backend: {first_name} has dtype {dtype}; expected float32 or float64")
    for name, t in tensors.items():
        if t.dtype != dtype:
            raise TypeError(f"gpu backend: {name} has dtype {t.dtype}; expected {dtype} like {first_name}")
        if t.device != device:
            raise ValueError(f"gpu backend: {name} is on {t.device}; expected {device} like {first_name}")
    return dtype


def check_vectors(neurons: int, **vectors: Tensor) -> None:
    """Each tensor (a decay) has shape ``(M,)``."""
    for name, v in vectors.items():
        if tuple(v.shape) != (neurons,):
            raise ValueError(f"gpu backend: {name} must have shape ({neurons},), got {tuple(v.shape)}")


def check_states(batch: int, neurons: int, **states: Tensor) -> None:
    """Each tensor (a state or a state gradient) has shape ``(N, M)``."""
    for name, s in states.items():
        if tuple(s.shape) != (batch, neurons):
            raise ValueError(f"gpu backend: {name} must have shape ({batch}, {neurons}), got {tuple(s.shape)}")


def check_events(events: Tensor, like: Tensor) -> None:
    if events.dtype != torch.bool or tuple(events.shape) != tuple(like.shape):
        raise ValueError(
            f"gpu backend: events must be bool {tuple(like.shape)}, got {events.dtype} {tuple(events.shape)}"
        )


def as_bytes(events: Tensor) -> Tensor:
    """A bool tensor seen as uint8 (same storage), the element type the kernels load and store."""
    return events.view(torch.uint8)


def no_events(like: Tensor) -> Tensor:
    return torch.empty((0,), dtype=torch.bool, device=like.device)


def events_arg(events: Tensor, reset: bool, placeholder: Tensor) -> tuple[Tensor, tuple[int, ...]]:
    """The events pointer and strides a kernel takes: ``events`` as bytes, or without ``reset`` (no
    events) ``placeholder`` with zero strides, never read or written."""
    if reset:
        ev = as_bytes(events)
        return ev, ev.stride()
    return placeholder, (0, 0, 0)


def series_like(x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """An output laid out like ``x`` (``torch.empty_like``: same strides when ``x`` is dense)."""
    return torch.empty_like(x, dtype=dtype)


def state_like(batch: int, neurons: int, like: Tensor) -> Tensor:
    return torch.empty((batch, neurons), dtype=like.dtype, device=like.device)


def triton_dtype(dtype: torch.dtype):
    """The ``triton.language`` float type of a torch float dtype (imports triton: call at launch)."""
    from ._triton import tl

    return tl.float64 if dtype == torch.float64 else tl.float32


def on_device(x: Tensor):
    """Launch on ``x``'s GPU (Triton launches on the current device)."""
    if x.device.type == "cuda":
        return torch.cuda.device(x.device)
    return contextlib.nullcontext()


def launch_options(like: Tensor, tiles: Tiling, **constexprs) -> tuple[tuple[int], dict]:
    """The grid (one program per sample and block of neurons of ``like`` ``(N, M, T)``) and the keyword
    arguments of a launch: ``DTYPE`` (``like``'s float dtype), the tiling's constexprs, ``num_warps``."""
    batch, neurons, _ = like.shape
    options = dict(
        DTYPE=triton_dtype(like.dtype), BLOCK=tiles.block, TILE_T=tiles.tile_t, ROW_ALIGN=tiles.row_align,
        num_warps=tiles.num_warps, **constexprs,
    )  # fmt: skip
    return grid(batch, neurons, tiles.block), options


def launch(kernel, like: Tensor, tiles: Tiling, *args, **constexprs) -> None:
    """Run ``kernel(*args)`` on ``like``'s device with :func:`launch_options`."""
    programs, options = launch_options(like, tiles, **constexprs)
    run(kernel, programs, like, *args, **options)


def run(kernel, programs: tuple[int], like: Tensor, *args, **options) -> None:
    """``kernel[programs](*args, **options)`` on ``like``'s device: every launch of the backend passes here."""
    with on_device(like):
        kernel[programs](*args, **options)


def device_scalars(values: list[float], dtype: torch.dtype, device: torch.device) -> Tensor:
    """Python floats as a ``(len(values),)`` tensor of ``dtype`` on ``device``, read by a kernel in that dtype
    (a Triton float argument would be float32). Copied without waiting for the device: a blocking
    host-to-device copy would synchronise the stream on every call."""
    return torch.tensor(values, dtype=dtype).to(device, non_blocking=True)
