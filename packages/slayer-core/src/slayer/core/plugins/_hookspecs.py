"""Hook specifications of the ``slayer`` plugin project.

Every hook takes no arguments and returns a list (or ``None`` for "nothing"). Plugin
modules should import torch and other heavy modules inside the hook function, not at
module level, so that listing plugins stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from slayer.core.backends import Backend
    from slayer.core.events import EventFormat
    from slayer.core.neuron import Neuron

PROJECT = "slayer"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def slayer_register_neurons() -> list[type[Neuron]]:
    """Return the neuron model classes this plugin provides.

    Each must be a subclass of :class:`slayer.core.Neuron` whose class attribute ``name``
    (for example ``"cuba"``) is unique among all installed plugins. A registered neuron
    gets block families (``slayer.block.<name>.Dense`` ...) and hdf5 export.
    """


@hookspec
def slayer_register_blocks() -> list[type[torch.nn.Module]]:
    """Return the generic block types this plugin provides.

    Each must be a ``torch.nn.Module`` subclass (in practice of ``slayer.block.Block``) with a unique
    class attribute ``name`` (for example ``"Dense"``); block families combine it with every registered
    neuron whose ``block_types`` list that name (see ``docs/blocks.md``).
    """


@hookspec
def slayer_register_synapses() -> list[type[torch.nn.Module]]:
    """Return the synapse classes this plugin provides.

    Each must be a ``torch.nn.Module`` subclass with a unique class attribute ``name``
    (for example ``"dense"`` or ``"complex_dense"``).
    """


@hookspec
def slayer_register_event_formats() -> list[EventFormat]:
    """Return the event file formats this plugin can read and/or write.

    Each must be a :class:`slayer.core.EventFormat` with a unique ``name``.
    """


@hookspec
def slayer_register_backends() -> list[Backend]:
    """Return the compute backends this plugin provides.

    Each must be a :class:`slayer.core.backends.Backend` instance with a unique ``name``
    (``"reference"``, ``"cpu"``, ``"gpu"`` are first party).
    """
