"""The delta encoder kernels (``delta_forward``/``delta_backward``, sigma-delta neurons): the cpu kernel equals
the reference bit for bit (forward) and to rounding (the threshold-gradient sums), in both layouts, and the
reference equals a scalar loop written out here."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from slayer.core.backends import reference as ref
from slayer.core.backends import select_backend, select_kernel
from slayer.core.backends.cpu import CpuBackend, CpuBuildWarning

N, M, T = 3, 70, 19  # M > the 64-neuron block
CASES = [
    (layout, dtype, cum_error)
    for layout in ("ntc", "nct")
    for dtype in (torch.float32, torch.float64)
    for cum_error in (False, True)
]


@pytest.fixture(scope="module")
def cpu():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CpuBuildWarning)
        return CpuBackend().kernels()


def arguments(layout: str, dtype: torch.dtype, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    signal = torch.cumsum(torch.randn(N, T, M, generator=gen, dtype=dtype) * 0.3, dim=1)  # a changing signal
    x = signal.transpose(1, 2) if layout == "ntc" else signal.transpose(1, 2).contiguous()
    threshold = torch.rand(M, generator=gen, dtype=dtype) * 0.4 + 1 / 64
    states = [torch.randn(N, M, generator=gen, dtype=dtype) * 0.1 for _ in range(3)]
    return x, threshold, states


def scalar_loop(x, threshold, states, step, cum_error):
    """spec §7.3 per neuron and step, in Python floats of the tensor's dtype."""
    out, deltas = torch.zeros_like(x), torch.zeros_like(x)
    previous, residual, error = (s.clone() for s in states)
    for n in range(x.shape[0]):
        for m in range(x.shape[1]):
            p, r, e, theta = previous[n, m], residual[n, m], error[n, m], threshold[m]
            for t in range(x.shape[2]):
                d = (x[n, m, t] - p) + r
                if cum_error:
                    e = e + d
                    send = bool(e.abs() >= theta)
                    e = e * 0 if send else e
                else:
                    send = bool(d.abs() >= theta)
                y = d if send else d * 0
                r, p = d - y, x[n, m, t]
                out[n, m, t], deltas[n, m, t] = torch.floor(y / step) * step, d
            previous[n, m], residual[n, m], error[n, m] = p, r, e
    return out, deltas, previous, residual, error


@pytest.mark.parametrize(("layout", "dtype", "cum_error"), CASES[:4])
def test_reference_forward_equals_the_scalar_loop(layout, dtype, cum_error):
    x, threshold, states = arguments(layout, dtype)
    x, states = x[:, :5], [s[:, :5] for s in states]  # a few neurons: the loop is slow
    got = ref.delta_forward(x, threshold[:5], *states, 1 / 4096, cum_error)
    for expected, actual in zip(scalar_loop(x, threshold[:5], states, 1 / 4096, cum_error), got):
        assert torch.equal(expected, actual)


@pytest.mark.parametrize(("layout", "dtype", "cum_error"), CASES)
def test_cpu_forward_equals_reference_bit_for_bit(cpu, layout, dtype, cum_error):
    x, threshold, states = arguments(layout, dtype)
    expected = ref.delta_forward(x, threshold, *states, 1 / 4096, cum_error)
    actual = cpu["delta_forward"](x, threshold, *states, 1 / 4096, cum_error)
    for e, a in zip(expected, actual):
        assert e.shape == a.shape and e.dtype == a.dtype and e.stride() == a.stride()
        assert torch.equal(e, a)
    assert actual[0].movedim(-1, 1).is_contiguous()  # neuron-contiguous messages for the synapse downstream
    assert (actual[0] != 0).any() and (actual[0] == 0).any()  # some messages sent, some held back


@pytest.mark.parametrize(("layout", "dtype", "cum_error"), CASES)
def test_cpu_backward_equals_reference(cpu, layout, dtype, cum_error):
    x, threshold, states = arguments(layout, dtype, seed=1)
    _, delta, *_ = ref.delta_forward(x, threshold, *states, 1 / 4096, cum_error)
    grad = torch.randn(N, T, M, generator=torch.Generator().manual_seed(2), dtype=dtype).transpose(1, 2)
    expected = ref.delta_backward(grad, delta, threshold, 0.5, 1.5, True, True)
    actual = cpu["delta_backward"](grad, delta, threshold, 0.5, 1.5, True, True)
    assert torch.equal(expected[0], actual[0])  # g[t] - g[t+1]: one subtraction each
    tolerance = {"rtol": 1e-5, "atol": 1e-4} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-12}
    torch.testing.assert_close(actual[1], expected[1], **tolerance)  # sums in another order
    only_input = cpu["delta_backward"](grad, delta, threshold, 0.5, 1.5, True, False)
    assert torch.equal(only_input[0], expected[0]) and only_input[1].numel() == 0


def test_threshold_gradient_formula_by_hand():
    # one neuron, three steps: |delta| above, below and at zero relative to theta = 0.5
    delta = torch.tensor([[[0.8, -0.2, 0.0]]], dtype=torch.float64)
    grad = torch.tensor([[[1.0, 2.0, 3.0]]], dtype=torch.float64)
    threshold = torch.tensor([0.5], dtype=torch.float64)
    grad_input, grad_threshold = ref.delta_backward(grad, delta, threshold, 0.5, 2.0, True, True)
    assert grad_input.flatten().tolist() == [1 - 2, 2 - 3, 3]
    above = -0.8 * 2.0 * math.exp(-0.3 / 0.5) / 0.5 * 1.0
    below = 1.0 * 2.0  # -sign(delta) * g with delta < 0
    assert grad_threshold.item() == pytest.approx(above + below + 0.0)


def test_cpu_checks_name_the_argument(cpu):
    x, threshold, states = arguments("nct", torch.float32)
    with pytest.raises(RuntimeError, match=r"threshold must have shape \(70,\)"):
        cpu["delta_forward"](x, threshold[:3], *states, 1 / 4096, False)
    with pytest.raises(RuntimeError, match=r"error_state must have shape \(3, 70\)"):
        cpu["delta_forward"](x, threshold, *states[:2], states[2][:, :5], 1 / 4096, False)


def test_cpu_tensors_select_the_cpu_kernel(cpu):
    for op in ("delta_forward", "delta_backward"):
        assert select_backend(op, "cpu").name == "cpu"
        assert select_kernel(op, "cpu").__name__ == op


@pytest.mark.parametrize("layout", ["ntc", "nct"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_running_sum_cpu_equals_reference_and_cumsum(cpu, layout, dtype, reverse):
    """The sigma decoder's running sum: bit for bit torch.cumsum (forward) and its reversed sum (backward)."""
    x, _, _ = arguments(layout, dtype)
    x = x.clone()
    x[1, 3, 5] = float("nan")  # NaN stays in its neuron, from its step on (or up to it, reversed)
    got = cpu["running_sum"](x, reverse)
    want = torch.cumsum(x.flip(-1), -1).flip(-1) if reverse else torch.cumsum(x, -1)
    torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(ref.running_sum(x, reverse), want, rtol=0, atol=0, equal_nan=True)
    assert got.stride() == x.stride() == ref.running_sum(x, reverse).stride()  # both laid out like the input
    assert got.isnan().sum() == (T - 5 if not reverse else 6)
