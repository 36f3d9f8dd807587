"""The spike kernels (``phase_spike_*`` of the resonate-and-fire models, ``real_spike_*``): the cpu kernels equal
the reference bit for bit (forward) and to rounding (backward) in both layouts, every instruction set and with
NaNs; the reference equals the definition written out per element here; and ``phase_spike`` / ``real_spike``
give the same spikes and gradients through the kernels as through their general paths."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from slayer.core.backends import reference as ref
from slayer.core.backends.cpu import CpuBackend, CpuBuildWarning
from slayer.spike import complex as complex_spike
from slayer.spike import real as real_spike_module
from slayer.spike.complex import phase_spike
from slayer.spike.real import real_spike

N, M, T = 3, 70, 19  # M > the 64-neuron block
NONE = torch.empty(0)  # no per-element threshold series: the scalar threshold
CASES = [(layout, dtype) for layout in ("ntc", "nct") for dtype in (torch.float32, torch.float64)]


@pytest.fixture(scope="module")
def cpu():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)
        return CpuBackend().kernels()


def series(layout: str, dtype: torch.dtype, gen: torch.Generator, scale: float) -> torch.Tensor:
    values = torch.randn(N, T, M, generator=gen, dtype=dtype) * scale
    return values.transpose(1, 2) if layout == "ntc" else values.transpose(1, 2).contiguous()


def arguments(layout: str, dtype: torch.dtype, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    real, imag, grad = series(layout, dtype, gen, 0.6), series(layout, dtype, gen, 0.3), series(layout, dtype, gen, 1)
    real[0, 1, 4] = imag[1, 2, 6] = float("nan")  # NaN stays in its neuron and step
    imag_state = torch.randn(N, M, generator=gen, dtype=dtype) * 0.3
    return real, imag, imag_state, grad


def threshold_series(real: torch.Tensor) -> torch.Tensor:
    """A per-element threshold laid out like ``real`` (as adrf's θ[t] + r[t] is)."""
    gen = torch.Generator().manual_seed(5)
    return (torch.rand(real.shape, generator=gen, dtype=real.dtype) * 0.4).as_strided(real.shape, real.stride())


def test_reference_forward_is_the_definition():
    real, imag, imag_state, _ = arguments("nct", torch.float64)
    for graded in (False, True):
        spikes = ref.phase_spike_forward(real, imag, imag_state, NONE, 0.2, graded, 4.0)
        for n, m, t in [(0, 0, 0), (1, 5, 3), (2, 69, 18), (0, 1, 4)] + [tuple(i) for i in spikes.nonzero()[:20]]:
            previous = imag_state[n, m] if t == 0 else imag[n, m, t - 1]
            fired = bool(real[n, m, t] >= 0.2 and previous < 0 <= imag[n, m, t])
            expected = (real[n, m, t] / 4.0 if fired else real[n, m, t] * 0) if graded else float(fired)
            assert spikes[n, m, t].item() == pytest.approx(float(expected), nan_ok=True), (graded, n, m, t)


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("isa", ["baseline", "avx2", ""])
def test_cpu_forward_equals_reference_bit_for_bit(cpu, layout, dtype, isa, monkeypatch):
    monkeypatch.setenv("SLAYER_CPU_ISA", isa)
    real, imag, imag_state, _ = arguments(layout, dtype)
    theta = threshold_series(real)
    for graded, state, series in [(g, s, t) for g in (False, True) for s in (imag_state, None) for t in (NONE, theta)]:
        state = torch.zeros(()).to(dtype).expand(N, M) if state is None else state
        got = cpu["phase_spike_forward"](real, imag, state, series.to(dtype), 0.2, graded, 3.0)
        want = ref.phase_spike_forward(real, imag, state, series.to(dtype), 0.2, graded, 3.0)
        torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True)
        assert got.stride() == real.stride()  # laid out like the input


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("isa", ["baseline", ""])
def test_cpu_backward_equals_reference_to_rounding(cpu, layout, dtype, isa, monkeypatch):
    monkeypatch.setenv("SLAYER_CPU_ISA", isa)
    real, imag, _, grad = arguments(layout, dtype)
    tolerance = {"rtol": 2e-6, "atol": 1e-30} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-300}
    theta = threshold_series(real)
    for graded, series in [(g, t.to(dtype)) for g in (False, True) for t in (NONE, theta)]:
        got = cpu["phase_spike_backward"](grad, real, imag, series, 0.2, 0.5, 1.5, graded, True, True)
        want = ref.phase_spike_backward(grad, real, imag, series, 0.2, 0.5, 1.5, graded, True, True)
        for g, w in zip(got, want):
            torch.testing.assert_close(g, w, equal_nan=True, **tolerance)
        only_imag = cpu["phase_spike_backward"](grad, real, imag, series, 0.2, 0.5, 1.5, graded, False, True)
        assert only_imag[0].numel() == 0
        torch.testing.assert_close(only_imag[1], got[1], rtol=0, atol=0, equal_nan=True)


