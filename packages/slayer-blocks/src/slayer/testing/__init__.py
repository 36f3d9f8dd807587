"""Tools for testing neuron models (distribution ``slayer-blocks``): :func:`check_neuron` is the conformance
check every built-in model passes and a plugin's model should pass in its own test suite."""

from ._conformance import CheckResult as CheckResult
from ._conformance import ConformanceReport as ConformanceReport
from ._conformance import NeuronConformanceError as NeuronConformanceError
from ._conformance import check_neuron as check_neuron

__all__ = ["CheckResult", "ConformanceReport", "NeuronConformanceError", "check_neuron"]
