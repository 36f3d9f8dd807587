"""Behaviour shared by the five dynamics: chunking, T=0/1, dtypes, layouts, granularity, NaN, errors."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

from slayer.core.dynamics import (
    adaptive_phase_threshold,
    adaptive_resonator,
    adaptive_threshold,
    leaky_integrator,
    resonator,
    validation,
    validation_enabled,
)


@dataclass
class Op:
    series: int  # time-series inputs
    states: int  # carried states
    decays: dict  # name -> shared value (units of 1/4096)
    call: Callable  # (xs, decays, states) -> (outputs, next_states)
    inclusive: tuple  # per output: is it poisoned from the bin of a NaN input (True) or the bin after?
    initial: tuple  # the value of each state when None is passed


def _li(xs, d, s):
    out, nxt = leaky_integrator(xs[0], d["decay"], *s, threshold=0.3)
    return [out], [nxt]


def _rf(xs, d, s):
    re, im, nre, nim = resonator(xs[0], xs[1], d["sin_decay"], d["cos_decay"], *s, threshold=0.4)
    return [re, im], [nre, nim]


def _at(xs, d, s):
    th, r, nr, nt = adaptive_threshold(xs[0], d["ref_decay"], d["th_decay"], 0.25, 0.5, *s)
    return [th, r], [nr, nt]


def _apt(xs, d, s):
    imag_state, *rest = s
    th, r, nr, nt = adaptive_phase_threshold(xs[0], xs[1], d["ref_decay"], d["th_decay"], 0.25, 0.5, imag_state, *rest)
    if xs[1].shape[-1]:
        carried = xs[1][..., -1]  # the caller carries the last imaginary value itself
    else:
        carried = torch.zeros(xs[1].shape[:-1], dtype=xs[1].dtype) if imag_state is None else imag_state
    return [th, r], [carried, nr, nt]


def _ar(xs, d, s):
    out = adaptive_resonator(xs[0], xs[1], d["sin_decay"], d["cos_decay"], d["ref_decay"], d["th_decay"], 0.25, 0.5, *s)
    return list(out[:4]), list(out[4:])


OPS = {
    "leaky_integrator": Op(1, 1, {"decay": 700.0}, _li, (True,), (0.0,)),
    "resonator": Op(2, 2, {"sin_decay": 1500.0, "cos_decay": 3300.0}, _rf, (True, True), (0.0, 0.0)),
    "adaptive_threshold": Op(1, 2, {"ref_decay": 600.0, "th_decay": 300.0}, _at, (False, False), (0.0, 0.5)),
    "adaptive_phase_threshold": Op(
        2, 3, {"ref_decay": 600.0, "th_decay": 300.0}, _apt, (False, False), (0.0, 0.0, 0.5)
    ),
    "adaptive_resonator": Op(
        2,
        4,
        {"sin_decay": 1500.0, "cos_decay": 3300.0, "ref_decay": 600.0, "th_decay": 300.0},
        _ar,
        (True, True, False, False),
        (0.0, 0.0, 0.0, 0.5),
    ),
}
ALL = pytest.mark.parametrize("name", OPS)


def series(op, shape, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return [((torch.rand(shape, generator=g) * 2 - 0.5) * 4096).round().div(4096).to(dtype) for _ in range(op.series)]


def decays(op, dtype=torch.float32):
    return {k: torch.tensor(v, dtype=dtype) for k, v in op.decays.items()}


def run(op, xs, states=None, d=None):
    # float32 decays: bfloat16 cannot hold e.g. 3300 (units of 1/4096) exactly
    return op.call(xs, d or decays(op), states or [None] * op.states)


def assert_same(a, b):
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        torch.testing.assert_close(x, y, rtol=0, atol=0, equal_nan=True)


@ALL
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_chunked_run_equals_one_long_run_bit_for_bit(name, dtype):
    """In half precision too (issue 16 item 4): the next states stay float32, so nothing is lost between chunks."""
    op = OPS[name]
    xs = [x.to(dtype) for x in series(op, (2, 3, 12), seed=1)]
    whole_out, whole_next = run(op, xs)
    states, parts = None, []
    start = 0
    for length in (5, 1, 0, 6):  # includes an empty chunk
        chunk = [x[..., start : start + length] for x in xs]
        out, states = run(op, chunk, states)
        parts.append(out)
        start += length
    joined = [torch.cat([p[i] for p in parts], -1) for i in range(len(whole_out))]
    assert_same(joined, whole_out)
    assert_same(states, whole_next)


@ALL
def test_empty_time_axis_returns_empty_outputs_and_initial_state(name):
    op = OPS[name]
    outs, nexts = run(op, series(op, (2, 3, 0)))
    assert all(o.shape == (2, 3, 0) for o in outs)
    for state, initial in zip(nexts, op.initial):
        assert torch.equal(state, torch.full((2, 3), initial))
    given = [torch.full((2, 3), 3.0 / 4096)] * op.states
    _, nexts = run(op, series(op, (2, 3, 0)), given)
    assert all(torch.equal(n, g) for n, g in zip(nexts, given))


@ALL
def test_single_time_step_equals_first_bin(name):
    op = OPS[name]
    xs = series(op, (2, 3, 7), seed=2)
    whole, _ = run(op, xs)
    first, _ = run(op, [x[..., :1] for x in xs])
    assert_same(first, [w[..., :1] for w in whole])


@ALL
def test_float64_gives_the_same_states_as_float32(name):
    op = OPS[name]
    xs = series(op, (2, 3, 9), seed=3)
    out32, next32 = run(op, xs)
    out64, next64 = run(op, [x.double() for x in xs])
    assert all(o.dtype == torch.float64 for o in out64 + next64)
    assert_same([o.float() for o in out64 + next64], out32 + next32)


@ALL
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_is_computed_in_float32_and_returned_in_input_dtype(name, dtype):
    """Outputs in the input dtype; next states in float32, exactly the float32 run's (no rounding between chunks)."""
    op = OPS[name]
    xs = [x.to(dtype) for x in series(op, (2, 3, 6), seed=4)]
    outs, nexts = run(op, xs)
    carried = 1 if name == "adaptive_phase_threshold" else 0  # its first "state" is the caller's last input
    assert all(o.dtype == dtype for o in outs + nexts[:carried])
    assert all(n.dtype == torch.float32 for n in nexts[carried:])
    ref_outs, ref_nexts = run(op, [x.float() for x in xs])
    expected = [r.to(dtype) for r in ref_outs + ref_nexts[:carried]] + ref_nexts[carried:]
    assert_same(outs + nexts, expected)