def test_cpu_kernels_name_bad_arguments(cpu):
    real, imag, imag_state, grad = arguments("ntc", torch.float32)
    with pytest.raises(RuntimeError, match="imag must have shape"):
        cpu["phase_spike_forward"](real, imag[:, :5], imag_state, NONE, 0.2, False, 1.0)
    with pytest.raises(RuntimeError, match="imag_state must have shape"):
        cpu["phase_spike_forward"](real, imag, imag_state[:, :5], NONE, 0.2, False, 1.0)
    with pytest.raises(RuntimeError, match="threshold_series must have shape"):
        cpu["phase_spike_forward"](real, imag, imag_state, real[:, :5], 0.2, False, 1.0)
    with pytest.raises(RuntimeError, match="real must have dtype torch.float64"):
        cpu["phase_spike_backward"](grad.double(), real, imag, NONE, 0.2, 0.5, 1.0, False, True, True)


@pytest.mark.parametrize("graded", [False, True])
@pytest.mark.parametrize("imag_last", [None, 0.1, "tensor"])
@pytest.mark.parametrize("threshold", ["number", "series", "learnable series"])
def test_phase_spike_through_the_kernels_equals_the_general_path(graded, imag_last, threshold, monkeypatch):
    real, imag, imag_state, grad = arguments("ntc", torch.float64, seed=1)
    real, imag = real.nan_to_num(), imag.nan_to_num()
    last = imag_state if imag_last == "tensor" else imag_last
    theta = 0.2 if threshold == "number" else threshold_series(real)

    def run():
        re, im = real.clone().requires_grad_(), imag.clone().requires_grad_()
        th = theta.clone().requires_grad_() if threshold == "learnable series" else theta
        spikes = phase_spike(re, im, th, 0.5, 1.5, graded, last, 2.0)
        spikes.backward(grad)
        return spikes, re.grad, im.grad, th.grad if threshold == "learnable series" else None

    taken = []
    monkeypatch.setattr(complex_spike, "_phase_spike_kernel", _recording(complex_spike._phase_spike_kernel, taken))
    fast = run()
    # a graded spike with a learnable threshold has no kernel (its threshold gradient is not -grad_real)
    assert taken == ([] if graded and threshold == "learnable series" else [True])
    monkeypatch.setattr(complex_spike, "kernel_applies", lambda *args: False)
    general = run()
    assert fast[0].sum() > 0
    torch.testing.assert_close(fast[0], general[0], rtol=0, atol=0)
    for got, want in zip(fast[1:], general[1:]):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-300)


def _recording(function, calls):
    def wrapper(*args):
        calls.append(True)
        return function(*args)

    return wrapper


