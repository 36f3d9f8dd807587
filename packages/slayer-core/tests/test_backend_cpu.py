"""The C++ ``cpu`` backend: bit-identical states and close gradients against the reference backend, for every
kernel, both storage orders, per-channel/per-neuron parameters, chunked persistence, invalid values; the
build's fallback to the reference backend with one warning."""

import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import pytest
import torch

from slayer.core.backends import clear_cache, select_backend
from slayer.core.backends import reference as ref
from slayer.core.backends.cpu import KERNEL_OPS, CpuBackend, CpuBuildWarning, _arguments, _build
from slayer.core.dynamics import adaptive_threshold, leaky_integrator, resonator

N, M, T = 2, 70, 23  # M > the 64-neuron block: a full and a partial block per sample
S_SCALE = 4096


@pytest.fixture(scope="module")
def cpu():
    """The cpu kernels, built (or loaded from the user cache) once for this module."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)  # a broken build must fail these tests, not fall back
        kernels = CpuBackend().kernels()
    assert set(kernels) == set(ref.KERNELS)
    return kernels


def series(gen, dtype, layout, n=N, m=M, t=T, scale=2.0):
    """An ``(n, m, t)`` series stored time-contiguous (``nct``) or neuron-contiguous (``ntc``)."""
    if layout == "ntc":
        return (torch.randn(n, t, m, generator=gen, dtype=dtype) * scale).transpose(1, 2)
    return torch.randn(n, m, t, generator=gen, dtype=dtype) * scale


def plane(gen, dtype, scale=1.0):
    return torch.randn(N, M, generator=gen, dtype=dtype) * scale


def decays(gen, dtype, high=4097):
    return torch.randint(0, high, (M,), generator=gen).to(dtype)


def assert_identical(expected, actual):
    """Same shapes, dtypes, strides (where laid out like an input) and bit-identical values, NaN where NaN."""
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual):
        assert e.shape == a.shape and e.dtype == a.dtype
        if e.dim() == 3 and e.numel():
            assert e.stride() == a.stride()
        assert torch.equal(e.isnan(), a.isnan())
        assert torch.equal(e.nan_to_num(0.0), a.nan_to_num(0.0))


def assert_close(expected, actual):
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual):
        assert e.shape == a.shape and e.dtype == a.dtype
        torch.testing.assert_close(a, e, equal_nan=True)


CASES = [(layout, dtype) for layout in ("ntc", "nct") for dtype in (torch.float32, torch.float64)]


def poison(x, y=None):
    """Invalid values in a few neurons: NaN, inf and beyond int64 range after scaling."""
    x[0, 5, 7] = float("nan")
    x[1, 66, 0] = float("inf")
    if y is not None:
        y[1, 3, 20] = 2.0**61


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("reset", [False, True])
def test_leaky_integrator(cpu, layout, dtype, reset):
    gen = torch.Generator().manual_seed(1)
    x, d, s = series(gen, dtype, layout), decays(gen, dtype), plane(gen, dtype)
    poison(x)
    args = (x, d, s, reset, 4097, S_SCALE)
    forward = ref.leaky_integrator_forward(*args)
    assert_identical(forward, cpu["leaky_integrator_forward"](*args))
    if reset:
        assert forward[2].any()  # the reset path is exercised
    grads = (series(gen, dtype, layout), plane(gen, dtype), forward[0], forward[2], d, s, reset, 4097, S_SCALE)
    assert_close(ref.leaky_integrator_backward(*grads), cpu["leaky_integrator_backward"](*grads))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("reset", [False, True])
def test_resonator(cpu, layout, dtype, reset):
    gen = torch.Generator().manual_seed(2)
    x, y = series(gen, dtype, layout), series(gen, dtype, layout)
    poison(x, y)
    sin, cos = decays(gen, dtype, 3000), decays(gen, dtype, 3000)
    s_re, s_im = plane(gen, dtype), plane(gen, dtype)
    args = (x, y, sin, cos, s_re, s_im, reset, 2000, S_SCALE)
    forward = ref.resonator_forward(*args)
    assert_identical(forward, cpu["resonator_forward"](*args))
    g = (series(gen, dtype, layout), series(gen, dtype, layout), plane(gen, dtype), plane(gen, dtype))
    grads = (*g, forward[0], forward[1], forward[4], sin, cos, s_re, s_im, reset, 2000, S_SCALE)
    assert_close(ref.resonator_backward(*grads), cpu["resonator_backward"](*grads))


def threshold_args(gen, dtype):
    ref_decay, th_decay = decays(gen, dtype), decays(gen, dtype)
    ref_state, th_state = plane(gen, dtype).abs(), plane(gen, dtype).abs() + 1
    return ref_decay, th_decay, ref_state, th_state


@pytest.mark.parametrize(("layout", "dtype"), CASES)
def test_adaptive_threshold(cpu, layout, dtype):
    gen = torch.Generator().manual_seed(3)
    v = series(gen, dtype, layout)
    poison(v)
    ref_decay, th_decay, ref_state, th_state = threshold_args(gen, dtype)
    args = (v, ref_decay, th_decay, ref_state, th_state, 300, S_SCALE, S_SCALE)
    forward = ref.adaptive_threshold_forward(*args)
    assert forward[4].any()
    assert_identical(forward, cpu["adaptive_threshold_forward"](*args))
    g = (series(gen, dtype, layout), series(gen, dtype, layout), plane(gen, dtype), plane(gen, dtype))
    grads = (*g, forward[0], forward[1], forward[4], *args[1:])
    assert_close(ref.adaptive_threshold_backward(*grads), cpu["adaptive_threshold_backward"](*grads))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
def test_adaptive_phase_threshold(cpu, layout, dtype):
    gen = torch.Generator().manual_seed(4)
    re, im = series(gen, dtype, layout), series(gen, dtype, layout)
    poison(re, im)
    ref_decay, th_decay, ref_state, th_state = threshold_args(gen, dtype)
    args = (re, im, ref_decay, th_decay, plane(gen, dtype), ref_state, th_state, 300, S_SCALE, S_SCALE)
    forward = ref.adaptive_phase_threshold_forward(*args)
    assert forward[4].any()
    assert_identical(forward, cpu["adaptive_phase_threshold_forward"](*args))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
def test_adaptive_resonator(cpu, layout, dtype):
    gen = torch.Generator().manual_seed(5)
    re, im = series(gen, dtype, layout), series(gen, dtype, layout)
    poison(re, im)
    sin, cos = decays(gen, dtype, 3000), decays(gen, dtype, 3000)
    ref_decay, th_decay, ref_state, th_state = threshold_args(gen, dtype)
    args = (re, im, sin, cos, ref_decay, th_decay, plane(gen, dtype), plane(gen, dtype), ref_state, th_state)
    args = (*args, 300, S_SCALE, S_SCALE)
    forward = ref.adaptive_resonator_forward(*args)
    assert forward[8].any()
    assert_identical(forward, cpu["adaptive_resonator_forward"](*args))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("graded", [False, True])
def test_cuba(cpu, layout, dtype, graded):
    gen = torch.Generator().manual_seed(15)
    x = series(gen, dtype, layout, scale=0.7)
    poison(x)
    cd, vd = decays(gen, dtype), decays(gen, dtype, 1500)
    cs, vs = plane(gen, dtype, 0.3), plane(gen, dtype, 0.3)
    cs[1, 40] = float("nan")  # an invalid initial state poisons that neuron throughout
    args = (x, cd, vd, cs, vs, 2049, 0.5 + 0.01 / S_SCALE, graded, S_SCALE)
    forward = ref.cuba_forward(*args)
    assert forward[0].nan_to_num(0).sum() > 0 and forward[4].any()
    assert_identical(forward, cpu["cuba_forward"](*args))
    _, voltage, _, _, events = forward
    for grad_voltage in (series(gen, dtype, layout), torch.empty(0, dtype=dtype)):
        grads = (series(gen, dtype, layout), grad_voltage, plane(gen, dtype), plane(gen, dtype), x, voltage,
                 events, cd, vd, cs, vs, 0.5 + 0.01 / S_SCALE, 0.3, 0.8, graded, S_SCALE)  # fmt: skip
        assert_close(ref.cuba_backward(*grads), cpu["cuba_backward"](*grads))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("graded", [False, True])
def test_alif(cpu, layout, dtype, graded):
    gen = torch.Generator().manual_seed(16)
    x = series(gen, dtype, layout, scale=0.5)
    poison(x)
    cd, vd = decays(gen, dtype), decays(gen, dtype, 1500)
    ref_decay, th_decay, ref_state, th_state = threshold_args(gen, dtype)
    cs, vs = plane(gen, dtype, 0.3), plane(gen, dtype, 0.3)
    args = (x, cd, vd, ref_decay, th_decay, cs, vs, ref_state, th_state, 300, 2048, graded, S_SCALE)
    forward = ref.alif_forward(*args)
    assert forward[0].nan_to_num(0).sum() > 0 and forward[9].any()
    assert_identical(forward, cpu["alif_forward"](*args))
    _, current, voltage, th, r, *_, events = forward
    for grad_voltage in (series(gen, dtype, layout), torch.empty(0, dtype=dtype)):
        g = (series(gen, dtype, layout), grad_voltage, *(plane(gen, dtype) for _ in range(4)))
        grads = (*g, current, voltage, th, r, events, cd, vd, ref_decay, th_decay, cs, vs, ref_state, th_state,
                 300, 2048, 0.3, 0.8, graded, S_SCALE)  # fmt: skip
        assert_close(ref.alif_backward(*grads), cpu["alif_backward"](*grads))


def test_empty_time_and_batch(cpu):
    """``T = 0`` returns the (valid) initial state; ``N = 0`` returns empty tensors."""
    gen = torch.Generator().manual_seed(6)
    d, s = decays(gen, torch.float32), plane(gen, torch.float32)
    for x, state in ((torch.zeros(N, M, 0), s), (torch.zeros(0, M, 5), torch.zeros(0, M))):
        args = (x, d, state, True, 4097, S_SCALE)
        assert_identical(ref.leaky_integrator_forward(*args), cpu["leaky_integrator_forward"](*args))
        fused = (x, d, d, state, state, 4097, 1.0, False, S_SCALE)
        assert_identical(ref.cuba_forward(*fused), cpu["cuba_forward"](*fused))
        fused = (x, d, d, d, d, state, state, state, state, 300, 4096, True, S_SCALE)
        assert_identical(ref.alif_forward(*fused), cpu["alif_forward"](*fused))


def test_no_neurons(cpu):
    """``M = 0`` (e.g. a zero-channel input) returns empty tensors from every fused kernel instead of dividing
    by the zero block count."""
    x, d, state = torch.zeros(N, 0, 5), torch.zeros(0), torch.zeros(N, 0)
    events = torch.zeros(N, 0, 5, dtype=torch.bool)
    fused = (x, d, d, state, state, 4097, 1.0, False, S_SCALE)
    assert_identical(ref.cuba_forward(*fused), cpu["cuba_forward"](*fused))
    grads = (x, x, state, state, x, x, events, d, d, state, state, 1.0, 0.3, 1.0, False, S_SCALE)
    assert_close(ref.cuba_backward(*grads), cpu["cuba_backward"](*grads))
    fused = (x, d, d, d, d, state, state, state, state, 300, 4096, True, S_SCALE)
    assert_identical(ref.alif_forward(*fused), cpu["alif_forward"](*fused))
    args = (x, d, state, True, 4097, S_SCALE)
    assert_identical(ref.leaky_integrator_forward(*args), cpu["leaky_integrator_forward"](*args))


# -- the exact double-precision paths of the fused kernels (csrc/exact_double.h) -------------------------
#
# On AVX2/AVX-512 CPUs the fused kernels hold integer states in doubles while they stay below 2**39 and rerun a
# block (all neurons of one sample, here) with the int64 path once one does not. SLAYER_CPU_ISA lowers the
# variant per call, so every variant this CPU has is compared with the reference here.

EXACT_BOUND = 2**39  # integer states below this run in double precision
ISAS = ("baseline", "avx2", "native")


@pytest.fixture(params=ISAS)
def isa(request, monkeypatch):
    if request.param == "native":
        monkeypatch.delenv("SLAYER_CPU_ISA", raising=False)
    else:
        monkeypatch.setenv("SLAYER_CPU_ISA", request.param)
    return request.param


def assert_bitwise(expected, actual):
    """assert_identical, and zeros of the same sign (a double path must never turn 0 into -0.0)."""
    assert_identical(expected, actual)
    for e, a in zip(expected, actual):
        if e.is_floating_point():
            finite = ~e.isnan()
            assert torch.equal(e[finite].signbit(), a[finite].signbit())


def boundary_case(dtype, layout, threshold=2**45):
    """Four samples: 0 clean and small (-0.0 candidates: tiny negative inputs, zero decays); 1 with integer
    states that start at or cross 2**39 (current and voltage) in some neurons, and decays outside
    [-4096, 4096] (its edges); 2 with a NaN input; 3 with two initial states of 2**46 + 1. Threshold 2**45 (integer)
    lets the voltage grow past the bound."""
    gen = torch.Generator().manual_seed(21)
    n, m, t = 4, 40, 24
    x = series(gen, dtype, layout, n=n, m=m, t=t, scale=0.5)
    x[0, :4] = -1e-5  # trunc(x W) of (-1, 0): -0.0 in double arithmetic
    x[1, :8] = EXACT_BOUND / S_SCALE / 12  # decay 0 below: the current crosses 2**39 after about 12 steps
    x[1, 8:12] = -EXACT_BOUND / S_SCALE / 12
    x[1, 12:14] = EXACT_BOUND / S_SCALE / 1000  # the voltage integrates this past 2**39, the current stays small
    # states of 2**39 .. 2**48 with many significant bits and retentions that are not powers of two, where a
    # double product would round (the states must take the int64 path from the bound on)
    growth = torch.rand(n, t, 4, generator=gen, dtype=torch.float64) + 1
    x[1, 24:28] = (2.0**46 / S_SCALE * growth[1].T).to(dtype)
    x[2, 5, 9] = float("nan")
    cd, vd = decays(gen, dtype)[:m], decays(gen, dtype, 1500)[:m]
    cd[:12], vd[:14] = 0, 0
    cd[24:28], vd[24:28] = torch.arange(1, 9, dtype=dtype).view(2, 4) * 7
    cd[14], cd[15], vd[16], vd[17] = 4096, -4096, 4096, -4096  # the edges of the exact range
    cs, vs = (torch.randn(n, m, generator=gen, dtype=dtype) * 0.3 for _ in range(2))
    cs[1, 20], cs[1, 21] = (EXACT_BOUND - 1) / S_SCALE, -(EXACT_BOUND - 1) / S_SCALE
    cs[1, 22], vs[1, 23] = EXACT_BOUND / S_SCALE, -EXACT_BOUND / S_SCALE
    # (2**46 + 1) * 4095 needs 58 bits: a double product rounds it, and rtz(., 12) comes out one too high
    # (alone in sample 3: a block holding a state beyond the bound runs the int64 path for all its neurons)
    cs[3, 28], vs[3, 29] = (2**46 + 1) / S_SCALE, -(2**46 + 1) / S_SCALE
    cd[28], vd[29] = 1, 1
    args = (x, cd, vd, cs, vs, threshold, threshold / S_SCALE, False, S_SCALE)
    return args


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("graded", [False, True])
def test_cuba_exact_paths_match_reference_bit_for_bit(cpu, isa, layout, dtype, graded):
    """Small states (the double path), states at and beyond 2**39, out-of-range decays and NaN (int64 path):
    forward bit-identical to the reference in every ISA variant; backward close to it."""
    gen = torch.Generator().manual_seed(22)
    x = series(gen, dtype, layout, scale=0.7)
    x[:, :3] = -1e-5
    cd, vd = decays(gen, dtype), decays(gen, dtype, 1500)
    cd[:3] = vd[:3] = 0
    cs, vs = plane(gen, dtype, 0.3), plane(gen, dtype, 0.3)
    cs[:, :3] = vs[:, :3] = -1e-5  # these neurons stay at 0 (held as -0.0 by a careless double path)
    clean = (x, cd, vd, cs, vs, 2049, 0.5 + 0.01 / S_SCALE, graded, S_SCALE)
    forward = ref.cuba_forward(*clean)
    assert forward[4].any() and (forward[1] == 0).any()
    assert_bitwise(forward, cpu["cuba_forward"](*clean))
    boundary = list(boundary_case(dtype, layout))
    boundary[7] = graded
    beyond = boundary[2].clone()
    beyond[16], beyond[17] = 4097, -5000  # decays beyond the exact range (per neuron: all blocks take int64)
    variants = (boundary, [*boundary[:5], 2**60, *boundary[6:]], [*boundary[:2], beyond, *boundary[3:]])
    for args in variants:  # 2**60: a threshold beyond the doubles' exact integers
        forward = ref.cuba_forward(*args)
        crossed = forward[1][1].abs() * S_SCALE >= EXACT_BOUND
        assert crossed[:, -1].sum() > crossed[:, 0].sum()  # some voltages cross the bound during the run
        assert_bitwise(forward, cpu["cuba_forward"](*args))
    for args, expanded in ((clean, False), (boundary, False), (clean, True)):
        x, cd, vd, cs, vs = args[:5]
        _, voltage, _, _, events = ref.cuba_forward(*args)
        # expanded: the stride-0 gradients of a sum (one value for all neurons and steps) for both outputs
        grad_spikes = series(gen, dtype, layout, n=x.shape[0], m=x.shape[1], t=x.shape[2])
        grad_voltage = torch.randn((), generator=gen, dtype=dtype).expand(x.shape) if expanded else torch.empty(0)
        if expanded:
            grad_spikes = torch.randn((), generator=gen, dtype=dtype).expand(x.shape)
        grads = (grad_spikes, grad_voltage.to(dtype),
                 torch.randn(cs.shape, generator=gen, dtype=dtype), torch.randn(cs.shape, generator=gen, dtype=dtype),
                 x, voltage, events, cd, vd, cs, vs, args[6], 0.3, 0.8, graded, S_SCALE)  # fmt: skip
        expected, actual = ref.cuba_backward(*grads), cpu["cuba_backward"](*grads)
        # large states make large products: compare relative to the scale of each result
        for e, a in zip(expected, actual):
            finite = e.isfinite()
            scale = e[finite].abs().max().clamp(min=1.0) if finite.any() else 1.0
            assert torch.equal(finite, a.isfinite())
            torch.testing.assert_close(a[finite] / scale, e[finite] / scale)


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("graded", [False, True])
def test_alif_exact_paths_match_reference_bit_for_bit(cpu, isa, layout, dtype, graded):
    """ALIF's double path against the reference in every ISA variant: small states (zeros of the right sign),
    current and voltage crossing 2**39, θ/r driven past the bound by the spike jumps, decays at and beyond the
    edges, NaN, and θ0 / θ_step outside the exact range (the whole call takes the int64 path)."""
    x, cd, vd, cs, vs = boundary_case(dtype, layout)[:5]
    gen = torch.Generator().manual_seed(23)
    n, m = cs.shape
    rd, td = decays(gen, dtype, 1200)[:m], decays(gen, dtype, 1200)[:m]
    rs, ts = (torch.rand(n, m, generator=gen, dtype=dtype) * 0.2 for _ in range(2))
    th_step, th0 = 300, 2048
    clean = [t[:1].clone() for t in (x, cs, vs, rs, ts)]  # sample 0: every state stays small
    clean[0][:, :3] = -1e-5
    ts[1, 31], rs[1, 32] = (EXACT_BOUND - 1) / S_SCALE, -EXACT_BOUND / S_SCALE  # at the bound from the start
    rd[33], td[34] = 4096, -4096
    rs[2, 35] = float("nan")
    for args in (
        (clean[0], cd, vd, rd, td, *clean[1:], th_step, th0, graded, S_SCALE),
        (x, cd, vd, rd, td, cs, vs, rs, ts, th_step, th0, graded, S_SCALE),
        (x, cd, vd, rd, td, cs, vs, rs, ts, th_step, 2**40, graded, S_SCALE),  # θ0 beyond the exact range
        (x, cd, vd, rd, td, cs, vs, rs, ts, 2**40, th0, graded, S_SCALE),  # θ_step beyond it
    ):
        forward = ref.alif_forward(*args)
        assert forward[9].any()
        assert_bitwise(forward, cpu["alif_forward"](*args))


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("graded", [False, True])
def test_alif_backward_in_every_isa_variant_and_gradient_layout(cpu, isa, layout, dtype, graded):
    """The vectorised ALIF backward (unit-stride series; gradients of neuron stride 1 or 0, the latter spread
    into a row per step) and its strided fallback against the reference: gradients laid out like the series,
    expanded from one value (a sum's gradient), in the other storage order, and with or without a voltage
    gradient."""
    gen = torch.Generator().manual_seed(17)
    x = series(gen, dtype, layout, scale=0.5)
    cd, vd = decays(gen, dtype), decays(gen, dtype, 1500)
    ref_decay, th_decay, ref_state, th_state = threshold_args(gen, dtype)
    cs, vs = plane(gen, dtype, 0.3), plane(gen, dtype, 0.3)
    forward = ref.alif_forward(x, cd, vd, ref_decay, th_decay, cs, vs, ref_state, th_state, 300, 2048, graded, S_SCALE)
    _, current, voltage, th, r, *_, events = forward
    assert events.any()
    other = "nct" if layout == "ntc" else "ntc"
    gradients = (
        (series(gen, dtype, layout), series(gen, dtype, layout)),
        (torch.randn((), generator=gen, dtype=dtype).expand(x.shape), torch.empty(0, dtype=dtype)),
        (series(gen, dtype, layout), torch.randn((), generator=gen, dtype=dtype).expand(x.shape)),
        (series(gen, dtype, other), series(gen, dtype, other)),
    )
    for grad_spikes, grad_voltage in gradients:
        traces = (current, voltage, th, r, events)
        params = (cd, vd, ref_decay, th_decay, cs, vs, ref_state, th_state, 300, 2048, 0.3, 0.8, graded, S_SCALE)
        grads = (grad_spikes, grad_voltage, *(plane(gen, dtype) for _ in range(4)), *traces, *params)
        assert_close(ref.alif_backward(*grads), cpu["alif_backward"](*grads))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_alif_jumps_beyond_the_exact_range_leave_the_double_path(cpu, isa, dtype):
    """Neuron 0 starts in range (θ = -2.8e11 > -2**39) and fires every step (θ + r < 0 <= v): its θ jumps by
    θ_step and r by 2θ, past 2**39 after the first spike. From step 10 on, r * (4096 - 38) needs more than 53
    bits and a double product rounds across a multiple of 4096, so rtz(., 12) comes out one off (found by
    simulating both arithmetics exactly): only the per-step range check on r and θ sends the block to the int64
    path in time. Neurons 1 and 2 never fire and stay small."""
    x = torch.zeros(1, 3, 20, dtype=dtype)
    decay = torch.tensor([100.0, 100.0, 100.0], dtype=dtype)
    rd, td = torch.tensor([38.0, 5.0, 5.0], dtype=dtype), torch.tensor([0.0, 10.0, 10.0], dtype=dtype)
    zero = torch.zeros(1, 3, dtype=dtype)
    ts = torch.tensor([[-4272400.0 * 2**16 / S_SCALE, 100.0, 100.0]], dtype=dtype)
    args = (x, decay, decay, rd, td, zero, zero, zero, ts, -171375269916, 2048, False, S_SCALE)
    forward = ref.alif_forward(*args)
    assert forward[9][0, 0].all() and not forward[9][0, 1:].any()
    assert forward[4][0, 0, -1].abs() * S_SCALE > 2**44
    assert_bitwise(forward, cpu["alif_forward"](*args))


def test_bad_arguments_raise_clear_errors(cpu):
    x = torch.zeros(N, M, T)
    with pytest.raises(RuntimeError, match=r"state must have shape \(2, 70\)"):
        cpu["leaky_integrator_forward"](x, torch.zeros(M), torch.zeros(N, M + 1), False, 0, S_SCALE)
    with pytest.raises(RuntimeError, match="decay must have dtype (Float|torch.float32)"):
        cpu["leaky_integrator_forward"](x, torch.zeros(M, dtype=torch.float64), torch.zeros(N, M), False, 0, S_SCALE)
    with pytest.raises(RuntimeError, match="must be float32 or float64"):
        cpu["leaky_integrator_forward"](x.half(), torch.zeros(M), torch.zeros(N, M), False, 0, S_SCALE)
    with pytest.raises(RuntimeError, match=r"voltage_state must have shape \(2, 70\)"):
        cpu["cuba_forward"](x, torch.zeros(M), torch.zeros(M), torch.zeros(N, M), torch.zeros(M), 1, 1.0, False, 64)
    with pytest.raises(RuntimeError, match=r"grad_voltage must have shape \[2, 70, 23\]"):
        s = torch.zeros(N, M)
        e = torch.zeros(N, M, T, dtype=torch.bool)
        d = torch.zeros(M)
        cpu["cuba_backward"](x, x[:, :, :3], s, s, x, x, e, d, d, s, s, 1.0, 1.0, 1.0, False, S_SCALE)


def test_every_kernel_error_reaches_python_in_a_fresh_process():
    """An argument error raised inside each C++ kernel arrives as a RuntimeError naming the problem; run in a
    child process so that a crash on the error path (SIGSEGV, seen with torch 2.11 + gcc 13) fails this test
    instead of killing the test session. The first call of the child is an error (as in the crash)."""
    code = """
import torch
from slayer.core.backends.cpu import KERNEL_OPS, CpuBackend
kernels = CpuBackend().kernels()
assert set(kernels) == set(KERNEL_OPS)
values = {"Tensor": lambda: torch.zeros(2, 3), "int": lambda: 0, "float": lambda: 0.0, "bool": lambda: False}
for name in KERNEL_OPS:
    raw = getattr(torch.ops.slayer_cpu, name).default
    args = [values[str(a.type)]() for a in raw._schema.arguments]  # every tensor 2-D: never an (N, M, T) series
    for kernel in (raw, kernels[name]):  # the C++ check itself, and the Python check in front of it
        try:
            kernel(*args)
        except RuntimeError as error:
            assert "must have shape (N, M, T)" in str(error), (name, str(error))
        else:
            raise AssertionError(f"{name} accepted 2-D series")
    print("raised", name, flush=True)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    raised = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("raised ")]
    assert raised == list(KERNEL_OPS)


