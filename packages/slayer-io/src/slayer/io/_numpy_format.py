"""Events as a numpy ``.npy`` array, one row per event, one column per field.

``fmt`` names the columns in order with the letters ``x``, ``y`` (2-D only), ``p`` (channel /
polarity, as stored: ``c + c_offset``), ``t`` (time in units of ``time_unit`` seconds) and, for
graded events, ``v`` (payload). lava-dl's layouts are ``(n, 4)`` = x, y, p, t and ``(n, 3)`` =
x, p, t (1-D); the default ``fmt='xypt'`` reads both.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from slayer.io.event import Event

DEFAULT_FMT = "xypt"
_LETTERS = set("xyptv")


def _check_fmt(fmt: str) -> str:
    if not isinstance(fmt, str) or set(fmt) - _LETTERS or len(set(fmt)) != len(fmt) or not set("xpt") <= set(fmt):
        raise ValueError(
            f"fmt must name distinct columns from 'x', 'y', 'p', 't', 'v' including 'x', 'p' and 't' "
            f"(e.g. 'xypt' or 'xpt'); got {fmt!r}"
        )
    return fmt


def _check_time_unit(time_unit: float) -> float:
    if not np.isfinite(time_unit) or time_unit <= 0:
        raise ValueError(f"time_unit must be a positive number of seconds (1e-3 = ms, 1e-6 = µs); got {time_unit!r}")
    return float(time_unit)


def read_np_spikes(filename: str | os.PathLike[str], fmt: str = DEFAULT_FMT, time_unit: float = 1e-3) -> Event:
    """Read events from a ``.npy`` array of shape ``(n, len(fmt))``; times become milliseconds.

    With the default ``fmt='xypt'`` a 3-column array is read as x, p, t (1-D events), like lava-dl.
    """
    fmt, time_unit = _check_fmt(fmt), _check_time_unit(time_unit)
    path = Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"event file not found: {str(path)!r}")
    array = np.load(path, allow_pickle=False)
    if array.ndim == 2 and fmt == DEFAULT_FMT and array.shape[1] == 3:
        fmt = "xpt"
    if array.ndim != 2 or array.shape[1] != len(fmt):
        raise ValueError(
            f"{str(path)!r} holds an array of shape {array.shape}; fmt={fmt!r} expects (n_events, {len(fmt)})"
        )
    column = {letter: array[:, i] for i, letter in enumerate(fmt)}
    t_ms = column["t"].astype(np.float64) * (time_unit * 1000.0)
    y = column["y"] if "y" in column else None
    return Event(column["x"], y, column["p"], t_ms, payload=column.get("v"))


def encode_np_spikes(
    filename: str | os.PathLike[str], td_event: Event, fmt: str = DEFAULT_FMT, time_unit: float = 1e-3
) -> None:
    """Write events as a float64 ``.npy`` array with columns ``fmt``, times in ``time_unit`` seconds.

    The file is written at exactly ``filename`` (no ``.npy`` appended). For a 1-D event the
    default ``fmt`` becomes ``'xpt'``. Graded events need a ``'v'`` column; a field the event
    has but ``fmt`` lacks (or the reverse) is a ValueError, so nothing is dropped silently.
    """
    fmt, time_unit = _check_fmt(fmt), _check_time_unit(time_unit)
    if td_event.dim == 1 and fmt == DEFAULT_FMT:
        fmt = "xpt"
    writer = "encode_np_spikes"
    if ("y" in fmt) != (td_event.dim == 2):
        raise ValueError(f"{writer}: fmt={fmt!r} does not match a {td_event.dim}-D event (a 'y' column iff 2-D)")
    if ("v" in fmt) != td_event.graded:
        state = "graded" if td_event.graded else "binary (no payload)"
        raise ValueError(f"{writer}: fmt={fmt!r} does not match a {state} event (a 'v' column iff graded)")
    column = {
        "x": td_event.x,
        "y": td_event.y,
        "p": td_event.c + td_event.c_offset,
        "t": td_event.t / (time_unit * 1000.0),
        "v": td_event.p,
    }
    array = np.stack([np.asarray(column[letter], dtype=np.float64) for letter in fmt], axis=1)
    with open(filename, "wb") as file:
        np.save(file, array, allow_pickle=False)
