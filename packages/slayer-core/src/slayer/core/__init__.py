"""slayer-core: plugin system, compute backends and the contracts plugins implement.

Public surface: :func:`hookimpl` (mark plugin hook implementations), :class:`Neuron`,
:class:`EventFormat`, :class:`~slayer.core.backends.Backend`, and registry lookups
(:func:`neuron_class`, :func:`neuron_names`).
"""

from __future__ import annotations

from slayer.core.events import EventFormat as EventFormat
from slayer.core.neuron import SPIKING_BLOCK_TYPES as SPIKING_BLOCK_TYPES
from slayer.core.neuron import Neuron as Neuron
from slayer.core.plugins import hookimpl as hookimpl
from slayer.core.plugins import registry as registry
from slayer.core.submodules import lazy_submodules

# imported on first attribute access (``slayer.core.dynamics.cuba``): dynamics and backends load torch ops
__getattr__ = lazy_submodules(__name__, ("backends", "dynamics", "events", "neuron", "plugins", "submodules"))


def neuron_class(name: str) -> type[Neuron]:
    """The neuron model registered as ``name`` (``"cuba"``, or a third-party model)."""
    return registry().lookup("neurons", name)


def neuron_names() -> list[str]:
    """Names of every registered neuron model."""
    return sorted(registry().get("neurons"))


__all__ = ["SPIKING_BLOCK_TYPES", "EventFormat", "Neuron", "hookimpl", "neuron_class", "neuron_names", "registry"]
