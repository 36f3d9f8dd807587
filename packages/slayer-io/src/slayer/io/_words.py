"""The 40-bit event word shared by the SLAYER binary formats, and range checks for writers.

Every event is 5 bytes, fields packed big-endian across the bytes::

    bytes 0-1 : address (1-D: neuron id, 16 bits; 2-D: x in byte 0, y in byte 1)
    byte 2    : bit 7 = polarity; bits 6..0 = timestamp bits 22..16
    bytes 3-4 : timestamp bits 15..0, microseconds

Decoding and encoding work on whole ``(n, 5)`` uint8 arrays: no Python loop over events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from slayer.io.event import Event

WORD_BYTES = 5
TIME_BITS = 23
TIME_LIMIT_US = 1 << TIME_BITS  # timestamps must be < 2**23 µs (≈ 8.39 s)


def read_words(path: str | os.PathLike[str]) -> np.ndarray:
    """The file's events as an ``(n, 5)`` uint8 array (one row per event)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"event file not found: {str(path)!r}")
    data = path.read_bytes()
    if len(data) % WORD_BYTES:
        start = len(data) - len(data) % WORD_BYTES
        raise ValueError(
            f"{str(path)!r}: truncated or not a SLAYER binary event file: {len(data)} bytes is not a multiple of "
            f"{WORD_BYTES} bytes per event; the event at byte offset {start} has only {len(data) - start} of its "
            f"{WORD_BYTES} bytes"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, WORD_BYTES)


def write_words(path: str | os.PathLike[str], words: np.ndarray) -> None:
    """Write an ``(n, 5)`` uint8 array as the file's bytes."""
    Path(path).write_bytes(np.ascontiguousarray(words, dtype=np.uint8).tobytes())


def decode_polarity_time(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polarity bits (int64, 0/1) and timestamps in milliseconds (float64) of ``(n, 5)`` words."""
    b2 = words[:, 2].astype(np.int64)
    polarity = b2 >> 7
    t_us = ((b2 & 0x7F) << 16) | (words[:, 3].astype(np.int64) << 8) | words[:, 4].astype(np.int64)
    return polarity, t_us / 1000.0


def encode_polarity_time(polarity: np.ndarray, t_us: np.ndarray) -> np.ndarray:
    """Bytes 2..4 of the words, ``(n, 3)`` uint8, from checked polarity bits and µs timestamps."""
    out = np.empty((len(t_us), 3), dtype=np.uint8)
    out[:, 0] = (polarity << 7) | (t_us >> 16)
    out[:, 1] = (t_us >> 8) & 0xFF
    out[:, 2] = t_us & 0xFF
    return out


def _first_bad(bad: np.ndarray) -> tuple[int, int] | None:
    """``(index of the first flagged event, number flagged)``, or ``None`` if none is flagged."""
    if not bad.any():
        return None
    return int(np.flatnonzero(bad)[0]), int(bad.sum())


def timestamps_us(writer: str, t_ms: np.ndarray) -> np.ndarray:
    """Round millisecond timestamps to integer µs (int64), checking they fit the 23-bit field."""
    t_ms = np.asarray(t_ms, dtype=np.float64)
    not_finite = _first_bad(~np.isfinite(t_ms))
    if not_finite is not None:
        i = not_finite[0]
        raise ValueError(f"{writer}: timestamp of event {i} is {t_ms[i]} ms; timestamps must be finite")
    t_us = np.rint(t_ms * 1000.0).astype(np.int64)
    bad = _first_bad((t_us < 0) | (t_us >= TIME_LIMIT_US))
    if bad is not None:
        i, count = bad
        raise ValueError(
            f"{writer}: timestamp of event {i} is {t_ms[i]} ms = {t_us[i]} µs, outside the format's 23-bit range "
            f"[0, {TIME_LIMIT_US - 1}] µs (0 to {(TIME_LIMIT_US - 1) / 1000} ms); {count} event(s) out of "
            "range. Split the recording or shift its times; the file cannot hold it without wrapping"
        )
    return t_us


def check_range(writer: str, what: str, values: np.ndarray, limit: int) -> np.ndarray:
    """``values`` as int64, raising a ValueError unless every one is in ``[0, limit)``."""
    values = np.asarray(values, dtype=np.int64)
    bad = _first_bad((values < 0) | (values >= limit))
    if bad is not None:
        i, count = bad
        raise ValueError(
            f"{writer}: {what} of event {i} is {values[i]}, outside the format's range [0, {limit - 1}]; "
            f"{count} event(s) out of range"
        )
    return values


def polarity_bits(writer: str, event: Event) -> np.ndarray:
    """The event's absolute channel (``c + c_offset``), checked to be a polarity bit 0 or 1."""
    polarity = np.asarray(event.c, dtype=np.int64) + event.c_offset
    bad = _first_bad((polarity != 0) & (polarity != 1))
    if bad is not None:
        i, count = bad
        raise ValueError(
            f"{writer}: polarity (channel) of event {i} is {polarity[i]}; the format stores one polarity bit, "
            f"so channels must be 0 or 1; {count} event(s) out of range"
        )
    return polarity


def check_not_graded(writer: str, event: Event) -> None:
    """Raise a ValueError if ``event`` carries a payload, which the binary formats cannot store."""
    if event.graded:
        raise ValueError(
            f"{writer}: the event is graded (has a payload) but this binary format stores no payload; "
            "write it with encode_np_spikes(..., fmt='xyptv') (or 'xptv' for 1-D) to keep the payload"
        )


def pack_words(writer: str, event: Event, address_hi: np.ndarray, address_lo: np.ndarray) -> np.ndarray:
    """The ``(n, 5)`` uint8 words of ``event``: address bytes 0 and 1 as given (already range-checked),
    then the event's polarity bit and µs timestamp (checked here)."""
    polarity = polarity_bits(writer, event)
    t_us = timestamps_us(writer, event.t)
    words = np.empty((len(event), WORD_BYTES), dtype=np.uint8)
    words[:, 0] = address_hi
    words[:, 1] = address_lo
    words[:, 2:] = encode_polarity_time(polarity, t_us)
    return words
