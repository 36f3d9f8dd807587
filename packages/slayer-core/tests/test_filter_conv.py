"""slayer.utils.filter: conv/corr against explicit sums, gradients (input and filter), FIR, FIRBank."""

import numpy as np
import pytest
import torch

from slayer.utils.filter import FIR, FIRBank, conv, corr


def conv_by_loop(x, f, ts=1.0):
    out = torch.zeros_like(x)
    T = x.shape[-1]
    for t in range(T):
        for k in range(len(f)):
            if t - k >= 0:
                out[..., t] += ts * f[k] * x[..., t - k]
    return out


def corr_by_loop(x, f, ts=1.0):
    out = torch.zeros_like(x)
    T = x.shape[-1]
    for t in range(T):
        for k in range(len(f)):
            if t + k < T:
                out[..., t] += ts * f[k] * x[..., t + k]
    return out


def test_conv_and_corr_match_explicit_sums():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, dtype=torch.float64)
    f = torch.tensor([0.5, -1.0, 2.0, 0.25], dtype=torch.float64)
    assert torch.allclose(conv(x, f, 0.5), conv_by_loop(x, f, 0.5))
    assert torch.allclose(corr(x, f, 0.5), corr_by_loop(x, f, 0.5))
    assert torch.allclose(conv(x[0, 0], f), conv_by_loop(x[0, 0], f))  # 1-D input
    impulse = torch.zeros(1, 1, 6, dtype=torch.float64)
    impulse[..., 1] = 1
    assert conv(impulse, f).flatten().tolist() == [0, 0.5, -1.0, 2.0, 0.25, 0]


def test_corr_is_adjoint_of_conv():
    torch.manual_seed(1)
    x = torch.randn(2, 3, 8, dtype=torch.float64)
    g = torch.randn(2, 3, 8, dtype=torch.float64)
    f = torch.randn(5, dtype=torch.float64)
    assert torch.allclose((conv(x, f) * g).sum(), (x * corr(g, f)).sum())


@pytest.mark.parametrize("op", [conv, corr])
def test_gradients_for_input_and_filter(op):
    torch.manual_seed(2)
    x = torch.randn(2, 2, 7, dtype=torch.float64, requires_grad=True)
    f = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: op(a, b, 0.7), (x, f))


def test_filter_gradient_value():
    # d/df[k] of sum_t g[t] y[t] with y = conv(x, f) is sum_t g[t] x[t - k]
    x = torch.tensor([[[1.0, 2.0, 3.0]]], dtype=torch.float64)
    f = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    conv(x, f).sum().backward()
    assert f.grad.tolist() == [6.0, 3.0]


def test_fir_default_is_exponential_and_filters():
    fir = FIR(time_constant=2, length=4)
    assert torch.allclose(fir.filter, torch.exp(-torch.arange(4.0) / 2))
    x = torch.zeros(1, 1, 5)
    x[..., 0] = 1
    assert torch.allclose(fir(x)[0, 0, :4], fir.filter)
    custom = FIR([1.0, 0.5], sampling_time=2)
    assert custom(torch.ones(1, 1, 3)).flatten().tolist() == [2.0, 3.0, 3.0]
    assert "filter" in dict(custom.named_buffers())


def test_firbank_matches_explicit_convolution_and_layout():
    torch.manual_seed(3)
    bank = FIRBank(num_filter=3, filter_length=4, sampling_time=1)
    assert bank.weight.shape == (3, 1, 1, 1, 4)
    assert bank.num_filter == 3 and bank.filter_length == 4
    x = torch.randn(2, 2, 3, 3, 6)
    y = bank(x)
    assert y.shape == (2, 6, 3, 3, 6)
    h = torch.from_numpy(np.ascontiguousarray(bank.impulse_response))
    for f in range(3):
        for c in range(2):
            assert torch.allclose(y[:, f * 2 + c], conv_by_loop(x[:, c], h[f]), atol=1e-6)


def test_firbank_gradient_and_sampling_time():
    torch.manual_seed(4)
    bank = FIRBank(2, filter_length=6, sampling_time=2).double()
    assert bank.filter_length == 3
    x = torch.randn(1, 2, 5, dtype=torch.float64)
    h = torch.from_numpy(np.ascontiguousarray(bank.impulse_response))
    assert torch.allclose(bank(x)[:, 2:], conv_by_loop(x, h[1], 2.0))
    assert torch.autograd.gradcheck(lambda w: torch.func.functional_call(bank, {"weight": w}, (x,)), (bank.weight,))
