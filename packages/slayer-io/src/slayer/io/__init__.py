"""slayer event I/O (distribution ``slayer-io``), with lava-dl's ``slayer.io`` names.

:class:`Event` holds events (times in ms); ``to_tensor``/``fill_tensor`` and :func:`tensor_to_event`
convert to and from dense ``(C, H, W, T)`` / ``(C, X, T)`` spike tensors. The SLAYER binary formats
(``.bs1``, ``.bs2`` = N-MNIST ``.bin``), numpy ``.npy`` events and AEDAT4 (read only) are registered as
event formats; :func:`read_events` / :func:`write_events` pick one by file suffix. Plots live in
:mod:`slayer.io.plot`; tonic samples to dense tensors in :mod:`slayer.io.dense`, a disk cache in
:mod:`slayer.io.cache`, event filters in :mod:`slayer.io.filters`, fake datasets in :mod:`slayer.io.testing`.
"""

from slayer.core.submodules import lazy_submodules
from slayer.io._aedat4 import read_aedat4, read_aedat4_array
from slayer.io._binary_1d import encode_1d_spikes, read_1d_spikes
from slayer.io._binary_2d import encode_2d_spikes, read_2d_spikes
from slayer.io._files import read_events, write_events
from slayer.io._numpy_format import encode_np_spikes, read_np_spikes
from slayer.io.event import Event, EventsDroppedWarning, tensor_to_event

# on first attribute access: plot needs matplotlib (slayer-io[plot]), the others are not needed to read files
__getattr__ = lazy_submodules(
    __name__, ("cache", "dense", "event", "filters", "formats", "plot", "structured", "testing")
)

__all__ = [
    "Event",
    "EventsDroppedWarning",
    "encode_1d_spikes",
    "encode_2d_spikes",
    "encode_np_spikes",
    "read_1d_spikes",
    "read_2d_spikes",
    "read_aedat4",
    "read_aedat4_array",
    "read_events",
    "read_np_spikes",
    "tensor_to_event",
    "write_events",
]
