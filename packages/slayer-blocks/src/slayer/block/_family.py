"""Block families: ``slayer.block.<neuron name>`` generated on first access from the registries.

A family is a module object holding one subclass per block type that the neuron model supports
(``Dense``, ``Conv``, ...), each with ``neuron_class`` set. Nothing here names a neuron model: a model
registered by any plugin gets its family the same way.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

from slayer.core.neuron import Neuron
from slayer.core.plugins import on_reset, registry

from ._block import Block


class UnsupportedBlockError(AttributeError):
    """A family was asked for a block type its neuron model does not support."""


def block_types() -> dict[str, type[Block]]:
    """Every registered block type by name (``"Dense"``, ``"Conv"``, ...)."""
    return {name: entry.obj for name, entry in registry().get("blocks").items()}


class Family(types.ModuleType):
    """``slayer.block.<name>``: the block types of one neuron model (and ``neuron_class``)."""

    def __init__(self, neuron_class: type[Neuron], types_by_name: dict[str, type[Block]]) -> None:
        name = f"{__package__}.{neuron_class.name}"
        super().__init__(name, f"Blocks of the {neuron_class.name!r} neuron model ({neuron_class.__module__}).")
        self.neuron_class = neuron_class
        self.types_by_name = dict(types_by_name)
        self.block_names: tuple[str, ...] = ()
        for type_name, block_type in sorted(types_by_name.items()):
            if not block_type.needs_neuron:  # Flatten etc. are the same class in every family
                setattr(self, type_name, block_type)
                self.block_names += (type_name,)
            elif block_type.supports(neuron_class):
                setattr(self, type_name, _specialise(block_type, neuron_class, name))
                self.block_names += (type_name,)
        self.__all__ = list(self.block_names)

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("types_by_name", ()):
            raise UnsupportedBlockError(
                f"neuron model {self.neuron_class.name!r} does not support the block type {name!r}; "
                f"slayer.block.{self.neuron_class.name} has: {', '.join(self.block_names)}"
            )
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<block family {self.__name__!r}: {', '.join(self.block_names)}>"


def _specialise(block_type: type[Block], neuron_class: type[Neuron], module: str) -> type[Block]:
    """``block_type`` bound to ``neuron_class`` (a subclass named like the block type, in ``module``)."""
    doc = f"{block_type.__doc__ or block_type.name}\n\nNeuron model: :class:`{neuron_class.__module__}.Neuron`."
    cls = type(block_type.name, (block_type,), {"neuron_class": neuron_class, "__module__": module, "__doc__": doc})
    cls.__qualname__ = block_type.name
    return cls


_families: dict[str, Family] = {}
_lock = threading.Lock()


def family(name: str) -> Family:
    """The block family of the neuron model registered as ``name`` (created on first use, and again when
    the registry changes: a plugin registered or removed in-process)."""
    neurons = registry().get("neurons")
    if name not in neurons:
        known = ", ".join(sorted(neurons)) or "none"
        raise AttributeError(
            f"no neuron model {name!r} is registered, so there is no slayer.block.{name}; known: {known}"
        )
    types_by_name = block_types()
    with _lock:
        cached = _families.get(name)
        if cached is None or cached.neuron_class is not neurons[name].obj or cached.types_by_name != types_by_name:
            cached = _families[name] = Family(neurons[name].obj, types_by_name)
            if sys.modules.get(cached.__name__) is not None:
                sys.modules[cached.__name__] = cached
        return cached


def family_of(neuron_class: type[Neuron]) -> Family:
    return family(neuron_class.name)


@on_reset
def _forget_families() -> None:
    with _lock:
        for generated in _families.values():
            if sys.modules.get(generated.__name__) is generated:
                del sys.modules[generated.__name__]
        _families.clear()
