"""Readers that survive any input: exact round trips (hypothesis) and fuzzed files (truncated, random, bit-flipped).

A reader either returns exactly the events the bytes encode or raises a ValueError naming the file and a
byte offset; never another exception, a hang, a changed event or a dropped one.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slayer.io import (
    Event,
    encode_1d_spikes,
    encode_2d_spikes,
    encode_np_spikes,
    read_1d_spikes,
    read_2d_spikes,
    read_np_spikes,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
T_LIMIT = 2**23 - 1  # the largest timestamp of the binary formats, µs

t_us = st.integers(0, T_LIMIT)
polarity = st.integers(0, 1)


def events_1d(max_id: int):
    return st.lists(st.tuples(st.integers(0, max_id), polarity, t_us), max_size=40)


def events_2d():
    return st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255), polarity, t_us), max_size=40)


def _columns(rows, n):
    return [np.asarray([r[i] for r in rows], np.int64) for i in range(n)]


@SETTINGS
@given(rows=events_1d(65535), extremes=st.booleans())
def test_bs1_round_trip_exact(tmp_path: Path, rows, extremes):
    if extremes:  # ids >= 256 and the 23-bit time limit always appear
        rows = [*rows, (65535, 1, T_LIMIT), (256, 0, 0)]
    x, p, t = _columns(rows, 3)
    path = tmp_path / "e.bs1"
    encode_1d_spikes(path, Event(x, None, p, t / 1000))
    back = read_1d_spikes(path)
    np.testing.assert_array_equal(back.x, x)
    np.testing.assert_array_equal(back.c + back.c_offset, p)
    np.testing.assert_array_equal(np.rint(back.t * 1000), t)
    np.testing.assert_array_equal(back.t, t / 1000)


@SETTINGS
@given(rows=events_2d(), extremes=st.booleans())
def test_bs2_round_trip_exact(tmp_path: Path, rows, extremes):
    if extremes:
        rows = [*rows, (255, 255, 1, T_LIMIT), (0, 0, 0, 0)]
    x, y, p, t = _columns(rows, 4)
    path = tmp_path / "e.bs2"
    encode_2d_spikes(path, Event(x, y, p, t / 1000))
    back = read_2d_spikes(path)
    for got, want in ((back.x, x), (back.y, y), (back.c + back.c_offset, p), (back.t, t / 1000)):
        np.testing.assert_array_equal(got, want)


finite = st.floats(-1e12, 1e12, allow_nan=False)


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 2**40), st.integers(0, 70000), st.integers(-3, 3), finite, finite), max_size=30
    ),
    fmt=st.sampled_from(["xypt", "xpt", "txyp", "xyptv", "vxpt"]),
)
def test_npy_round_trip_exact(tmp_path: Path, rows, fmt):
    x, y, p = _columns(rows, 3)
    t = np.asarray([r[3] for r in rows], np.float64)
    v = np.asarray([r[4] for r in rows], np.float64) if "v" in fmt else None
    event = Event(x, y if "y" in fmt else None, p, t, payload=v)
    path = tmp_path / "e.npy"
    encode_np_spikes(path, event, fmt=fmt)
    back = read_np_spikes(path, fmt=fmt)
    assert back.dim == event.dim and back.graded == event.graded and back.c_offset == event.c_offset
    for name in ("x", "y", "c", "t", "p"):
        got, want = getattr(back, name), getattr(event, name)
        assert (got is None) == (want is None)
        if got is not None:
            np.testing.assert_array_equal(got, want)  # bit for bit, with the default time_unit


# -- fuzzing -----------------------------------------------------------------------------------------


def _bs_reader_survives(path: Path, reader, writer):
    """Either an exact decoding (re-encoding gives the same bytes: nothing changed or dropped) or a located error."""
    data = path.read_bytes()
    try:
        event = reader(path)
    except ValueError as error:
        assert str(path) in str(error) and re.search(r"byte offset \d+", str(error)), str(error)
        assert len(data) % 5, "only a partial event is an error in a headerless format"
        return
    assert len(event) * 5 == len(data)
    again = path.with_suffix(".again")
    writer(again, event)
    assert again.read_bytes() == data


@pytest.mark.parametrize("reader, writer", [(read_1d_spikes, encode_1d_spikes), (read_2d_spikes, encode_2d_spikes)])
@SETTINGS
@given(data=st.binary(max_size=200))
def test_bs_readers_on_random_bytes(tmp_path: Path, reader, writer, data):
    path = tmp_path / "random.bs"
    path.write_bytes(data)
    _bs_reader_survives(path, reader, writer)


def _valid_npy(tmp_path: Path, seed: int, fmt: str) -> Path:
    rng = np.random.default_rng(seed)
    n = 12
    y = rng.integers(0, 300, n) if "y" in fmt else None
    payload = rng.normal(size=n) if "v" in fmt else None
    event = Event(rng.integers(0, 700, n), y, rng.integers(0, 2, n), rng.random(n) * 1e3, payload=payload)
    path = tmp_path / f"valid{seed}.npy"
    encode_np_spikes(path, event, fmt=fmt)
    return path


def _npy_reader_survives(path: Path, fmt: str):
    """A located ValueError, or exactly what numpy itself finds in the file (nothing changed or dropped)."""
    try:
        event = read_np_spikes(path, fmt=fmt)
    except ValueError as error:
        assert str(path) in str(error), str(error)
        assert re.search(r"byte offset \d+|holds an array of shape", str(error)), str(error)
        return
    array = np.load(path, allow_pickle=False)  # readable by numpy, then
    column = {letter: array[:, i] for i, letter in enumerate(fmt)}
    np.testing.assert_array_equal(event.x, column["x"])
    np.testing.assert_array_equal(event.c + event.c_offset, column["p"])
    np.testing.assert_array_equal(event.t, column["t"])
    if "y" in fmt:
        np.testing.assert_array_equal(event.y, column["y"])
    if "v" in fmt:
        np.testing.assert_array_equal(event.p, column["v"])


@pytest.mark.parametrize("fmt", ["xypt", "xyptv"])
@SETTINGS
@given(seed=st.integers(0, 3), cut=st.integers(0, 400))
def test_npy_reader_on_truncated_files(tmp_path: Path, fmt, seed, cut):
    path = _valid_npy(tmp_path, seed, fmt)
    data = path.read_bytes()
    path.write_bytes(data[: min(cut, len(data) - 1)])
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*byte offset \d+"):
        read_np_spikes(path, fmt=fmt)


@pytest.mark.parametrize("fmt", ["xypt", "xyptv"])
@SETTINGS
@given(seed=st.integers(0, 3), flips=st.lists(st.integers(0, 8 * 600), min_size=1, max_size=4))
def test_npy_reader_on_bit_flipped_files(tmp_path: Path, fmt, seed, flips):
    path = _valid_npy(tmp_path, seed, fmt)
    data = bytearray(path.read_bytes())
    for bit in flips:
        data[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    path.write_bytes(bytes(data))
    _npy_reader_survives(path, fmt)


@SETTINGS
@given(data=st.binary(max_size=300), magic=st.booleans())
def test_npy_reader_on_random_bytes(tmp_path: Path, data, magic):
    path = tmp_path / "random.npy"
    path.write_bytes((b"\x93NUMPY\x01\x00" if magic else b"") + data)
    _npy_reader_survives(path, "xypt")


@pytest.mark.parametrize("reader, writer", [(read_1d_spikes, encode_1d_spikes), (read_2d_spikes, encode_2d_spikes)])
@SETTINGS
@given(seed=st.integers(0, 5), cut=st.integers(0, 60), flips=st.lists(st.integers(0, 8 * 60), max_size=4))
def test_bs_readers_on_truncated_and_bit_flipped_files(tmp_path: Path, reader, writer, seed, cut, flips):
    rng = np.random.default_rng(seed)
    path = tmp_path / "valid.bs"
    if reader is read_1d_spikes:
        writer(
            path, Event(rng.integers(0, 65536, 12), None, rng.integers(0, 2, 12), rng.integers(0, T_LIMIT, 12) / 1e3)
        )
    else:
        writer(path, Event(rng.integers(0, 256, 12), rng.integers(0, 256, 12), rng.integers(0, 2, 12), rng.random(12)))
    data = bytearray(path.read_bytes()[: 60 - cut])
    for bit in flips:
        if data:
            data[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    path.write_bytes(bytes(data))
    _bs_reader_survives(path, reader, writer)


def test_npy_header_errors_name_the_offset(tmp_path: Path):
    path = tmp_path / "objects.npy"
    np.save(path, np.zeros((2, 4), dtype=[("a", "<f8")]).reshape(2, 4))
    with pytest.raises(ValueError, match=r"objects\.npy.*byte offset \d+\) has dtype \[\('a', '<f8'\)\], not numbers"):
        read_np_spikes(path)
    path = tmp_path / "long.npy"
    np.save(path, np.zeros((2, 4)))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match=r"long\.npy' has trailing bytes.*end at byte offset 192; it ends at 193"):
        read_np_spikes(path)
    path.write_bytes(b"PK\x03\x04 not numpy")
    with pytest.raises(ValueError, match=r"long\.npy' is not a valid \.npy file: bad magic or header before byte off"):
        read_np_spikes(path)
    np.save(path, np.asarray([[1.0, 2.0, 0.0, np.nan]]))
    with pytest.raises(ValueError, match=r"event 0 column 't' is nan at byte offset 152; it must be finite"):
        read_np_spikes(path)
    np.save(path, np.asarray([[1, -2, 0, 5]]))
    with pytest.raises(ValueError, match=r"event 0 column 'y' is -2 at byte offset 136; it must be a non-negative"):
        read_np_spikes(path)