def valid_arguments(op) -> list:
    """Arguments that satisfy ``op``'s contract, from the roles of its schema (``cpu._arguments``)."""
    roles = {position: role for position, _, role in _arguments.tensor_roles(op)}
    make = {
        "series": lambda: torch.zeros(N, M, T),
        "optional_series": lambda: torch.zeros(N, M, T),
        "events": lambda: torch.zeros(N, M, T, dtype=torch.bool),
        "parameter": lambda: torch.zeros(M),
        "plane": lambda: torch.zeros(N, M),
    }
    scalars = {"int": S_SCALE, "float": 0.5, "bool": True}
    return [make[roles[i]]() if i in roles else scalars[str(a.type)] for i, a in enumerate(op._schema.arguments)]


@pytest.mark.parametrize("name", KERNEL_OPS)
def test_python_checks_stop_every_bad_tensor_before_the_cpp_kernel(cpu, name):
    """Each tensor argument with a wrong shape or dtype raises (naming it) before the C++ op runs; valid
    arguments pass the Python check and run in C++ without error (the check is not stricter than C++)."""
    op = getattr(torch.ops.slayer_cpu, name).default
    roles = _arguments.tensor_roles(op)
    args = valid_arguments(op)
    _arguments.check_arguments(name, roles, tuple(args))
    op(*args)
    reference = next(position for position, _, role in roles if role == "series")
    for position, argument, role in roles:
        good = args[position]
        wrong_shape = good[:-1] if good.dim() == 1 else good[:, :-1]  # one neuron short
        wrong_dtype = good.double() if role != "events" else good.float()
        if len(roles) == 1:  # one series (neuron_major, running_sum): no other argument to disagree with it
            break
        for bad, problem in ((wrong_shape, "must be a bool" if role == "events" else "must have shape"),
                             (wrong_dtype, "must")):  # fmt: skip
            broken = tuple(bad if i == position else a for i, a in enumerate(args))
            # the first series sets N, M, T and the dtype: then another argument disagrees with it
            named = r"\w+" if position == reference else argument
            with pytest.raises(RuntimeError, match=f"{named} {problem}"):
                _arguments.check_arguments(name, roles, broken)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bool])
