"""slayer-neurons's plugin: registers the neuron models through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_neurons():
    return []
