"""The ``cpu`` backend: the dynamics kernels in C++ (ATen ``parallel_for``/OpenMP), JIT-built on first use.

Nothing is compiled at ``import slayer``: the first time automatic selection asks whether this backend
is available (the first dynamics op on a CPU tensor), :func:`._build.load_library` loads the cached
library or builds it (one line on stderr says so). If that fails, one :class:`._build.CpuBuildWarning`
names the log and the reference backend runs instead. Kernel signatures: ``docs/backends.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from .._backend import Backend
from ._build import NAMESPACE, CpuBuildWarning, CpuCacheWarning, load_library

__all__ = ["CpuBackend", "CpuBuildWarning", "CpuCacheWarning"]

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
)


class CpuBackend(Backend):
    name = "cpu"
    device_types = frozenset({"cpu"})
    priority = 10
    description = "C++ fixed-point dynamics with OpenMP, JIT-compiled with ninja into the user cache"

    def is_available(self) -> bool:
        """True once the C++ library is built and loaded (builds it on the first call)."""
        return load_library() is not None

    def kernels(self) -> Mapping[str, Callable]:
        if load_library() is None:
            return {}
        namespace = getattr(torch.ops, NAMESPACE)
        return {name: getattr(namespace, name).default for name in KERNEL_OPS}