def test_neuron_major_copies_any_layout_into_neuron_contiguous_storage(cpu, isa, dtype):
    gen = torch.Generator().manual_seed(7)
    for layout in ("nct", "ntc"):
        # (2, 300, 21): two tiles of neurons (256 + 44), partial tiles of steps, the prefetch of later tiles
        for n, m, t in ((N, M, T), (3, 33, 65), (2, 300, 21), (1, 1, 5), (2, 4, 1), (0, 4, 4), (2, 0, 3)):
            x = (series(gen, torch.float64, layout, n, m, t) > 0.3).to(dtype) if dtype == torch.bool else None
            x = series(gen, dtype, layout, n, m, t) if x is None else x
            for view in (x, x[:, ::2, 1:], x.transpose(0, 1).contiguous().transpose(0, 1)):
                got, expected = cpu["neuron_major"](view), ref.KERNELS["neuron_major"](view)
                assert torch.equal(got, view) and got.dtype == view.dtype
                _, mv, tv = view.shape
                assert torch.equal(expected, view) and (got.stride() == (mv * tv, 1, mv) or not got.numel())
                if mv > 1 and tv > 1 and got.numel():  # torch leaves the stride of a size-1 dimension arbitrary
                    assert expected.stride() == got.stride()
    with pytest.raises(RuntimeError, match=r"must have shape \(N, M, T\)"):
        cpu["neuron_major"](torch.zeros(3, 4))


