"""slayer-core's own plugin: registered through its ``slayer`` entry point like any other."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_backends():
    from slayer.core.backends.cpu import CpuBackend
    from slayer.core.backends.gpu import GpuBackend
    from slayer.core.backends.reference import ReferenceBackend

    return [ReferenceBackend(), CpuBackend(), GpuBackend()]
