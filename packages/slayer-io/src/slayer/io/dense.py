"""tonic samples (structured event arrays) to dense slayer tensors, one sample or a whole batch.

Layout, time last: 2-D sensors ``(C, H, W, T)`` with C = polarity, H indexed by ``y``, W by ``x``;
1-D sensors (no ``y`` field, e.g. SHD) ``(C, X, T)``. Time bin ``k`` holds the events with
``k * time_step <= t < (k + 1) * time_step``: bins start at 0 (not at the first event, unlike
tonic's ``ToFrame`` default) and a window that is not a multiple of ``time_step`` keeps its last
partial bin. ``sensor_size`` is tonic's ``(width, height, polarities)``.

:class:`ToSlayerTensor` is a per-sample transform; :class:`EventCollate` is a ``collate_fn`` that
bins a whole batch with one scatter into a preallocated tensor (the fast path: return events from
the dataset and densify in the DataLoader's collate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from slayer.io.structured import check_structured

MODES = ("count", "binary")


def _check_settings(sensor_size: tuple[int, ...], time_step: float, duration: float | None, mode: str) -> None:
    if len(sensor_size) != 3 or any(int(s) != s or s < 1 for s in sensor_size):
        raise ValueError(
            f"sensor_size must be tonic's (width, height, polarities), positive integers; got {sensor_size}"
        )
    if not (isinstance(time_step, (int, float)) and math.isfinite(time_step) and time_step > 0):
        raise ValueError(
            f"time_step must be a positive number in the events' time unit (µs for tonic); got {time_step!r}"
        )
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be positive (or None: up to the last event); got {duration!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be 'count' (events per bin) or 'binary' (1 if any); got {mode!r}")


def n_steps_for(duration: float, time_step: float) -> int:
    """Number of bins covering ``[0, duration)``: the last partial bin is kept."""
    return math.ceil(duration / time_step - 1e-12)


def _out_of_range(what: str, values: np.ndarray, limit: int, sensor_size: tuple[int, ...]) -> None:
    bad = (values < 0) | (values >= limit)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"event {i} has {what} = {values[i]}, outside [0, {limit - 1}] of sensor_size {tuple(sensor_size)} "
            f"(width, height, polarities); {int(bad.sum())} event(s) out of range: wrong sensor_size?"
        )


def spatial_index_and_bin(
    events: np.ndarray, sensor_size: tuple[int, ...], time_step: float, duration: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per kept event: ``(p * H + y) * W + x`` and its time bin ``floor(t / time_step)`` (both int64).

    Events at ``t >= duration`` are left out (that is the window). Raises ValueError for negative
    times and for coordinates or polarities outside ``sensor_size``; with one polarity ``p`` is
    ignored (SHD stores ``p = 1`` with ``sensor_size = (700, 1, 1)``).
    """
    events = check_structured(events)
    width, height, polarities = (int(s) for s in sensor_size)
    names = events.dtype.names
    # every check runs on the whole sample, so the event numbers in errors are the caller's
    t = events["t"]
    if len(t) and np.issubdtype(t.dtype, np.floating) and not np.isfinite(t).all():
        raise ValueError(f"event {int(np.flatnonzero(~np.isfinite(t))[0])} has a non-finite time t")
    if len(t) and t.min() < 0:
        i = int(np.flatnonzero(t < 0)[0])
        raise ValueError(f"event {i} has t = {t[i]} < 0; bins start at t = 0 (shift the times first)")
    x = events["x"].astype(np.int64)
    _out_of_range("x", x, width, sensor_size)
    index = x
    if "y" in names:
        y = events["y"].astype(np.int64)
        _out_of_range("y", y, height, sensor_size)
        index = y * width + x
    if polarities > 1 and "p" in names:
        p = events["p"].astype(np.int64)
        _out_of_range("p", p, polarities, sensor_size)
        index = index + p * (height * width)
    if duration is not None:
        inside = t < duration
        if not inside.all():
            index, t = index[inside], t[inside]
    if np.issubdtype(t.dtype, np.integer) and float(time_step).is_integer():
        bins = t.astype(np.int64) // int(time_step)
    else:
        bins = np.floor(t / time_step).astype(np.int64)
    return index, bins


