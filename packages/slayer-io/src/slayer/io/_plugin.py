"""slayer-io's plugin: registers the event file formats through its ``slayer`` entry point, like any third party."""

from slayer.core.plugins import hookimpl


@hookimpl
def slayer_register_event_formats():
    from slayer.io.formats import FORMATS

    return list(FORMATS)
