"""Fixed-point neuron dynamics: lava-dl's integer arithmetic as ``torch.library`` custom ops.

Every function takes time-last tensors, input ``(N, *S, T)`` where ``S`` is the spatial shape
(``C`` or ``C, H, W``, any number of dims), any strides. Decay-type parameters hold values in units of
1/4096 (lava-dl's storage: ``current_decay=0.25`` is ``1024.0``) and are rounded inside with a
straight-through gradient; states and outputs are float tensors in float units (``int / s_scale``).
``cuba`` and ``alif`` fuse a whole CUBA/ALIF neuron (integrators, threshold, spike) into one op;
``cuba_recurrence`` runs a recurrent CUBA layer in one autograd node.
See ``docs/semantics.md`` for the arithmetic and the gradients, ``docs/backends.md`` for the kernels.
"""

from ._validation import validation as validation
from ._validation import validation_enabled as validation_enabled
from .adaptive_phase_threshold import adaptive_phase_threshold as adaptive_phase_threshold
from .adaptive_resonator import adaptive_resonator as adaptive_resonator
from .adaptive_threshold import adaptive_threshold as adaptive_threshold
from .alif import alif as alif
from .cuba import cuba as cuba
from .cuba_recurrence import cuba_recurrence as cuba_recurrence
from .leaky_integrator import leaky_integrator as leaky_integrator
from .resonator import resonator as resonator

__all__ = [
    "adaptive_phase_threshold",
    "adaptive_resonator",
    "adaptive_threshold",
    "alif",
    "cuba",
    "cuba_recurrence",
    "leaky_integrator",
    "resonator",
    "validation",
    "validation_enabled",
]
