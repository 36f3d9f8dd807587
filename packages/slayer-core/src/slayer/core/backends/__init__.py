"""Compute backends: who runs the dynamics ops on which device.

:class:`Backend` is what a plugin registers (``slayer_register_backends``); :func:`select_kernel` picks
the kernel for an op and device type (``SLAYER_BACKEND`` forces a backend). The kernel contract is in
``docs/backends.md``; :data:`KERNEL_NAMES` lists every op a complete backend implements.
"""

from slayer.core.submodules import lazy_submodules

from ._backend import KERNEL_NAMES as KERNEL_NAMES
from ._backend import Backend as Backend
from ._select import BACKEND_ENV as BACKEND_ENV
from ._select import BackendSelectionError as BackendSelectionError
from ._select import UnknownKernelError as UnknownKernelError
from ._select import as_series as as_series
from ._select import clear_cache as clear_cache
from ._select import kernel_or_reference as kernel_or_reference
from ._select import select_backend as select_backend
from ._select import select_kernel as select_kernel

# the backends themselves, on first attribute access (``slayer.core.backends.reference.KERNELS``)
__getattr__ = lazy_submodules(__name__, ("reference", "cpu", "gpu"))

__all__ = [
    "BACKEND_ENV",
    "KERNEL_NAMES",
    "Backend",
    "BackendSelectionError",
    "UnknownKernelError",
    "as_series",
    "clear_cache",
    "kernel_or_reference",
    "select_backend",
    "select_kernel",
]
