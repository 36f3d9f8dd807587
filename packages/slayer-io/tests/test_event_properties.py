"""Property-based tests (issue 16) over ``Event`` coordinates, times and sampling times: an error that names
the bad argument, or a dense tensor holding exactly the events that fall inside it (nothing wraps or vanishes)."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slayer.io import Event, EventsDroppedWarning, tensor_to_event

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COORDINATE = st.one_of(st.integers(-3, 6), st.integers(2**62, 2**66), st.floats(-3, 6), st.just(1e20))
TIME = st.one_of(st.floats(0, 20), st.sampled_from([float("nan"), float("inf"), -1.0, 1e30]))
SAMPLING = st.one_of(st.floats(0.25, 4), st.sampled_from([0.0, -1.0, float("nan")]))


@FAST
@given(
    events=st.lists(st.tuples(COORDINATE, COORDINATE, st.integers(0, 1), TIME), min_size=1, max_size=6),
    sampling_time=SAMPLING,
)
def test_events_are_named_errors_or_land_exactly_where_they_belong(events, sampling_time):
    x, y, c, t = (list(v) for v in zip(*events))
    try:
        event = Event(x, y, c, t)
    except ValueError as error:
        assert "x_event" in str(error) or "y_event" in str(error), repr(error)
        return
    shape = (2, 5, 4, 6)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EventsDroppedWarning)
            dense = event.to_tensor(sampling_time=sampling_time, dim=shape)
    except ValueError as error:
        assert "sampling_time" in str(error) or "event times must be finite" in str(error), repr(error)
        return
    expected = np.zeros(shape)
    for xi, yi, ci, ti in zip(event.x, event.y, event.c, event.t):
        step = round(ti / sampling_time)
        if 0 <= yi < shape[1] and 0 <= xi < shape[2] and 0 <= step < shape[3]:
            expected[ci, yi, xi, step] = 1 / sampling_time
    assert np.array_equal(dense, expected)
    back = tensor_to_event(dense, sampling_time=sampling_time)
    assert len(back) == int(np.count_nonzero(expected))