def _spatial_shape(events: np.ndarray, sensor_size: tuple[int, ...]) -> tuple[int, ...]:
    width, height, polarities = (int(s) for s in sensor_size)
    return (polarities, height, width) if "y" in events.dtype.names else (polarities, width)


def zeros(size: int, dtype: torch.dtype) -> torch.Tensor:
    """A zeroed 1-D tensor. Through numpy's calloc when the dtype exists there: the OS hands out zero
    pages lazily, so only the pages a scatter writes are touched (``torch.zeros`` writes every byte:
    55 ms for a float32 batch of 32 N-MNIST samples, against ~0 here)."""
    try:
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    except TypeError:  # bfloat16 and friends
        return torch.zeros(size, dtype=dtype)
    return torch.from_numpy(np.zeros(size, dtype=np_dtype))


def scatter(flat: np.ndarray, size: int, mode: str, dtype: torch.dtype) -> torch.Tensor:
    """A 1-D tensor of ``size`` elements holding, at each index in ``flat``, its count or 1 (``mode``).

    Integer dtypes that cannot hold a count raise ValueError instead of wrapping around.
    """
    out = zeros(size, dtype)
    if not len(flat):
        return out
    index = torch.from_numpy(flat)
    if mode == "binary":
        out[index] = 1
        return out
    unique, counts = np.unique(flat, return_counts=True)
    if not dtype.is_floating_point and dtype != torch.bool:
        limit = torch.iinfo(dtype).max
        if counts.max() > limit:
            raise ValueError(
                f"a bin holds {counts.max()} events, more than {dtype} can count ({limit}); use a wider dtype, "
                "mode='binary' or a smaller time_step"
            )
    out[torch.from_numpy(unique)] = torch.from_numpy(counts).to(dtype)
    return out