# -- through the public ops: selection, shapes, parameters, persistence -----------------------------


@pytest.fixture
def backend(monkeypatch, cpu):
    """Run the public dynamics on a named backend: ``backend("cpu")`` / ``backend("reference")``."""

    def use(name):
        monkeypatch.setenv("SLAYER_BACKEND", name)
        clear_cache()

    yield use
    clear_cache()


def both(backend, fn):
    backend("reference")
    expected = fn()
    backend("cpu")
    assert select_backend("leaky_integrator_forward", "cpu").name == "cpu"
    return expected, fn()


def ntc_view(x):
    """The same values stored neuron-contiguous: ``(N, *S, T)`` seen over ``(N, T, *S)`` storage."""
    dims = list(range(x.dim()))
    stored = x.permute(0, dims[-1], *dims[1:-1]).contiguous()
    return stored.permute(0, *range(2, x.dim()), 1)


@pytest.mark.parametrize("layout", ["nct", "ntc"])
@pytest.mark.parametrize("decay_shape", ["shared", "channel", "neuron"])
def test_cuba_like_chain_nchwt(backend, layout, decay_shape):
    """Current then voltage integration with reset on ``N C H W T``: states bit-identical, gradients close."""
    gen = torch.Generator().manual_seed(7)
    spatial = (3, 4, 5)
    x = torch.randn(N, *spatial, T, generator=gen, dtype=torch.float64)
    if layout == "ntc":
        x = ntc_view(x)
    shape = {"shared": (), "channel": (3,), "neuron": spatial}[decay_shape]
    current_decay = torch.randint(0, 4097, shape, generator=gen).double()
    voltage_decay = torch.randint(0, 4097, shape, generator=gen).double()

    def run():
        inputs = [t.clone().requires_grad_() for t in (x, current_decay, voltage_decay)]
        current, _ = leaky_integrator(inputs[0], inputs[1])
        voltage, next_v = leaky_integrator(current, inputs[2], threshold=0.5)
        loss = (voltage * torch.linspace(-1, 1, T, dtype=torch.float64)).sum() + next_v.sum()
        return (voltage.detach(), next_v.detach(), *torch.autograd.grad(loss, inputs))

    expected, actual = both(backend, run)
    assert_identical(expected[:2], actual[:2])
    assert_close(expected[2:], actual[2:])


