"""slayer-synapse's plugin: registers the synapses through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_synapses():
    return []
