"""Property-based tests (issue 16) over the axon's constructor arguments and inputs: an error that names the
argument, or a result with the documented invariants (shape, a shift by ``trunc(d / Ts)`` steps, NaN confined
to its neuron, chunked delta encoding equal to one long run)."""

from __future__ import annotations

import itertools
import math

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slayer import axon

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 0.5, 2.0, float("nan")])
)


@FAST
@given(
    sampling_time=ANY_NUMBER,
    max_delay=st.one_of(st.none(), ANY_NUMBER),
    init_delay=st.one_of(st.none(), ANY_NUMBER),
    steps=st.integers(0, 8),
)
def test_delay_arguments_are_named_or_shift_by_whole_steps(sampling_time, max_delay, init_delay, steps):
    try:
        delay = axon.Delay(sampling_time=sampling_time, max_delay=max_delay, init_delay=init_delay)
    except (ValueError, TypeError) as error:
        assert any(name in str(error) for name in ("sampling_time", "max_delay", "init_delay")), repr(error)
        return
    x = torch.rand(2, 3, steps)
    y = delay(x)
    assert y.shape == x.shape and not y.isnan().any()
    for channel, value in enumerate(delay.delay.detach().clamp(0, max_delay).tolist()):
        shift = int(min(value / sampling_time, steps))
        expected = torch.cat([torch.zeros(2, min(shift, steps)), x[:, channel, : max(steps - shift, 0)]], -1)
        assert torch.equal(y[:, channel], expected)


@FAST
@given(
    values=st.lists(st.floats(-10, 10) | st.just(float("nan")) | st.just(float("inf")), min_size=3, max_size=3),
    steps=st.integers(0, 6),
)
def test_per_neuron_delays_shift_each_neuron_or_poison_it(values, steps):
    x = torch.rand(1, 3, steps)
    delays = torch.tensor(values)
    try:
        y = axon.delay(x, delays)
    except ValueError as error:
        assert "delay_val must be >= 0" in str(error) and min(v for v in values if not math.isnan(v)) < 0
        return
    for neuron, value in enumerate(values):
        if not math.isfinite(value):
            assert y[0, neuron].isnan().all()
        else:
            assert torch.equal(y[0, neuron, int(value) :], x[0, neuron, : max(steps - int(value), 0)])


@FAST
@given(
    threshold=ANY_NUMBER,
    scale=st.sampled_from([64.0, 0.0, -1.0, float("nan"), 4096.0]),
    cuts=st.lists(st.integers(0, 10), max_size=3),
    cum_error=st.booleans(),
    nan_at=st.one_of(st.none(), st.tuples(st.integers(0, 2), st.integers(0, 9))),
)
def test_delta_is_named_or_chunk_invariant_with_nan_confined(threshold, scale, cuts, cum_error, nan_at):
    try:
        make = lambda: axon.Delta(threshold, scale=scale, cum_error=cum_error, persistent_state=True)  # noqa: E731
        long, chunked = make(), make()
    except (ValueError, TypeError) as error:
        assert "threshold" in str(error) or "scale" in str(error), repr(error)
        return
    x = torch.rand(1, 3, 10, dtype=torch.float64)
    if nan_at is not None:
        x[0, nan_at[0], nan_at[1]] = float("nan")
    bounds = sorted({0, 10, *cuts})
    pieces = torch.cat([chunked(x[..., a:b]) for a, b in itertools.pairwise(bounds)], -1)
    whole = long(x)
    assert torch.equal(pieces.nan_to_num(7.0), whole.nan_to_num(7.0))
    for neuron in range(3):
        if nan_at is None or neuron != nan_at[0]:
            assert not whole[0, neuron].isnan().any()
        else:
            assert whole[0, neuron, nan_at[1] :].isnan().all()
