"""The ``gpu`` backend: the dynamics kernels in Triton, JIT-compiled for whatever CUDA GPU is present.

Nothing imports triton at ``import slayer``: triton is not a dependency of slayer-core (it ships with
CUDA builds of PyTorch). The backend is available when triton can be imported and a CUDA device
exists; the first kernel launch imports the kernel modules and Triton compiles each kernel for the
GPU at hand (one line on stderr says so; Triton caches the binaries, so later processes skip it).

A kernel that fails to compile or launch falls back to the reference backend with one
:class:`GpuBackendWarning` (unless ``SLAYER_BACKEND=gpu`` asked for this backend explicitly: then the
error propagates). Argument errors (``ValueError``/``TypeError``) always propagate.

``SLAYER_TRITON_INTERPRET=1`` (set before triton is imported) runs the kernels in Triton's interpreter
and lets the backend take CPU tensors: that is how the tests check the kernels without a GPU.
Kernel signatures: ``docs/backends.md``; design and layouts: its "gpu backend (Triton)" section.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import warnings
from collections.abc import Callable, Mapping

import torch

from ...submodules import lazy_submodules
from .._backend import KERNEL_NAMES, Backend
from ._mode import INTERPRET_ENV, interpret_requested, interpreting, triton_installed

__all__ = ["INTERPRET_ENV", "GpuBackend", "GpuBackendWarning"]

#: Contract kernel name -> module of this package that defines it (same function name).
KERNEL_MODULES: dict[str, str] = {
    "leaky_integrator_forward": "leaky_integrator",
    "leaky_integrator_backward": "leaky_integrator",
    "resonator_forward": "resonator",
    "resonator_backward": "resonator",
    "adaptive_threshold_forward": "adaptive_threshold",
    "adaptive_threshold_backward": "adaptive_threshold",
    "adaptive_phase_threshold_forward": "adaptive_threshold",
    "adaptive_resonator_forward": "adaptive_resonator",
    "cuba_forward": "cuba",
    "cuba_backward": "cuba",
    "alif_forward": "alif",
    "alif_backward": "alif",
    "neuron_major": "layout",
}
assert set(KERNEL_MODULES) <= set(KERNEL_NAMES)


class GpuBackendWarning(RuntimeWarning):
    """A Triton kernel failed to compile or launch; the reference backend runs that op instead."""


_announced = False
_announce_lock = threading.Lock()


def _announce_compilation(device: torch.device) -> None:
    """One line per process before the first compiled launch (Triton's cache makes later ones fast)."""
    global _announced
    if _announced:  # every launch passes here: no lock once said
        return
    with _announce_lock:
        if _announced or interpreting():
            _announced = True
            return
        _announced = True
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    major, minor = torch.cuda.get_device_capability(device) if device.type == "cuda" else (0, 0)
    print(
        f"slayer: gpu backend: Triton compiles its kernels for {name} (sm_{major}{minor}) on first use; "
        "they are cached (TRITON_CACHE_DIR, default ~/.triton/cache)",
        file=sys.stderr,
    )


class _Kernel:
    """A contract kernel that imports its Triton module on first call and falls back once on failure."""

    def __init__(self, name: str):
        self.name = name
        self._impl: Callable | None = None
        self._failed = False

    def _load(self) -> Callable:
        if self._impl is None:
            module = importlib.import_module(f"{__name__}.{KERNEL_MODULES[self.name]}")
            self._impl = getattr(module, self.name)
        return self._impl

    def __call__(self, *args):
        if self._failed:
            return self._reference(*args)
        try:
            impl = self._load()
            _announce_compilation(args[0].device)
            return impl(*args)
        except (ValueError, TypeError):
            raise
        except Exception as error:
            if os.environ.get("SLAYER_BACKEND", "").strip() == GpuBackend.name:
                raise
            self._failed = True
            warnings.warn(
                f"slayer gpu backend: Triton kernel {self.name} failed ({type(error).__name__}: {error}); "
                "the reference backend runs it from now on in this process",
                GpuBackendWarning,
                stacklevel=2,
            )
            return self._reference(*args)

    def _reference(self, *args):
        from ..reference import KERNELS

        return KERNELS[self.name](*args)

    def __repr__(self) -> str:
        return f"<gpu kernel {self.name}>"


class GpuBackend(Backend):
    name = "gpu"
    priority = 20
    description = "Triton kernels JIT-compiled for the CUDA GPU present (needs triton and a CUDA device)"

    def __init__(self) -> None:
        self._kernels = {name: _Kernel(name) for name in KERNEL_MODULES}

    @property
    def device_types(self) -> frozenset[str]:  # type: ignore[override]
        """``{"cuda"}``; also ``"cpu"`` under ``SLAYER_TRITON_INTERPRET=1`` (interpreted kernels)."""
        return frozenset({"cuda", "cpu"}) if interpret_requested() else frozenset({"cuda"})

    def is_available(self) -> bool:
        if not triton_installed():
            return False
        return interpret_requested() or torch.cuda.is_available()

    def kernels(self) -> Mapping[str, Callable]:
        return self._kernels


# the kernel modules (they import triton) stay unimported until a kernel launches or a user touches one
__getattr__ = lazy_submodules(__name__, set(KERNEL_MODULES.values()))
