"""The Oxford tutorial files (lava-dl data, copied into tutorials/oxford/data) read, densify and round-trip exactly."""

from pathlib import Path

import numpy as np
import pytest
import torch

from slayer.io import encode_1d_spikes, read_1d_spikes

DATA = Path(__file__).parents[3] / "tutorials/oxford/data"


def _path(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (tests run outside a repository checkout, e.g. from an sdist)")
    return path


def test_input_facts():
    event = read_1d_spikes(_path("input.bs1"))
    assert event.dim == 1 and not event.graded
    assert len(event) == 1889 == _path("input.bs1").stat().st_size // 5
    assert event.x.min() == 0 and event.x.max() == 199
    assert len(np.unique(event.x)) == 200  # every one of the 200 input neurons fires
    assert event.c_offset == 1 and np.all(event.c == 0)  # all ON, re-based to channel 0
    assert np.all(np.diff(event.t) >= 0)  # sorted by time
    assert event.t.min() == pytest.approx(0.3) and event.t.max() == pytest.approx(1888.8)


def test_output_facts():
    event = read_1d_spikes(_path("output.bs1"))
    assert len(event) == 10361
    assert set(np.unique(event.x)) == set(range(200))
    assert not np.all(np.diff(event.t) >= 0)  # the target file is not time-sorted
    assert 1800 < event.t.max() < 2000


@pytest.mark.parametrize("name", ["input.bs1", "output.bs1"])
def test_read_write_round_trip_is_byte_identical(tmp_path: Path, name: str):
    original = _path(name)
    copy = tmp_path / name
    encode_1d_spikes(copy, read_1d_spikes(original))
    assert copy.read_bytes() == original.read_bytes()


def test_input_to_tensor_like_the_tutorial():
    event = read_1d_spikes(_path("input.bs1"))
    dense = event.to_tensor(sampling_time=1)
    assert dense.shape == (1, 200, 1890)  # round(1888.8) + 1 bins
    # OR binning: one unit per distinct (neuron, 1 ms bin)
    distinct = {(int(x), round(float(t))) for x, t in zip(event.x, event.t)}
    assert dense.sum() == len(distinct)
    # the tutorial's torch target 1 x 1 x 200 x T gets the same spikes
    target = event.fill_tensor(torch.zeros(1, 1, 200, 1890))
    np.testing.assert_array_equal(target[:, 0].numpy(), dense)
