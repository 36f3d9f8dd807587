"""Wrong input raises an error naming what was expected and what was received."""

from __future__ import annotations

import pytest
import torch
from models import MODELS, REAL, inputs, make


@pytest.mark.parametrize("model", MODELS)
def test_bad_rank(model):
    neuron = make(model)
    x = torch.zeros(2, 5)
    bad = x if model in REAL else (x, x)
    with pytest.raises(ValueError, match=r"expected .*input of shape \(N, C, T\) or \(N, C, H, W, T\).*2-D tensor"):
        neuron(bad)


@pytest.mark.parametrize("model", MODELS)
def test_changed_spatial_shape_after_first_call(model):
    neuron = make(model)
    neuron(inputs(model, (2, 3), 4))
    with pytest.raises(ValueError, match=r"identified as \(3,\).*received an input of shape \(2, 4, 4\)"):
        neuron(inputs(model, (2, 4), 4))
    neuron(inputs(model, (5, 3), 7))  # batch size and time length may change


@pytest.mark.parametrize("model", MODELS)
def test_integer_dtype(model):
    neuron = make(model)
    x = torch.zeros(1, 2, 3, dtype=torch.int64)
    with pytest.raises(TypeError, match=r"expected a floating-point .*received dtype torch.int64"):
        neuron(x if model in REAL else (x, x))


@pytest.mark.parametrize("model", ["rf", "rf_iz", "adrf", "adrf_iz"])
def test_complex_model_given_one_real_tensor(model):
    with pytest.raises(TypeError, match=r"complex .*expected a \(real, imag\) pair.*received a single Tensor"):
        make(model)(torch.zeros(1, 2, 3))


def test_real_model_given_a_pair_and_mismatched_pair():
    with pytest.raises(TypeError, match=r"real-valued neuron: expected one Tensor .*received a tuple of 2"):
        make("cuba")((torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)))
    with pytest.raises(ValueError, match=r"same shape, received \(1, 2, 3\) and \(1, 2, 4\)"):
        make("rf")((torch.zeros(1, 2, 3), torch.zeros(1, 2, 4)))


def test_bad_constructor_arguments():
    from slayer.neuron import base, cuba

    with pytest.raises(ValueError, match="s_scale must be >= w_scale"):
        base.Neuron(1.0, w_scale=64, s_scale=8)
    with pytest.raises(ValueError, match=r"\(min, max\) pair"):
        cuba.Neuron(1.0, (0.1, 0.2, 0.3), 0.1, shared_param=False)
    with pytest.raises(ValueError, match="is a real-valued neuron; received complex=True"):
        base.Neuron(1.0, complex=True)


def test_repr_names_the_model():
    import slayer.neuron

    assert repr(slayer.neuron.cuba.Neuron(1.25, 0.25, 0.03)).startswith("cuba.Neuron(threshold=1.25")
    assert repr(slayer.neuron.rf.Neuron(1.0, 10, 0.1)).startswith("rf.Neuron(")
    assert repr(slayer.neuron.adrf_iz.Neuron(1.0, 0.5, 10, 0.1, 0.1, 0.1)).startswith("adrf_iz.Neuron(")
