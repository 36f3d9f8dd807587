"""The contract of a compute backend registered through ``slayer_register_backends``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

#: Kernels of the fixed-point dynamics, the sigma-delta encoder and decoder and the phase and real spikes
#: (signatures in docs/backends.md). A backend may implement any subset; ops it lacks run on the next backend in
#: automatic selection.
KERNEL_NAMES: tuple[str, ...] = (
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
    "delta_forward",
    "delta_backward",
    "phase_spike_forward",
    "phase_spike_backward",
    "running_sum",
    "real_spike_forward",
    "real_spike_backward",
)


class Backend(ABC):
    """A set of implementations of slayer's dynamics ops for some devices.

    ``name`` is the registry name (``SLAYER_BACKEND`` selects by it); ``device_types`` the
    ``torch.device.type`` values it can run on; ``priority`` orders automatic selection
    (higher first). ``kernels()`` maps kernel names (:data:`KERNEL_NAMES`) to callables with the
    signatures of ``docs/backends.md`` (plain tensors, ints and bools; no Python objects needed).
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
