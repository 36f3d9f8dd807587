"""The event container (lava-dl compatible) and its conversions to and from dense spike tensors.

Dense layouts, time last: 2-D events ``(C, H, W, T)`` (H indexed by ``y``, W by ``x``), 1-D events
``(C, X, T)`` or ``(C, 1, X, T)``. A spike in time bin ``k`` stands for an event at ``k * Ts`` ms.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

try:  # torch is a dependency of slayer-core, but the numpy paths never need it
    import torch
except ImportError:  # pragma: no cover
    torch = None


class EventsDroppedWarning(UserWarning):
    """Events fell outside the tensor being filled and were not written into it."""


#: int64's range as floats: |v| < 2**63 converts without wrapping
_INT64_BOUND = float(2**63)


def _int_array(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of per-event values; got shape {array.shape}")
    if array.size and np.issubdtype(array.dtype, np.unsignedinteger):
        _check_int64_range(name, array, array > np.iinfo(np.int64).max)
    elif array.size and not np.issubdtype(array.dtype, np.integer):
        floats = array.astype(np.float64)
        as_int = np.rint(floats)
        if not np.array_equal(as_int, floats):
            bad = int(np.flatnonzero(as_int != floats)[0])
            raise ValueError(f"{name} must hold integers; event {bad} has {_shown(array[bad])!r}")
        _check_int64_range(name, array, ~(np.abs(as_int) < _INT64_BOUND))
        array = as_int
    return array.astype(np.int64)


def _check_int64_range(name: str, array: np.ndarray, outside: np.ndarray) -> None:
    """Coordinates are int64: a value beyond it would wrap to a wrong (negative) coordinate."""
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ValueError(f"{name} must fit in int64 (|value| < 2**63); event {bad} has {_shown(array[bad])!r}")


def _shown(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (an object array holds Python numbers already)."""
    return value.item() if isinstance(value, np.generic) else value


def _finite_times(t: np.ndarray) -> None:
    if t.size and not np.isfinite(t).all():
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise ValueError(f"event times must be finite; event {bad} has t = {float(t[bad])} ms")


def _positive_sampling_time(sampling_time: Any) -> float:
    value = float(sampling_time)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"sampling_time must be a finite positive number (ms per bin); got {sampling_time!r}")
    return value


def _coordinate(values: np.ndarray) -> np.ndarray:
    """Integer coordinates; fractional ones (e.g. after a shift or rotation) rounded to the nearest, as
    lava-dl does (numpy rounding, halves to even)."""
    if np.issubdtype(values.dtype, np.integer):
        return values
    return np.round(values).astype(np.int64)