@ALL
def test_neuron_contiguous_layout_in_and_out(name):
    """``N T C`` storage viewed as ``N C T``: same values, and outputs keep the neuron-contiguous layout."""
    op = OPS[name]
    xs = series(op, (2, 3, 8), seed=5)
    strided = [x.transpose(1, 2).contiguous().transpose(1, 2) for x in xs]
    assert not strided[0].is_contiguous()
    outs, nexts = run(op, strided)
    ref_outs, ref_nexts = run(op, xs)
    assert_same(outs + nexts, ref_outs + ref_nexts)
    assert all(o.stride() == strided[0].stride() for o in outs)


@ALL
@pytest.mark.parametrize("copied", [False, True])
def test_plain_nct_input_same_values_and_the_layout_rule(name, copied, monkeypatch):
    """Plain contiguous ``N C T`` (spatial dims too): scanned in place on CPU, outputs laid out like the input;
    with ``copied`` (as on a GPU) copied once into neuron-contiguous storage, outputs neuron-contiguous. Values
    and input gradients equal those of a neuron-contiguous input either way."""
    from slayer.core.dynamics._ops import _layout

    if copied:
        monkeypatch.setattr(_layout, "_SCANS_IN_PLACE", frozenset())
    op = OPS[name]
    xs = [x.requires_grad_() for x in series(op, (2, 3, 4, 7), seed=6)]
    assert xs[0].is_contiguous()
    stored = [x.detach().permute(0, 3, 1, 2).contiguous().permute(0, 2, 3, 1).requires_grad_() for x in xs]
    outs, nexts = run(op, xs)
    ref_outs, ref_nexts = run(op, stored)
    assert_same(outs + nexts, ref_outs + ref_nexts)
    layout = stored[0].stride() if copied else xs[0].stride()
    assert all(o.shape == x.shape and o.stride() == layout for o, x in zip(outs, xs))
    weights = [torch.randn(o.shape, generator=torch.Generator().manual_seed(i)) for i, o in enumerate(outs)]
    grads = torch.autograd.grad(sum((o * w).sum() for o, w in zip(outs, weights)), xs, allow_unused=True)
    ref_grads = torch.autograd.grad(sum((o * w).sum() for o, w in zip(ref_outs, weights)), stored, allow_unused=True)
    for got, expected in zip(grads, ref_grads):
        assert (got is None) == (expected is None)
        if got is not None:
            torch.testing.assert_close(got, expected, rtol=0, atol=0)