def test_chunked_equals_long_run(backend):
    """Persistence: feeding the next state back, three chunks equal one long run, bit for bit."""
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(N, 6, 30, generator=gen)
    decay = torch.randint(0, 4097, (6,), generator=gen).float()
    backend("cpu")
    whole, whole_state = leaky_integrator(x, decay, threshold=0.7)
    state, pieces = None, []
    for chunk in x.split([7, 1, 22], dim=-1):
        out, state = leaky_integrator(chunk, decay, state, threshold=0.7)
        pieces.append(out)
    assert torch.equal(torch.cat(pieces, dim=-1), whole)
    assert torch.equal(state, whole_state)


def test_public_resonator_and_threshold_match_reference(backend):
    gen = torch.Generator().manual_seed(9)
    re, im = torch.randn(N, 4, T, generator=gen), torch.randn(N, 4, T, generator=gen)
    sin, cos = torch.tensor([900.0, 1200.0, 300.0, 2000.0]), torch.tensor([3000.0, 2500.0, 3900.0, 1000.0])

    def run():
        out_re, out_im, *_ = resonator(re, im, sin, cos, threshold=0.4)
        th, r, *_ = adaptive_threshold(out_re * 3, torch.tensor(100.0), torch.tensor(700.0), 0.1, 0.3)
        return out_re, out_im, th, r

    expected, actual = both(backend, run)
    assert_identical(expected, actual)


