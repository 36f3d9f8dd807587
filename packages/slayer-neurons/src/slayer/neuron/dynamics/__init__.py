"""lava-dl's ``slayer.neuron.dynamics`` import paths as thin adapters over :mod:`slayer.core.dynamics`.

Each module offers lava-dl's ``dynamics(...)`` signature (states and thresholds in float units,
``w_scale`` = the state scale, 4096 by default) and its ``persistent_*`` helpers. ``debug`` is accepted
and ignored: every backend gives bit-identical results. New code should call
:mod:`slayer.core.dynamics` directly, which also returns the next states.
"""

from . import adaptive_phase_th as adaptive_phase_th
from . import adaptive_resonator as adaptive_resonator
from . import adaptive_threshold as adaptive_threshold
from . import leaky_integrator as leaky_integrator
from . import resonator as resonator

__all__ = ["adaptive_phase_th", "adaptive_resonator", "adaptive_threshold", "leaky_integrator", "resonator"]
