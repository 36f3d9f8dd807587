"""Dense synapse against explicit PyTorch formulations (lava-dl's Conv3d one and einsum)."""

import pytest
import torch
import torch.nn.functional as F

from slayer.core.plugins import registry
from slayer.synapse import Conv, ConvTranspose, Dense, Pool, Unpool, complex
from slayer.utils.quantization import quantize_8bit


def conv3d_reference(x, weight):
    """lava-dl's formulation: N C T viewed as N C 1 1 T, Conv3d with a (1, 1, 1) kernel."""
    if x.dim() == 3:
        return F.conv3d(x[:, :, None, None, :], weight)[:, :, 0, 0, :]
    return F.conv3d(x, weight)


def test_dense_values_and_gradients_match_conv3d():
    dense = Dense(5, 3).double()
    x = torch.randn(2, 5, 7, dtype=torch.float64, requires_grad=True)
    y = dense(x)
    assert y.shape == (2, 3, 7)
    assert torch.allclose(y, torch.einsum("oi,nit->not", dense.weight[:, :, 0, 0, 0], x))
    assert torch.allclose(y, conv3d_reference(x, dense.weight))
    g = torch.randn_like(y)
    gx, gw = torch.autograd.grad(y, (x, dense.weight), g)
    rx, rw = torch.autograd.grad(conv3d_reference(x, dense.weight), (x, dense.weight), g)
    assert torch.allclose(gx, rx) and torch.allclose(gw, rw)
    assert torch.autograd.gradcheck(lambda v: dense(v), (x,))


def test_dense_output_is_neuron_contiguous_and_accepts_it():
    dense = Dense(4, 6)
    y = dense(torch.randn(2, 4, 5))
    assert y.stride() == (30, 1, 6)  # an N C T view of N T C memory
    z = Dense(6, 2)(y)  # chained: the input view is consumed without a transpose copy
    assert z.transpose(1, 2).is_contiguous()


def test_dense_per_pixel_on_5d_input():
    dense = Dense(3, 4).double()
    x = torch.randn(2, 3, 2, 5, 6, dtype=torch.float64)
    y = dense(x)
    assert y.shape == (2, 4, 2, 5, 6)
    assert torch.allclose(y, conv3d_reference(x, dense.weight))
    assert y.movedim(-1, 1).is_contiguous()


@pytest.mark.parametrize("in_neurons, in_shape", [((4, 3), (1, 3, 4)), ((4, 3, 2), (2, 3, 4))])
def test_dense_tuple_in_neurons_consumes_unflattened_map(in_neurons, in_shape):
    dense = Dense(in_neurons, 5).double()
    assert dense.weight.shape == (5, in_shape[0], in_shape[1], in_shape[2], 1)
    x = torch.randn(2, *in_shape, 6, dtype=torch.float64, requires_grad=True)
    y = dense(x)
    assert y.shape == (2, 5, 1, 1, 6)
    assert torch.allclose(y, conv3d_reference(x, dense.weight))
    g = torch.randn_like(y)
    assert torch.allclose(
        torch.autograd.grad(y, x, g)[0], torch.autograd.grad(conv3d_reference(x, dense.weight), x, g)[0]
    )


def test_weight_scale_and_default_init():
    torch.manual_seed(3)
    a = Dense(8, 4)
    torch.manual_seed(3)
    b = Dense(8, 4, weight_scale=10)
    assert torch.allclose(b.weight, 10 * a.weight)
    assert a.weight.abs().max() <= 1 / 8**0.5  # PyTorch's Conv3d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))


def test_pre_hook_fx_quantizes_weight_and_is_straight_through():
    dense = Dense(3, 2, pre_hook_fx=quantize_8bit)
    with torch.no_grad():
        dense.weight.copy_(torch.tensor([[0.013, 0.02, -5.0], [1.0, 0.5, 0.1]]).reshape(2, 3, 1, 1, 1))
    x = torch.eye(3).unsqueeze(-1)  # three samples, one unit input each
    y = dense(x)[..., 0]
    assert y.T.tolist() == [[0.0, 0.03125, -4.0], [1.0, 0.5, 0.09375]]
    assert dense.pre_hook_fx is quantize_8bit
    y.sum().backward()
    assert dense.weight.grad.flatten().tolist() == [1.0, 1.0, 0.0, 1.0, 1.0, 1.0]  # clamp kills -5's gradient


def test_shape_and_grad_norm():
    dense = Dense(3, 2)
    assert dense.shape == (2, 3, 1, 1, 1)
    assert dense.grad_norm == 0.0
    dense(torch.ones(1, 3, 4)).sum().backward()
    assert dense.grad_norm == pytest.approx(float(dense.weight.grad.norm() / 6))


@pytest.mark.parametrize(
    "make, bad, message",
    [
        (lambda: Dense(3, 2), torch.zeros(1, 3, 2, 4), r"\(N, C, T\) or \(N, C, H, W, T\).*4-D.*\(1, 3, 2, 4\)"),
        (lambda: Dense(3, 2), torch.zeros(1, 4, 5), r"expects 3 input channels.*\(1, 4, 5\)"),
        (lambda: Dense((4, 3), 2), torch.zeros(1, 1, 4, 3, 5), r"expects input \(N, 1, 3, 4, T\).*\(1, 1, 4, 3, 5\)"),
        (lambda: Conv(2, 3, 3), torch.zeros(1, 2, 5, 5), r"\(N, C, H, W, T\).*4-D"),
        (lambda: Pool(2), torch.zeros(1, 2, 5), r"\(N, C, H, W, T\).*3-D"),
    ],
)
def test_wrong_input_shapes_raise_naming_expected_and_received(make, bad, message):
    with pytest.raises(ValueError, match=message):
        make()(bad)


def test_bad_constructor_arguments_raise():
    with pytest.raises(ValueError, match=r"in_neurons must be an int, \(x, y\) or \(x, y, c\).*\(1, 2, 3, 4\)"):
        Dense((1, 2, 3, 4), 3)
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv(3, 4, 3, groups=2)


def test_every_synapse_is_registered_by_name():
    synapses = registry().get("synapses")
    expected = {
        "dense": Dense,
        "conv": Conv,
        "pool": Pool,
        "conv_transpose": ConvTranspose,
        "unpool": Unpool,
        "complex_dense": complex.Dense,
        "complex_conv": complex.Conv,
        "complex_pool": complex.Pool,
        "complex_conv_transpose": complex.ConvTranspose,
        "complex_unpool": complex.Unpool,
    }
    for name, cls in expected.items():
        assert synapses[name].obj is cls
