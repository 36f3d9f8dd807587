"""SLAYER 2-D binary spikes (``.bs2``), identical to the N-MNIST / N-Caltech101 ``.bin`` format.

Per event, 5 bytes: x (8 bits), y (8 bits), polarity bit, 23-bit timestamp in µs.
The reader decodes every word as an event, like lava-dl (the ``y == 240`` timestamp-overflow
marker of some ATIS recordings is not interpreted; N-MNIST does not use it).
"""

from __future__ import annotations

import os

import numpy as np

from slayer.io._words import check_not_graded, check_range, decode_polarity_time, pack_words, read_words, write_words
from slayer.io.event import Event

ADDRESS_LIMIT = 1 << 8


def read_2d_spikes(filename: str | os.PathLike[str]) -> Event:
    """Read a 2-D binary spike file: ``Event(x, y, c=polarity, t=ms)``.

    ``c`` is re-based to start at 0 like every :class:`Event`; the subtracted polarity is kept
    in ``event.c_offset`` so :func:`encode_2d_spikes` writes the original bits back.

    >>> import slayer, tempfile, os
    >>> event = slayer.io.Event(x_event=[1, 33], y_event=[2, 0], c_event=[0, 1], t_event=[0.5, 4.0])
    >>> path = os.path.join(tempfile.mkdtemp(), 'sample.bin')  # N-MNIST's format
    >>> slayer.io.encode_2d_spikes(path, event)
    >>> back = slayer.io.read_2d_spikes(path)
    >>> back.x.tolist(), back.y.tolist(), back.c.tolist(), back.t.tolist()
    ([1, 33], [2, 0], [0, 1], [0.5, 4.0])
    """
    words = read_words(filename)
    polarity, t_ms = decode_polarity_time(words)
    return Event._from_decoded(words[:, 0].astype(np.int64), words[:, 1].astype(np.int64), polarity, t_ms)


def encode_2d_spikes(filename: str | os.PathLike[str], td_event: Event) -> None:
    """Write a 2-D event as a binary spike file (N-MNIST layout).

    Raises ValueError (nothing is written) for a 1-D or graded event, x or y outside ``[0, 255]``,
    channels other than 0/1, or timestamps outside ``[0, 2**23)`` µs.
    """
    writer = "encode_2d_spikes"
    if td_event.dim != 2:
        raise ValueError(f"{writer}: expected a 2-D event (with y), got a {td_event.dim}-D event; use encode_1d_spikes")
    check_not_graded(writer, td_event)
    x = check_range(writer, "x", td_event.x, ADDRESS_LIMIT)
    y = check_range(writer, "y", td_event.y, ADDRESS_LIMIT)
    write_words(filename, pack_words(writer, td_event, x, y))
