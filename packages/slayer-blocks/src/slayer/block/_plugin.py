"""slayer-blocks's plugin: registers the block types through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_blocks():
    return []
