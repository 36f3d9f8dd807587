"""slayer-neurons's plugin: registers the neuron models through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_neurons():
    from . import adrf, adrf_iz, alif, cuba, rf, rf_iz, sigma_delta

    return [cuba.Neuron, alif.Neuron, rf.Neuron, rf_iz.Neuron, adrf.Neuron, adrf_iz.Neuron, sigma_delta.Neuron]
