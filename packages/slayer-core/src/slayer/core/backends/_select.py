"""Which backend's kernel runs an op on a device type: explicit (``SLAYER_BACKEND``) or automatic.

Explicit: ``SLAYER_BACKEND=<name>`` must name a registered backend that is available, runs on the device
type and implements the op, otherwise :class:`BackendSelectionError` (no silent fallback).
Automatic: the highest-priority available backend (ties by name) that runs on the device type and
implements the op; the reference backend if none does. Choices are cached per
``(op, device type, SLAYER_BACKEND)`` and forgotten on :func:`slayer.core.plugins.reset`.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable

import torch

from slayer.core.plugins import on_reset, registry

from ._backend import KERNEL_NAMES, Backend

BACKEND_ENV = "SLAYER_BACKEND"


class BackendSelectionError(RuntimeError):
    """The requested backend cannot run the op here (unknown, unavailable, wrong device, missing op)."""


class UnknownKernelError(BackendSelectionError, KeyError):
    """No backend defines a kernel of this name (a typo, or an op of a newer slayer)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


_cache: dict[tuple[str, str, str], tuple[Backend, Callable]] = {}
_lock = threading.Lock()


def select_backend(op: str, device_type: str) -> Backend:
    """The backend that runs kernel ``op`` (e.g. ``"leaky_integrator_forward"``) on ``device_type``."""
    return _selection(op, device_type)[0]


def select_kernel(op: str, device_type: str) -> Callable:
    """The kernel callable for ``op`` on ``device_type`` (see ``docs/backends.md`` for its signature)."""
    return _selection(op, device_type)[1]


def as_series(x: torch.Tensor) -> torch.Tensor:
    """``(N, *S, T)`` viewed as the kernels' ``(N, M, T)`` series, ``M = prod(S)`` (a view for time-last and
    neuron-contiguous layouts, a copy only where the strides do not allow one)."""
    return x.reshape(x.shape[0], math.prod(x.shape[1:-1]), x.shape[-1])


def kernel_or_reference(op: str, x: torch.Tensor) -> Callable:
    """The kernel ``op`` for the tensor ``x``: the selected backend's for float32/float64 (the kernels' dtypes);
    the reference backend's for other dtypes and where the selection finds none (``SLAYER_BACKEND`` naming a
    backend without it, the gpu backend for the encoder and spike kernels), so that a backend choice made for
    the dynamics never breaks a model whose other ops it lacks."""
    from .reference import KERNELS as REFERENCE  # here: the reference backend imports this module's package

    if x.dtype not in (torch.float32, torch.float64):
        return REFERENCE[op]
    try:
        return select_kernel(op, x.device.type)
    except BackendSelectionError:
        return REFERENCE[op]


def clear_cache() -> None:
    """Forget cached choices (done automatically by :func:`slayer.core.plugins.reset`)."""
    with _lock:
        _cache.clear()


on_reset(clear_cache)


def _selection(op: str, device_type: str) -> tuple[Backend, Callable]:
    requested = os.environ.get(BACKEND_ENV, "").strip()
    key = (op, device_type, requested)
    found = _cache.get(key)
    if found is None:
        found = _explicit(requested, op, device_type) if requested else _automatic(op, device_type)
        with _lock:
            _cache[key] = found
    return found


def _backends() -> dict[str, Backend]:
    return {name: entry.obj for name, entry in registry().get("backends").items()}


def _explicit(name: str, op: str, device_type: str) -> tuple[Backend, Callable]:
    backends = _backends()
    if name not in backends:
        known = ", ".join(sorted(backends)) or "none"
        raise BackendSelectionError(f"{BACKEND_ENV}={name!r} names no registered backend; known backends: {known}")
    backend = backends[name]
    if not backend.is_available():
        raise BackendSelectionError(
            f"{BACKEND_ENV}={name!r}: backend {backend!r} is not available here ({backend.description or 'no details'})"
        )
    if device_type not in backend.device_types:
        raise BackendSelectionError(
            f"{BACKEND_ENV}={name!r}: backend runs on {sorted(backend.device_types)}, "
            f"not on device type {device_type!r}"
        )
    kernel = backend.kernels().get(op)
    if kernel is None:
        known = ", ".join(sorted(backend.kernels()))
        raise UnknownKernelError(f"{BACKEND_ENV}={name!r}: backend has no kernel {op!r}; its kernels: {known}")
    return backend, kernel


def _automatic(op: str, device_type: str) -> tuple[Backend, Callable]:
    for backend in sorted(_backends().values(), key=lambda b: (-b.priority, b.name)):
        if device_type in backend.device_types and backend.is_available():
            kernel = backend.kernels().get(op)
            if kernel is not None:
                return backend, kernel
    from .reference import ReferenceBackend  # even if its plugin was blocked: the oracle always runs

    reference = ReferenceBackend()
    if op not in reference.kernels():
        raise UnknownKernelError(f"no backend has a kernel named {op!r}; known kernels: {', '.join(KERNEL_NAMES)}")
    return reference, reference.kernels()[op]
