"""Forward outputs and states of every model equal the spec's integer equations bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from models import COMPLEX, LAYOUTS, MODELS, REAL, compared_traces, expected, inputs, make, run


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("granularity", ["layer", "channel", "neuron"])
def test_forward_matches_integer_equations(model, layout, granularity):
    torch.manual_seed(1)
    neuron = make(model, granularity)
    x = inputs(model, LAYOUTS[layout], 24)
    spikes, traces = run(neuron, x)
    s, *want = expected(neuron, x)
    assert s.any(), "the test input must make the neuron spike"
    np.testing.assert_array_equal(spikes.numpy() > 0, s)
    for got, ref in zip(compared_traces(neuron, traces), want):
        np.testing.assert_array_equal(got, ref)
    # every state value is an exact multiple of 1/4096
    for trace in traces:
        assert torch.equal(trace * 4096, torch.round(trace * 4096))


@pytest.mark.parametrize("model", ["cuba", "alif", "rf_iz", "adrf_iz"])
def test_graded_spikes_carry_the_value_at_the_crossing(model):
    neuron = make(model, "channel", graded_spike=True)
    x = inputs(model, (2, 3), 24)
    spikes, traces = run(neuron, x)
    s, *_ = expected(neuron, x)
    value = traces[1]  # the voltage (cuba, alif) or the imaginary part (rf_iz, adrf_iz)
    assert s.any()
    np.testing.assert_array_equal(spikes.numpy(), np.where(s, value.numpy(), 0))


def test_graded_phase_spike_emits_the_real_part():
    neuron = make("rf", "layer", graded_spike=True)
    x = inputs("rf", (2, 3), 24)
    spikes, (re, _) = run(neuron, x)
    s, *_ = expected(neuron, x)
    assert s.any()
    np.testing.assert_array_equal(spikes.numpy(), np.where(s, re.numpy(), 0))


def test_cuba_resets_voltage_and_alif_refractory_raises_threshold():
    # a constant drive: CUBA voltage restarts from zero after every spike; ALIF's θ + r jumps by 2θ + step
    x = torch.full((1, 1, 12), 0.6)
    c = make("cuba")
    _, v = c.dynamics(x)
    s = c.spike(v)[0, 0]
    fired = torch.nonzero(s).flatten()
    assert len(fired) >= 2
    t = int(fired[0])
    u, _ = c.dynamics(x)
    assert torch.equal(v[0, 0, t + 1], u[0, 0, t + 1])  # v' = 0, so v[t+1] = u[t+1]
    a = make("alif")
    _, va, th, r = a.dynamics(x)
    sa = a.spike(va, th, r)[0, 0]
    t = int(torch.nonzero(sa).flatten()[0])
    assert (th + r)[0, 0, t + 1] > (th + r)[0, 0, t] + th[0, 0, t]  # refractory increment 2θ decays slowly


@pytest.mark.parametrize("model", MODELS)
def test_forward_equals_dynamics_then_spike(model):
    neuron = make(model, "channel")
    x = inputs(model, (2, 3, 2, 2), 16)
    spikes, _ = run(neuron, x)
    assert torch.equal(neuron(x), spikes)


@pytest.mark.parametrize("model", COMPLEX)
def test_complex_models_take_the_pair(model):
    assert make(model).complex and make(model).name == model


@pytest.mark.parametrize("model", REAL)
def test_real_models_are_real(model):
    assert not make(model).complex
