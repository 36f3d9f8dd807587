"""Vectorised event filters against per-event reference loops (and tonic's own filters where installed)."""

import numpy as np
import pytest
from reference import reference_denoise, reference_refractory

from slayer.io import Event
from slayer.io.filters import crop, denoise, downsample, merge_polarities, refractory_period, time_window
from slayer.io.structured import from_structured
from slayer.io.testing import random_events


def _noisy(seed: int, n: int = 3000, size=(6, 5, 2), span: int = 20_000, shuffle: bool = False) -> np.ndarray:
    """Dense little recordings: many neighbours, repeated timestamps; optionally not sorted by time."""
    events = random_events(np.random.default_rng(seed), n, size, span)
    if shuffle:
        events = events[np.random.default_rng(seed + 1).permutation(n)]
    return events


@pytest.mark.parametrize("seed, shuffle", [(0, False), (1, False), (2, True)])
@pytest.mark.parametrize("filter_time", [30, 150, 400.5])
def test_denoise_matches_the_loop(seed, shuffle, filter_time):
    events = _noisy(seed, shuffle=shuffle)
    keep = reference_denoise(events, filter_time)
    assert 0 < keep.sum() < len(events)  # the case is not trivial
    np.testing.assert_array_equal(denoise(events, filter_time), events[keep])


@pytest.mark.parametrize("seed, shuffle", [(3, False), (4, True)])
@pytest.mark.parametrize("delta", [0, 40, 250.5])
def test_refractory_matches_the_loop(seed, shuffle, delta):
    events = _noisy(seed, shuffle=shuffle)
    keep = reference_refractory(events, delta)
    assert 0 < keep.sum() < len(events)
    np.testing.assert_array_equal(refractory_period(events, delta), events[keep])


def test_1d_events_and_event_objects():
    events = np.zeros(800, dtype=[("t", "<i8"), ("x", "<i8"), ("p", "<i8")])
    rng = np.random.default_rng(5)
    events["t"], events["x"], events["p"] = np.sort(rng.integers(0, 5000, 800)), rng.integers(0, 20, 800), 1
    # half-µs parameters: float ms times never tie with a boundary
    for loop, fn, param in ((reference_denoise, denoise, 60.5), (reference_refractory, refractory_period, 60.5)):
        keep = loop(events, param)
        assert 0 < keep.sum() < len(events)
        np.testing.assert_array_equal(fn(events, param), events[keep])
        # the same filter on an Event (times in ms): the same events survive, channel layout kept
        event = from_structured(events)
        out = fn(event, param / 1000)
        np.testing.assert_array_equal(out.x, events["x"][keep])
        np.testing.assert_allclose(out.t, events["t"][keep] / 1000)
        assert out.c_offset == 1 and np.all(out.c == 0)


def test_identical_to_tonic_filters():
    tonic = pytest.importorskip("tonic")
    events = np.zeros(4000, dtype=tonic.io.events_struct)
    rng = np.random.default_rng(6)
    events["x"], events["y"] = rng.integers(0, 16, 4000), rng.integers(0, 12, 4000)
    events["t"], events["p"] = np.sort(rng.integers(1, 200_000, 4000)), rng.integers(0, 2, 4000)  # t > 0: see docs
    np.testing.assert_array_equal(denoise(events, 2000), tonic.transforms.Denoise(filter_time=2000)(events))
    np.testing.assert_array_equal(refractory_period(events, 700), tonic.transforms.RefractoryPeriod(delta=700)(events))


def test_crop_downsample_window_merge_against_loops():
    events = _noisy(7, n=500, size=(40, 30, 2), span=1000)
    out = crop(events, origin=(5, 10), size=(20, 8))
    expected = [(e["x"] - 5, e["y"] - 10, e["t"], e["p"]) for e in events if 5 <= e["x"] < 25 and 10 <= e["y"] < 18]
    assert [tuple(e) for e in out] == expected and out.dtype == events.dtype
    out = downsample(events, (4, 3))
    assert [tuple(e) for e in out] == [(e["x"] // 4, e["y"] // 3, e["t"], e["p"]) for e in events]
    out = time_window(events, 100, 250.5)
    assert [tuple(e) for e in out] == [tuple(e) for e in events if 100 <= e["t"] < 250.5]
    out = merge_polarities(events)
    assert np.all(out["p"] == 0) and np.array_equal(out["t"], events["t"]) and events["p"].any()  # input untouched


def test_event_objects_through_every_filter():
    event = Event([0, 5, 9, 3], [1, 2, 8, 4], [1, 1, 1, 2], [0.5, 1.0, 2.0, 3.0])  # c re-based by 1
    cropped = crop(event, (2, 1), (8, 4))
    assert cropped.x.tolist() == [3, 1] and cropped.y.tolist() == [1, 3] and cropped.t.tolist() == [1.0, 3.0]
    assert cropped.c.tolist() == [0, 1] and cropped.c_offset == 1
    small = downsample(event, 2)
    assert small.x.tolist() == [0, 2, 4, 1] and small.y.tolist() == [0, 1, 4, 2] and small.c_offset == 1
    assert time_window(event, 1.0, 3.0).t.tolist() == [1.0, 2.0]
    merged = merge_polarities(event)
    assert merged.c.tolist() == [0, 0, 0, 0] and merged.c_offset == 0
    one_d = crop(Event([0, 4, 7], None, [0, 0, 0], [0.0, 1.0, 2.0]), origin=3, size=4)
    assert one_d.x.tolist() == [1] and one_d.y is None


def test_empty_input_and_bad_arguments():
    empty = _noisy(8, n=0)
    for out in (denoise(empty, 10), refractory_period(empty, 10), crop(empty, 0, 1), time_window(empty, 0, 1)):
        assert len(out) == 0
    events = _noisy(9, n=10)
    with pytest.raises(ValueError, match=r"stop > start"):
        time_window(events, 5, 5)
    with pytest.raises(ValueError, match=r"factor must be a positive integer"):
        downsample(events, 0)
    with pytest.raises(ValueError, match=r"origin must be an integer or a pair"):
        crop(events, (1.5, 2), 3)
    with pytest.raises(TypeError, match=r"structured array with fields 'x', 't'"):
        denoise(np.zeros((3, 4)), 10)
    events["x"][3] = -1
    with pytest.raises(ValueError, match=r"negative x or y"):
        refractory_period(events, 10)
