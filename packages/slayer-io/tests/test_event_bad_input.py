"""Issue 16 (items 8, 9, 15) and issue 15 item 5: events never wrap, vanish or fail obscurely."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

from slayer.io import Event, tensor_to_event

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (np.array([2**63 + 5], dtype=np.uint64), "9223372036854775813"),
        ([1e20], "1e+20"),
        ([2**70], str(2**70)),
        ([-1e19], "-1e+19"),
    ],
)
def test_item8_coordinates_beyond_int64_are_rejected_instead_of_wrapping(x, shown):
    """On main each wrapped silently to a negative coordinate."""
    with pytest.raises(
        ValueError, match=rf"x_event must fit in int64 \(\|value\| < 2\*\*63\); event 0 has {re.escape(shown)}"
    ):
        Event(x, None, [0], [0.0])
    with pytest.raises(ValueError, match=r"y_event must fit in int64"):
        Event([0], x, [0], [0.0])


def test_item8_the_largest_int64_coordinates_are_kept_exactly():
    event = Event(np.array([2**63 - 1], dtype=np.uint64), None, [-(2**62)], [0.0])
    assert event.x[0] == 2**63 - 1 and event.c_offset == -(2**62)


def test_item9_an_integer_tensor_that_cannot_hold_one_over_ts_is_an_error():
    """On main 1/Ts = 0.5 was truncated to 0: nothing written, no warning."""
    event = Event([0, 1], None, [0, 0], [0.0, 2.0])
    with pytest.raises(ValueError, match=r"integer dtype torch.int64, which cannot hold .*1/sampling_time = 0.5"):
        event.fill_tensor(torch.zeros(1, 1, 2, 3, dtype=torch.int64), sampling_time=2)
    with pytest.raises(ValueError, match=r"integer dtype int32"):
        event.fill_tensor(np.zeros((1, 1, 2, 3), dtype=np.int32), sampling_time=2)
    filled = event.fill_tensor(torch.zeros(1, 1, 2, 3, dtype=torch.int64), sampling_time=1)  # 1/Ts = 1: exact
    assert filled.sum() == 2 and filled.dtype == torch.int64


@pytest.mark.parametrize("sampling_time", [0, -1, NAN, INF])
def test_item9_and_15_a_sampling_time_that_is_not_finite_and_positive_is_named(sampling_time):
    """On main tensor_to_event(Ts=0) put every event at t=0 with payload 0; to_tensor raised OverflowError."""
    message = r"sampling_time must be a finite positive number \(ms per bin\)"
    with pytest.raises(ValueError, match=message):
        tensor_to_event(np.ones((1, 1, 3)), sampling_time=sampling_time)
    with pytest.raises(ValueError, match=message):
        Event([0], None, [0], [1.0]).to_tensor(sampling_time=sampling_time)


@pytest.mark.parametrize("t", [NAN, INF, -INF])
def test_item15_a_non_finite_event_time_is_named_with_its_event(t):
    """On main: "cannot convert float NaN to integer" / OverflowError."""
    event = Event([0, 1], None, [0, 0], [1.0, t])
    with pytest.raises(ValueError, match=r"event times must be finite; event 1 has t = -?(nan|inf) ms"):
        event.to_tensor()
    with pytest.raises(ValueError, match=r"event times must be finite; event 1"):
        event.fill_tensor(np.zeros((1, 1, 2, 4)))


def test_item15_a_time_axis_too_long_to_allocate_says_how_to_crop():
    """On main t=1e30 gave "Maximum allowed dimension exceeded"; with dim= the event is dropped (warned)."""
    event = Event([0, 1], None, [0, 0], [1.0, 1e30])
    with pytest.raises(ValueError, match=r"latest event \(t = 1e\+30 ms\) needs 1e\+30 time bins .* pass dim="):
        event.to_tensor()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dense = event.to_tensor(dim=(1, 2, 3))
    assert dense[0, 0, 1] == 1 and dense.sum() == 1 and len(caught) == 1


def test_fill_tensor_rounds_fractional_coordinates_to_the_nearest_integer_as_lava_dl():
    """Issue 15 item 5: the N-MNIST tutorial's augmentation shifts/rotates x and y by fractions; on main
    fill_tensor raised IndexError. lava-dl rounds them (numpy rounding: halves to even)."""
    event = Event([0, 1, 2], [0, 1, 1], [0, 0, 0], [0.0, 1.0, 2.0])
    event.x = event.x * 1.0 + np.array([0.6, 0.4, 0.5])  # -> 1, 1, 2 (2.5 rounds to even)
    event.y = event.y * 1.0 - np.array([0.2, 0.6, 1.5])  # -> 0, 0, 0 (-0.5 rounds to -0, kept)
    dense = event.fill_tensor(np.zeros((1, 2, 3, 3)))
    expected = np.zeros((1, 2, 3, 3))
    expected[0, 0, 1, 0] = expected[0, 0, 1, 1] = expected[0, 0, 2, 2] = 1
    assert np.array_equal(dense, expected)
    assert np.array_equal(event.to_tensor(dim=(1, 2, 3, 3)), expected)
