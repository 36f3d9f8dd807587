"""Structured events → dense tensors (one sample, a batch, padding), checked against a per-event loop."""

import numpy as np
import pytest
import torch
from reference import reference_dense

from slayer.io import Event
from slayer.io.dense import EventCollate, ToSlayerTensor, events_to_dense, pad_time_collate
from slayer.io.structured import from_structured, to_structured
from slayer.io.testing import random_events


@pytest.mark.parametrize("mode", ["count", "binary"])
@pytest.mark.parametrize("duration", [300_000, 299_500, None])
def test_one_sample_matches_the_loop(mode, duration):
    events = random_events(np.random.default_rng(1), 3000, (34, 34, 2), 300_000)
    dense = events_to_dense(events, (34, 34, 2), 1000, duration, mode)
    n_steps = dense.shape[-1]
    # 299_500 keeps the partial last bin (300 bins) but drops the events at t >= 299_500
    assert n_steps == (300 if duration else int(events["t"].max()) // 1000 + 1)
    kept = events[events["t"] < duration] if duration else events
    np.testing.assert_array_equal(dense.numpy(), reference_dense(kept, (34, 34, 2), 1000, n_steps, mode))
    assert dense.dtype == torch.float32 and dense.shape == (2, 34, 34, n_steps)


def test_1d_any_field_order_single_polarity():
    # SHD: fields t, x, p with p == 1 and sensor_size (700, 1, 1): p is ignored, layout (C, X, T)
    events = np.zeros(4, dtype=[("t", "<i8"), ("x", "<i8"), ("p", "<i8")])
    events["t"], events["x"], events["p"] = [0, 999, 1000, 2500], [699, 3, 3, 0], 1
    dense = ToSlayerTensor((700, 1, 1), time_step=1000, duration=3000)(events)
    assert dense.shape == (1, 700, 3)
    expected = np.zeros((1, 700, 3))
    expected[0, 699, 0] = expected[0, 3, 0] = expected[0, 3, 1] = expected[0, 0, 2] = 1
    np.testing.assert_array_equal(dense.numpy(), expected)


def test_bool_polarity_and_float_times():
    events = np.zeros(3, dtype=[("p", "?"), ("t", "<f8"), ("y", "<i2"), ("x", "<i2")])
    events["p"], events["t"], events["x"], events["y"] = [True, False, True], [0.5, 1.999, 2.0], [1, 0, 1], [0, 1, 0]
    dense = events_to_dense(events, (2, 2, 2), time_step=1.0, mode="binary", dtype=torch.uint8)
    expected = np.zeros((2, 2, 2, 3), np.uint8)
    expected[1, 0, 1, 0] = expected[0, 1, 0, 1] = expected[1, 0, 1, 2] = 1
    np.testing.assert_array_equal(dense.numpy(), expected)


def test_agrees_with_tonic_toframe_from_zero():
    tonic = pytest.importorskip("tonic")
    events = random_events(np.random.default_rng(2), 2000, (34, 34, 2), 300_000)
    frames = tonic.transforms.ToFrame(sensor_size=(34, 34, 2), time_window=1000, start_time=0, end_time=300_000)(events)
    dense = events_to_dense(events, (34, 34, 2), 1000, 300_000)
    np.testing.assert_array_equal(dense.numpy(), np.moveaxis(frames, 0, -1))


@pytest.mark.parametrize("mode", ["count", "binary"])
def test_collate_equals_per_sample_and_pads(mode):
    rng = np.random.default_rng(3)
    batch = [(random_events(rng, n, (34, 34, 2), span), label) for n, span, label in [(50, 9000, 4), (80, 30_000, 7)]]
    batch.append((random_events(rng, 0, (34, 34, 2), 1), 1))  # an empty sample is all zeros
    dense, targets = EventCollate((34, 34, 2), 1000, mode=mode)(batch)
    n_steps = max(int(events["t"].max()) // 1000 + 1 for events, _ in batch[:2])
    assert dense.shape == (3, 2, 34, 34, n_steps)
    for n, (events, _) in enumerate(batch):
        np.testing.assert_array_equal(dense[n].numpy(), reference_dense(events, (34, 34, 2), 1000, n_steps, mode))
    assert targets.tolist() == [4, 7, 1]
    # per-sample tensors of different lengths, padded by pad_time_collate, give the same batch
    one_by_one = [(events_to_dense(e, (34, 34, 2), 1000, mode=mode), y) for e, y in batch]
    padded, same_targets = pad_time_collate(one_by_one)
    torch.testing.assert_close(padded, dense)
    assert same_targets.tolist() == [4, 7, 1]


def test_collate_fixed_window_and_bare_samples():
    rng = np.random.default_rng(4)
    samples = [random_events(rng, 100, (5, 4, 2), 10_000) for _ in range(3)]
    dense = EventCollate((5, 4, 2), 1000, duration=7_500, dtype=torch.uint8)(samples)
    assert dense.shape == (3, 2, 4, 5, 8) and dense.dtype == torch.uint8
    for n, events in enumerate(samples):
        expected = reference_dense(events[events["t"] < 7_500], (5, 4, 2), 1000, 8)
        np.testing.assert_array_equal(dense[n].numpy(), expected)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("x", 34, r"event 2 has x = 34, outside \[0, 33\] of sensor_size \(34, 34, 2\)"),
        ("y", -1, r"event 2 has y = -1"),
        ("p", 2, r"event 2 has p = 2, outside \[0, 1\]"),
        ("t", -5, r"event 2 has t = -5 < 0"),
    ],
)
def test_events_outside_the_sensor_are_errors(field, value, message):
    events = random_events(np.random.default_rng(5), 5, (34, 34, 2), 1000)
    events[field][2] = value
    with pytest.raises(ValueError, match=message):
        events_to_dense(events, (34, 34, 2), 100)
    with pytest.raises(ValueError, match="sample 1 of the batch: " + message):
        EventCollate((34, 34, 2), 100)([events[:0], events])


