"""The C++ kernels' argument checks, repeated in Python before each call.

An argument error raised inside the C++ library has to unwind through it to reach Python; with one toolchain
(torch 2.11 CUDA wheel, library built by gcc 13) that unwinding killed the process with SIGSEGV instead of
raising. Checking here first means a bad call never reaches that path on any toolchain: it raises the same
``RuntimeError`` with the same message (the C++ checks stay, for callers of ``torch.ops.slayer_cpu``).

The role of each tensor argument follows from its name in the op schema (docs/backends.md): ``*decay`` and
the delta encoder's per-neuron ``threshold`` -> ``(M,)``, ``*state`` and ``grad_next_*`` -> ``(N, M)``,
``events`` -> bool like the series or empty, ``grad_voltage`` and ``threshold_series`` -> like the series or
empty, anything else ->
an ``(N, M, T)`` series.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

from .._select import BackendSelectionError

_FLOATS = (torch.float32, torch.float64)
#: series arguments that may be empty (not given): the voltage gradient, the phase spike's per-element threshold
_OPTIONAL_SERIES = ("grad_voltage", "threshold_series")


def tensor_roles(op) -> tuple[tuple[int, str, str], ...]:
    """``(position, name, role)`` of every tensor argument of the op overload ``op``."""
    roles = []
    for position, argument in enumerate(op._schema.arguments):
        if str(argument.type) != "Tensor":
            continue
        name = argument.name
        if name in ("decay", "threshold") or name.endswith("_decay"):
            role = "parameter"
        elif name == "state" or name.endswith("_state") or name.startswith("grad_next"):
            role = "plane"
        elif name == "events":
            role = name
        elif name in _OPTIONAL_SERIES:
            role = "optional_series"
        else:
            role = "series"
        roles.append((position, name, role))
    return tuple(roles)


def check_arguments(kernel: str, roles: tuple[tuple[int, str, str], ...], args: tuple) -> None:
    """Raise ``RuntimeError`` naming the argument if ``args`` break the contract of ``kernel``."""
    op = f"slayer_cpu::{kernel}"
    tensors = [(name, role, args[position]) for position, name, role in roles]
    for name, _, x in tensors:
        if not isinstance(x, torch.Tensor) or x.device.type != "cpu":
            where = x.device if isinstance(x, torch.Tensor) else type(x).__name__
            raise RuntimeError(f"{op}: {name} must be a CPU tensor, got {where}")
    first, _, like = next(t for t in tensors if t[1] == "series")
    if like.dim() != 3:
        raise RuntimeError(f"{op}: {first} must have shape (N, M, T), got {list(like.shape)}")
    if kernel == "neuron_major":  # a layout copy of any dtype: nothing else to agree with
        return
    if like.dtype not in _FLOATS:
        raise RuntimeError(f"{op}: {first} must be float32 or float64, got {like.dtype}")
    n, m, _ = like.shape
    expected = {"series": tuple(like.shape), "parameter": (m,), "plane": (n, m)}
    shown = {"series": str(list(like.shape)), "parameter": f"({m},)", "plane": f"({n}, {m})"}  # as the C++ says
    for name, role, x in tensors:
        if role == "events":
            if x.dtype != torch.bool or (x.numel() and tuple(x.shape) != expected["series"]):
                raise RuntimeError(
                    f"{op}: events must be a bool tensor of shape {list(like.shape)} (or empty), "
                    f"got {x.dtype} {list(x.shape)}"
                )
            continue
        if role == "optional_series" and not x.numel():
            continue
        role = "series" if role == "optional_series" else role
        if tuple(x.shape) != expected[role]:
            raise RuntimeError(f"{op}: {name} must have shape {shown[role]}, got {list(x.shape)}")
        if x.dtype != like.dtype:
            raise RuntimeError(f"{op}: {name} must have dtype {like.dtype}, got {x.dtype}")


#: ``SLAYER_CPU_ISA`` lowers the kernels' instruction set per call (csrc/isa.h); unset or empty: the best one
ISA_ENV = "SLAYER_CPU_ISA"
ISA_CHOICES = ("baseline", "avx2", "avx512")


def check_isa_setting() -> None:
    """Raise if ``SLAYER_CPU_ISA`` holds an unknown value (the C++ side would silently read it as avx512)."""
    wanted = os.environ.get(ISA_ENV, "")
    if wanted and wanted not in ISA_CHOICES:
        raise BackendSelectionError(f"{ISA_ENV}={wanted!r} is not one of {', '.join(ISA_CHOICES)} (or unset)")


def checked(kernel: str, op) -> Callable:
    """``op`` (a ``torch.ops.slayer_cpu`` overload) behind :func:`check_arguments`."""
    roles = tensor_roles(op)

    def call(*args):
        check_isa_setting()
        check_arguments(kernel, roles, args)
        return op(*args)

    call.__name__ = call.__qualname__ = kernel
    return call
