"""slayer-synapse's plugin: registers the synapses through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_synapses():
    from slayer import synapse

    real = [synapse.Dense, synapse.Conv, synapse.Pool, synapse.ConvTranspose, synapse.Unpool]
    complex_ = [getattr(synapse.complex, cls.__name__) for cls in real]
    return real + complex_
