"""Real spike: forward rule, lava-dl surrogate gradients, threshold gradients, shapes, dtypes."""

import math

import pytest
import torch

from slayer.spike import Spike, real_spike
from slayer.spike.constants import SURROGATE_SCALING, surrogate_parameters
from slayer.spike.surrogate import graded_density, laplace_density, laplace_density_slope, laplace_step

F64 = torch.float64


def grads(fn, *inputs):
    """Gradients of ``fn(*inputs).sum()`` w.r.t. the inputs that require grad."""
    out = fn(*inputs)
    return torch.autograd.grad(out.sum(), [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad])


# ---------------------------------------------------------------- forward


def test_binary_forward_spikes_at_equality():
    v = torch.tensor([[[0.5, 1.0 - 1e-7, 1.0, 1.0 + 1e-7, 3.0, -2.0]]])
    assert real_spike(v, 1.0, 1.0, 1.0).tolist() == [[[0.0, 0.0, 1.0, 1.0, 1.0, 0.0]]]


def test_graded_forward_emits_voltage_over_scale():
    v = torch.tensor([[[0.5, 1.0, 3.0, -2.0]]], dtype=F64)
    out = real_spike(v, 1.0, 1.0, 1.0, graded=True, scale=2.0)
    torch.testing.assert_close(out, torch.tensor([[[0.0, 0.5, 1.5, 0.0]]], dtype=F64), rtol=0, atol=0)


def test_cuba_golden_trace_spikes():
    # spec §19: CUBA θ = 1.25 plus threshold_eps = 0.01 / 4096, pre-reset voltages (x4096)
    v = torch.tensor([4096, 9093, 3840, 6604, 2160, 9859, 5823, 4367, 7510, 2456, 4224, 5478.0]) / 4096
    spikes = real_spike(v.view(1, 1, -1), 1.25 + 0.01 / 4096, 1.0, 1.0)
    assert spikes.flatten().tolist() == [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]


def test_alif_golden_trace_time_varying_threshold():
    # spec §19: ALIF compares v with θ[t] + r[t]; spikes at equality (t = 0)
    v = torch.tensor([4096, 9093, 12659, 15158, 16862, 24119, 29217, 32706, 34998, 36403, 37151, 37416.0])
    theta = torch.tensor([4096, 5939, 5754, 7431, 7097, 6796, 8368, 9783, 9213, 10543, 9897, 11159.0])
    r = torch.tensor([0, 6554, 5243, 13401, 10721, 8577, 17736, 27579, 22064, 32393, 25915, 36569.0])
    spikes = real_spike((v / 4096).view(1, 1, -1), ((theta + r) / 4096).view(1, 1, -1), 1.0, 1.0)
    assert spikes.flatten().tolist() == [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0]


def test_lava_apply_signature_ignores_voltage_last():
    v = torch.tensor([[[0.2, 1.2, 2.0]]])
    out = Spike.apply(v, 1.0, 0.5, 1.0, True, torch.full_like(v, 99.0), 1.0)
    torch.testing.assert_close(out, torch.tensor([[[0.0, 1.2, 2.0]]]))


# ---------------------------------------------------------------- surrogate gradients w.r.t. voltage


def test_binary_voltage_gradient_matches_formula():
    # tau_rho = 0.5, scale_rho = 2: rho = 2 / (2 * 0.5) * exp(-|v - 1| / 0.5)
    v = torch.tensor([[[0.5, 1.0, 2.0, 1.25]]], dtype=F64, requires_grad=True)
    (g,) = grads(lambda x: real_spike(x, 1.0, 0.5, 2.0) * torch.tensor([1.0, 1.0, 1.0, 3.0], dtype=F64), v)
    expected = [2 * math.exp(-1), 2.0, 2 * math.exp(-2), 3 * 2 * math.exp(-0.5)]
    torch.testing.assert_close(g.flatten(), torch.tensor(expected, dtype=F64))