def test_counts_that_overflow_the_dtype_are_errors():
    events = np.zeros(300, dtype=[("x", "<i8"), ("t", "<i8")])
    with pytest.raises(ValueError, match=r"a bin holds 300 events, more than torch.uint8 can count \(255\)"):
        events_to_dense(events, (1, 1, 1), 10, dtype=torch.uint8)
    assert events_to_dense(events, (1, 1, 1), 10, dtype=torch.int16).item() == 300
    assert events_to_dense(events, (1, 1, 1), 10, mode="binary", dtype=torch.uint8).item() == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sensor_size": (34, 34)}, r"sensor_size must be tonic's \(width, height, polarities\)"),
        ({"time_step": 0}, r"time_step must be a positive number"),
        ({"duration": -1.0}, r"duration must be positive"),
        ({"mode": "max"}, r"mode must be 'count'.*got 'max'"),
    ],
)
def test_bad_settings(kwargs, message):
    settings = {"sensor_size": (34, 34, 2), "time_step": 1000, **kwargs}
    with pytest.raises(ValueError, match=message):
        ToSlayerTensor(**settings)


def test_not_a_structured_array():
    with pytest.raises(TypeError, match=r"structured array with fields 'x', 't'.*got ndarray"):
        events_to_dense(np.zeros((3, 4)), (2, 2, 2), 1)
    with pytest.raises(TypeError, match=r"sample 1 of the batch must be a numpy structured array"):
        EventCollate((2, 2, 2), 1)([np.zeros(1, dtype=[("x", "<i8"), ("t", "<i8")]), [1, 2]])
    one_d, two_d = (
        np.zeros(1, dtype=[("x", "<i8"), ("t", "<i8")]),
        random_events(np.random.default_rng(0), 2, (2, 2, 2), 9),
    )
    with pytest.raises(ValueError, match=r"mixes 1-D samples \(no 'y' field\) and 2-D samples"):
        EventCollate((2, 2, 2), 1)([one_d, two_d])


def test_transform_repr_lists_its_settings():
    text = repr(ToSlayerTensor((34, 34, 2), 1000, 300_000))
    assert text == (
        "ToSlayerTensor(sensor_size=(34, 34, 2), time_step=1000, duration=300000, mode='count', dtype=torch.float32)"
    )


def test_structured_event_round_trip():
    event = Event([3, 300], [5, 7], [1, 1], [1.5, 2000.25])
    array = to_structured(event, time_unit=1e-6)
    assert array["t"].tolist() == [1500, 2000250] and array["p"].tolist() == [1, 1]
    back = from_structured(array)
    assert back.x.tolist() == [3, 300] and back.t.tolist() == [1.5, 2000.25] and back.c_offset == 1
    one_d = from_structured(np.zeros(2, dtype=[("t", "<i8"), ("x", "<i8")]))
    assert one_d.dim == 1 and one_d.c.tolist() == [0, 0]
    with pytest.raises(ValueError, match="graded"):
        to_structured(Event([0], None, [0], [0.0], payload=[2.0]))
    with pytest.raises(ValueError, match=r"field 'x' spans \[0, 40000\], beyond int16"):
        to_structured(Event([0, 40000], [0, 0], [0, 0], [0.0, 1.0]))
    assert to_structured(Event([65535], None, [0], [0.0]))["x"].tolist() == [65535]  # a .bs1 id
