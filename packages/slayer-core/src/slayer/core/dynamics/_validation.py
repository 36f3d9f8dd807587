"""Opt-in checks of tensor values (they synchronise with the device, so they are off by default).

``SLAYER_VALIDATE=1`` in the environment (read at import) or ``with validation(True):`` turns on a
check that every input, state and decay is finite and within int64 range after scaling; off, a
non-finite value has the defined effect documented in ``docs/semantics.md`` (it poisons that neuron's
outputs with NaN from the bin it enters on).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

import torch
from torch import Tensor

from ._fixed_point import INT_LIMIT, STATE_LIMIT, round_decay

_enabled: bool = os.environ.get("SLAYER_VALIDATE", "") not in ("", "0")


def validation_enabled() -> bool:
    """Whether the value checks run."""
    return _enabled


@contextlib.contextmanager
def validation(enabled: bool = True) -> Iterator[None]:
    """Turn the value checks on (or off) inside a ``with`` block."""
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    try:
        yield
    finally:
        _enabled = previous


# -- shapes and dtypes (metadata only: no device synchronisation) ------------------------------

_COMPUTED_AS = {
    torch.float32: torch.float32,
    torch.float64: torch.float64,
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
}


def time_series_shape(name: str, x: Tensor) -> tuple[int, tuple[int, ...], int]:
    """``(N, S, T)`` of a time-last tensor ``(N, *S, T)`` with at least one spatial dim."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 3:
        raise ValueError(
            f"{name} must have shape (N, *S, T) with at least one spatial dim (e.g. N C T), got {tuple(x.shape)}"
        )
    return x.shape[0], tuple(x.shape[1:-1]), x.shape[-1]


def compute_dtype(name: str, x: Tensor) -> torch.dtype:
    """The dtype the dynamics run in: float32/float64 as is, float16/bfloat16 upcast to float32."""
    if x.dtype not in _COMPUTED_AS:
        raise TypeError(
            f"{name} has dtype {x.dtype}; expected a floating dtype (float32, float64, float16 or bfloat16)"
        )
    return _COMPUTED_AS[x.dtype]


def same_shape(name: str, x: Tensor, other_name: str, other: Tensor) -> None:
    if x.shape != other.shape:
        raise ValueError(
            f"{name} and {other_name} must have the same shape, got {tuple(x.shape)} and {tuple(other.shape)}"
        )


def time_series(name: str, x: Tensor) -> tuple[int, tuple[int, ...], Tensor]:
    """``(N, S, x)`` of a time-last input ``(N, *S, T)``, ``x`` converted to its compute dtype."""
    batch, spatial, _ = time_series_shape(name, x)
    return batch, spatial, x.to(compute_dtype(name, x))


def complex_series(real: Tensor, imag: Tensor) -> tuple[int, tuple[int, ...], Tensor, Tensor]:
    """``(N, S, real, imag)`` of two time-last inputs ``(N, *S, T)`` of one shape, both converted to the
    compute dtype of ``real``."""
    batch, spatial, _ = time_series_shape("real", real)
    same_shape("real", real, "imag", imag)
    dtype = compute_dtype("real", real)
    compute_dtype("imag", imag)
    return batch, spatial, real.to(dtype), imag.to(dtype)


