"""Event filters, vectorised with numpy (no Python loop over events).

Every filter takes either an :class:`~slayer.io.Event` (times in ms) or a tonic-style structured
array (fields ``x``, ``t``, maybe ``y``, ``p``; times in its own unit, µs for tonic) and returns
the same kind, keeping the events' order. Time arguments are in the events' time unit. Filters that
only drop events return a subset; an :class:`Event` keeps its channel layout (``c``, ``c_offset``).

* :func:`denoise`: drop events with no recent event at a 4-neighbour pixel (tonic's ``Denoise``).
* :func:`refractory_period`: drop events closer than ``delta`` to the previous event of their pixel.
* :func:`crop`, :func:`downsample`, :func:`time_window`, :func:`merge_polarities`.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from slayer.io.event import Event
from slayer.io.structured import check_structured

Events = TypeVar("Events", Event, np.ndarray)


def _columns(events: Any) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``(x, y or None, t)`` of an Event or a structured array."""
    if isinstance(events, Event):
        return events.x, events.y, events.t
    events = check_structured(events)
    return events["x"], events["y"] if "y" in events.dtype.names else None, events["t"]


def _subset(events: Events, keep: np.ndarray) -> Events:
    if not isinstance(events, Event):
        return events[keep]
    y = None if events.y is None else events.y[keep]
    payload = None if events.p is None else events.p[keep]
    out = Event(events.x[keep], y, events.c[keep], events.t[keep], payload)
    out.c, out.c_offset = events.c[keep], events.c_offset  # the channel layout stays as it was
    return out


def _replace(events: Events, **columns: np.ndarray) -> Events:
    """A copy of ``events`` with the given columns (``x``, ``y``, ``p``) replaced."""
    if not isinstance(events, Event):
        out = events.copy()
        for name, values in columns.items():
            out[name] = values
        return out
    x, y = columns.get("x", events.x), columns.get("y", events.y)
    out = Event(x, y, events.c, events.t, events.p)
    out.c, out.c_offset = events.c.copy(), events.c_offset
    if "p" in columns:
        out.c, out.c_offset = np.asarray(columns["p"], np.int64), 0
    return out


def _pixels(x: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, int, int]:
    """Pixel id ``y * width + x`` (smallest unsigned dtype: numpy radix-sorts 16-bit keys), width, height."""
    if (len(x) and x.min() < 0) or (y is not None and len(y) and y.min() < 0):
        raise ValueError("events have negative x or y coordinates; crop or shift them first")
    width = int(x.max()) + 1 if len(x) else 1
    height = int(y.max()) + 1 if y is not None and len(y) else 1
    dtype = np.uint16 if width * height <= 1 << 16 else np.int64
    pixel = x.astype(dtype) if y is None else y.astype(dtype) * dtype(width) + x.astype(dtype)
    return pixel, width, height


def refractory_period(events: Events, delta: float) -> Events:
    """Drop every event that follows the previous event of its pixel (x, y; polarity ignored) by
    ``delta`` or less. As in tonic's ``RefractoryPeriod``, a dropped event also restarts the pixel's
    refractory period; unlike tonic, a pixel's first event is always kept (tonic drops it at t = 0).
    Events are compared in array order (recordings are sorted by time)."""
    x, y, t = _columns(events)
    if not len(t):
        return events
    pixel, _, _ = _pixels(x, y)
    order = np.argsort(pixel, kind="stable")  # grouped by pixel, array order within a pixel
    pixel_sorted, t_sorted = pixel[order], t[order]
    keep_sorted = np.ones(len(t), bool)
    same_pixel = pixel_sorted[1:] == pixel_sorted[:-1]
    keep_sorted[1:] = ~same_pixel | (t_sorted[1:] - t_sorted[:-1] > delta)
    keep = np.empty_like(keep_sorted)
    keep[order] = keep_sorted
    return _subset(events, keep)


