"""Small fake N-MNIST, SHD and DVS Gesture datasets in tonic's on-disk layouts, for offline tests.

Each ``make_fake_*`` writes random events where tonic's dataset class looks for them (tonic 1.7)
and returns the samples it wrote as :class:`FakeSample` ``(path, events, label)``, with ``events``
a structured array with times in µs (what tonic's loader should return for that file; SHD samples
share one file and come in index order).
:func:`offline_tonic` lets tonic's real classes load them without any download:

    samples = make_fake_nmnist(root)
    with offline_tonic():
        dataset = tonic.datasets.NMNIST(save_to=root, train=True)

Usable by downstream projects to test their pipelines without the real data.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from unittest import mock

import numpy as np

from slayer.io._words import encode_polarity_time

_EVENTS = np.dtype([("x", "<i8"), ("y", "<i8"), ("t", "<i8"), ("p", "<i8")])
_EVENTS_1D = np.dtype([("t", "<i8"), ("x", "<i8"), ("p", "<i8")])


class FakeSample(NamedTuple):
    """One written sample: its file, its events as tonic should load them, its label."""

    path: Path
    events: np.ndarray
    label: int


def random_events(
    rng: np.random.Generator, n_events: int, sensor_size: tuple[int, int, int], duration_us: int
) -> np.ndarray:
    """``n_events`` uniformly random events (int64 fields x, y, t, p) sorted by time, ``t < duration_us``."""
    width, height, polarities = sensor_size
    events = np.empty(n_events, _EVENTS)
    events["x"] = rng.integers(0, width, n_events)
    events["y"] = rng.integers(0, height, n_events)
    events["t"] = np.sort(rng.integers(0, duration_us, n_events))
    events["p"] = rng.integers(0, polarities, n_events)
    return events


def encode_nmnist(events: np.ndarray) -> bytes:
    """The N-MNIST ``.bin`` bytes (= slayer ``.bs2``) of structured events with x, y < 256, t < 2**23 µs."""
    words = np.empty((len(events), 5), np.uint8)
    words[:, 0] = events["x"]
    words[:, 1] = events["y"]
    words[:, 2:] = encode_polarity_time(events["p"].astype(np.int64), events["t"].astype(np.int64))
    return words.tobytes()


def _placeholder(path: Path) -> None:
    """tonic's download check wants the archive beside the extracted folder (it checks only that it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def make_fake_nmnist(
    root: str | os.PathLike[str],
    train: bool = True,
    samples_per_digit: int = 2,
    events_per_sample: int = 500,
    duration_us: int = 300_000,
    seed: int = 0,
) -> list[FakeSample]:
    """``root/NMNIST/{Train,Test}/<digit>/<k>.bin``, ``samples_per_digit`` for each digit 0-9, 34x34 sensor."""
    rng = np.random.default_rng(seed)
    split = "Train" if train else "Test"
    base = Path(root) / "NMNIST"
    _placeholder(base / f"{split.lower()}.zip")
    samples = []
    for digit in range(10):
        folder = base / split / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(samples_per_digit):
            events = random_events(rng, events_per_sample, (34, 34, 2), duration_us)
            (folder / f"{k:05d}.bin").write_bytes(encode_nmnist(events))
            samples.append(FakeSample(folder / f"{k:05d}.bin", events, digit))
    return samples


def make_fake_shd(
    root: str | os.PathLike[str],
    train: bool = True,
    n_samples: int = 6,
    events_per_sample: int = 300,
    duration_us: int = 1_000_000,
    seed: int = 0,
) -> list[FakeSample]:
    """``root/SHD/shd_{train,test}.h5`` (needs h5py): ragged ``spikes/times`` (s) and ``spikes/units``, 700 units."""
    import h5py

    rng = np.random.default_rng(seed)
    base = Path(root) / "SHD"
    name = "shd_train.h5" if train else "shd_test.h5"
    _placeholder(base / f"{name}.zip")
    samples = []
    with h5py.File(base / name, "w") as file:
        times = file.create_dataset("spikes/times", (n_samples,), dtype=h5py.vlen_dtype(np.float64))
        units = file.create_dataset("spikes/units", (n_samples,), dtype=h5py.vlen_dtype(np.uint16))
        labels = rng.integers(0, 20, n_samples)
        for n in range(n_samples):
            t_us = np.sort(rng.integers(0, duration_us, events_per_sample))
            x = rng.integers(0, 700, events_per_sample)
            # seconds, half a µs past each integer µs so that truncating t * 1e6 gives t_us back exactly
            times[n] = (t_us + 0.5) / 1e6
            units[n] = x
            events = np.empty(events_per_sample, _EVENTS_1D)
            events["t"], events["x"], events["p"] = t_us, x, 1
            samples.append(FakeSample(base / name, events, int(labels[n])))
        file.create_dataset("labels", data=labels)
        file.create_dataset("extra/speaker", data=rng.integers(0, 10, n_samples))
        file.create_dataset("extra/keys", data=np.array([f"word{k}".encode() for k in range(20)]))
    return samples


def make_fake_dvsgesture(
    root: str | os.PathLike[str],
    train: bool = True,
    users: tuple[int, ...] = (1, 2),
    labels: tuple[int, ...] = (0, 3, 10),
    events_per_sample: int = 1000,
    duration_ms: int = 2000,
    seed: int = 0,
) -> list[FakeSample]:
    """``root/DVSGesture/ibmGesture{Train,Test}/user<NN>_<lighting>/<label>.npy``: ``(n, 4)`` x, y, p, t(ms)."""
    rng = np.random.default_rng(seed)
    split = "ibmGestureTrain" if train else "ibmGestureTest"
    base = Path(root) / "DVSGesture"
    _placeholder(base / f"{split}.tar.gz")
    samples = []
    for user in users:
        folder = base / split / f"user{user:02d}_fluorescent"
        folder.mkdir(parents=True, exist_ok=True)
        for label in sorted(labels):
            events = random_events(rng, events_per_sample, (128, 128, 2), duration_ms)
            columns = np.stack([events["x"], events["y"], events["p"], events["t"]], axis=1)
            np.save(folder / f"{label}.npy", columns)
            events["t"] *= 1000  # the loader converts ms to µs
            samples.append(FakeSample(folder / f"{label}.npy", events, label))
    return samples


@contextlib.contextmanager
def offline_tonic() -> Iterator[None]:
    """Within the block, tonic datasets accept whatever is on disk and never download.

    Patches ``_check_exists`` of every tonic dataset class to True (tonic's own tests do the same)
    and makes ``download`` raise, so a wrong layout fails loudly instead of reaching the network.
    """
    import tonic

    def refuse(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: download attempted while offline_tonic() is active")

    classes = [cls for cls in vars(tonic.datasets).values() if isinstance(cls, type) and hasattr(cls, "_check_exists")]
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(tonic.dataset.Dataset, "download", refuse))
        for cls in classes:
            stack.enter_context(mock.patch.object(cls, "_check_exists", lambda self: True))
        yield
