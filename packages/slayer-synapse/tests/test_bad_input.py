"""Issue 16: bad arguments and inputs to synapses, axons and dendrites give a clear error naming the argument,
or a documented result (NaN confined to its neuron, empty outputs of the right shape), never a silent one."""

from __future__ import annotations

import pytest
import torch

from slayer import axon, dendrite, synapse

NAN, INF = float("nan"), float("inf")

# -- item 6: NaN delays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_delay": NAN}, r"Delay: max_delay must be in \[0, 2\*\*62\), received nan"),
        ({"max_delay": -1}, r"Delay: max_delay must be in \[0, 2\*\*62\), received -1"),
        ({"init_delay": NAN}, r"Delay: every value of init_delay must be in \[0, 2\*\*62\), received nan"),
        ({"init_delay": torch.tensor([1.0, INF])}, r"init_delay must be in \[0, 2\*\*62\), received inf"),
        ({"sampling_time": NAN}, r"Delay: sampling_time must be a finite positive number, received nan"),
        ({"sampling_time": 0}, r"Delay: sampling_time must be a finite positive number, received 0"),
        ({"grad_scale": INF}, r"Delay: grad_scale must be a finite number, received inf"),
    ],
)
def test_item6_delay_arguments_that_gave_all_zero_output_are_rejected(kwargs, message):
    """On main each of these gave an all-zero output and zero gradients."""
    with pytest.raises(ValueError, match=message):
        axon.Delay(**kwargs)


def test_item6_functional_delay_with_a_nan_neuron_poisons_that_neuron_and_its_gradient():
    x = torch.arange(1.0, 11.0).reshape(1, 2, 5).requires_grad_()
    y = axon.delay(x, torch.tensor([2.0, NAN]))
    assert torch.equal(y[0, 0], torch.tensor([0.0, 0, 1, 2, 3]))
    assert y[0, 1].isnan().all()
    y[0, 0].sum().backward()
    assert torch.equal(x.grad[0, 0], torch.tensor([1.0, 1, 1, 0, 0]))


# -- item 10: empty batches and time axes -------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 2, 5, 5, 4), (1, 2, 5, 5, 0), (0, 2, 5, 5, 0)])
@pytest.mark.parametrize(
    ("layer", "out_shape"),
    [
        (lambda: synapse.Conv(2, 3, 3), lambda n, t: (n, 3, 3, 3, t)),
        (lambda: synapse.ConvTranspose(2, 3, 3), lambda n, t: (n, 3, 7, 7, t)),
        (lambda: synapse.Pool(2), lambda n, t: (n, 2, 3, 3, t)),  # lava-dl pads odd sizes
        (lambda: synapse.Unpool(2), lambda n, t: (n, 2, 10, 10, t)),
        (lambda: synapse.Dense(2, 3), lambda n, t: (n, 3, 5, 5, t)),
    ],
)
def test_item10_synapses_take_empty_batches_and_time_axes(layer, out_shape, shape):
    """On main Conv/ConvTranspose/Pool/Unpool with N = 0 raised ZeroDivisionError."""
    x = torch.rand(shape, requires_grad=True)
    y = layer()(x)
    assert y.shape == out_shape(shape[0], shape[-1])
    y.sum().backward()
    real, imag = synapse.complex.Conv(2, 3, 3)(x)
    assert real.shape == imag.shape == (shape[0], 3, 3, 3, shape[-1])


@pytest.mark.parametrize("persistent", [False, True])
def test_item10_delta_and_sigma_take_an_empty_time_axis_and_keep_their_state(persistent):
    """On main T = 0 raised IndexError in Delta and persistent Sigma."""
    delta, sigma = axon.Delta(0.1, persistent_state=persistent), dendrite.Sigma(persistent_state=persistent)
    x = torch.rand(2, 3, 5)
    delta(x), sigma(x)
    states = (delta.pre_state, delta.residual_state, sigma.pre_state)
    empty = torch.rand(2, 3, 0, requires_grad=True)
    assert delta(empty).shape == sigma(empty).shape == (2, 3, 0)
    assert all(a is b for a, b in zip(states, (delta.pre_state, delta.residual_state, sigma.pre_state)))


# -- items 5, 17: Delta ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": NAN}, r"Delta: scale must be a finite positive number, received nan"),
        ({"scale": 0}, r"Delta: scale must be a finite positive number, received 0"),
        ({"threshold": NAN}, r"Delta: threshold must be >= 0, received nan"),
        ({"tau_grad": 0}, r"Delta: tau_grad must be a finite positive number"),
    ],
)
def test_item17_delta_arguments_are_named(kwargs, message):
    """On main ``Delta(scale=nan)`` was accepted and failed at forward with "step must be positive"."""
    with pytest.raises(ValueError, match=message):
        axon.Delta(**{"threshold": 0.1, **kwargs})


@pytest.mark.parametrize("cum_error", [False, True])
def test_item5_delta_sends_a_nan_instead_of_dropping_it(cum_error):
    x = torch.tensor([[[0.0, 0.5, NAN, 0.5, 1.0], [0.0, 0.5, 1.0, 1.5, 2.0]]])
    y = axon.Delta(0.25, cum_error=cum_error)(x)
    assert y[0, 0, 2:].isnan().all() and torch.equal(y[0, 0, :2], torch.tensor([0.0, 0.5]))
    assert torch.equal(y[0, 1], torch.tensor([0.0, 0.5, 0.5, 0.5, 0.5]))


# -- item 14: masks in checkpoints ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_shape", [(3, 4), (4, 4), (2, 6, 1)])
def test_item14_a_checkpoint_mask_of_the_wrong_shape_names_both_shapes(bad_shape):
    """On main a (3, 4) mask for a (4, 3) Dense loaded silently as a scrambled (4, 3) reshape; other sizes
    failed with "shape '[4, 3, 1, 1, 1]' is invalid"."""
    state = synapse.Dense(3, 4).state_dict()
    state["mask"] = torch.ones(bad_shape, dtype=torch.bool)
    message = rf"Dense: the loaded 'mask' has shape \({bad_shape[0]}, .*weight's shape \(4, 3, 1, 1, 1\)"
    with pytest.raises(RuntimeError, match=message):
        synapse.Dense(3, 4).load_state_dict(state)


def test_item14_a_mask_of_the_right_shape_still_loads():
    source = synapse.Dense(3, 4, mask=torch.eye(4, 3))
    target = synapse.Dense(3, 4)
    target.load_state_dict(source.state_dict())
    assert torch.equal(target.mask[..., 0, 0, 0], torch.eye(4, 3, dtype=torch.bool))
