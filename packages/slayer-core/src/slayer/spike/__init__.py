"""Spike functions with surrogate gradients (distribution ``slayer-core``).

* :func:`real_spike` / :class:`Spike` (lava-dl ``slayer.spike.Spike.apply``): threshold
  crossing of a real voltage.
* :func:`phase_spike` / ``complex.Spike`` (lava-dl ``slayer.spike.complex.Spike.apply``):
  upward zero crossing of the imaginary part while the real part is above threshold.
* :mod:`slayer.spike.surrogate`: the surrogate densities; :mod:`slayer.spike.constants`:
  per-neuron-model surrogate multipliers.

See ``docs/spikes.md`` for the equations and the differences from lava-dl.
"""

from __future__ import annotations

from . import complex as complex
from . import constants as constants
from . import surrogate as surrogate
from .complex import phase_spike as phase_spike
from .real import Spike as Spike
from .real import real_spike as real_spike

__all__ = ["Spike", "complex", "constants", "phase_spike", "real_spike", "surrogate"]