def neuron_parameter(name: str, value: Tensor, spatial: tuple[int, ...], like: Tensor) -> Tensor:
    """A decay-type parameter rounded (straight through) and broadcast to the spatial shape ``S``.

    Accepted shapes: ``()`` or ``(1,)`` (shared), ``(S[0],)`` (per channel), ``S`` (per neuron).
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (values in units of 1/4096), got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} has dtype {value.dtype}; expected a floating dtype (values in units of 1/4096)")
    _same_device(name, value, like)
    shape = tuple(value.shape)
    rounded = round_decay(value.to(like.dtype))
    if shape in ((), (1,)):
        return rounded.reshape(()).expand(spatial)
    if shape == spatial:
        return rounded
    if shape == (spatial[0],):
        return rounded.reshape((spatial[0],) + (1,) * (len(spatial) - 1)).expand(spatial)
    raise ValueError(
        f"{name} has shape {shape}; expected () or (1,) (shared), ({spatial[0]},) (per channel) "
        f"or {spatial} (per neuron)"
    )


def initial_state(
    name: str, value: Tensor | None, batch: int, spatial: tuple[int, ...], like: Tensor, default: float
) -> Tensor:
    """A state broadcast to ``(N, *S)`` in ``like``'s dtype; ``None`` means ``default`` everywhere."""
    shape = (batch, *spatial)
    if value is None:
        return torch.full(shape, default, dtype=like.dtype, device=like.device)
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or None, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} has dtype {value.dtype}; expected a floating dtype (float units)")
    _same_device(name, value, like)
    if value.numel() == 1:
        return value.to(like.dtype).reshape(()).expand(shape)
    if tuple(value.shape) == shape:
        return value.to(like.dtype)
    if tuple(value.shape[1:]) == spatial:
        raise ValueError(
            f"{name} has batch size {value.shape[0]} but the input has batch size {batch} "
            f"(state shape {tuple(value.shape)}, expected {shape}); re-initialise the state for the new batch"
        )
    raise ValueError(f"{name} has shape {tuple(value.shape)}; expected {shape} or a single element")


def scalar(name: str, value: float | Tensor) -> float:
    """A Python float from a number or a one-element tensor (a tensor on a GPU costs a device sync)."""
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool:
            raise ValueError(f"{name} must be a real number or a one-element real tensor, got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):  # a tensor too: NaN/inf would otherwise fail later as a bare int conversion
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def check_s_scale(s_scale: int) -> None:
    if isinstance(s_scale, bool) or not isinstance(s_scale, int) or s_scale <= 0:
        raise ValueError(f"s_scale must be a positive int, got {s_scale!r}")


def _same_device(name: str, value: Tensor, like: Tensor) -> None:
    if value.device != like.device:
        raise ValueError(f"{name} is on {value.device} but the input is on {like.device}")


# -- values (opt-in: synchronises) --------------------------------------------------------------


def validate(s_scale: int, decays: dict[str, Tensor], **scaled: Tensor) -> None:
    """In validation mode, :func:`check_values` of the inputs and states (scaled by ``s_scale``), then
    of the ``decays`` (unscaled); otherwise nothing (no device synchronisation)."""
    if _enabled:
        check_values(s_scale, **scaled)
        check_values(1, **decays)


def validate_traces(s_scale: int, **traces: Tensor) -> None:
    """In validation mode, raise if a state trace (or an initial state) reached ``|value * s_scale| >=
    2**50`` (:data:`STATE_LIMIT`): from there on the int64 recursion may have wrapped. NaN is left to the
    input checks (a NaN trace is a poisoned neuron)."""
    if not _enabled:
        return
    for name, value in traces.items():
        beyond = (value.detach().double() * s_scale).abs() >= STATE_LIMIT
        if bool(beyond.any()):
            raise ValueError(
                f"{name} reached {int(beyond.sum())} value(s) with |{name} * s_scale| >= 2**50 "
                f"(|{name}| >= {STATE_LIMIT / s_scale:.4g}): the fixed-point state overflows int64 beyond that; "
                "validation mode is on (SLAYER_VALIDATE / slayer.core.dynamics.validation)"
            )


def check_values(s_scale: int, **tensors: Tensor) -> None:
    """Raise if any value is NaN, infinite or too large for int64 after scaling by ``s_scale``."""
    for name, value in tensors.items():
        bad = ~((value.detach() * s_scale).abs() < INT_LIMIT)
        if bool(bad.any()):
            count = int(bad.sum())
            raise ValueError(
                f"{name} has {count} non-finite or out-of-range value(s) (|{name} * s_scale| must be < 2**62); "
                "validation mode is on (SLAYER_VALIDATE / slayer.core.dynamics.validation)"
            )
