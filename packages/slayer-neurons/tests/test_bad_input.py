"""Issue 16: bad arguments and inputs to the neurons give a clear error naming the argument, never a silent
wrong result; unusual but valid inputs (empty batches, half precision, inference mode) behave as documented."""

from __future__ import annotations

import pytest
import torch
from models import MODELS, inputs, make, run

from slayer.core.dynamics import validation
from slayer.neuron import adrf, alif, cuba, rf, sigma_delta

NAN, INF = float("nan"), float("inf")


def sigma_delta_neuron(**kwargs):
    return sigma_delta.Neuron(0.1, torch.nn.functional.relu, **kwargs)


def call(neuron, x):
    return neuron((x, 0.5 * x) if neuron.complex else x)


# -- item 2: decays outside [0, 1] -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [1.5, -1.0, INF, NAN, (0.1, 1.2), torch.tensor([0.2, -0.1])])
@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda d: cuba.Neuron(1.0, d, 0.1), "current_decay"),
        (lambda d: cuba.Neuron(1.0, 0.1, d), "voltage_decay"),
        (lambda d: alif.Neuron(1.0, 0.1, 0.1, 0.1, d, 0.1), "threshold_decay"),
        (lambda d: alif.Neuron(1.0, 0.1, 0.1, 0.1, 0.1, d), "refractory_decay"),
        (lambda d: rf.Neuron(0.5, 8, d), "decay"),
        (lambda d: adrf.Neuron(0.5, 0.1, 8, d, 0.1, 0.1), "decay"),
        (lambda d: adrf.Neuron(0.5, 0.1, 8, 0.1, 0.1, d), "refractory_decay"),
    ],
)
def test_item2_decays_outside_zero_one_are_rejected_at_construction(build, name, bad):
    """On main 1.5 was accepted and clamped only when learnable: 79 spikes frozen, 121 learnable."""
    with pytest.raises(ValueError, match=rf"\.Neuron: every value of {name} must be in \[0, 1\]"):
        build(bad)


@pytest.mark.parametrize(
    ("neuron", "name", "bad"),
    [
        (lambda: cuba.Neuron(1.0, 0.1, 0.1), "current_decay", -5000.0),
        (lambda: alif.Neuron(1.0, 0.1, 0.1, 0.1, 0.1, 0.1), "refractory_decay", 4097.0),
        (lambda: rf.Neuron(0.5, 8, 0.1), "sin_decay", NAN),
        (lambda: adrf.Neuron(0.5, 0.1, 8, 0.1, 0.1, 0.1), "threshold_decay", -1.0),
    ],
)
def test_item2_loaded_decays_outside_their_range_are_a_load_error(neuron, name, bad):
    source = neuron()
    state = source.state_dict()
    state[name] = torch.tensor([bad])
    with pytest.raises(RuntimeError, match=rf"loaded '{name}' has 1 value\(s\) outside \[0, 4096\]"):
        neuron().load_state_dict(state)
    neuron().load_state_dict(source.state_dict())  # the valid checkpoint loads


def test_item2_the_edges_of_the_decay_range_are_valid():
    for decay in (0.0, 1.0, (0.0, 1.0)):
        cuba.Neuron(1.0, decay, decay)(torch.rand(1, 2, 3))


# -- item 3: NaN periods -------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [NAN, INF, 3.9, (5.0, NAN), torch.tensor([5.0, NAN])])
def test_item3_a_nan_or_infinite_period_is_rejected(period):
    """On main ``rf.Neuron(.5, period=nan, decay=.1)`` was accepted and never spiked."""
    with pytest.raises(ValueError, match=r"rf\.Neuron: every value of period must be >= 4 and finite"):
        rf.Neuron(0.5, period=period, decay=0.1, granularity="channel")


# -- item 4: chunked == long in half precision --------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("model", MODELS)
def test_item4_half_precision_chunks_equal_one_long_run(model, dtype):
    """On main the state was stored in the input dtype between chunks: bfloat16 cuba over 20 chunks gave
    spike mismatches, float16 voltages differed in 953 of 12,800 places."""
    long, chunked = make(model, persistent_state=True), make(model, persistent_state=True)
    chunked.load_state_dict(long.state_dict())
    x = inputs(model, (2, 8), 40, seed=3, dtype=dtype)
    spikes, traces = run(long, x)  # dynamics, then spike (which stores the phase models' imag_state)
    pieces = [run(chunked, tuple(p[..., i : i + 4] for p in x) if isinstance(x, tuple) else x[..., i : i + 4])
              for i in range(0, 40, 4)]  # fmt: skip
    assert torch.equal(torch.cat([p[0] for p in pieces], -1), spikes)
    for k, trace in enumerate(traces):
        assert torch.equal(torch.cat([p[1][k] for p in pieces], -1), trace)


# -- item 5: NaN through sigma-delta ------------------------------------------------------------------------


def test_item5_a_nan_input_poisons_its_sigma_delta_neuron_and_raises_under_validation():
    """On main the neuron output 0 from the NaN on, with no NaN and no error under SLAYER_VALIDATE."""
    x = torch.rand(1, 2, 6)
    x[0, 0, 2] = NAN
    y = sigma_delta_neuron()(x)
    assert y[0, 0, 2:].isnan().all() and not y[0, 0, :2].isnan().any()
    assert not y[0, 1].isnan().any()
    with validation(True), pytest.raises(ValueError, match=r"sigma_delta\.Neuron: input has 1 non-finite value"):
        sigma_delta_neuron()(x)


