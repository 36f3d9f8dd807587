"""Phase spike: zero-crossing rule, lava-dl surrogate gradients, threshold gradients, shapes."""

import math

import pytest
import torch

from slayer.spike import complex as spike_complex
from slayer.spike import phase_spike
from slayer.spike.surrogate import laplace_density, laplace_step

F64 = torch.float64


def row(values, dtype=F64):
    return torch.tensor(values, dtype=dtype).view(1, 1, -1)


# ---------------------------------------------------------------- forward


def test_rf_golden_trace():
    # spec §19: RF neuron θ = 0.5, states x4096; only t = 6 is an upward crossing with re >= θ
    re = row([4096, 4799, 1376, -2481, -4573, 2240, 3007, 2019, 0, -1821, -2446, -1642]) / 4096
    im = row([0, 2751, 5070, 4329, 1241, -2238, 1, 2019, 2712, 1821, 0, -1642]) / 4096
    assert phase_spike(re, im, 0.5, 0.5, 10.0).flatten().tolist() == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_crossing_condition_at_exact_zero():
    re = row([2.0] * 6)
    # t=1: -1 -> 0 spikes (0 counts as >= 0); t=3: 0 -> 1 does not (0 is not < 0);
    # t=4: 1 -> -1 downward; t=5: -1 -> -0.5 stays negative
    im = row([-1.0, 0.0, 0.0, 1.0, -1.0, -0.5])
    assert phase_spike(re, im, 1.0, 1.0, 1.0).flatten().tolist() == [0, 1, 0, 0, 0, 0]


def test_real_part_must_reach_threshold_inclusive():
    re = row([0.999, 1.0, 3.0])
    last = torch.full((1, 1), -1.0, dtype=F64)
    for t in range(3):  # crossing at each step in turn: im[t-1] < 0 <= im[t]
        im_t = torch.full_like(re, -1.0)
        im_t[..., t] = 0.5
        assert phase_spike(re, im_t, 1.0, 1.0, 1.0, imag_last=last)[..., t].item() == (0.0 if t == 0 else 1.0)


def test_imag_last_is_the_step_before_t0():
    re = torch.full((2, 2, 3), 2.0)
    im = torch.zeros(2, 2, 3)
    last = torch.tensor([[-1.0, 1.0], [0.0, -0.1]])
    out = phase_spike(re, im, 1.0, 1.0, 1.0, imag_last=last)
    assert out[..., 0].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert out[..., 1:].sum() == 0
    assert phase_spike(re, im, 1.0, 1.0, 1.0).sum() == 0  # default im[-1] = 0: no crossing


def test_graded_emits_real_over_scale():
    re = row([3.0, 5.0])
    im = row([-1.0, 1.0])
    torch.testing.assert_close(phase_spike(re, im, 1.0, 1.0, 1.0, graded=True, scale=2.0), row([0.0, 2.5]))


def test_lava_apply_signature():
    re, im = row([3.0, 5.0]), row([-1.0, 1.0])
    out = spike_complex.Spike.apply(re, im, 1.0, 1.0, 1.0, True, torch.zeros(1, 1, dtype=F64), 1.0)
    torch.testing.assert_close(out, row([0.0, 5.0]))


# ---------------------------------------------------------------- gradients (a = 0.5, scale_rho = 2, θ = 1)

POINTS_RE = [1.5, 0.5, 1.0]
POINTS_IM = [0.25, -0.5, 0.0]


def point_grads(graded, theta=None, scale=1.0):
    re = row(POINTS_RE).requires_grad_()
    im = row(POINTS_IM).requires_grad_()
    th = 1.0 if theta is None else theta
    out = phase_spike(re, im, th, 0.5, 2.0, graded=graded, scale=scale)
    inputs = (re, im) if theta is None else (re, im, theta)
    return torch.autograd.grad(out.sum(), inputs)


