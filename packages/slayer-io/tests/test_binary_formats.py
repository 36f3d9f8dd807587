"""SLAYER 1-D/2-D binary formats: byte layouts (spec §13.3), the 1-D high-byte fix, errors instead of wrapping."""

from pathlib import Path

import numpy as np
import pytest

from slayer.io import Event, encode_1d_spikes, encode_2d_spikes, read_1d_spikes, read_2d_spikes

GOLDEN_2D = bytes.fromhex("0305 0005dc 1e07 8008ca")  # (3,5,c0,1.5 ms), (30,7,c1,2.25 ms), spec §13.3


def test_2d_golden_bytes(tmp_path: Path):
    path = tmp_path / "golden.bs2"
    encode_2d_spikes(path, Event([3, 30], [5, 7], [0, 1], [1.5, 2.25]))
    assert path.read_bytes() == GOLDEN_2D


def test_2d_golden_decodes(tmp_path: Path):
    path = tmp_path / "golden.bs2"
    path.write_bytes(GOLDEN_2D)
    event = read_2d_spikes(path)
    assert event.dim == 2 and not event.graded and len(event) == 2
    np.testing.assert_array_equal(event.x, [3, 30])
    np.testing.assert_array_equal(event.y, [5, 7])
    np.testing.assert_array_equal(event.c, [0, 1])
    np.testing.assert_array_equal(event.t, [1.5, 2.25])


def test_2d_max_values_round_trip(tmp_path: Path):
    # the largest representable fields: x = y = 255, polarity 1, t = 2**23 - 1 µs
    path = tmp_path / "max.bs2"
    encode_2d_spikes(path, Event([255, 0], [255, 0], [1, 0], [8388.607, 0.0]))
    assert path.read_bytes() == bytes.fromhex("ffff ffffff 0000 000000")
    event = read_2d_spikes(path)
    np.testing.assert_array_equal(event.t, [8388.607, 0.0])
    np.testing.assert_array_equal(event.c + event.c_offset, [1, 0])


def test_1d_ids_above_255_round_trip(tmp_path: Path):
    # lava-dl writes 0 as the high byte, reading back [3, 44, 232]; the correct bytes are below
    path = tmp_path / "ids.bs1"
    encode_1d_spikes(path, Event([3, 300, 1000], None, [1, 1, 0], [0.001, 1.0, 2.5]))
    assert path.read_bytes() == bytes.fromhex("0003 800001012c 8003e803e8 0009c4")
    event = read_1d_spikes(path)
    assert event.dim == 1 and event.y is None
    np.testing.assert_array_equal(event.x, [3, 300, 1000])
    np.testing.assert_array_equal(event.c + event.c_offset, [1, 1, 0])
    np.testing.assert_array_equal(event.t, [0.001, 1.0, 2.5])


def test_1d_id_65535(tmp_path: Path):
    path = tmp_path / "id.bs1"
    encode_1d_spikes(path, Event([65535], None, [0], [0.0]))
    assert path.read_bytes() == bytes.fromhex("ffff000000")
    np.testing.assert_array_equal(read_1d_spikes(path).x, [65535])


def test_all_on_recording_keeps_its_polarity(tmp_path: Path):
    # c is re-based to 0 (lava), but the writer stores the original ON bit again
    path = tmp_path / "on.bs2"
    path.write_bytes(bytes.fromhex("0102 800064"))
    event = read_2d_spikes(path)
    assert event.c.tolist() == [0] and event.c_offset == 1
    out = tmp_path / "on_again.bs2"
    encode_2d_spikes(out, event)
    assert out.read_bytes() == path.read_bytes()


def test_empty_file_round_trip(tmp_path: Path):
    path = tmp_path / "empty.bs1"
    path.write_bytes(b"")
    event = read_1d_spikes(path)
    assert len(event) == 0
    encode_1d_spikes(tmp_path / "again.bs1", event)
    assert (tmp_path / "again.bs1").read_bytes() == b""


@pytest.mark.parametrize(
    "event, message",
    [
        (Event([1], None, [0], [8388.6075]), r"8388607\.5|8388608 µs.*\[0, 8388607\] µs"),
        (Event([1], None, [0], [9000.0]), r"9000000 µs.*23-bit range \[0, 8388607\] µs"),
        (Event([1], None, [0], [-0.5]), r"-0\.5 ms = -500 µs.*\[0, 8388607\]"),
        (Event([1], None, [0], [np.nan]), r"nan ms; timestamps must be finite"),
        (Event([65536], None, [0], [1.0]), r"neuron id x of event 0 is 65536.*\[0, 65535\]"),
        (Event([0, -1], None, [0, 0], [1.0, 2.0]), r"neuron id x of event 1 is -1"),
        (Event([1, 2], None, [0, 2], [1.0, 2.0]), r"polarity \(channel\) of event 1 is 2"),
        (Event([1], None, [0], [1.0], payload=[0.5]), r"graded"),
        (Event([1], [2], [0], [1.0]), r"expected a 1-D event"),
    ],
)
def test_1d_writer_rejects_what_it_cannot_store(tmp_path: Path, event: Event, message: str):
    path = tmp_path / "bad.bs1"
    with pytest.raises(ValueError, match=message):
        encode_1d_spikes(path, event)
    assert not path.exists()  # nothing half-written


@pytest.mark.parametrize(
    "event, message",
    [
        (Event([256], [0], [0], [1.0]), r"x of event 0 is 256.*\[0, 255\]"),
        (Event([0, 1], [3, 300], [0, 0], [1.0, 1.0]), r"y of event 1 is 300.*\[0, 255\]"),
        (Event([0], [0], [0], [8388.608]), r"8388608 µs.*\[0, 8388607\] µs"),
        (Event([0], None, [0], [1.0]), r"expected a 2-D event"),
    ],
)
def test_2d_writer_rejects_what_it_cannot_store(tmp_path: Path, event: Event, message: str):
    path = tmp_path / "bad.bs2"
    with pytest.raises(ValueError, match=message):
        encode_2d_spikes(path, event)
    assert not path.exists()


@pytest.mark.parametrize("reader", [read_1d_spikes, read_2d_spikes])
def test_truncated_file_is_an_error(tmp_path: Path, reader):
    path = tmp_path / "truncated.bs"
    path.write_bytes(GOLDEN_2D[:7])
    with pytest.raises(
        ValueError, match=r"truncated\.bs.*7 bytes is not a multiple of 5.*byte offset 5 has only 2 of its 5"
    ):
        reader(path)


@pytest.mark.parametrize("reader", [read_1d_spikes, read_2d_spikes])
def test_missing_file(tmp_path: Path, reader):
    with pytest.raises(FileNotFoundError, match=r"nothere\.bs"):
        reader(tmp_path / "nothere.bs")


def test_writer_rounds_to_microseconds(tmp_path: Path):
    path = tmp_path / "round.bs1"
    encode_1d_spikes(path, Event([0, 0], None, [0, 0], [0.0014, 0.0016]))
    np.testing.assert_array_equal(read_1d_spikes(path).t, [0.001, 0.002])