def denoise(events: Events, filter_time: float) -> Events:
    """Keep an event only if one of its 4 neighbour pixels (x±1 or y±1; the pixel itself and
    polarity do not count) had an event less than ``filter_time`` before it, as tonic's ``Denoise``.

    "Before" is array order. A neighbour without an earlier event counts as one at ``t = 0``, so
    events in the first ``filter_time`` are kept (tonic's convention). The grid is the data's
    extent; 1-D events (no ``y``) have neighbours x±1. Output identical to tonic's ``Denoise``.
    """
    x, y, t = _columns(events)
    n = len(t)
    if not n:
        return events
    pixel, width, height = _pixels(x, y)
    order = np.argsort(pixel, kind="stable")
    pixel_sorted = pixel[order].astype(np.int64)
    # key = pixel * n + index is sorted: a neighbour's last earlier event is one searchsorted away,
    # and the queries (shifted keys) are sorted too, which numpy's binary search exploits.
    key = pixel_sorted * n + order
    exact = np.issubdtype(t.dtype, np.integer) and float(filter_time).is_integer()
    t_sorted = np.ascontiguousarray(t).astype(np.int64 if exact else np.float64)[order]
    if exact:
        filter_time = int(filter_time)
    grid_x, grid_y = np.meshgrid(np.arange(width), np.arange(height))  # pixel id -> its coordinates
    keep_sorted = np.zeros(n, bool)
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        has_neighbour = (grid_x + dx >= 0) & (grid_x + dx < width) & (grid_y + dy >= 0) & (grid_y + dy < height)
        offset = dy * width + dx
        last = np.searchsorted(key, key + offset * n) - 1  # the largest key below the query
        last_clipped = np.maximum(last, 0)
        found = (last >= 0) & (pixel_sorted[last_clipped] == pixel_sorted + offset)
        recent = np.where(found, t_sorted[last_clipped], 0) + filter_time > t_sorted
        keep_sorted |= has_neighbour.reshape(-1)[pixel_sorted] & recent
    keep = np.empty_like(keep_sorted)
    keep[order] = keep_sorted
    return _subset(events, keep)


def _pair(value: Any, what: str) -> tuple[int, int]:
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) == 1:
        pair = (pair[0], pair[0])
    if len(pair) != 2 or any(int(v) != v for v in pair):
        raise ValueError(f"{what} must be an integer or a pair of integers (x, y); got {value!r}")
    return int(pair[0]), int(pair[1])


def crop(events: Events, origin: Any, size: Any) -> Events:
    """Keep the events inside the box ``[x0, x0 + w) x [y0, y0 + h)`` and shift them so the box starts
    at 0 (they then fit a ``(w, h)`` sensor). ``origin``/``size``: ``(x0, y0)``/``(w, h)``, or integers
    (1-D events use the first value)."""
    (x0, y0), (w, h) = _pair(origin, "origin"), _pair(size, "size")
    if w < 1 or h < 1:
        raise ValueError(f"size must be positive; got {size!r}")
    x, y, _ = _columns(events)
    keep = (x >= x0) & (x < x0 + w)
    if y is not None:
        keep &= (y >= y0) & (y < y0 + h)
    kept = _subset(events, keep)
    kx, ky, _ = _columns(kept)
    shifted = {"x": kx - x0}
    if ky is not None:
        shifted["y"] = ky - y0
    return _replace(kept, **shifted)


def downsample(events: Events, factor: Any) -> Events:
    """Coarser pixels: ``x // fx``, ``y // fy`` (``factor``: integer or ``(fx, fy)``). Events keep
    their times, so several may land on one pixel at one time (bin them with ``mode='binary'`` or
    follow with :func:`refractory_period` to merge them)."""
    fx, fy = _pair(factor, "factor")
    if fx < 1 or fy < 1:
        raise ValueError(f"factor must be a positive integer; got {factor!r}")
    x, y, _ = _columns(events)
    columns = {"x": x // fx}
    if y is not None:
        columns["y"] = y // fy
    return _replace(events, **columns)


def time_window(events: Events, start: float, stop: float) -> Events:
    """Keep the events with ``start <= t < stop``; times are not shifted."""
    if not stop > start:
        raise ValueError(f"time_window needs stop > start; got start={start!r}, stop={stop!r}")
    _, _, t = _columns(events)
    return _subset(events, (t >= start) & (t < stop))


def merge_polarities(events: Events) -> Events:
    """All events on one polarity/channel 0 (for an Event: ``c = 0``, ``c_offset = 0``)."""
    if not isinstance(events, Event) and "p" not in check_structured(events).dtype.names:
        return events.copy()
    return _replace(events, p=np.zeros(len(events), np.int64))