class Event:
    """Events of a 1-D (``y_event=None``) or 2-D sensor; times in milliseconds.

    Members: ``x``, ``y`` (``None`` for 1-D), ``c`` (channel / polarity), ``t`` (float64 ms),
    ``p`` (payload of graded events, else ``None``), ``graded``, ``dim`` (1 or 2), and
    ``c_offset``. All are numpy arrays of shape ``(n_events,)``; ``x``, ``y``, ``c`` are int64.

    Like lava-dl, ``c`` is re-based so its minimum is 0 (an all-ON recording has ``c == 0``,
    which is what lava-dl tensors expect). Unlike lava-dl the caller's array is not modified,
    and the subtracted minimum is kept in ``c_offset`` so the writers store the original
    polarity (``c + c_offset``).
    """

    def __init__(self, x_event: Any, y_event: Any, c_event: Any, t_event: Any, payload: Any = None) -> None:
        self.x = _int_array("x_event", x_event)
        self.y = None if y_event is None else _int_array("y_event", y_event)
        c = _int_array("c_event", c_event)
        self.t = np.asarray(t_event, dtype=np.float64)
        if self.t.ndim != 1:
            raise ValueError(f"t_event must be a 1-D sequence of per-event times; got shape {self.t.shape}")
        self.p = None if payload is None else np.asarray(payload, dtype=np.float64)
        n = len(self.x)
        lengths = {"x_event": n, "c_event": len(c), "t_event": len(self.t)}
        if self.y is not None:
            lengths["y_event"] = len(self.y)
        if self.p is not None:
            if self.p.ndim != 1:
                raise ValueError(f"payload must be a 1-D sequence of per-event values; got shape {self.p.shape}")
            lengths["payload"] = len(self.p)
        if len(set(lengths.values())) != 1:
            raise ValueError(f"every per-event array must have the same length; got {lengths}")
        self.c_offset = int(c.min()) if n else 0
        self.c = c - self.c_offset
        self.graded = self.p is not None
        self.dim = 1 if self.y is None else 2

    @classmethod
    def _from_decoded(cls, x: np.ndarray, y: np.ndarray | None, c: np.ndarray, t: np.ndarray) -> Event:
        """A binary Event from arrays a reader has just decoded (1-D, int64 x/y/c, float64 t, equal
        lengths): taken over without the constructor's checks and copies."""
        event = cls.__new__(cls)
        event.x, event.y, event.t, event.p = x, y, t, None
        event.c_offset = int(c.min()) if len(c) else 0
        event.c = c - event.c_offset if event.c_offset else c
        event.graded, event.dim = False, 1 if y is None else 2
        return event

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return f"Event(dim={self.dim}, 0 events)"
        parts = [f"dim={self.dim}", f"{n} events", f"x in [{self.x.min()}, {self.x.max()}]"]
        if self.y is not None:
            parts.append(f"y in [{self.y.min()}, {self.y.max()}]")
        channels = f"{int(self.c.max()) + 1} channel(s)"
        if self.c_offset:
            channels += f" (c re-based by {self.c_offset})"
        parts.append(channels)
        parts.append(f"t in [{self.t.min():g}, {self.t.max():g}] ms")
        parts.append(f"graded, payload in [{self.p.min():g}, {self.p.max():g}]" if self.graded else "binary")
        return f"Event({', '.join(parts)})"

    # -- dense tensors ---------------------------------------------------------------------
    def _inferred_shape(self, sampling_time: float) -> tuple[int, int, int, int]:
        if len(self) == 0:
            raise ValueError("cannot infer the tensor size from zero events; pass dim=(C, H, W, T)")
        sampling_time = _positive_sampling_time(sampling_time)
        _finite_times(self.t)
        height = 1 if self.y is None else int(_coordinate(self.y).max()) + 1
        # The last bin is the one the latest event rounds into (lava-dl's round(t/Ts + 1) can be one too
        # small at exact halves, e.g. t = 1.5 Ts, and then drops that event).
        last = float(np.round(self.t.max() / sampling_time))
        if not last < 2**62:
            raise ValueError(
                f"the latest event (t = {self.t.max():g} ms) needs {last:g} time bins at "
                f"sampling_time={sampling_time}; pass dim=(C, H, W, T) to crop"
            )
        return int(self.c.max()) + 1, height, int(_coordinate(self.x).max()) + 1, max(int(last) + 1, 1)

    def to_tensor(self, sampling_time: float = 1, dim: tuple[int, ...] | None = None) -> np.ndarray:
        """A dense float64 numpy spike tensor: ``(C, H, W, T)`` for 2-D, ``(C, X, T)`` for 1-D events.

        ``dim``: ``(C, H, W, T)``, or ``(C, X, T)`` / ``(C, 1, X, T)`` for 1-D events; by default each
        size is ``max + 1`` of its coordinate and ``T = round(max(t) / Ts) + 1``. Filled with
        :meth:`fill_tensor` (``'OR'`` binning).
        """
        if dim is None:
            shape = self._inferred_shape(sampling_time)
        else:
            shape = tuple(int(d) for d in dim)
            if self.dim == 1 and len(shape) == 3:
                shape = (shape[0], 1, shape[1], shape[2])
            if len(shape) != 4 or (self.dim == 1 and shape[1] != 1):
                expected = "(C, X, T) or (C, 1, X, T)" if self.dim == 1 else "(C, H, W, T)"
                raise ValueError(f"dim must be {expected} for {self.dim}-D events; got {tuple(dim)}")
        tensor = self.fill_tensor(np.zeros(shape), sampling_time=sampling_time)
        return tensor.reshape(shape[0], shape[2], shape[3]) if self.dim == 1 else tensor

    def fill_tensor(
        self,
        empty_tensor: Any,
        sampling_time: float = 1,
        random_shift: bool = False,
        binning_mode: str = "OR",
        rng: np.random.Generator | None = None,
    ) -> Any:
        """Write the events into ``empty_tensor`` (numpy array or torch tensor) in place and return it.

        ``empty_tensor``: ``(C, H, W, T)``; 1-D events also accept ``(C, X, T)``. An event goes to
        time bin ``round(t / Ts) - t_start`` (numpy rounding, halves to even). Binary events set the
        element to ``1 / Ts`` (``binning_mode='OR'``) or add ``1 / Ts`` (``'SUM'``); graded events
        always add ``payload / Ts``, so ``fill_tensor`` inverts :func:`tensor_to_event` for any ``Ts``.
        ``t_start`` is 0, or with ``random_shift=True`` a random integer in
        ``[0, max(0, last_bin - T + 1)]`` (from ``rng``, or numpy's global generator).
        Events outside the tensor are not written; an :class:`EventsDroppedWarning` reports how many.
        """
        if binning_mode not in ("OR", "SUM"):
            raise ValueError(f"binning_mode must be 'OR' or 'SUM'; got {binning_mode!r}")
        sampling_time = _positive_sampling_time(sampling_time)
        _finite_times(self.t)
        is_torch = torch is not None and isinstance(empty_tensor, torch.Tensor)
        if not is_torch and not isinstance(empty_tensor, np.ndarray):
            raise TypeError(f"empty_tensor must be a numpy array or torch tensor; got {type(empty_tensor).__name__}")
        shape = tuple(empty_tensor.shape)
        if len(shape) == 3 and self.dim == 1:
            target, (n_c, n_h, n_w, n_t) = empty_tensor, (shape[0], 1, shape[1], shape[2])
        elif len(shape) == 4:
            target, (n_c, n_h, n_w, n_t) = empty_tensor, shape
        else:
            expected = "4-D (C, H, W, T) or 3-D (C, X, T)" if self.dim == 1 else "4-D (C, H, W, T)"
            raise ValueError(f"empty_tensor must be {expected} for {self.dim}-D events; got shape {shape}")

        bins = np.round(self.t / sampling_time)
        bins = np.where(np.abs(bins) < 2**62, bins, -1).astype(np.int64)  # far beyond any tensor: dropped below
        t_start = 0
        if random_shift and len(self):
            high = max(0, int(bins.max()) - n_t + 1)
            # Without rng, numpy's global generator, so np.random.seed reproduces lava-dl style pipelines.
            t_start = int(rng.integers(high + 1) if rng is not None else np.random.randint(high + 1))  # noqa: NPY002
        bins = bins - t_start
        x = _coordinate(np.asarray(self.x))
        y = np.zeros_like(x) if self.y is None else _coordinate(np.asarray(self.y))
        inside = (self.c < n_c) & (y >= 0) & (y < n_h) & (x >= 0) & (x < n_w) & (bins >= 0) & (bins < n_t)
        dropped = len(self) - int(inside.sum())
        if dropped:
            warnings.warn(
                f"fill_tensor: {dropped} of {len(self)} events fall outside the tensor (C, H, W, T) = "
                f"{(n_c, n_h, n_w, n_t)} at sampling_time={sampling_time} (t_start={t_start}) and were not written",
                EventsDroppedWarning,
                stacklevel=2,
            )
        c, y, x, bins = self.c[inside], y[inside], x[inside], bins[inside]
        if self.graded:
            values, accumulate = self.p[inside] / sampling_time, True
        else:
            values, accumulate = np.full(len(c), 1.0 / sampling_time), binning_mode == "SUM"

        _check_representable(values, target.dtype, sampling_time)
        if len(shape) == 3:
            index: tuple[np.ndarray, ...] = (c, x, bins)
        else:
            index = (c, y, x, bins)
        if is_torch:
            device = target.device
            t_index = tuple(torch.from_numpy(i).to(device) for i in index)
            target.index_put_(t_index, torch.from_numpy(values).to(device=device, dtype=target.dtype), accumulate)
        elif accumulate:
            np.add.at(target, index, values.astype(target.dtype, copy=False))
        else:
            target[index] = values
        return empty_tensor

    # -- plots -----------------------------------------------------------------------------
    def show(self, fig: Any = None, frame_rate: float = 24, pre_compute_frames: bool = True, repeat: bool = False):
        """Play :meth:`anim` in a matplotlib window (needs the ``slayer-io[plot]`` extra)."""
        from slayer.io import plot

        return plot.show(self, fig=fig, frame_rate=frame_rate, repeat=repeat)

    def anim(self, fig: Any = None, frame_rate: float = 24, pre_compute_frames: bool = True, repeat: bool = True):
        """A matplotlib ``FuncAnimation``: a raster with a moving scan line (1-D) or frames (2-D)."""
        from slayer.io import plot

        return plot.animate(self, fig=fig, frame_rate=frame_rate, repeat=repeat)


