"""Complex synapses: (real, imag) outputs, attributes export needs, state-dict keys."""

import inspect

import pytest
import torch

from slayer import synapse
from slayer.synapse import complex


@pytest.mark.parametrize(
    "cls, args, x_shape",
    [
        (complex.Dense, (4, 3), (2, 4, 5)),
        (complex.Conv, (2, 3, 3), (2, 2, 5, 5, 4)),
        (complex.ConvTranspose, (2, 3, 2), (2, 2, 3, 3, 4)),
        (complex.Pool, (2,), (2, 2, 4, 4, 3)),
        (complex.Unpool, (2,), (2, 2, 2, 2, 3)),
    ],
)
def test_complex_outputs_are_the_two_real_synapses(cls, args, x_shape):
    layer = cls(*args)
    x = torch.randn(x_shape)
    re, im = layer(x)
    assert torch.equal(re, layer.real(x)) and torch.equal(im, layer.imag(x))
    assert layer.complex and layer.shape == layer.real.shape
    assert isinstance(layer.in_channels, int) and isinstance(layer.out_channels, int)
    assert len(layer.kernel_size) == 3 and layer.weight_norm_enabled is False
    assert {k.split(".")[0] for k in layer.state_dict()} == {"real", "imag"}


def test_complex_dense_has_independent_weights_and_grad_norm():
    layer = complex.Dense(4, 3)
    assert not torch.equal(layer.real.weight, layer.imag.weight)
    assert (layer.in_channels, layer.out_channels) == (4, 3)
    re, im = layer(torch.randn(2, 4, 5))
    (re.sum() + 2 * im.sum()).backward()
    assert layer.grad_norm == pytest.approx((layer.real.grad_norm**2 + layer.imag.grad_norm**2) ** 0.5)


def test_complex_synapses_show_the_real_signature():
    for cls, real in ((complex.Dense, synapse.Dense), (complex.Conv, synapse.Conv), (complex.Pool, synapse.Pool)):
        assert inspect.signature(cls) == inspect.signature(real)