def test_graded_voltage_gradient_matches_formula():
    # rho = scale_rho * exp(min(v - θ, 0) / tau_rho), here scale_rho = 2, tau_rho = 0.5
    v = torch.tensor([[[0.5, 1.0, 2.0]]], dtype=F64, requires_grad=True)
    (g,) = grads(lambda x: real_spike(x, 1.0, 0.5, 2.0, graded=True), v)
    torch.testing.assert_close(g.flatten(), torch.tensor([2 * math.exp(-1), 2.0, 2.0], dtype=F64))


def test_binary_gradient_is_derivative_of_smooth_surrogate():
    # the binary surrogate is exactly d/dv of scale_rho * laplace_step(v - θ, tau): gradcheck that
    # smooth model, then check the spike's backward equals its autograd gradient everywhere
    torch.manual_seed(0)
    v = (torch.randn(2, 3, 5, dtype=F64) * 2 + 0.3).requires_grad_()
    theta = (torch.rand(3, 1, dtype=F64) + 0.5).requires_grad_()

    def smooth(x, th):
        return 1.5 * laplace_step(x - th, 0.7)

    assert torch.autograd.gradcheck(smooth, (v, theta))
    got = grads(lambda x, th: real_spike(x, th, 0.7, 1.5), v, theta)
    want = grads(smooth, v, theta)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b)


# ---------------------------------------------------------------- threshold gradients


def test_float_threshold_gets_no_gradient_and_no_threshold_grad_needed():
    v = torch.tensor([[[1.0]]], requires_grad=True)
    theta = torch.tensor(1.0)  # does not require grad
    (g,) = grads(lambda x: real_spike(x, theta, 1.0, 1.0), v)
    assert g.item() == pytest.approx(0.5)


def test_binary_threshold_gradient_is_minus_rho_summed_per_channel():
    torch.manual_seed(1)
    v = torch.randn(2, 3, 2, 2, 4, dtype=F64)
    weights = torch.randn_like(v)
    theta = torch.tensor([0.1, 0.5, -0.2], dtype=F64, requires_grad=True)  # per channel (C,)
    (g,) = grads(lambda th: real_spike(v, th, 0.8, 0.3) * weights, theta)
    rho = 0.3 / 1.6 * torch.exp(-(v - theta.detach().view(3, 1, 1, 1)).abs() / 0.8)
    torch.testing.assert_close(g, -(weights * rho).sum(dim=(0, 2, 3, 4)))


def test_graded_threshold_gradient_formula():
    # dS/dθ = -scale_rho * exp(-|v-θ|/tau) / (2 tau) * v / scale
    v = torch.tensor([[[0.5, 1.0, 3.0, -1.0]]], dtype=F64)
    theta = torch.tensor(1.0, dtype=F64, requires_grad=True)
    (g,) = grads(lambda th: real_spike(v, th, 0.5, 2.0, graded=True, scale=4.0), theta)
    terms = [2 * math.exp(-abs(x - 1) / 0.5) / 1.0 * x / 4.0 for x in (0.5, 1.0, 3.0, -1.0)]
    assert g.item() == pytest.approx(-sum(terms), rel=1e-12)


def test_graded_threshold_gradient_matches_product_rule_model():
    # θ enters s = H(v - θ) v / scale only through H; with H -> laplace_step the θ-derivative is ours
    torch.manual_seed(2)
    v = torch.randn(2, 3, 6, dtype=F64) + 1
    theta = (torch.rand(2, 3, 6, dtype=F64) + 0.5).requires_grad_()  # ALIF-style full shape
    (got,) = grads(lambda th: real_spike(v, th, 0.4, 1.7, graded=True, scale=2.0), theta)
    (want,) = grads(lambda th: 1.7 * laplace_step(v - th, 0.4) * v / 2.0, theta)
    torch.testing.assert_close(got, want)
    assert got.shape == theta.shape