def test_binary_gradients_match_hand_values():
    g_re, g_im = point_grads(graded=False)
    e = math.exp
    # (1.5, 0.25): δ_re = e^-1, δ_im = e^-0.5, H_re = 1 - e^-1/2
    # (0.5, -0.5): δ_re = e^-1, δ_im = e^-1, H_re = e^-1/2; (1.0, 0.0): δ_re = δ_im = 1, H_re = 1/2
    torch.testing.assert_close(g_re.flatten(), torch.tensor([2 * e(-1.5), 2 * e(-2), 2.0], dtype=F64))
    torch.testing.assert_close(
        g_im.flatten(), torch.tensor([-4 * e(-0.5) * (1 - e(-1) / 2), 2 * e(-2), 0.0], dtype=F64)
    )


def test_graded_gradients_match_hand_values():
    g_re, g_im = point_grads(graded=True)
    e = math.exp
    # graded δ_re = exp(min(u, 0)/a): 1, e^-1, 1; H_re = 1/2 (u > 0, 1 - 2a = 0), e^-1/2, 1/2 (u = 0)
    torch.testing.assert_close(g_re.flatten(), torch.tensor([2 * e(-0.5), 2 * e(-2), 2.0], dtype=F64))
    torch.testing.assert_close(g_im.flatten(), torch.tensor([-2 * e(-0.5), 2 * e(-2), 0.0], dtype=F64))


def test_threshold_gradients_match_hand_values():
    e = math.exp
    theta = torch.tensor(1.0, dtype=F64, requires_grad=True)
    *_, g_th = point_grads(graded=False, theta=theta)
    assert g_th.item() == pytest.approx(-(2 * e(-1.5) + 2 * e(-2) + 2.0), rel=1e-12)
    # graded: -scale_rho * laplace(u) * δ_im * re / scale with scale = 4
    *_, g_th = point_grads(graded=True, theta=theta, scale=4.0)
    assert g_th.item() == pytest.approx(-(2 * e(-1.5) * 1.5 + 2 * e(-2) * 0.5 + 2.0 * 1.0) / 4, rel=1e-12)


def test_binary_gradients_are_derivatives_of_smooth_surrogate():
    # binary surrogate = exact derivatives of S = scale_rho * H_a(re - θ) * δ_a(im[t])
    torch.manual_seed(0)
    re = (torch.randn(2, 3, 5, dtype=F64) + 0.7).requires_grad_()
    im = torch.randn(2, 3, 5, dtype=F64).requires_grad_()
    theta = (torch.rand(3, 1, dtype=F64) + 0.5).requires_grad_()

    def smooth(r, i, th):
        return 1.3 * laplace_step(r - th, 0.6) * laplace_density(i, 0.6)

    assert torch.autograd.gradcheck(smooth, (re, im, theta))
    weights = torch.randn(2, 3, 5, dtype=F64)
    got = torch.autograd.grad((phase_spike(re, im, theta, 0.6, 1.3) * weights).sum(), (re, im, theta))
    want = torch.autograd.grad((smooth(re, im, theta) * weights).sum(), (re, im, theta))
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b)


def test_previous_imag_and_imag_last_get_no_gradient():
    re = torch.full((1, 1, 4), 2.0, dtype=F64, requires_grad=True)
    im = torch.tensor([[[-0.3, 0.2, -0.1, 0.4]]], dtype=F64, requires_grad=True)
    last = torch.full((1, 1), -0.5, dtype=F64, requires_grad=True)
    out = phase_spike(re, im, 1.0, 0.5, 1.0, imag_last=last)
    grad_out = torch.zeros_like(out)
    grad_out[..., 2] = 1.0  # only step 2's spike: im[1] must not receive anything from it
    out.backward(grad_out)
    assert im.grad[..., [0, 1, 3]].abs().sum() == 0 and im.grad[..., 2].item() != 0
    assert last.grad is None