@ALL
def test_sliced_non_dense_input(name):
    op = OPS[name]
    xs = series(op, (2, 6, 16), seed=6)
    sliced = [x[:, ::2, ::2] for x in xs]
    outs, _ = run(op, sliced)
    ref, _ = run(op, [s.contiguous() for s in sliced])
    assert_same(outs, ref)


@ALL
@pytest.mark.parametrize("granularity", ["per_channel", "per_neuron"])
def test_per_channel_and_per_neuron_parameters_on_nchw(name, granularity):
    """Each neuron must behave like a shared-parameter run with its own values (lava-dl's CPU path
    broadcasts per-channel vectors against W and crashes on N C H W T; we do not)."""
    op = OPS[name]
    shape = (2, 3, 2, 2)
    xs = series(op, (*shape, 5), seed=7)
    spatial = shape[1:] if granularity == "per_neuron" else shape[1:2]
    offsets = torch.arange(torch.Size(spatial).numel(), dtype=torch.float32).reshape(spatial) * 37
    d = {k: torch.tensor(v) + offsets for k, v in op.decays.items()}
    outs, nexts = run(op, xs, d=d)
    for c in range(3):
        for h in range(2):
            for w in range(2):
                index = (c, h, w) if granularity == "per_neuron" else (c,)
                single = {k: v[index] for k, v in d.items()}
                part = [x[:, c : c + 1, h : h + 1, w : w + 1] for x in xs]
                ref_outs, ref_nexts = run(op, part, d=single)
                assert_same([o[:, c : c + 1, h : h + 1, w : w + 1] for o in outs], ref_outs)
                assert_same([n[:, c : c + 1, h : h + 1, w : w + 1] for n in nexts], ref_nexts)


@ALL
def test_parameter_of_wrong_shape_names_expected_and_received(name):
    op = OPS[name]
    xs = series(op, (2, 3, 4, 4, 5))
    for key in op.decays:
        d = decays(op)
        d[key] = torch.zeros(4)
        with pytest.raises(
            ValueError, match=rf"{key} has shape \(4,\); expected .*\(3,\) \(per channel\).*\(3, 4, 4\)"
        ):
            run(op, xs, d=d)


@ALL
def test_state_with_other_batch_size_is_an_error(name):
    op = OPS[name]
    xs = series(op, (2, 3, 5))
    for i in range(op.states):
        states = [None] * op.states
        states[i] = torch.zeros(4, 3)
        with pytest.raises(ValueError, match="batch size 4 but the input has batch size 2"):
            run(op, xs, states)


@ALL
def test_state_broadcasting_from_one_element(name):
    op = OPS[name]
    xs = series(op, (2, 3, 5), seed=8)
    one = [torch.tensor([0.25])] * op.states
    full = [torch.full((2, 3), 0.25)] * op.states
    assert_same(run(op, xs, one)[0], run(op, xs, full)[0])