def test_threshold_gradient_reduced_to_broadcast_shape():
    v = torch.randn(2, 3, 4, 4, 5, dtype=F64)
    theta = torch.full((3, 1, 1, 1), 0.2, dtype=F64, requires_grad=True)
    (g,) = grads(lambda th: real_spike(v, th, 1.0, 1.0), theta)
    rho = torch.exp(-(v - 0.2).abs()) / 2
    torch.testing.assert_close(g, -rho.sum(dim=(0, 2, 3, 4)).view(3, 1, 1, 1))


def test_threshold_of_other_dtype_gets_gradient_in_its_dtype():
    v = torch.randn(1, 2, 3, dtype=F64)
    theta = torch.tensor(0.0, requires_grad=True)  # float32
    (g,) = grads(lambda th: real_spike(v, th, 1.0, 1.0), theta)
    assert g.dtype == torch.float32
    assert g.item() == pytest.approx(-(torch.exp(-v.abs()) / 2).sum().item(), rel=1e-6)


# ---------------------------------------------------------------- shapes and dtypes


def test_per_channel_threshold_broadcasts_over_channel_dim():
    v = torch.zeros(1, 2, 2, 2, 3)
    v[:, 1] = 1.0
    out = real_spike(v + 0.5, torch.tensor([1.0, 1.0]), 1.0, 1.0)
    assert out[:, 0].sum() == 0 and out[:, 1].sum() == 12
    out = real_spike(v.new_full((1, 3, 4), 0.5), torch.tensor([0.0, 1.0, 0.5]), 1.0, 1.0)  # N C T
    assert out[0, :, 0].tolist() == [1.0, 0.0, 1.0]


def test_unbroadcastable_threshold_errors_name_both_shapes():
    v = torch.zeros(2, 3, 5)
    with pytest.raises(ValueError, match=r"threshold shape \(4,\).*state shape \(2, 3, 5\)"):
        real_spike(v, torch.ones(4), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"\(3, 4\) does not broadcast to the state shape \(2, 3, 5\)"):
        real_spike(v, torch.ones(3, 4), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"\(2, 2, 3, 5\)"):  # would enlarge the output
        real_spike(v, torch.ones(2, 2, 3, 5), 1.0, 1.0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_output_dtype_follows_input(dtype):
    v = torch.tensor([[[0.0, 1.0, 2.0]]], dtype=dtype, requires_grad=True)
    out = real_spike(v, 1.0, 1.0, 1.0, graded=True)
    assert out.dtype == dtype and out.tolist() == [[[0.0, 1.0, 2.0]]]
    out.sum().backward()
    assert v.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [torch.int32, torch.bool, torch.complex64])
def test_non_float_voltage_rejected(dtype):
    with pytest.raises(TypeError, match=f"voltage must have a floating-point dtype.*{dtype}"):
        real_spike(torch.zeros(1, 1, 2, dtype=dtype), 1.0, 1.0, 1.0)


def test_bad_arguments_rejected():
    v = torch.zeros(1, 1, 2)
    with pytest.raises(ValueError, match="tau_rho must be positive"):
        real_spike(v, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="scale must be non-zero"):
        real_spike(v, 1.0, 1.0, 1.0, graded=True, scale=0)
    with pytest.raises(TypeError, match="threshold must be a float or a tensor, received str"):
        real_spike(v, "1", 1.0, 1.0)
    with pytest.raises(TypeError, match="threshold must be a real number tensor.*torch.bool"):
        real_spike(v, torch.tensor(True), 1.0, 1.0)
    with pytest.raises(TypeError, match="voltage must be a torch.Tensor, received list"):
        real_spike([1.0], 1.0, 1.0, 1.0)


# ---------------------------------------------------------------- torch.compile


@pytest.mark.parametrize("graded", [False, True])
def test_compiles_fullgraph_forward_and_backward(graded):
    torch._dynamo.reset()
    compiled = torch.compile(real_spike, fullgraph=True, backend="aot_eager")
    torch.manual_seed(3)
    v = torch.randn(2, 3, 4, requires_grad=True)
    theta = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    got = compiled(v, theta, 0.5, 1.0, graded)
    got_grads = torch.autograd.grad(got.sum(), (v, theta))
    want = real_spike(v, theta, 0.5, 1.0, graded)
    want_grads = torch.autograd.grad(want.sum(), (v, theta))
    torch.testing.assert_close(got, want)
    for a, b in zip(got_grads, want_grads):
        torch.testing.assert_close(a, b)


