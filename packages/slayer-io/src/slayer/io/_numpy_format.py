"""Events as a numpy ``.npy`` array, one row per event, one column per field.

``fmt`` names the columns in order with the letters ``x``, ``y`` (2-D only), ``p`` (channel /
polarity, as stored: ``c + c_offset``), ``t`` (time in units of ``time_unit`` seconds) and, for
graded events, ``v`` (payload). lava-dl's layouts are ``(n, 4)`` = x, y, p, t and ``(n, 3)`` =
x, p, t (1-D); the default ``fmt='xypt'`` reads both.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np

from slayer.io.event import Event

DEFAULT_FMT = "xypt"
_LETTERS = set("xyptv")
_EXACT = 2**53


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


def _read_npy(path: Path) -> tuple[np.ndarray, int, bool]:
    """The array in ``path`` without trusting it: ``(array, byte offset of its data, fortran_order)``.

    Every defect (bad magic or header, a non-numeric dtype, a size that does not match the file)
    is a ValueError naming the file and a byte offset; nothing is allocated beyond the file's size.
    """
    data = path.read_bytes()
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except Exception as error:  # numpy raises ValueError, SyntaxError, TypeError, ... on garbage headers
        raise ValueError(
            f"{str(path)!r} is not a valid .npy file: bad magic or header before byte offset {stream.tell()} "
            f"({type(error).__name__}: {error})"
        ) from None
    offset = stream.tell()
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{str(path)!r}: the header (ending at byte offset {offset}) has dtype {dtype}, not numbers")
    count = math.prod(shape)
    expected = count * dtype.itemsize
    if len(data) - offset != expected:
        what = "truncated" if len(data) - offset < expected else "has trailing bytes"
        raise ValueError(
            f"{str(path)!r} {what}: its header declares shape {shape} of {dtype} = {expected} bytes of data from "
            f"byte offset {offset}, so the file should end at byte offset {offset + expected}; it ends at {len(data)}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=offset, count=count)
    return array.reshape(shape, order="F" if fortran_order else "C"), offset, fortran_order


def _check_columns(path: Path, array: np.ndarray, fmt: str, offset: int, fortran_order: bool) -> None:
    """Raise a ValueError naming the byte offset of the first value an event cannot hold."""
    n_rows, n_cols = array.shape
    for col, letter in enumerate(fmt):
        values = array[:, col]
        if array.dtype.kind == "f":
            bad = ~np.isfinite(values)
            if letter in "xyp":  # whole numbers
                with np.errstate(invalid="ignore"):
                    bad |= values != np.rint(values)
        else:
            bad = np.zeros(n_rows, bool)
        if array.dtype.kind != "b":  # beyond 2**53 neither int64 nor float64 holds every value exactly
            bad |= (values > _EXACT) | (values < -_EXACT)
        if letter in "xy":
            bad |= values < 0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            element = col * n_rows + row if fortran_order else row * n_cols + col
            need = {"x": "a non-negative integer", "y": "a non-negative integer", "p": "an integer"}.get(
                letter, "finite"
            )
            need += " below 2**53 in magnitude"
            raise ValueError(
                f"{str(path)!r}: event {row} column {letter!r} is {values[row].item()!r} at byte offset "
                f"{offset + element * array.dtype.itemsize}; it must be {need} ({int(bad.sum())} bad value(s))"
            )


def read_np_spikes(filename: str | os.PathLike[str], fmt: str = DEFAULT_FMT, time_unit: float = 1e-3) -> Event:
    """Read events from a ``.npy`` array of shape ``(n, len(fmt))``; times become milliseconds.

    With the default ``fmt='xypt'`` a 3-column array is read as x, p, t (1-D events), like lava-dl.
    A malformed file, a wrong shape or a value an event cannot hold (non-integer or negative
    coordinate, non-integer polarity, non-finite time or payload) is a ValueError naming the file
    and the byte offset.

    >>> import slayer, tempfile, os
    >>> event = slayer.io.Event(x_event=[1, 2], y_event=[3, 4], c_event=[0, 1], t_event=[0.5, 4.0])
    >>> path = os.path.join(tempfile.mkdtemp(), 'events.npy')
    >>> slayer.io.encode_np_spikes(path, event)  # one row per event: x, y, p, t (t in seconds)
    >>> back = slayer.io.read_np_spikes(path)
    >>> back.x.tolist(), back.t.tolist()
    ([1, 2], [0.5, 4.0])
    """
    fmt, time_unit = _check_fmt(fmt), _check_time_unit(time_unit)
    path = Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"event file not found: {str(path)!r}")
    array, offset, fortran_order = _read_npy(path)
    if array.ndim == 2 and fmt == DEFAULT_FMT and array.shape[1] == 3:
        fmt = "xpt"
    if array.ndim != 2 or array.shape[1] != len(fmt):
        raise ValueError(
            f"{str(path)!r} holds an array of shape {array.shape}; fmt={fmt!r} expects (n_events, {len(fmt)})"
        )
    _check_columns(path, array, fmt, offset, fortran_order)
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
