"""slayer: train spiking neural networks with learnable neuron dynamics in PyTorch.

``slayer`` is one import root shared by several distributions (``slayer-core``,
``slayer-neurons``, ``slayer-synapse``, ``slayer-io``, ``slayer-blocks``). This file is
owned by ``slayer-core``; the other distributions ship only their subpackages. Subpackages
are imported lazily on attribute access (``slayer.neuron.cuba.Neuron``), and touching one
whose distribution is missing raises an ImportError naming the distribution to install.
See ``docs/architecture.md`` for why this is not a PEP 420 namespace package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import pkgutil
import sys
from types import ModuleType

# Editable installs put each distribution's ``src`` on sys.path separately: let every
# ``slayer`` directory on sys.path contribute subpackages to this one package.
__path__ = pkgutil.extend_path(__path__, __name__)

#: subpackage name -> the distribution that provides it
SUBPACKAGES: dict[str, str] = {
    "core": "slayer-core",
    "spike": "slayer-core",
    "utils": "slayer-core",
    "loss": "slayer-core",
    "classifier": "slayer-core",
    "neuron": "slayer-neurons",
    "synapse": "slayer-synapse",
    "axon": "slayer-synapse",
    "dendrite": "slayer-synapse",
    "io": "slayer-io",
    "block": "slayer-blocks",
    "testing": "slayer-blocks",
}

__all__ = sorted(SUBPACKAGES)


def _missing_subpackage_error(name: str) -> ImportError:
    from importlib.metadata import PackageNotFoundError, version

    dist = SUBPACKAGES[name]
    try:
        installed = version(dist)
    except PackageNotFoundError:
        message = f"slayer.{name} is provided by the distribution {dist!r}, which is not installed; "
        message += f"install it with: pip install {dist}"
    else:  # installed, yet without this subpackage: a release that predates it (planned, or newer)
        message = f"slayer.{name} does not exist in the installed {dist} {installed}; "
        message += f"it is planned for a later release of {dist} (pip install --upgrade {dist})"
    return ModuleNotFoundError(message, name=f"{__name__}.{name}")


class _MissingSubpackageFinder(importlib.abc.MetaPathFinder):
    """Last finder on ``sys.meta_path``: turns "No module named 'slayer.neuron'" into an
    error that names the distribution to install. Only reached when no other finder knows
    the module, so it never shadows an installed subpackage."""

    def find_spec(self, fullname: str, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        prefix, _, name = fullname.partition(".")
        if prefix == __name__ and name in SUBPACKAGES:
            raise _missing_subpackage_error(name)
        return None


if not any(isinstance(f, _MissingSubpackageFinder) for f in sys.meta_path):
    sys.meta_path.append(_MissingSubpackageFinder())


def __getattr__(name: str) -> ModuleType:
    if name not in SUBPACKAGES:
        raise AttributeError(f"module 'slayer' has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{name}")
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBPACKAGES))


def __version_getter() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("slayer-core")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


__version__ = __version_getter()
