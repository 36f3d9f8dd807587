"""Event container and dense conversions (spec §13.1, §13.2), checked against hand-built tensors."""

import numpy as np
import pytest
import torch

from slayer.io import Event, EventsDroppedWarning, tensor_to_event


def _two_d() -> Event:
    # x, y, c, t(ms)
    return Event([0, 2, 1, 2], [1, 0, 1, 0], [0, 1, 1, 1], [0.0, 1.2, 2.6, 1.4])


def test_channels_rebased_without_touching_the_callers_array():
    c = np.array([5, 7])
    event = Event([0, 1], None, c, [0.0, 1.0])
    assert event.c.tolist() == [0, 2] and event.c_offset == 5
    assert c.tolist() == [5, 7]  # lava-dl modifies it in place
    assert event.dim == 1 and event.y is None and not event.graded and event.p is None


def test_members_and_dtypes():
    event = Event([1.0, 2.0], [3, 4], [0, 1], [0.5, 1], payload=[2, 3])
    assert event.x.dtype == np.int64 and event.y.dtype == np.int64 and event.c.dtype == np.int64
    assert event.t.dtype == np.float64 and event.p.tolist() == [2.0, 3.0]
    assert event.graded and event.dim == 2 and len(event) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (([0, 1], None, [0], [0.0, 1.0]), r"same length.*'c_event': 1"),
        (([0.5], None, [0], [0.0]), r"x_event must hold integers; event 0 has 0\.5"),
        (([[0]], None, [0], [0.0]), r"x_event must be a 1-D sequence.*\(1, 1\)"),
        (([0], None, [0], 1.0), r"t_event must be a 1-D sequence"),
    ],
)
def test_bad_constructor_input(args, message):
    with pytest.raises(ValueError, match=message):
        Event(*args)


def test_repr_names_counts_span_and_dims():
    text = repr(Event([0, 5], [1, 9], [1, 2], [0.5, 30.0]))
    assert text == (
        "Event(dim=2, 2 events, x in [0, 5], y in [1, 9], 2 channel(s) (c re-based by 1), t in [0.5, 30] ms, binary)"
    )
    assert repr(Event([], None, [], [])) == "Event(dim=1, 0 events)"


def test_to_tensor_2d_by_hand():
    dense = _two_d().to_tensor()
    expected = np.zeros((2, 2, 3, 4))  # C = 2, H = 2, W = 3, T = round(2.6) + 1
    expected[0, 1, 0, 0] = 1  # (x0, y1, c0, t0)
    expected[1, 0, 2, 1] = 1  # t = 1.2 and 1.4 both round into bin 1: OR keeps 1
    expected[1, 1, 1, 3] = 1  # t = 2.6 -> bin 3
    np.testing.assert_array_equal(dense, expected)


def test_sum_binning_and_sampling_time_scale():
    event = _two_d()
    dense = event.fill_tensor(np.zeros((2, 2, 3, 4)), binning_mode="SUM")
    assert dense[1, 0, 2, 1] == 2
    # spikes have value 1 / Ts: Ts = 0.5 -> 2.0 (bins: 0, 2.4->2, 5.2->5, 2.8->3)
    dense = event.to_tensor(sampling_time=0.5)
    assert dense.shape == (2, 2, 3, 6)
    assert dense[1, 0, 2, 2] == 2.0 and dense[1, 0, 2, 3] == 2.0 and dense.sum() == 8.0


def test_graded_payload_is_summed():
    event = Event([0, 0, 1], None, [0, 0, 0], [1.0, 1.2, 1.0], payload=[0.5, 0.25, -2.0])
    dense = event.to_tensor()
    np.testing.assert_allclose(dense, [[[0, 0.75], [0, -2.0]]])
    dense = event.fill_tensor(np.zeros((1, 2, 2)), sampling_time=2)  # payload / Ts; bins round(0.5)=0, round(0.6)=1
    np.testing.assert_allclose(dense, [[[0.25, 0.125], [-1.0, 0]]])


def test_to_tensor_keeps_the_latest_event_at_an_exact_half():
    # lava-dl's T = round(1.5 + 1) = 2 with the event in bin round(1.5) = 2: the event is lost there
    dense = Event([0], None, [0], [1.5]).to_tensor()
    assert dense.shape == (1, 1, 3) and dense[0, 0, 2] == 1


def test_to_tensor_explicit_dim_1d_forms():
    event = Event([1], None, [0], [2.0])
    np.testing.assert_array_equal(event.to_tensor(dim=(1, 3, 4)), event.to_tensor(dim=(1, 1, 3, 4)))
    assert event.to_tensor(dim=(1, 3, 4))[0, 1, 2] == 1
    with pytest.raises(ValueError, match=r"\(C, X, T\) or \(C, 1, X, T\).*\(1, 2, 3, 4\)"):
        event.to_tensor(dim=(1, 2, 3, 4))
    with pytest.raises(ValueError, match="cannot infer"):
        Event([], None, [], []).to_tensor()


def test_out_of_range_events_are_counted_in_a_warning():
    event = _two_d()
    with pytest.warns(EventsDroppedWarning, match=r"2 of 4 events fall outside.*\(2, 2, 2, 4\)"):
        dense = event.fill_tensor(np.zeros((2, 2, 2, 4)))  # x = 2 is outside W = 2 (two events)
    assert dense.sum() == 2
    with pytest.warns(EventsDroppedWarning, match=r"1 of 4 events"):
        event.fill_tensor(np.zeros((2, 2, 3, 3)))  # t = 2.6 -> bin 3 >= T


