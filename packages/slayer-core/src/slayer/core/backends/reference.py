"""The ``reference`` backend: pure PyTorch, runs anywhere, the oracle for the others."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ._backend import Backend


class ReferenceBackend(Backend):
    name = "reference"
    device_types = frozenset({"cpu", "cuda", "mps", "xpu", "meta"})
    priority = 0
    description = "pure PyTorch fixed-point dynamics (readable oracle)"

    def kernels(self) -> Mapping[str, Callable]:
        return {}