# -- the build: cache key and fallback ---------------------------------------------------------


def test_library_name_changes_with_flags(monkeypatch):
    name = _build.library_name()
    assert name.startswith("slayer_cpu_")
    monkeypatch.setattr(_build, "CFLAGS", (*_build.CFLAGS, "-DSLAYER_TEST"))
    assert _build.library_name() != name


def test_cache_directory_is_per_user_and_overridable(monkeypatch, tmp_path):
    monkeypatch.setenv("SLAYER_CACHE_DIR", str(tmp_path))
    assert _build.build_directory().parent == tmp_path / "cpu"
    monkeypatch.delenv("SLAYER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _build.library_path().is_relative_to(tmp_path / "xdg" / "slayer" / "cpu")


@pytest.fixture
def fresh_loader(monkeypatch, tmp_path):
    """An empty cache and a loader that has not tried yet; restored afterwards."""
    monkeypatch.setenv("SLAYER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLAYER_BACKEND", raising=False)
    _build.forget()
    clear_cache()
    yield tmp_path
    _build.forget()
    clear_cache()


def test_failed_build_falls_back_to_reference_with_one_warning(fresh_loader, monkeypatch):
    from torch.utils import cpp_extension

    def broken_load(**kwargs):
        raise RuntimeError("Error building extension: simulated compiler crash")

    monkeypatch.setattr(cpp_extension, "load", broken_load)
    x, decay = torch.randn(1, 3, 5), torch.tensor(512.0)
    with pytest.warns(CpuBuildWarning, match="simulated compiler crash") as caught:
        assert not CpuBackend().is_available()
        assert select_backend("leaky_integrator_forward", "cpu").name != "cpu"
        out, _ = leaky_integrator(x, decay, threshold=0.5)
        assert not CpuBackend().is_available()  # remembered: no second build, no second warning
    assert len([w for w in caught if issubclass(w.category, CpuBuildWarning)]) == 1
    assert "build.log" in str(caught[0].message)
    expected = ref.leaky_integrator_forward(x, decay.expand(3), torch.zeros(1, 3), True, 2048, S_SCALE)[0]
    assert torch.equal(out, expected)
    log = next(fresh_loader.glob("cpu/*/build.log"))
    assert "simulated compiler crash" in log.read_text()


def test_missing_compiler_is_named_in_the_warning(fresh_loader, monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler-for-slayer")
    with pytest.warns(CpuBuildWarning, match="no C\\+\\+ compiler found"):
        assert _build.load_library() is None


class FakeCompiler:
    """Stands in for ``cpp_extension.load`` (no real compile): writes ``<name>.so`` into the build directory
    it is given, complete (``b"complete"``) or cut short (a killed link), and records what it saw."""

    def __init__(self, complete=True):
        self.complete = complete
        self.calls = []

    def __call__(self, name, build_directory, **kwargs):
        from torch.utils import cpp_extension

        self.calls.append({"directory": build_directory, "ninja": cpp_extension.is_ninja_available()})
        library = os.path.join(build_directory, f"{name}.so")
        with open(library, "wb") as handle:
            handle.write(b"complete" if self.complete else b"compl")
        if not self.complete:
            raise RuntimeError("Error building extension: the linker was killed")


@pytest.fixture
def fake_build(fresh_loader, monkeypatch):
    """``cpp_extension.load`` and ``torch.ops.load_library`` faked: loading accepts only a complete library."""
    from torch.utils import cpp_extension

    compiler = FakeCompiler()
    monkeypatch.setattr(cpp_extension, "load", compiler)
    loaded = []

    def load_library(path):
        with open(path, "rb") as handle:
            if handle.read() != b"complete":
                raise OSError(f"{path}: file too short")
        loaded.append(path)

    monkeypatch.setattr(torch.ops, "load_library", load_library)
    return compiler, loaded


def test_ninja_of_the_python_environment_is_found_without_path(fake_build, monkeypatch, tmp_path):
    """``pip install ninja`` puts the binary beside the venv's python; running that python without activating
    the venv leaves it off PATH. The build still finds it (``ninja.BIN_DIR``) and restores PATH."""
    ninja = pytest.importorskip("ninja")
    compiler = shutil.which(os.environ.get("CXX", "c++"))
    if compiler is None:
        pytest.skip("needs a C++ compiler")
    compiler_dir = tmp_path / "bin"  # PATH: the compiler only
    compiler_dir.mkdir()
    (compiler_dir / os.path.basename(compiler)).symlink_to(os.path.realpath(compiler))
    compiler_dir = str(compiler_dir)
    monkeypatch.setenv("PATH", compiler_dir)
    compiler, loaded = fake_build
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)
        path = _build.load_library()
    assert path is not None and loaded == [str(path)]
    assert compiler.calls[0]["ninja"], f"ninja in {ninja.BIN_DIR} was not on PATH during the build"
    assert os.environ["PATH"] == compiler_dir


def test_a_killed_build_leaves_no_library_behind(fake_build):
    """A build killed mid-link must not leave a truncated library where later processes load it (they would
    fall back to the reference backend forever): the library appears only once complete, and the next
    process builds again."""
    compiler, loaded = fake_build
    compiler.complete = False
    with pytest.warns(CpuBuildWarning, match="linker was killed"):
        assert _build.load_library() is None
    assert not _build.library_path().exists()
    _build.forget()  # a new process
    compiler.complete = True
    assert _build.load_library() == _build.library_path()
    assert loaded == [str(_build.library_path())]
    assert len(compiler.calls) == 2


def test_unwritable_cache_falls_back_to_a_private_temporary_directory(fake_build, monkeypatch, tmp_path):
    """A read-only or missing home (here: the cache path runs through a regular file) builds in a per-user
    temporary directory, with a warning naming it, instead of giving up on the compiled kernels."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.delenv("SLAYER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.warns(_build.CpuCacheWarning, match="SLAYER_CACHE_DIR") as caught:
        path = _build.load_library()
    assert path is not None and path.is_relative_to(tmp_path / "tmp")
    assert str(path.parent) in str(caught[0].message)
    assert (path.parents[2].stat().st_mode & 0o077) == 0  # slayer-<uid>: private to this user


def test_unknown_home_falls_back_to_a_private_temporary_directory(fake_build, monkeypatch, tmp_path):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("SLAYER_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(_build.Path, "home", staticmethod(no_home))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.warns(_build.CpuCacheWarning, match="home directory"):
        path = _build.load_library()
    assert path is not None and path.is_relative_to(tmp_path)


def test_a_prebuilt_library_in_a_read_only_cache_is_loaded(fake_build, monkeypatch):
    """A cache that holds the library but cannot be written (a shared, pre-built one) is used as is."""
    compiler, loaded = fake_build
    _build.build_directory().mkdir(parents=True)
    _build.library_path().write_bytes(b"complete")
    monkeypatch.setattr(_build, "_file_lock", None)  # would fail if a build were attempted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _build.load_library() == _build.library_path()
    assert compiler.calls == [] and loaded == [str(_build.library_path())]