def test_torch_and_numpy_targets_agree():
    event = _two_d()
    for mode in ("OR", "SUM"):
        expected = event.fill_tensor(np.zeros((2, 2, 3, 6)), sampling_time=0.5, binning_mode=mode)[..., :4]
        target = torch.zeros(2, 2, 3, 4, dtype=torch.float64)
        with pytest.warns(EventsDroppedWarning):  # bin 5 is outside T = 4
            out = event.fill_tensor(target, sampling_time=0.5, binning_mode=mode)
        assert out is target
        np.testing.assert_array_equal(target.numpy(), expected)


def test_1d_events_fill_a_3d_target():
    event = Event([2, 0], None, [0, 0], [0.0, 1.0])
    out = event.fill_tensor(torch.zeros(1, 3, 2))
    assert out[0, 2, 0] == 1 and out[0, 0, 1] == 1 and out.sum() == 2


def test_random_shift_window():
    event = Event([0, 0, 0], None, [0, 0, 0], [0.0, 5.0, 9.0])
    seen = set()
    for seed in range(30):
        # bins 0, 5, 9 and T = 4: the start s is drawn from [0, 9 - 4 + 1] = [0, 6]
        s = int(np.random.default_rng(seed).integers(7))
        seen.add(s)
        expected = np.zeros(4)
        for b in (0, 5, 9):
            if s <= b < s + 4:
                expected[b - s] = 1
        with pytest.warns(EventsDroppedWarning, match=rf"t_start={s}\)"):
            out = event.fill_tensor(np.zeros((1, 1, 1, 4)), random_shift=True, rng=np.random.default_rng(seed))
        np.testing.assert_array_equal(out[0, 0, 0], expected)
    assert len(seen) > 3


@pytest.mark.parametrize(
    "target, kwargs, error, message",
    [
        (np.zeros((2, 3, 4)), {}, ValueError, r"4-D \(C, H, W, T\) for 2-D events; got shape \(2, 3, 4\)"),
        (np.zeros((2, 2, 3, 4)), {"binning_mode": "MAX"}, ValueError, r"'OR' or 'SUM'; got 'MAX'"),
        (np.zeros((2, 2, 3, 4)), {"sampling_time": 0}, ValueError, r"sampling_time must be a finite positive number"),
        ([[0.0]], {}, TypeError, r"numpy array or torch tensor; got list"),
    ],
)
def test_fill_tensor_errors(target, kwargs, error, message):
    with pytest.raises(error, match=message):
        _two_d().fill_tensor(target, **kwargs)


def test_tensor_to_event_binary_numpy_and_torch():
    dense = np.zeros((2, 3, 5))
    dense[1, 2, 4] = 1
    dense[0, 1, 2] = 1
    for tensor in (dense, torch.from_numpy(dense).float()):
        event = tensor_to_event(tensor)
        assert not event.graded and event.dim == 1
        np.testing.assert_array_equal(event.x, [1, 2])  # sorted by time
        np.testing.assert_array_equal(event.c, [0, 1])
        np.testing.assert_array_equal(event.t, [2.0, 4.0])
    # value 1 at Ts = 2 is a payload of 2: graded, not binary
    event = tensor_to_event(dense, sampling_time=2)
    assert event.graded and event.p.tolist() == [2.0, 2.0] and event.t.tolist() == [4.0, 8.0]


def test_tensor_to_event_graded_and_scaled():
    dense = np.zeros((1, 2, 2, 3))
    dense[0, 1, 0, 2] = 0.5
    dense[0, 0, 1, 1] = 1.0
    event = tensor_to_event(torch.from_numpy(dense), sampling_time=2)
    assert event.dim == 2 and event.graded
    np.testing.assert_array_equal(event.t, [2.0, 4.0])
    np.testing.assert_array_equal(event.x, [1, 0])
    np.testing.assert_array_equal(event.y, [0, 1])
    np.testing.assert_allclose(event.p, [2.0, 1.0])  # value * Ts


def test_tensor_round_trip_through_events():
    rng = np.random.default_rng(1)
    spikes = (rng.random((2, 3, 4, 6)) < 0.3) / 0.5  # OR-binned spikes at Ts = 0.5 have value 2
    event = tensor_to_event(spikes, sampling_time=0.5)
    assert not event.graded
    back = event.fill_tensor(np.zeros_like(spikes), sampling_time=0.5)
    assert event.c_offset == 0  # channel 0 has spikes, so channels keep their index
    np.testing.assert_array_equal(back, spikes)
    graded = rng.normal(size=(1, 4, 5)) * (rng.random((1, 4, 5)) < 0.5)
    event = tensor_to_event(graded, sampling_time=0.25)
    np.testing.assert_allclose(event.fill_tensor(np.zeros_like(graded), sampling_time=0.25), graded)


def test_tensor_to_event_rank_error():
    with pytest.raises(ValueError, match=r"3-D \(C, X, T\).*4-D \(C, H, W, T\).*got 2-D shape \(2, 3\)"):
        tensor_to_event(np.zeros((2, 3)))
