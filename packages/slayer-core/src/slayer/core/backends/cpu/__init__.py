"""The ``cpu`` backend: the dynamics kernels in C++ (ATen ``parallel_for``/OpenMP), JIT-built on first use.

Nothing is compiled at ``import slayer``: the first time automatic selection asks whether this backend
is available (the first dynamics op on a CPU tensor), :func:`._build.load_library` loads the cached
library or builds it (one line on stderr says so). If that fails, one :class:`._build.CpuBuildWarning`
names the log and the reference backend runs instead. Kernel signatures: ``docs/backends.md``.

Outputs of a megabyte or more come from a caching pool (``csrc/output_pool.h``): a training loop that
allocates the same outputs every step reuses warm memory instead of paying page faults on fresh blocks.
:func:`output_pool_stats` reports it, :func:`empty_output_pool` gives its idle blocks back to the system, and
``SLAYER_CPU_POOL_MB`` caps its idle bytes (0 turns it off).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from .._backend import Backend
from ._arguments import checked
from ._build import NAMESPACE, CpuBuildWarning, CpuCacheWarning, load_library

__all__ = [
    "CpuBackend",
    "CpuBuildWarning",
    "CpuCacheWarning",
    "OutputPoolStats",
    "empty_output_pool",
    "output_pool_stats",
]

#: Contract kernel name -> op of ``torch.ops.slayer_cpu`` with the same name and argument order.
KERNEL_OPS: tuple[str, ...] = (
    "leaky_integrator_forward",
    "leaky_integrator_backward",
    "resonator_forward",
    "resonator_backward",
    "adaptive_threshold_forward",
    "adaptive_threshold_backward",
    "adaptive_phase_threshold_forward",
    "adaptive_resonator_forward",
    "cuba_forward",
    "cuba_backward",
    "alif_forward",
    "alif_backward",
    "neuron_major",
    "delta_forward",  # csrc/delta.cpp
    "delta_backward",
    "phase_spike_forward",  # csrc/phase_spike.cpp
    "phase_spike_backward",
    "running_sum",  # csrc/running_sum.cpp
    "real_spike_forward",  # csrc/real_spike.cpp
    "real_spike_backward",
)


class CpuBackend(Backend):
    name = "cpu"
    device_types = frozenset({"cpu"})
    priority = 10
    description = "C++ fixed-point dynamics with OpenMP, JIT-compiled with ninja into the user cache"

    def __init__(self) -> None:
        self._kernels: dict[str, Callable] | None = None

    def is_available(self) -> bool:
        """True once the C++ library is built and loaded (builds it on the first call)."""
        return load_library() is not None

    def kernels(self) -> Mapping[str, Callable]:
        if load_library() is None:
            return {}
        if self._kernels is None:
            namespace = getattr(torch.ops, NAMESPACE)
            self._kernels = {name: checked(name, getattr(namespace, name).default) for name in KERNEL_OPS}
        return self._kernels


@dataclass(frozen=True)
class OutputPoolStats:
    """The cpu backend's output pool: bytes held by live outputs, idle bytes kept for reuse, the cap on idle
    bytes (``SLAYER_CPU_POOL_MB``; 0: the pool is off), and how many requests reused a block (hits) or took
    a fresh one (misses). Outputs under 1 MiB bypass the pool and are not counted."""

    live_bytes: int
    idle_bytes: int
    limit_bytes: int
    hits: int
    misses: int

    def __repr__(self) -> str:
        mib = 1 << 20
        return (
            f"OutputPoolStats(live={self.live_bytes / mib:.1f} MiB, idle={self.idle_bytes / mib:.1f} MiB, "
            f"limit={self.limit_bytes / mib:.0f} MiB, hits={self.hits}, misses={self.misses})"
        )


def output_pool_stats() -> OutputPoolStats:
    """The output pool's counters (all zero when the C++ library is not available)."""
    if load_library() is None:
        return OutputPoolStats(0, 0, 0, 0, 0)
    return OutputPoolStats(*getattr(torch.ops, NAMESPACE).output_pool_stats())


def empty_output_pool() -> int:
    """Give every idle block of the output pool back to the system; returns the bytes freed."""
    if load_library() is None:
        return 0
    return int(getattr(torch.ops, NAMESPACE).empty_output_pool())
