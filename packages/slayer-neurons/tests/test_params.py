"""Parameter granularity, initialisation, lazy shapes, checkpoints, clamping and hardware round trips."""

from __future__ import annotations

import math

import pytest
import torch
from models import MODELS, inputs, make

from slayer.neuron import adrf, adrf_iz, alif, cuba, rf, rf_iz

DECAYS = {
    "cuba": ("current_decay", "voltage_decay"),
    "alif": ("current_decay", "voltage_decay", "threshold_decay", "refractory_decay"),
    "rf": ("sin_decay", "cos_decay"),
    "rf_iz": ("sin_decay", "cos_decay"),
    "adrf": ("sin_decay", "cos_decay", "threshold_decay", "refractory_decay"),
    "adrf_iz": ("sin_decay", "cos_decay", "threshold_decay", "refractory_decay"),
}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(("granularity", "want"), [("layer", (1,)), ("channel", (3,)), ("neuron", (3, 2, 2))])
def test_parameter_shapes_and_shape_identification(model, granularity, want):
    neuron = make(model, granularity)
    assert neuron.shape is None and neuron.num_neurons is None
    params = {name: getattr(neuron, name) for name in DECAYS[model]}
    assert all(p.shape == (1,) for p in params.values())
    neuron(inputs(model, (2, 3, 2, 2), 4))
    assert tuple(neuron.shape) == (3, 2, 2) and neuron.num_neurons == 12
    for name, p in params.items():
        assert getattr(neuron, name) is p, "the Parameter object keeps its identity"
        assert p.shape == want, name


def test_shared_param_flag_maps_to_granularity():
    assert make("cuba", None, shared_param=False).granularity == "channel"
    assert make("cuba", None).granularity == "layer"
    with pytest.raises(ValueError, match="granularity must be one of"):
        make("cuba", "pixel")


def test_scalar_initial_values_jitter_one_percent_and_ranges_are_uniform():
    torch.manual_seed(0)
    neuron = cuba.Neuron(1.0, 0.25, (0.1, 0.3), shared_param=False)
    neuron(torch.zeros(1, 200, 2))
    cd, vd = neuron.current_decay / 4096, neuron.voltage_decay / 4096
    assert 0.25 * 0.99 <= cd.min() and cd.max() <= 0.25 * 1.01 and cd.std() > 0
    assert 0.1 <= vd.min() < 0.12 and 0.28 < vd.max() <= 0.3
    a = alif.Neuron(1.0, 0.5, 0.2, 0.2, 0.1, (0.1, 0.3), shared_param=False)
    a(torch.zeros(1, 50, 2))
    assert torch.all(a.threshold_decay == 0.1 * 4096)  # no jitter for threshold/refractory decays
    assert a.refractory_decay.std() > 0


def test_explicit_tensor_initial_values_per_neuron():
    values = torch.linspace(0.1, 0.5, 12).reshape(3, 2, 2)
    neuron = cuba.Neuron(1.0, values, 0.2, granularity="neuron")
    neuron(torch.zeros(1, 3, 2, 2, 3))
    assert torch.allclose(neuron.current_decay, 4096 * values)


def test_rf_frequencies_are_log_spaced_across_channels():
    neuron = rf.Neuron(1.0, (5.0, 40.0), 0.1, shared_param=False)
    neuron((torch.zeros(1, 5, 2), torch.zeros(1, 5, 2)))
    freq = neuron.frequency.detach().double()
    ratios = freq[1:] / freq[:-1]
    assert torch.allclose(ratios, ratios[0].expand_as(ratios), rtol=1e-4)
    assert math.isclose(freq[0].item(), 1 / 40, rel_tol=1e-3) and math.isclose(freq[-1].item(), 1 / 5, rel_tol=1e-3)
    per_neuron = rf.Neuron(1.0, (5.0, 40.0), 0.1, granularity="neuron")
    per_neuron((torch.zeros(1, 5, 2, 3, 2), torch.zeros(1, 5, 2, 3, 2)))
    f = per_neuron.frequency.detach()
    assert f.shape == (5, 2, 3) and torch.allclose(f[:, 0, 0], f[:, 1, 2])
    with pytest.raises(ValueError, match="period must be >= 4"):
        rf.Neuron(1.0, 3.0, 0.1)


