"""AEDAT4 through the aedat package: round trips with files written by dv-processing, fuzzed files, registry."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slayer.io import read_aedat4, read_aedat4_array, read_events

aedat = pytest.importorskip("aedat", reason="needs the slayer-io[aedat] extra")
dv = pytest.importorskip("dv_processing", reason="dv-processing writes the AEDAT4 test files")

T0 = 1_700_000_000_000_000  # µs since the epoch, as cameras record


def write_aedat4(path: Path, t, x, y, p, size=(64, 48), batches: int = 3) -> None:
    """An AEDAT4 file written by dv-processing (several packets: one per batch)."""
    writer = dv.io.MonoCameraWriter(str(path), dv.io.MonoCameraWriter.EventOnlyConfig("DVXplorer_test", size))
    for chunk in np.array_split(np.arange(len(t)), batches):
        store = dv.EventStore()
        for i in chunk:
            store.push_back(int(t[i]), int(x[i]), int(y[i]), bool(p[i]))
        writer.writeEvents(store)
    del writer  # closes the file


def _random(seed: int, n: int = 500):
    rng = np.random.default_rng(seed)
    t = T0 + np.sort(rng.integers(0, 5_000_000, n))
    return t, rng.integers(0, 64, n), rng.integers(0, 48, n), rng.integers(0, 2, n)


def test_round_trip_with_dv_processing(tmp_path: Path):
    t, x, y, p = _random(0)
    path = tmp_path / "rec.aedat4"
    write_aedat4(path, t, x, y, p)
    array = read_aedat4_array(path)
    for name, want in (("t", t), ("x", x), ("y", y), ("p", p)):
        np.testing.assert_array_equal(array[name], want)
    event = read_aedat4(path)
    assert event.dim == 2 and len(event) == len(t)
    np.testing.assert_array_equal(np.rint(event.t * 1000), t - t[0])  # rebased to the first event, ms
    np.testing.assert_array_equal(event.c + event.c_offset, p)
    absolute = read_aedat4(path, rebase_time=False)
    np.testing.assert_array_equal(np.rint(absolute.t * 1000).astype(np.int64), t)
    by_suffix = read_events(path)  # through the plugin hook's registry
    np.testing.assert_array_equal(by_suffix.x, x)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(0, 639), st.integers(0, 479), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_round_trip_property(tmp_path: Path, rows):
    rows = sorted(rows)
    t, x, y, p = (np.asarray(c) for c in zip(*rows))
    path = tmp_path / "prop.aedat4"
    write_aedat4(path, T0 + t, x, y, p, size=(640, 480), batches=2)
    array = read_aedat4_array(path)
    np.testing.assert_array_equal(array["t"], T0 + t)
    np.testing.assert_array_equal(array["x"], x)
    np.testing.assert_array_equal(array["y"], y)
    np.testing.assert_array_equal(array["p"], p)


@pytest.mark.parametrize("seed", range(40))
def test_fuzzed_files_are_located_errors_or_plausible_events(tmp_path: Path, seed: int):
    t, x, y, p = _random(100, n=60)
    path = tmp_path / "fuzz.aedat4"
    write_aedat4(path, t, x, y, p)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    if seed % 3 == 0:
        data = data[: rng.integers(0, len(data))]
    elif seed % 3 == 1:
        for bit in rng.integers(0, 8 * len(data), 3):
            data[bit // 8] ^= 1 << (bit % 8)
    else:
        data = bytearray(b"#!AER-DAT4.0\r\n" + rng.bytes(int(rng.integers(0, 400))))
    path.write_bytes(bytes(data))
    try:
        array = read_aedat4_array(path)
    except ValueError as error:
        assert re.search(re.escape(str(path)) + r".* not a readable AEDAT4 file", str(error)), str(error)
        return
    # AEDAT4 has no checksum: a flipped bit inside an event can go unnoticed, but what comes back
    # is inside the sensor and in time order
    assert np.all(array["x"] < 64) and np.all(array["y"] < 48) and np.all(np.diff(array["t"]) >= 0)


def test_not_aedat4(tmp_path: Path):
    path = tmp_path / "x.aedat4"
    path.write_bytes(b"#!AER-DAT3.1\r\n")
    with pytest.raises(ValueError, match=r"x\.aedat4' is not a readable AEDAT4 file: bytes 0-13 are .*not the magic"):
        read_aedat4(path)
    with pytest.raises(FileNotFoundError, match="missing.aedat4"):
        read_aedat4(tmp_path / "missing.aedat4")
