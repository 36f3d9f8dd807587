"""numpy event files (spec §13.3 'Numpy'): lava-dl layouts, symmetric time_unit, graded payload column."""

from pathlib import Path

import numpy as np
import pytest

from slayer.io import Event, encode_np_spikes, read_np_spikes


def test_reads_lava_layouts(tmp_path: Path):
    path = tmp_path / "ev.npy"
    np.save(path, np.array([[1, 2, 1, 0.5], [3, 4, 0, 1.25]]))  # x, y, p, t (ms)
    event = read_np_spikes(path)
    assert event.dim == 2 and event.x.tolist() == [1, 3] and event.y.tolist() == [2, 4]
    assert event.c.tolist() == [1, 0] and event.t.tolist() == [0.5, 1.25]
    np.save(path, np.array([[7, 1, 2.0], [8, 1, 3.0]]))  # x, p, t: 1-D
    event = read_np_spikes(path)
    assert event.dim == 1 and event.x.tolist() == [7, 8] and event.c_offset == 1 and event.t.tolist() == [2.0, 3.0]


def test_time_unit_converts_both_ways(tmp_path: Path):
    path = tmp_path / "us.npy"
    event = Event([1, 2], [0, 0], [0, 1], [1.5, 2.0])
    encode_np_spikes(path, event, time_unit=1e-6)  # lava-dl ignores time_unit when writing
    np.testing.assert_allclose(np.load(path)[:, 3], [1500.0, 2000.0])
    np.testing.assert_allclose(read_np_spikes(path, time_unit=1e-6).t, [1.5, 2.0])


def test_round_trips_keep_every_field(tmp_path: Path):
    path = tmp_path / "x.events"
    event = Event([3, 300], None, [1, 1], [0.25, 9000.0])  # no 23-bit or id limit here
    encode_np_spikes(path, event)
    assert path.is_file() and not (tmp_path / "x.events.npy").exists()  # written exactly where asked
    assert np.load(path).shape == (2, 3)
    back = read_np_spikes(path)
    assert back.x.tolist() == [3, 300] and back.c_offset == 1 and back.t.tolist() == [0.25, 9000.0]

    graded = Event([0, 1], [2, 3], [0, 0], [1.0, 2.0], payload=[0.5, -1.5])
    encode_np_spikes(path, graded, fmt="xyptv")
    back = read_np_spikes(path, fmt="xyptv")
    assert back.graded and back.p.tolist() == [0.5, -1.5] and back.y.tolist() == [2, 3]


@pytest.mark.parametrize(
    "event, fmt, message",
    [
        (Event([0], [0], [0], [1.0], payload=[2.0]), "xypt", r"does not match a graded event"),
        (Event([0], [0], [0], [1.0]), "xyptv", r"does not match a binary"),
        (Event([0], [0], [0], [1.0]), "xpt", r"does not match a 2-D event"),
        (Event([0], None, [0], [1.0]), "xypt" + "v", r"does not match a 1-D event"),
        (Event([0], None, [0], [1.0]), "xtq", r"fmt must name distinct columns.*'xtq'"),
    ],
)
def test_writer_refuses_to_drop_fields(tmp_path: Path, event: Event, fmt: str, message: str):
    with pytest.raises(ValueError, match=message):
        encode_np_spikes(tmp_path / "e.npy", event, fmt=fmt)


def test_reader_errors(tmp_path: Path):
    path = tmp_path / "bad.npy"
    np.save(path, np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"shape \(4, 5\); fmt='xypt' expects \(n_events, 4\)"):
        read_np_spikes(path)
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        read_np_spikes(tmp_path / "missing.npy")
    with pytest.raises(ValueError, match="time_unit must be a positive"):
        read_np_spikes(path, time_unit=0)