@pytest.mark.parametrize("model", MODELS)
def test_optimizer_built_before_first_forward_trains_lazy_parameters(model):
    torch.manual_seed(0)
    neuron = make(model, "neuron", requires_grad=True)
    optimizer = torch.optim.Adam(neuron.parameters(), lr=1.0)
    x = inputs(model, (2, 3), 16)
    out = neuron(x)
    before = {n: p.detach().clone() for n, p in neuron.named_parameters()}
    (out * torch.linspace(-1, 1, out.shape[-1])).sum().backward()
    optimizer.step()
    assert all(p.grad is not None and p.grad.shape == (3,) for p in neuron.parameters())
    changed = [n for n, p in neuron.named_parameters() if not torch.equal(p, before[n])]
    assert changed, "the optimizer moved the parameters it was given before the first forward"


@pytest.mark.parametrize("model", MODELS)
def test_load_state_dict_into_fresh_model_without_dummy_forward(model):
    trained = make(model, "neuron")
    x = inputs(model, (2, 3, 2, 2), 12)
    want = trained(x)
    fresh = make(model, "neuron")
    fresh.load_state_dict(trained.state_dict())
    for name in DECAYS[model]:
        assert torch.equal(getattr(fresh, name), getattr(trained, name))
    assert torch.equal(fresh(x), want)


def test_checkpoint_shape_is_checked_at_first_forward():
    trained = make("cuba", "channel")
    trained(torch.zeros(1, 3, 4))
    fresh = make("cuba", "channel")
    fresh.load_state_dict(trained.state_dict())
    with pytest.raises(ValueError, match=r"loaded parameter 'current_decay' has shape \(3,\).*needs \(5,\)"):
        fresh(torch.zeros(1, 5, 4))


def test_clamp_keeps_parameters_valid_when_learning():
    neuron = cuba.Neuron(1.0, 0.5, 0.5, requires_grad=True)
    with torch.no_grad():
        neuron.current_decay.fill_(5000)
        neuron.voltage_decay.fill_(-3)
    neuron(torch.zeros(1, 2, 3))
    assert neuron.current_decay.item() == 4096 and neuron.voltage_decay.item() == 0
    r = rf.Neuron(1.0, 8, 0.1, requires_grad=True)
    with torch.no_grad():
        r.sin_decay.fill_(-100)
        r.cos_decay.fill_(5000)
    r((torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)))
    assert r.sin_decay.item() >= 1 and r.cos_decay.item() >= 0
    assert math.hypot(r.sin_decay.item(), r.cos_decay.item()) <= 4095 + 1e-3


def test_threshold_setter_truncates_and_updates_surrogate_width():
    neuron = cuba.Neuron(1.0, 0.1, 0.1, tau_grad=0.5)
    neuron.threshold = 1.3
    assert neuron.threshold == 83 / 64 and neuron.v_th_mant == 83 and neuron.tau_rho == 0.5 * 83 / 64
    assert neuron.scale == 64 and neuron.weight_exponent == 0 and neuron.s_scale == 4096 and neuron.p_scale == 4096


@pytest.mark.parametrize(
    ("module", "neuron"),
    [
        (cuba, cuba.Neuron(1.25, 0.25, 0.03)),
        (alif, alif.Neuron(1.0, 0.5, 0.2, 0.2, 0.1, 0.1)),
        (rf, rf.Neuron(1.0, 10, 0.1)),
        (rf_iz, rf_iz.Neuron(0.5, 8, 0.05)),
        (adrf, adrf.Neuron(1.0, 0.25, 10, 0.1, 0.1, 0.2)),
        (adrf_iz, adrf_iz.Neuron(1.0, 0.25, 10, 0.1, 0.1, 0.2)),
    ],
)
def test_neuron_params_round_trip(module, neuron):
    params = module.neuron_params(neuron.device_params)
    again = type(neuron)(**params)
    assert again.device_params == neuron.device_params


def test_neuron_params_round_trip_per_channel():
    neuron = cuba.Neuron(1.0, (0.1, 0.3), (0.2, 0.4), shared_param=False)
    neuron(torch.zeros(1, 4, 2))
    device = neuron.device_params
    assert isinstance(device["iDecay"], list) and len(device["iDecay"]) == 4
    again = cuba.Neuron(**cuba.neuron_params(device), shared_param=False)
    again(torch.zeros(1, 4, 2))
    assert again.device_params == device