# -- item 10: empty batches and time axes -----------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 3, 10), (2, 3, 0), (0, 3, 2, 2, 0), (0, 3, 2, 2, 4)])
@pytest.mark.parametrize("model", [*MODELS, "sigma_delta"])
@pytest.mark.parametrize("persistent", [False, True])
def test_item10_empty_batches_and_time_axes_give_empty_outputs(model, shape, persistent):
    """On main: "cannot reshape tensor of 0 elements" (N = 0), IndexError (T = 0) in rf, adrf, sigma-delta."""
    neuron = sigma_delta_neuron(persistent_state=persistent) if model == "sigma_delta" else make(model)
    neuron.persistent_state = persistent
    x = torch.rand(shape, requires_grad=True)
    for _ in range(2):  # the second call reads what the first stored
        y = call(neuron, x)
        assert y.shape == x.shape
        y.sum().backward()
    assert x.grad.shape == x.shape


# -- item 11: thresholds and scales -------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.0, -1.0, 1 / 128, NAN, INF, 1e16])
@pytest.mark.parametrize(
    "build",
    [
        lambda th: cuba.Neuron(th, 0.1, 0.1),
        lambda th: alif.Neuron(th, 0.1, 0.1, 0.1, 0.1, 0.1),
        lambda th: rf.Neuron(th, 8, 0.1),
        lambda th: sigma_delta.Neuron(th, torch.relu),
    ],
)
def test_item11_thresholds_outside_the_valid_range_name_the_range(build, threshold):
    """On main: "tau_rho must be positive" at forward (0, negative, < 1/64), "cannot convert float NaN to
    integer", OverflowError, "Expected a value of type 'int'" (1e16)."""
    with pytest.raises(ValueError, match=r"\.Neuron: threshold must be in \[0.015625, 2\*\*38\] \(it is trunc"):
        build(threshold)


def test_item11_threshold_setter_and_the_scales_are_checked():
    neuron = cuba.Neuron(1.0, 0.1, 0.1)
    with pytest.raises(ValueError, match=r"threshold must be in"):
        neuron.threshold = NAN
    assert neuron.threshold == 1.0
    with pytest.raises(ValueError, match=r"cuba\.Neuron: scale \(w_scale\) must be a positive integer, received 0"):
        cuba.Neuron(1.0, 0.1, 0.1, scale=0)
    with pytest.raises(ValueError, match=r"cuba\.Neuron: tau_grad must be a finite positive number"):
        cuba.Neuron(1.0, 0.1, 0.1, tau_grad=0)
    with pytest.raises(ValueError, match=r"alif\.Neuron: threshold_step must be in \[0, "):
        alif.Neuron(1.0, -0.5, 0.1, 0.1, 0.1, 0.1)
    with pytest.raises(ValueError, match=r"sigma_delta\.Neuron: threshold must be in"):
        sigma_delta_neuron().threshold = -1


# -- item 12: inference mode then training ---------------------------------------------------------------


@pytest.mark.parametrize("model", [*MODELS, "sigma_delta"])
@pytest.mark.parametrize("granularity", ["layer", "channel"])
def test_item12_state_from_inference_mode_does_not_break_training(model, granularity):
    """On main: "Inference tensors cannot be saved for backward" (the stored state, or a parameter shaped
    by a first call under inference mode)."""
    if model == "sigma_delta":
        neuron = sigma_delta_neuron(persistent_state=True, requires_grad=True, shared_param=granularity == "layer")
    else:
        neuron = make(model, granularity, persistent_state=True, requires_grad=True)
    x = inputs(model if model != "sigma_delta" else "cuba", (2, 3), 6)
    with torch.inference_mode():
        neuron(x)
    neuron(x).sum().backward()
    learned = [p for name, p in neuron.named_parameters() if name != "bias"]  # sigma-delta's bias: unused if unset
    assert learned and all(p.grad is not None for p in learned)


# -- item 13: sigma-delta per-channel checkpoints --------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 3, 4), (1, 3, 2, 2, 4)])
def test_item13_per_channel_sigma_delta_state_dict_loads_into_a_fresh_model(shape):
    trained = sigma_delta_neuron(shared_param=False)
    trained(torch.rand(shape))
    with torch.no_grad():
        trained.delta.threshold.mul_(torch.arange(1.0, 4.0).reshape(trained.delta.threshold.shape))
    fresh = sigma_delta_neuron(shared_param=False)
    fresh.load_state_dict(trained.state_dict())
    x = torch.rand(shape)
    assert torch.equal(fresh(x), trained(x))


# -- item 17: activation -----------------------------------------------------------------------------------


def test_item17_a_missing_activation_is_an_error_at_construction():
    """On main it failed only at forward: "'NoneType' object is not callable"."""
    with pytest.raises(TypeError, match=r"sigma_delta\.Neuron: activation must be callable"):
        sigma_delta.Neuron(0.1, None)
