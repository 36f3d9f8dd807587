"""Axonal delays: integer shifts per channel and per neuron, gradients, clamping, errors."""

import pytest
import torch

from slayer.axon import Delay, delay


def shift_loop(x, steps):
    """y[n, i, t] = x[n, i, t - k_i] (zeros before the start), neurons flattened in order."""
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    out = torch.zeros_like(flat)
    for i, k in enumerate(steps.flatten().tolist()):
        k = int(k)
        if k < x.shape[-1]:
            out[:, i, k:] = flat[:, i, : x.shape[-1] - k]
    return out.reshape(x.shape)


def test_fixed_delay_values_gradient_and_negative_error():
    x = torch.arange(1.0, 6.0).reshape(1, 1, 5).requires_grad_()
    y = delay(x, 2)
    assert y.tolist() == [[[0, 0, 1, 2, 3]]]
    y.backward(torch.tensor([[[1.0, 2, 3, 4, 5]]]))
    assert x.grad.tolist() == [[[3, 4, 5, 0, 0]]]
    assert delay(x, 3, sampling_time=2).tolist() == [[[0, 1, 2, 3, 4]]]
    with pytest.raises(ValueError, match=r"delay_val must be >= 0, received -1"):
        delay(x, -1)


@pytest.mark.parametrize("shape", [(2, 3, 8), (2, 3, 2, 2, 8), (2, 3, 2, 1, 2, 8)])
def test_per_channel_delay_shifts_every_neuron_of_a_channel(shape):
    d = torch.tensor([0.4, 1.7, 3.2])
    layer = Delay(init_delay=d)
    x = torch.randn(shape)
    y = layer(x)
    per_neuron = d.trunc().reshape(-1, *([1] * (len(shape) - 3))).expand(shape[1:-1])
    assert torch.equal(y, shift_loop(x, per_neuron))
    assert layer.shape == (3,)


def test_per_neuron_delay_any_spatial_dims():
    d = torch.rand(2, 3, 2) * 5
    layer = Delay(per_neuron=True, init_delay=d)
    x = torch.randn(2, 2, 3, 2, 9)
    assert torch.equal(layer(x), shift_loop(x, d.trunc()))


def test_lazy_init_is_uniform_per_channel_and_clamped():
    layer = Delay(max_delay=2)
    assert layer.shape is None
    layer(torch.zeros(1, 4, 2, 2, 3))
    assert layer.shape == (4,) and bool(((layer.delay >= 0) & (layer.delay < 1)).all())
    with torch.no_grad():
        layer.delay.copy_(torch.tensor([-3.0, 0.5, 2.5, 70.0]))
    layer(torch.zeros(1, 4, 2, 2, 3))
    assert layer.delay.tolist() == [0.0, 0.5, 2.0, 2.0]
    assert layer.integer_delay().tolist() == [0.0, 0.0, 2.0, 2.0]


def test_gradients_of_input_and_delay():
    d = torch.tensor([1.0, 2.5])
    layer = Delay(sampling_time=0.5, grad_scale=3, init_delay=d).double()
    x = torch.randn(2, 2, 3, 7, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    steps = (d / 0.5).trunc().reshape(2, 1).expand(2, 3)  # 2 and 5 steps
    assert torch.equal(y, shift_loop(x.detach(), steps))
    g = torch.randn_like(y)
    y.backward(g)
    assert torch.equal(x.grad, shift_loop(g.flip(-1), steps).flip(-1))  # shifted back
    previous = torch.cat([torch.zeros_like(y[..., :1]), y[..., :-1]], dim=-1)
    expected = 3 * (g * (previous - y) / 0.5).sum(dim=(0, 2, 3))
    assert torch.allclose(layer.delay.grad, expected)


def test_delay_gradient_points_along_a_later_peak():
    # moving a bump later reduces the loss -(y . target) when the target bump is later
    x = torch.zeros(1, 1, 10)
    x[..., 3] = 1
    x[..., 4] = 1
    layer = Delay(init_delay=torch.tensor([1.0]))
    target = torch.zeros(1, 1, 10)
    target[..., 6] = 1
    (-(layer(x) * target).sum()).backward()
    assert layer.delay.grad.item() < 0  # gradient descent increases the delay


def test_state_dict_loads_into_lazy_delay_and_errors():
    source = Delay(per_neuron=True, init_delay=torch.rand(3, 2))
    target = Delay(per_neuron=True)
    target.load_state_dict(source.state_dict())
    assert torch.equal(target.delay, source.delay)
    with pytest.raises(ValueError, match=r"init_delay must be in \[0, 2\*\*62\), received -1"):
        Delay(init_delay=torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"shape \(3,\) but the input's channel count is \(4,\)"):
        Delay(init_delay=torch.ones(3))(torch.zeros(1, 4, 5))
    with pytest.raises(ValueError, match=r"at least 3 dims, received shape \(4, 5\)"):
        Delay()(torch.zeros(4, 5))
