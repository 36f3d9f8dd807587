"""slayer neuron models (distribution ``slayer-neurons``), lava-dl's ``slayer.neuron`` names.

Models (each a module with ``Neuron`` and ``neuron_params``): :mod:`~slayer.neuron.cuba`,
:mod:`~slayer.neuron.alif`, :mod:`~slayer.neuron.rf`, :mod:`~slayer.neuron.rf_iz`,
:mod:`~slayer.neuron.adrf`, :mod:`~slayer.neuron.adrf_iz`, :mod:`~slayer.neuron.sigma_delta`; plus
:class:`Dropout`, :mod:`~slayer.neuron.norm` and the lava-dl :mod:`~slayer.neuron.dynamics` paths.
Model modules are imported on first attribute access.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from . import norm as norm
from .dropout import Dropout as Dropout

_MODULES = ("base", "cuba", "alif", "rf", "rf_iz", "adrf", "adrf_iz", "sigma_delta", "dynamics")

__all__ = ["Dropout", "norm", *_MODULES]


def __getattr__(name: str) -> ModuleType:
    if name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'slayer.neuron' has no attribute {name!r}")
