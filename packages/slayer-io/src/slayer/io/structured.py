"""tonic-style structured event arrays, without importing tonic.

A tonic sample is a numpy structured array with one record per event and fields named ``x``,
``y`` (absent for 1-D sensors), ``t`` and ``p``, in any order and with any integer/bool dtypes.
``sensor_size`` follows tonic: ``(width, height, polarities)``; 1-D sensors have ``height == 1``.
These helpers read fields by name and convert to and from :class:`~slayer.io.Event`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slayer.io.event import Event

#: the dtype :func:`to_structured` writes (tonic's ``events_struct`` uses the same names)
STRUCTURED_2D = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i1")])
STRUCTURED_1D = np.dtype([("x", "<i4"), ("t", "<i8"), ("p", "<i1")])  # 1-D ids go up to 65535 (.bs1)


def is_structured(events: Any) -> bool:
    """True for a numpy structured array with at least the fields ``x`` and ``t``."""
    names = getattr(getattr(events, "dtype", None), "names", None) or ()
    return isinstance(events, np.ndarray) and "x" in names and "t" in names


def check_structured(events: Any, what: str = "events") -> np.ndarray:
    """``events`` itself if it is a 1-D structured array with fields ``x`` and ``t`` (and maybe ``y``, ``p``)."""
    if not is_structured(events):
        names = getattr(getattr(events, "dtype", None), "names", None)
        raise TypeError(
            f"{what} must be a numpy structured array with fields 'x', 't' (and 'y', 'p'), like a tonic sample; "
            f"got {type(events).__name__}" + (f" with fields {names}" if names else "")
        )
    if events.ndim != 1:
        raise ValueError(f"{what} must be a 1-D structured array (one record per event); got shape {events.shape}")
    return events


def from_structured(events: np.ndarray, time_unit: float = 1e-6) -> Event:
    """An :class:`Event` (times in ms) from a structured array whose ``t`` is in ``time_unit`` seconds.

    tonic datasets use µs (the default). A missing ``y`` field gives 1-D events, a missing ``p``
    field polarity 0.
    """
    events = check_structured(events)
    names = events.dtype.names
    p = events["p"].astype(np.int64) if "p" in names else np.zeros(len(events), np.int64)
    y = events["y"] if "y" in names else None
    return Event(events["x"], y, p, events["t"].astype(np.float64) * (time_unit * 1e3))


def to_structured(event: Event, time_unit: float = 1e-6) -> np.ndarray:
    """A structured array (``STRUCTURED_2D`` or ``STRUCTURED_1D``) of ``event``; ``t`` in ``time_unit`` s.

    Times are rounded to whole units; ``p`` is the stored polarity ``c + c_offset``. Raises
    ValueError for graded events (the array has no payload) and values that do not fit the fields.
    """
    if event.graded:
        raise ValueError("to_structured: the event is graded; a structured event array has no payload field")
    dtype = STRUCTURED_2D if event.dim == 2 else STRUCTURED_1D
    t = np.rint(event.t / (time_unit * 1e3))
    out = np.empty(len(event), dtype)
    columns = {"x": event.x, "y": event.y, "t": t, "p": event.c + event.c_offset}
    for name in dtype.names:
        info = np.iinfo(dtype[name])
        values = columns[name]
        if len(values) and (values.min() < info.min or values.max() > info.max):
            raise ValueError(
                f"to_structured: field {name!r} spans [{values.min()}, {values.max()}], beyond {dtype[name]}"
            )
        out[name] = values
    return out
