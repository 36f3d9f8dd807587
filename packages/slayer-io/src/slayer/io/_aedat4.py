"""AEDAT 4.0 (iniVation DV) event files, read through the MIT-licensed ``aedat`` package.

``pip install 'slayer-io[aedat]'``. Only event streams are read (frames, IMU and triggers are
skipped). The format has no checksums: the reader checks what it can (coordinates inside the
stream's declared size, timestamps not decreasing) and turns every decoder failure into a
ValueError naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from slayer.io.event import Event

AEDAT4_MAGIC = b"#!AER-DAT4.0\r\n"


def _decoder(path: Path):
    try:
        import aedat
    except ImportError:
        raise ImportError(
            f"reading {str(path)!r} needs the aedat package; install the extra: pip install 'slayer-io[aedat]'"
        ) from None
    return aedat.Decoder(str(path))


def _fail(path: Path, what: str) -> ValueError:
    return ValueError(f"{str(path)!r} is not a readable AEDAT4 file: {what}")


def read_aedat4_array(filename: str | os.PathLike[str], stream_id: int | None = None) -> np.ndarray:
    """The events of an AEDAT4 file as a tonic-style structured array ``t`` (int64 µs, as recorded:
    usually since the Unix epoch), ``x``, ``y`` (int16), ``p`` (int8, 1 = ON).

    ``stream_id`` picks an event stream; by default the file must have exactly one. Raises
    FileNotFoundError, or ValueError naming the file for anything it cannot decode or trust.
    """
    path = Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"event file not found: {str(path)!r}")
    with open(path, "rb") as handle:
        head = handle.read(len(AEDAT4_MAGIC))
    if head != AEDAT4_MAGIC:
        raise _fail(path, f"bytes 0-{len(AEDAT4_MAGIC) - 1} are {head!r}, not the magic {AEDAT4_MAGIC!r}")
    packets = []
    try:  # the Rust decoder raises RuntimeError, or panics (PanicException is a BaseException) on garbage
        decoder = _decoder(path)
        streams = {int(k): v for k, v in decoder.id_to_stream().items() if v.get("type") == "events"}
        if stream_id is None:
            if len(streams) != 1:
                raise _fail(path, f"it has {len(streams)} event streams {sorted(streams)}; pass stream_id=")
            stream_id = next(iter(streams))
        if stream_id not in streams:
            raise _fail(path, f"no event stream {stream_id}; event streams: {sorted(streams)}")
        for index, packet in enumerate(decoder):
            if packet["stream_id"] == stream_id and "events" in packet:
                packets.append((index, np.asarray(packet["events"])))
    except ImportError:
        raise
    except ValueError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise _fail(path, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}") from None
    width, height = int(streams[stream_id].get("width", 1 << 15)), int(streams[stream_id].get("height", 1 << 15))
    out = np.empty(sum(len(p) for _, p in packets), dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "i1")])
    start, last_t = 0, None
    for index, events in packets:
        names = events.dtype.names
        t, x, y = events["t"].astype(np.int64), events["x"].astype(np.int64), events["y"].astype(np.int64)
        p = events[names[3]].astype(np.int8)  # the polarity field is titled 'on'
        bad = (x >= width) | (y >= height) | (events["t"] > np.iinfo(np.int64).max)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(path, f"packet {index} event {i} at x={x[i]}, y={y[i]} outside the stream's {width}x{height}")
        steps = np.diff(t, prepend=t[:1] if last_t is None else np.int64(last_t))
        if len(t) and steps.min() < 0:
            i = int(np.flatnonzero(steps < 0)[0])
            raise _fail(path, f"packet {index} event {i}: timestamp {t[i]} µs goes back in time")
        out["t"][start : start + len(t)], out["x"][start : start + len(t)] = t, x
        out["y"][start : start + len(t)], out["p"][start : start + len(t)] = y, p
        start += len(t)
        last_t = t[-1] if len(t) else last_t
    return out


def read_aedat4(filename: str | os.PathLike[str], stream_id: int | None = None, rebase_time: bool = True) -> Event:
    """An AEDAT4 file's events as an :class:`Event` (``c`` = polarity, ``t`` in ms).

    With ``rebase_time=True`` times start at the first event (AEDAT4 stores µs since the Unix
    epoch, too large to bin); ``False`` keeps them as recorded. See :func:`read_aedat4_array`.
    """
    array = read_aedat4_array(filename, stream_id)
    t_us = array["t"] - (array["t"][0] if rebase_time and len(array) else 0)
    return Event(array["x"], array["y"], array["p"], t_us / 1000.0)
