"""slayer blocks (distribution ``slayer-blocks``): lava-dl's ``slayer.block`` for every registered neuron.

``slayer.block.<neuron name>`` (``cuba``, ``alif``, ``rf``, ``rf_iz``, ``adrf``, ``adrf_iz``,
``sigma_delta``, or any plugin's model) is a family generated on first access from the plugin registry,
holding the block types the model supports: ``Input``, ``Flatten``, ``Average``, ``TimeDecimation``,
``Dense``, ``Conv``, ``ConvT``, ``Pool``, ``Unpool``, ``KWTA``, ``Recurrent``, ``Affine``/``Output``.
Networks go to and from hdf5 (lava-dl's netx layout) with :func:`export_hdf5` and :func:`load_hdf5`.
See ``docs/blocks.md``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

from ._block import MAX_DELAY as MAX_DELAY
from ._block import Block as Block
from ._family import Family as Family
from ._family import UnsupportedBlockError as UnsupportedBlockError
from ._family import block_types as block_types
from ._family import family as family
from ._hdf5_fields import Hdf5FormatError as Hdf5FormatError
from ._network import Sequential as Sequential
from ._network import export_hdf5 as export_hdf5
from ._network import load_hdf5 as load_hdf5

__all__ = [
    "MAX_DELAY",
    "Block",
    "Family",
    "Hdf5FormatError",
    "Sequential",
    "UnsupportedBlockError",
    "block_types",
    "export_hdf5",
    "family",
    "load_hdf5",
]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    neuronless = {n: t for n, t in block_types().items() if not t.needs_neuron}
    if name in neuronless:  # Flatten, Average, TimeDecimation need no family
        return neuronless[name]
    return family(name)  # an AttributeError names the registered models if there is none of that name


def __dir__() -> list[str]:
    from slayer.core.plugins import registry

    return sorted(set(globals()) | set(registry().get("neurons")))


class _FamilyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``import slayer.block.cuba`` (and ``from slayer.block.cuba import Dense``) work."""

    def find_spec(self, fullname: str, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name.startswith("_"):
            return None
        from slayer.core.plugins import registry

        if name not in registry().get("neurons"):
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return family(spec.name.rpartition(".")[2])

    def exec_module(self, module: ModuleType) -> None:
        """A family is complete when created."""


if not any(isinstance(finder, _FamilyFinder) for finder in sys.meta_path):
    sys.meta_path.append(_FamilyFinder())
