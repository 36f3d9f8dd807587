"""The ``torch.library`` custom ops (``slayer::*``): op, fake kernel and autograd per dynamics.

Ops take canonical tensors: time series ``(N, *S, T)`` in float32/float64, decays already rounded and
broadcast to ``S``, states broadcast to ``(N, *S)``, all in one dtype. The op body flattens ``S`` to
``M`` neurons and calls the kernel of the selected backend (docs/backends.md). Backward passes are ops
too, so ``torch.compile`` traces forward and backward without graph breaks.

Layout rule (shared by real and fake kernels): kernels see every time series neuron-contiguous
(``N T M`` storage seen as ``(N, M, T)``, ``_layout._flat_series``): a series in any other storage, e.g. plain
``N C T``, is copied into it once. A time-series output is therefore laid out like
``torch.empty_like(_flat_series(x)).view(x.shape)`` for the input ``x`` it corresponds to: neuron-contiguous
(same shape; for a neuron-contiguous input, the input's own strides). States and parameter gradients are
contiguous.

One module per op family, each registering its ops at import (``_layout`` holds the shared helpers);
importing this package registers them all.
"""

from .adaptive_resonator import adaptive_resonator_op as adaptive_resonator_op
from .adaptive_threshold import adaptive_phase_threshold_op as adaptive_phase_threshold_op
from .adaptive_threshold import adaptive_threshold_backward_op as adaptive_threshold_backward_op
from .adaptive_threshold import adaptive_threshold_op as adaptive_threshold_op
from .alif import alif_backward_op as alif_backward_op
from .alif import alif_op as alif_op
from .cuba import cuba_backward_op as cuba_backward_op
from .cuba import cuba_op as cuba_op
from .leaky_integrator import leaky_integrator_backward_op as leaky_integrator_backward_op
from .leaky_integrator import leaky_integrator_op as leaky_integrator_op
from .resonator import resonator_backward_op as resonator_backward_op
from .resonator import resonator_op as resonator_op

__all__ = [
    "adaptive_phase_threshold_op",
    "adaptive_resonator_op",
    "adaptive_threshold_backward_op",
    "adaptive_threshold_op",
    "alif_backward_op",
    "alif_op",
    "cuba_backward_op",
    "cuba_op",
    "leaky_integrator_backward_op",
    "leaky_integrator_op",
    "resonator_backward_op",
    "resonator_op",
]