@ALL
@pytest.mark.parametrize("dtype", [torch.int64, torch.complex64, torch.bool])
def test_non_floating_input_is_rejected_naming_the_dtype(name, dtype):
    op = OPS[name]
    xs = [torch.zeros(2, 3, 5, dtype=dtype) for _ in range(op.series)]
    with pytest.raises(TypeError, match=str(dtype)):
        run(op, xs, d=decays(op))


@ALL
def test_input_without_spatial_dim_is_rejected(name):
    op = OPS[name]
    with pytest.raises(ValueError, match=r"\(N, \*S, T\)"):
        run(op, [torch.zeros(2, 5)] * op.series, d=decays(op))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), torch.tensor(float("nan")), torch.tensor(-float("inf"))])
def test_non_finite_scalar_parameter_is_a_clear_error(value):
    """A threshold/th_step/th0 given as a number or a one-element tensor must be finite."""
    x = torch.zeros(2, 3, 5)
    with pytest.raises(ValueError, match="threshold must be finite"):
        leaky_integrator(x, torch.tensor(100.0), threshold=value)
    with pytest.raises(ValueError, match="th0 must be finite"):
        adaptive_threshold(x, torch.tensor(100.0), torch.tensor(100.0), 0.1, value)


@pytest.mark.parametrize("name", ["resonator", "adaptive_phase_threshold", "adaptive_resonator"])
def test_real_and_imag_shapes_must_match(name):
    op = OPS[name]
    with pytest.raises(ValueError, match="real and imag must have the same shape"):
        run(op, [torch.zeros(2, 3, 5), torch.zeros(2, 3, 6)])


@ALL
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_input_poisons_its_neuron_from_that_bin(name, bad):
    """Documented rule: a non-finite input at bin t makes that neuron's outputs NaN from bin t
    (states driven by the input) or t+1 (θ/r, which at bin t do not depend on it) and its next
    states NaN; every other neuron is unaffected."""
    op = OPS[name]
    xs = series(op, (2, 3, 8), seed=9)
    poisoned = [x.clone() for x in xs]
    poisoned[0][1, 2, 3] = bad
    clean = [x.clone() for x in xs]
    clean[0][1, 2, 3] = 0.0
    outs, nexts = run(op, poisoned)
    ref_outs, ref_nexts = run(op, clean)
    for out, ref, inclusive in zip(outs, ref_outs, op.inclusive):
        first_nan = 3 if inclusive else 4
        assert torch.isnan(out[1, 2, first_nan:]).all()
        assert torch.equal(out[1, 2, :first_nan], ref[1, 2, :first_nan])
        mask = torch.ones_like(out, dtype=torch.bool)
        mask[1, 2] = False
        assert torch.equal(out[mask], ref[mask])
    for i, (nxt, ref) in enumerate(zip(nexts, ref_nexts)):
        if not (name == "adaptive_phase_threshold" and i == 0):  # its carried imag is just the input
            assert torch.isnan(nxt[1, 2])
        assert torch.equal(nxt[0], ref[0])


@ALL
def test_validation_mode_raises_on_non_finite_values(name):
    op = OPS[name]
    xs = series(op, (2, 3, 4))
    xs[0][0, 0, 0] = float("nan")
    assert not validation_enabled()
    with validation(True):
        assert validation_enabled()
        with pytest.raises(ValueError, match="non-finite or out-of-range"):
            run(op, xs)
    assert not validation_enabled()
    run(op, xs)  # off again: no error


def test_validation_mode_checks_states_and_decays():
    x = torch.zeros(1, 2, 3)
    with validation(True):
        with pytest.raises(ValueError, match="state has 1 non-finite"):
            leaky_integrator(x, torch.tensor(1.0), torch.tensor([[0.0, float("inf")]]))
        with pytest.raises(ValueError, match="decay has 2 non-finite"):
            leaky_integrator(x, torch.tensor([float("nan"), float("nan")]))
