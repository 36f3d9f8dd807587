"""The contract of a compute backend registered through ``slayer_register_backends``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping


class Backend(ABC):
    """A set of implementations of slayer's dynamics ops for some devices.

    ``name`` is the registry name (``SLAYER_BACKEND`` selects by it); ``device_types`` the
    ``torch.device.type`` values it can run on; ``priority`` orders automatic selection
    (higher first). ``kernels()`` maps op names to callables with the reference signature.
    """

    name: str
    device_types: frozenset[str]
    priority: int = 0
    description: str = ""

    def is_available(self) -> bool:
        """Whether this backend can run here (compiler, GPU, ... present)."""
        return True

    @abstractmethod
    def kernels(self) -> Mapping[str, Callable]:
        """Op name -> implementation."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, devices={sorted(self.device_types)})"
