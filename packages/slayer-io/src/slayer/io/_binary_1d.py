"""SLAYER 1-D binary spikes (``.bs1``, e.g. the Oxford tutorial data).

Per event, 5 bytes: neuron id (16 bits, big-endian), polarity bit, 23-bit timestamp in µs.
Unlike lava-dl's writer, ids 256..65535 are written correctly (lava-dl drops their high byte).
"""

from __future__ import annotations

import os

import numpy as np

from slayer.io._words import check_not_graded, check_range, decode_polarity_time, pack_words, read_words, write_words
from slayer.io.event import Event

ID_LIMIT = 1 << 16


def read_1d_spikes(filename: str | os.PathLike[str]) -> Event:
    """Read a 1-D binary spike file: ``Event(x=neuron id, y=None, c=polarity, t=ms)``.

    ``c`` is re-based to start at 0 like every :class:`Event`; the subtracted polarity is kept
    in ``event.c_offset`` so :func:`encode_1d_spikes` writes the original bits back.

    >>> import slayer, tempfile, os
    >>> event = slayer.io.Event(x_event=[0, 300, 7], y_event=None, c_event=[0, 0, 0], t_event=[1.0, 2.0, 3.5])
    >>> path = os.path.join(tempfile.mkdtemp(), 'spikes.bs1')
    >>> slayer.io.encode_1d_spikes(path, event)
    >>> back = slayer.io.read_1d_spikes(path)
    >>> back.x.tolist(), back.t.tolist()  # neuron ids, times in ms
    ([0, 300, 7], [1.0, 2.0, 3.5])
    """
    words = read_words(filename)
    neuron = (words[:, 0].astype(np.int64) << 8) | words[:, 1].astype(np.int64)
    polarity, t_ms = decode_polarity_time(words)
    return Event._from_decoded(neuron, None, polarity, t_ms)


def encode_1d_spikes(filename: str | os.PathLike[str], td_event: Event) -> None:
    """Write a 1-D event as a binary spike file.

    Raises ValueError (nothing is written) for a 2-D or graded event, neuron ids outside
    ``[0, 65535]``, channels other than 0/1, or timestamps outside ``[0, 2**23)`` µs.
    """
    writer = "encode_1d_spikes"
    if td_event.dim != 1:
        raise ValueError(f"{writer}: expected a 1-D event (y=None), got a {td_event.dim}-D event; use encode_2d_spikes")
    check_not_graded(writer, td_event)
    neuron = check_range(writer, "neuron id x", td_event.x, ID_LIMIT)
    write_words(filename, pack_words(writer, td_event, neuron >> 8, neuron & 0xFF))
