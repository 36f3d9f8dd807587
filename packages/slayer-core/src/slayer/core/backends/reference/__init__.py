"""The ``reference`` backend: pure PyTorch, runs anywhere, the oracle for the others.

Each kernel implements the contract in ``docs/backends.md``: 3-D tensors ``(N, M, T)`` (``M`` neurons
per sample, time last, any strides), decays ``(M,)``, states ``(N, M)``, plain ints and bools.
Internally the time series are copied to time-first ``(T, N, M)`` so each step works on a contiguous
slice; the loop over time is Python, every step is vectorised int64 arithmetic over all neurons.

One module per kernel family (as in the ``gpu`` backend); ``_layout`` and ``_spike`` hold the shared helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .._backend import Backend
from ._layout import neuron_major as neuron_major
from .adaptive_resonator import adaptive_resonator_forward as adaptive_resonator_forward
from .adaptive_threshold import adaptive_phase_threshold_forward as adaptive_phase_threshold_forward
from .adaptive_threshold import adaptive_threshold_backward as adaptive_threshold_backward
from .adaptive_threshold import adaptive_threshold_forward as adaptive_threshold_forward
from .alif import alif_backward as alif_backward
from .alif import alif_forward as alif_forward
from .cuba import cuba_backward as cuba_backward
from .cuba import cuba_forward as cuba_forward
from .delta import delta_backward as delta_backward
from .delta import delta_forward as delta_forward
from .leaky_integrator import leaky_integrator_backward as leaky_integrator_backward
from .leaky_integrator import leaky_integrator_forward as leaky_integrator_forward
from .phase_spike import phase_spike_backward as phase_spike_backward
from .phase_spike import phase_spike_forward as phase_spike_forward
from .real_spike import real_spike_backward as real_spike_backward
from .real_spike import real_spike_forward as real_spike_forward
from .resonator import resonator_backward as resonator_backward
from .resonator import resonator_forward as resonator_forward
from .running_sum import running_sum as running_sum

KERNELS: dict[str, Callable] = {
    "leaky_integrator_forward": leaky_integrator_forward,
    "leaky_integrator_backward": leaky_integrator_backward,
    "resonator_forward": resonator_forward,
    "resonator_backward": resonator_backward,
    "adaptive_threshold_forward": adaptive_threshold_forward,
    "adaptive_threshold_backward": adaptive_threshold_backward,
    "adaptive_phase_threshold_forward": adaptive_phase_threshold_forward,
    "adaptive_resonator_forward": adaptive_resonator_forward,
    "cuba_forward": cuba_forward,
    "cuba_backward": cuba_backward,
    "alif_forward": alif_forward,
    "alif_backward": alif_backward,
    "neuron_major": neuron_major,
    "delta_forward": delta_forward,
    "delta_backward": delta_backward,
    "phase_spike_forward": phase_spike_forward,
    "phase_spike_backward": phase_spike_backward,
    "running_sum": running_sum,
    "real_spike_forward": real_spike_forward,
    "real_spike_backward": real_spike_backward,
}


class ReferenceBackend(Backend):
    name = "reference"
    device_types = frozenset({"cpu", "cuda", "mps", "xpu", "meta"})
    priority = 0
    description = "pure PyTorch fixed-point dynamics (readable oracle)"

    def kernels(self) -> Mapping[str, Callable]:
        return KERNELS