# -- real spike ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layout", "dtype"), CASES)
@pytest.mark.parametrize("isa", ["baseline", ""])
def test_real_spike_cpu_equals_reference(cpu, layout, dtype, isa, monkeypatch):
    monkeypatch.setenv("SLAYER_CPU_ISA", isa)
    voltage, _, _, grad = arguments(layout, dtype)
    theta = threshold_series(voltage)
    tolerance = {"rtol": 2e-6, "atol": 1e-30} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-300}
    for graded, series in [(g, t.to(dtype)) for g in (False, True) for t in (NONE, theta)]:
        spikes = cpu["real_spike_forward"](voltage, series, 0.2, graded, 3.0)
        want = ref.real_spike_forward(voltage, series, 0.2, graded, 3.0)
        torch.testing.assert_close(spikes, want, rtol=0, atol=0, equal_nan=True)
        assert spikes.stride() == voltage.stride()
        got = cpu["real_spike_backward"](grad, voltage, series, 0.2, 0.5, 1.5, graded)
        torch.testing.assert_close(
            got, ref.real_spike_backward(grad, voltage, series, 0.2, 0.5, 1.5, graded), equal_nan=True, **tolerance
        )


def test_real_spike_reference_is_the_definition():
    voltage = arguments("nct", torch.float64)[0]
    spikes = ref.real_spike_forward(voltage, NONE.double(), 0.2, True, 4.0)
    assert torch.equal(spikes.nan_to_num(), torch.where(voltage >= 0.2, voltage / 4.0, 0 * voltage).nan_to_num())
    rho = ref.real_spike_backward(torch.ones_like(voltage), voltage, NONE.double(), 0.2, 0.5, 1.5, False)
    v = voltage[2, 7, 3].item()
    assert rho[2, 7, 3].item() == pytest.approx(1.5 * math.exp(-abs(v - 0.2) / 0.5) / (2 * 0.5), rel=1e-12)


@pytest.mark.parametrize("graded", [False, True])
@pytest.mark.parametrize("threshold", ["number", "series", "learnable series"])
def test_real_spike_through_the_kernels_equals_the_general_path(graded, threshold, monkeypatch):
    voltage, _, _, grad = arguments("ntc", torch.float64, seed=2)
    voltage = voltage.nan_to_num()
    theta = 0.2 if threshold == "number" else threshold_series(voltage)

    def run():
        v = voltage.clone().requires_grad_()
        th = theta.clone().requires_grad_() if threshold == "learnable series" else theta
        spikes = real_spike(v, th, 0.5, 1.5, graded, 2.0)
        spikes.backward(grad)
        return spikes, v.grad, th.grad if threshold == "learnable series" else None

    taken = []
    monkeypatch.setattr(
        real_spike_module, "_real_spike_kernel", _recording(real_spike_module._real_spike_kernel, taken)
    )
    fast = run()
    assert taken == ([] if graded and threshold == "learnable series" else [True])
    monkeypatch.setattr(real_spike_module, "kernel_applies", lambda *args: False)
    general = run()
    assert fast[0].sum() > 0
    torch.testing.assert_close(fast[0], general[0], rtol=0, atol=0)
    for got, want in zip(fast[1:], general[1:]):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("spike", ["phase", "real"])
def test_kernel_path_supports_double_backward_and_torch_func(spike):
    """create_graph=True runs the reference backward (differentiable), so second derivatives equal the general
    path's; torch.func.grad works through the kernel path's autograd.Function."""
    real, imag, _, _ = arguments("ntc", torch.float64, seed=3)
    real, imag = real.nan_to_num(), imag.nan_to_num()

    def spikes(re, general=False):
        threshold = torch.tensor(0.2, dtype=torch.float64) if general else 0.2  # a tensor takes the general path
        if spike == "phase":
            return phase_spike(re, imag, threshold, 0.5, 1.5, False, None, 1.0)
        return real_spike(re, threshold, 0.5, 1.5, False, 1.0)

    def second_derivative(general):
        re = real.clone().requires_grad_()
        (first,) = torch.autograd.grad((spikes(re, general) ** 2).sum(), re, create_graph=True)
        (second,) = torch.autograd.grad(first.sum(), re)
        return first, second

    for got, want in zip(second_derivative(False), second_derivative(True)):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-300)
    via_func = torch.func.grad(lambda re: spikes(re).sum())(real)
    re = real.clone().requires_grad_()
    spikes(re).sum().backward()
    torch.testing.assert_close(via_func, re.grad, rtol=1e-12, atol=1e-300)
