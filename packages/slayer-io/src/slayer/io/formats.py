"""slayer-io's event file formats, as :class:`slayer.core.EventFormat` registry entries."""

from __future__ import annotations

from slayer.core import EventFormat
from slayer.io._aedat4 import read_aedat4
from slayer.io._binary_1d import encode_1d_spikes, read_1d_spikes
from slayer.io._binary_2d import encode_2d_spikes, read_2d_spikes
from slayer.io._numpy_format import encode_np_spikes, read_np_spikes

BS1 = EventFormat(
    name="bs1",
    suffixes=(".bs1",),
    read=read_1d_spikes,
    write=encode_1d_spikes,
    description="SLAYER 1-D binary spikes: 16-bit neuron id, polarity bit, 23-bit µs time (5 bytes/event)",
)
BS2 = EventFormat(
    name="bs2",
    suffixes=(".bs2", ".bin"),
    read=read_2d_spikes,
    write=encode_2d_spikes,
    description="SLAYER 2-D binary spikes = N-MNIST .bin: 8-bit x, 8-bit y, polarity bit, 23-bit µs time",
)
NPY = EventFormat(
    name="npy",
    suffixes=(".npy",),
    read=read_np_spikes,
    write=encode_np_spikes,
    description="numpy array, one row per event, columns x, (y,) p, t in ms (lava-dl layout)",
)

AEDAT4 = EventFormat(
    name="aedat4",
    suffixes=(".aedat4",),
    read=read_aedat4,
    description="iniVation AEDAT 4.0, event streams, read only (needs slayer-io[aedat]); times from the first event",
)

FORMATS = (BS1, BS2, NPY, AEDAT4)
