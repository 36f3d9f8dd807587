"""How the gpu backend runs its Triton kernels: compiled for a CUDA GPU, or interpreted on the CPU.

``SLAYER_TRITON_INTERPRET=1`` runs every kernel in Triton's interpreter (numpy on the host) and lets
the backend accept CPU tensors, so tests check the kernels on a machine without a GPU. Triton's own
``TRITON_INTERPRET=1`` also makes the kernels interpreted (Triton reads it when a kernel is defined)
but does not claim the CPU device: a user debugging other Triton code keeps slayer's CPU backends.
Both are read when the kernel modules are first imported (first use of the backend), not later.
Nothing here imports triton.
"""

from __future__ import annotations

import importlib.util
import os

INTERPRET_ENV = "SLAYER_TRITON_INTERPRET"
TRITON_INTERPRET_ENV = "TRITON_INTERPRET"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def interpret_requested() -> bool:
    """``SLAYER_TRITON_INTERPRET`` is set: interpreted kernels, CPU tensors accepted."""
    return _flag(INTERPRET_ENV)


def interpreting() -> bool:
    """The kernels will run in Triton's interpreter (either variable set)."""
    return interpret_requested() or _flag(TRITON_INTERPRET_ENV)


def triton_installed() -> bool:
    """Whether ``import triton`` can work, without importing it (importing triton is slow)."""
    return importlib.util.find_spec("triton") is not None
