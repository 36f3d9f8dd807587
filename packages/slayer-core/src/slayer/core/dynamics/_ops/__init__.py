"""The ``torch.library`` custom ops (``slayer::*``): op, fake kernel and autograd per dynamics.

Ops take canonical tensors: time series ``(N, *S, T)`` in float32/float64, decays already rounded and
broadcast to ``S``, states broadcast to ``(N, *S)``, all in one dtype. The op body flattens ``S`` to
``M`` neurons and calls the kernel of the selected backend (docs/backends.md). Backward passes are ops
too, so ``torch.compile`` traces forward and backward without graph breaks.

Layout rule (shared by real and fake kernels): a time-series output is laid out like
``torch.empty_like(_layout._flat_series(x)).view(x.shape)`` for the input ``x`` it corresponds to. That is
the input's own layout where the device's kernels scan it in place (CPU) or it already is neuron-contiguous
(``N T C`` storage seen as ``N C T``); elsewhere (a plain ``N C T`` series on a GPU) the series is copied once
into neuron-contiguous storage and the outputs are neuron-contiguous (same shape). The fused CUBA and ALIF
functions copy their input into neuron-contiguous storage on every device (``_layout.neuron_major_input``).
States and parameter gradients are contiguous.

One module per op family, each registering its ops at import (``_layout`` holds the shared helpers);
importing this package registers them all. Their kernels import ``torch._dynamo`` only once something else
has (``_lazy_dynamo``): that import was most of a warm process's first call.
"""

from ._lazy_dynamo import defer_dynamo_import
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

for _name in __all__:
    defer_dynamo_import(globals()[_name])
