"""The formats registered through slayer-io's plugin hook, and suffix dispatch in read_events/write_events."""

from pathlib import Path

import numpy as np
import pytest

from slayer.core import EventFormat
from slayer.core.plugins import registry, reset
from slayer.io import Event, read_2d_spikes, read_events, write_events


@pytest.fixture(autouse=True)
def _own_plugins_only(monkeypatch):
    monkeypatch.setenv("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "1")  # a developer's plugins must not leak in
    reset()
    yield
    reset()


def test_plugin_registers_the_formats():
    formats = {name: reg.obj for name, reg in registry().get("event_formats").items()}
    assert {"bs1", "bs2", "npy", "aedat4"} <= set(formats)
    assert formats["bs1"].suffixes == (".bs1",)
    assert formats["bs2"].suffixes == (".bs2", ".bin")
    assert formats["npy"].suffixes == (".npy",)
    assert formats["aedat4"].suffixes == (".aedat4",) and formats["aedat4"].write is None  # read only
    assert all(isinstance(f, EventFormat) and f.read for f in formats.values())
    assert registry().get("event_formats")["bs2"].plugin == "slayer-io"


@pytest.mark.parametrize("name", ["a.bs2", "a.bin", "A.BIN", "a.npy"])
def test_round_trip_by_suffix_2d(tmp_path: Path, name: str):
    event = Event([3, 30], [5, 7], [0, 1], [1.5, 2.25])
    write_events(tmp_path / name, event)
    back = read_events(tmp_path / name)
    assert back.dim == 2
    np.testing.assert_array_equal(back.x, event.x)
    np.testing.assert_array_equal(back.y, event.y)
    np.testing.assert_array_equal(back.c, event.c)
    np.testing.assert_array_equal(back.t, event.t)


def test_bin_is_the_2d_layout(tmp_path: Path):
    write_events(tmp_path / "sample.bin", Event([3, 30], [5, 7], [0, 1], [1.5, 2.25]))
    assert (tmp_path / "sample.bin").read_bytes() == bytes.fromhex("0305 0005dc 1e07 8008ca")
    assert read_2d_spikes(tmp_path / "sample.bin").x.tolist() == [3, 30]


def test_1d_by_suffix_and_explicit_format(tmp_path: Path):
    event = Event([1000, 3], None, [0, 0], [0.5, 1.0])
    write_events(tmp_path / "a.bs1", event)
    assert read_events(tmp_path / "a.bs1").x.tolist() == [1000, 3]
    write_events(tmp_path / "a.spikes", event, format="bs1")
    assert (tmp_path / "a.spikes").read_bytes() == (tmp_path / "a.bs1").read_bytes()
    assert read_events(tmp_path / "a.spikes", format="bs1").x.tolist() == [1000, 3]


def test_unknown_suffix_lists_known_ones(tmp_path: Path):
    with pytest.raises(ValueError, match=r"suffix '\.xyz'.*known suffixes: .*\.bin, \.bs1, \.bs2, \.npy"):
        read_events(tmp_path / "a.xyz")
    with pytest.raises(KeyError, match=r"no event format named 'nope'"):
        write_events(tmp_path / "a.bs1", Event([0], None, [0], [0.0]), format="nope")