def test_per_channel_threshold_gradient_shape():
    re = torch.randn(2, 3, 2, 2, 4, dtype=F64)
    im = torch.randn_like(re)
    theta = torch.tensor([0.1, 0.5, 0.9], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(phase_spike(re, im, theta, 0.5, 1.0).sum(), theta)
    u = re - theta.detach().view(3, 1, 1, 1)
    want = -(laplace_density(u, 0.5) * laplace_density(im, 0.5)).sum(dim=(0, 2, 3, 4))
    torch.testing.assert_close(g, want)


# ---------------------------------------------------------------- shapes, dtypes, errors


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_output_dtype_follows_input(dtype):
    re, im = row([3.0, 5.0], dtype).requires_grad_(), row([-1.0, 1.0], dtype).requires_grad_()
    out = phase_spike(re, im, 1.0, 1.0, 1.0, graded=True)
    assert out.dtype == dtype and out.flatten().tolist() == [0.0, 5.0]
    out.sum().backward()
    assert re.grad.dtype == dtype and im.grad.dtype == dtype


def test_errors():
    re = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"same shape, received \(2, 3, 4\) and \(2, 3, 5\)"):
        phase_spike(re, torch.zeros(2, 3, 5), 1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="imag must have a floating-point dtype.*torch.int64"):
        phase_spike(re, torch.zeros(2, 3, 4, dtype=torch.int64), 1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="real must have a floating-point dtype.*torch.complex64"):
        phase_spike(torch.zeros(2, 3, 4, dtype=torch.complex64), re, 1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="same dtype, received torch.float32 and torch.float64"):
        phase_spike(re, re.double(), 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"imag_last must have the state shape without time \(2, 3\).*\(2, 4\)"):
        phase_spike(re, re, 1.0, 1.0, 1.0, imag_last=torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"threshold shape \(2,\).*state shape \(2, 3, 4\)"):
        phase_spike(re, re, torch.ones(2), 1.0, 1.0)
    with pytest.raises(ValueError, match="tau_rho must be positive"):
        phase_spike(re, re, 1.0, -1.0, 1.0)


@pytest.mark.parametrize("graded", [False, True])
def test_compiles_fullgraph_forward_and_backward(graded):
    torch._dynamo.reset()
    compiled = torch.compile(phase_spike, fullgraph=True, backend="aot_eager")
    torch.manual_seed(4)
    re = torch.randn(2, 3, 5, requires_grad=True)
    im = torch.randn(2, 3, 5, requires_grad=True)
    theta = torch.tensor([0.0, 0.2, -0.3], requires_grad=True)
    last = -torch.rand(2, 3) if graded else None  # both imag_last forms
    got = compiled(re, im, theta, 0.5, 2.0, graded, last)
    want = phase_spike(re, im, theta, 0.5, 2.0, graded, last)
    torch.testing.assert_close(got, want)
    for a, b in zip(torch.autograd.grad(got.sum(), (re, im, theta)), torch.autograd.grad(want.sum(), (re, im, theta))):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("number", [0, 0.0, -1, 0.25])
def test_imag_last_may_be_a_number(number):
    # lava-dl's tutorial calls Spike.apply(re, im, th, 1, 1, False, 0, 1): imag_last an int
    re = row([2.0, 2.0, 2.0, 2.0])
    im = row([0.5, -0.5, 0.0, 1.0])
    as_tensor = torch.full((1, 1), float(number), dtype=F64)
    expected = phase_spike(re, im, 1.0, 1.0, 1.0, imag_last=as_tensor)
    got = spike_complex.Spike.apply(re, im, 1.0, 1, 1, False, number, 1)
    assert torch.equal(got, expected)
    assert got[0, 0, 0].item() == (1.0 if number < 0 else 0.0)


def test_one_dimensional_phase_spike_with_time_varying_threshold():
    re = torch.tensor([2.0, 2.0, 0.5, 2.0], dtype=F64)
    im = torch.tensor([-1.0, 1.0, -1.0, 1.0], dtype=F64)
    th = torch.tensor([1.0, 3.0, 0.1, 1.5], dtype=F64)  # (T,): threshold + refractory over time
    assert spike_complex.Spike.apply(re, im, th, 1, 1, False, 0, 1).tolist() == [0, 0, 0, 1]
    assert spike_complex.Spike.apply(re, im, 1.0, 1, 1, False, 0, 1).tolist() == [0, 1, 0, 1]
