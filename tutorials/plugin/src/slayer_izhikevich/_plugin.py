"""The plugin module named by the ``slayer`` entry point: tiny, so listing plugins stays fast."""

from slayer.core import hookimpl


@hookimpl
def slayer_register_neurons():
    from slayer_izhikevich.neuron import Neuron  # imported only when slayer asks for neuron models

    return [Neuron]