# ---------------------------------------------------------------- surrogate functions and constants


def test_surrogate_functions_gradcheck_and_are_each_others_derivatives():
    x = torch.tensor([-2.0, -0.7, -0.1, 0.3, 1.1, 2.5], dtype=F64, requires_grad=True)  # away from the kink
    for fn in (laplace_step, laplace_density, graded_density):
        assert torch.autograd.gradcheck(lambda t, fn=fn: fn(t, 0.6), (x,))
    (d_step,) = torch.autograd.grad(laplace_step(x, 0.6).sum(), x)
    torch.testing.assert_close(d_step, laplace_density(x.detach(), 0.6))
    (d_density,) = torch.autograd.grad(laplace_density(x, 0.6).sum(), x)
    torch.testing.assert_close(d_density, laplace_density_slope(x.detach(), 0.6))


def test_surrogate_function_values():
    x = torch.tensor([-1.0, 0.0, 2.0], dtype=F64)
    torch.testing.assert_close(laplace_density(x, 0.5), torch.tensor([math.exp(-2), 1, math.exp(-4)], dtype=F64))
    torch.testing.assert_close(
        laplace_step(x, 0.5), torch.tensor([math.exp(-2) / 2, 0.5, 1 - math.exp(-4) / 2], dtype=F64)
    )
    torch.testing.assert_close(graded_density(x, 0.5), torch.tensor([math.exp(-2), 1, 1], dtype=F64))
    # unit area of the binary surrogate
    grid = torch.linspace(-30, 30, 200001, dtype=F64)
    assert torch.trapezoid(laplace_density(grid, 0.8), grid).item() == pytest.approx(1.0, abs=1e-6)


def test_surrogate_constants_per_model():
    assert surrogate_parameters("cuba", 1.25, tau_grad=0.03, scale_grad=3) == pytest.approx((3.75, 0.3))
    assert surrogate_parameters("rf", 1.0) == pytest.approx((0.5, 10.0))
    for name in ("alif", "rf_iz", "adrf", "adrf_iz"):
        assert surrogate_parameters(name, 2.0) == pytest.approx((200.0, 0.1))
    assert set(SURROGATE_SCALING) == {"cuba", "alif", "rf", "rf_iz", "adrf", "adrf_iz"}
    with pytest.raises(ValueError, match=r"unknown neuron model 'lif'; known: \['adrf'"):
        surrogate_parameters("lif", 1.0)


def test_time_varying_threshold_of_a_one_dimensional_trace():
    # lava-dl's dynamics tutorial: a (T,) voltage against a (T,) threshold th[t] + ref[t]
    v = torch.tensor([0.5, 1.2, 1.2, 0.9, 2.0], dtype=torch.float64, requires_grad=True)
    th = torch.tensor([1.0, 1.0, 1.5, 0.5, 2.5], dtype=torch.float64, requires_grad=True)
    out = Spike.apply(v, th, 1.0, 1.0, False, 0, 1)
    assert out.tolist() == [0, 1, 0, 1, 0]  # element-wise, not per channel
    out.sum().backward()
    rho = 0.5 * torch.exp(-(v - th).abs()).detach()
    torch.testing.assert_close(v.grad, rho)
    torch.testing.assert_close(th.grad, -rho)


def test_per_time_step_threshold_broadcasts_over_neurons():
    v = torch.full((2, 3, 4), 1.0)
    th = torch.tensor([0.5, 1.5, 1.0, 2.0])  # length T = 4 != C = 3: one threshold per time step
    assert real_spike(v, th, 1.0, 1.0)[1, 2].tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match=r"per channel \(length C = state.shape\[1\]\) or per time step"):
        real_spike(v, torch.ones(5), 1.0, 1.0)
