"""slayer neuron models (distribution ``slayer-neurons``), lava-dl's ``slayer.neuron`` names.

Models (each a module with ``Neuron`` and ``neuron_params``): :mod:`~slayer.neuron.cuba`,
:mod:`~slayer.neuron.alif`, :mod:`~slayer.neuron.rf`, :mod:`~slayer.neuron.rf_iz`,
:mod:`~slayer.neuron.adrf`, :mod:`~slayer.neuron.adrf_iz`, :mod:`~slayer.neuron.sigma_delta`; plus
:class:`Dropout`, :mod:`~slayer.neuron.norm` and the lava-dl :mod:`~slayer.neuron.dynamics` paths.
Model modules are imported on first attribute access.
"""

from __future__ import annotations

from slayer.core.submodules import lazy_submodules

from . import norm as norm
from .dropout import Dropout as Dropout

_MODULES = ("base", "cuba", "alif", "rf", "rf_iz", "adrf", "adrf_iz", "sigma_delta", "dynamics")

__all__ = ["Dropout", "norm", *_MODULES]

__getattr__ = lazy_submodules(__name__, _MODULES)