def events_to_dense(
    events: np.ndarray,
    sensor_size: tuple[int, ...],
    time_step: float,
    duration: float | None = None,
    mode: str = "count",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """One sample as a dense tensor ``(C, H, W, T)`` (2-D) or ``(C, X, T)`` (1-D, no ``y`` field).

    ``time_step`` and ``duration`` are in the events' time unit (µs for tonic datasets);
    ``T = ceil(duration / time_step)``, or with ``duration=None`` just enough bins for the latest
    event (0 for no events). ``mode='count'`` counts events per bin, ``'binary'`` writes 1.
    """
    _check_settings(sensor_size, time_step, duration, mode)
    spatial, bins = spatial_index_and_bin(events, sensor_size, time_step, duration)
    if duration is not None:
        n_steps = n_steps_for(duration, time_step)
    else:
        n_steps = int(bins.max()) + 1 if len(bins) else 0
    shape = (*_spatial_shape(events, sensor_size), n_steps)
    return scatter(spatial * n_steps + bins, math.prod(shape), mode, dtype).reshape(shape)


@dataclass(frozen=True)
class BinningSettings:
    """What :func:`events_to_dense` needs besides the events; checked on construction."""

    sensor_size: tuple[int, int, int]
    time_step: float
    duration: float | None = None
    mode: str = "count"
    dtype: torch.dtype = torch.float32

    def __post_init__(self) -> None:
        object.__setattr__(self, "sensor_size", tuple(int(s) for s in self.sensor_size))
        _check_settings(self.sensor_size, self.time_step, self.duration, self.mode)


@dataclass(frozen=True)
class ToSlayerTensor(BinningSettings):
    """tonic-compatible transform: a structured event array → dense tensor (see :func:`events_to_dense`).

    ``ToSlayerTensor(sensor_size=(34, 34, 2), time_step=1000, duration=300_000)`` turns an N-MNIST
    sample (µs) into a ``(2, 34, 34, 300)`` float32 tensor of event counts per 1 ms bin.
    Its repr lists every setting, which :class:`~slayer.io.cache.CachedDataset` uses as cache key.
    """

    def __call__(self, events: np.ndarray) -> torch.Tensor:
        return events_to_dense(events, self.sensor_size, self.time_step, self.duration, self.mode, self.dtype)


def _split_batch(batch: list[Any]) -> tuple[list[Any], list[Any] | None]:
    if not batch:
        raise ValueError("cannot collate an empty batch")
    if isinstance(batch[0], (tuple, list)):
        return [item[0] for item in batch], [item[1] for item in batch]
    return list(batch), None


def _stack_targets(targets: list[Any]) -> Any:
    try:
        return torch.as_tensor(np.asarray(targets))
    except (TypeError, ValueError, RuntimeError):  # e.g. strings: hand them back as they are
        return targets


@dataclass(frozen=True)
class EventCollate(BinningSettings):
    """``collate_fn`` binning a batch of structured event arrays into one ``(N, C, H, W, T)`` tensor.

    Items are ``(events, target)`` pairs (what tonic datasets return) or bare event arrays. All
    events of the batch go into one preallocated tensor with one scatter. With ``duration=None``
    every sample is padded with zeros to the longest one (``T`` = bins of the latest event in the
    batch). Returns ``(tensor, targets)`` (targets stacked into a tensor when numeric) or the tensor.
    ``dtype=torch.uint8`` is the fastest; cast to float on the device (``x.to(device).float()``).
    """

    def __call__(self, batch: list[Any]) -> Any:
        samples, targets = _split_batch(batch)
        layouts = {
            "y" in check_structured(events, f"sample {n} of the batch").dtype.names for n, events in enumerate(samples)
        }
        if len(layouts) > 1:
            raise ValueError("the batch mixes 1-D samples (no 'y' field) and 2-D samples; bin them separately")
        parts = []
        for n, events in enumerate(samples):
            try:
                parts.append(spatial_index_and_bin(events, self.sensor_size, self.time_step, self.duration))
            except (TypeError, ValueError) as error:
                raise type(error)(f"sample {n} of the batch: {error}") from error
        if self.duration is not None:
            n_steps = n_steps_for(self.duration, self.time_step)
        else:
            n_steps = max((int(bins.max()) + 1 for _, bins in parts if len(bins)), default=0)
        spatial_shape = _spatial_shape(samples[0], self.sensor_size)
        per_sample = math.prod(spatial_shape)
        flat = np.concatenate(
            [(spatial + n * per_sample) * n_steps + bins for n, (spatial, bins) in enumerate(parts)]
            or [np.zeros(0, np.int64)]
        )
        shape = (len(samples), *spatial_shape, n_steps)
        dense = scatter(flat, math.prod(shape), self.mode, self.dtype).reshape(shape)
        return dense if targets is None else (dense, _stack_targets(targets))


def pad_time_collate(batch: list[Any]) -> Any:
    """``collate_fn`` for dense per-sample tensors ``(..., T)`` of different ``T``: zero-pads the last
    (time) dimension to the longest and stacks → ``(N, ..., T_max)``; targets stacked as in :class:`EventCollate`."""
    tensors, targets = _split_batch(batch)
    tensors = [torch.as_tensor(x) for x in tensors]
    shapes = {tuple(x.shape[:-1]) for x in tensors}
    if len(shapes) != 1:
        raise ValueError(f"samples differ in more than the time (last) dimension: {sorted(shapes)}")
    n_steps = max(x.shape[-1] for x in tensors)
    out = tensors[0].new_zeros((len(tensors), *tensors[0].shape[:-1], n_steps))
    for n, x in enumerate(tensors):
        out[n, ..., : x.shape[-1]] = x
    return out if targets is None else (out, _stack_targets(targets))