def _check_representable(values: np.ndarray, dtype: Any, sampling_time: float) -> None:
    """An integer tensor can hold only whole values: 1/Ts = 0.5 would be written as 0, i.e. lost."""
    is_float = dtype.is_floating_point if torch is not None and isinstance(dtype, torch.dtype) else None
    if is_float is None:
        is_float = not np.issubdtype(dtype, np.integer) and not np.issubdtype(dtype, np.bool_)
    if not is_float and values.size and not np.array_equal(values, np.round(values)):
        raise ValueError(
            f"empty_tensor has the integer dtype {dtype}, which cannot hold the event values (1/sampling_time = "
            f"{1 / sampling_time:g} or payload/sampling_time, e.g. {values[values != np.round(values)][0]:g}); "
            "use a floating-point tensor"
        )


def tensor_to_event(spike_tensor: Any, sampling_time: float = 1) -> Event:
    """Events of the non-zero entries of a dense spike tensor (numpy or torch).

    ``spike_tensor``: ``(C, X, T)`` gives 1-D events, ``(C, H, W, T)`` 2-D events. An entry ``v`` at
    time index ``k`` becomes an event at ``t = k * Ts`` ms with payload ``v * Ts``; when every
    payload is 1 (within 1e-6) the event is binary (no payload). Events are sorted by time.
    """
    sampling_time = _positive_sampling_time(sampling_time)
    if torch is not None and isinstance(spike_tensor, torch.Tensor):
        array = spike_tensor.detach().cpu().numpy()
    else:
        array = np.asarray(spike_tensor)
    if array.ndim not in (3, 4):
        raise ValueError(
            f"spike_tensor must be 3-D (C, X, T) for 1-D events or 4-D (C, H, W, T) for 2-D events; "
            f"got {array.ndim}-D shape {array.shape}"
        )
    index = np.nonzero(array)
    order = np.argsort(index[-1], kind="stable")
    index = tuple(i[order] for i in index)
    payload = array[index].astype(np.float64) * sampling_time
    t = index[-1] * float(sampling_time)
    if payload.size == 0 or np.all(np.abs(payload - 1) <= 1e-6):
        payload = None
    if array.ndim == 3:
        return Event(index[1], None, index[0], t, payload)
    return Event(index[2], index[1], index[0], t, payload)
