"""slayer.testing.check_neuron: every built-in model passes it, and it catches what breaks a model."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch
from catalogue import NEURON_PARAMS

import slayer
from slayer.core import hookimpl
from slayer.core.dynamics import leaky_integrator
from slayer.core.plugins import registry
from slayer.neuron import base
from slayer.spike.constants import SurrogateScaling
from slayer.testing import NeuronConformanceError, check_neuron

#: learnable parameters a model leaves unused on purpose
UNUSED = {"sigma_delta": ("bias",)}  # lava-dl: the bias is used only after set_bias()


@pytest.mark.parametrize("name", sorted(NEURON_PARAMS))
def test_every_built_in_model_passes(name):
    report = check_neuron(slayer.core.neuron_class(name), NEURON_PARAMS[name], unused_parameters=UNUSED.get(name, ()))
    outcomes = {result.name: result.outcome for result in report.results}
    assert set(outcomes.values()) == {"passed"}, report


class Leaky(base.Neuron):
    """A correct one-state model on the public base: ``v[t] = (1 - d) v[t-1] + x[t]``, reset on a spike."""

    name = "conformance_leaky"
    device_type = "CONFORMANCE_LEAKY"
    surrogate = SurrogateScaling(tau_multiplier=1.0, scale_multiplier=1.0)
    decay_device_keys: ClassVar[dict[str, str]] = {"decay": "vDecay"}

    def __init__(self, threshold, decay, persistent_state=False, requires_grad=False, shared_param=True):
        super().__init__(threshold, w_scale=64, s_scale=4096, persistent_state=persistent_state,
                         requires_grad=requires_grad, shared_param=shared_param)  # fmt: skip
        self.register_decays({"decay": decay})
        self.register_state("voltage_state")

    def forward(self, input):
        x = self.real_input(input)
        voltage, last = leaky_integrator(x, self.decay, self.state("voltage_state", x), self.threshold, s_scale=4096)
        self.store_state(voltage_state=last)
        return self.dropout_spikes(self.threshold_spikes(voltage))


class Forgetful(Leaky):
    """Ignores its stored state: chunked runs differ from one long run."""

    name = "conformance_forgetful"

    def forward(self, input):
        x = self.real_input(input)
        voltage, _ = leaky_integrator(x, self.decay, torch.zeros(x.shape[:-1]), self.threshold, s_scale=4096)
        return self.threshold_spikes(voltage)


class Detached(Leaky):
    """Cuts the graph: neither the input nor the decay get a gradient."""

    name = "conformance_detached"

    def forward(self, input):
        return super().forward(input).detach()


class _Plugin:
    @staticmethod
    @hookimpl
    def slayer_register_neurons():
        return [Leaky, Forgetful, Detached]


@pytest.fixture
def plugin():
    registry().register(_Plugin, name="conformance-plugin")
    yield
    registry().unregister("conformance-plugin")


PARAMS = dict(threshold=0.5, decay=0.1)


def test_a_model_on_the_public_base_passes_with_channel_granularity(plugin):
    report = check_neuron(Leaky, {**PARAMS, "decay": (0.05, 0.2), "shared_param": False})
    assert report.passed and "hdf5" in repr(report)


def test_a_model_that_ignores_its_state_fails_the_chunked_check(plugin):
    report = check_neuron(Forgetful, PARAMS, raise_on_failure=False)
    assert [r.name for r in report.failures()] == ["chunked == long"]
    with pytest.raises(NeuronConformanceError, match=r"chunked == long\s+failed\s+AssertionError: 4 chunks differ"):
        check_neuron(Forgetful, PARAMS)


def test_a_model_without_gradients_fails_the_gradient_check(plugin):
    report = check_neuron(Detached, PARAMS, raise_on_failure=False)
    [failure] = [r for r in report.results if r.name == "gradients"]
    assert failure.outcome == "failed" and "RuntimeError" in failure.detail


def test_an_unregistered_model_fails_registry_blocks_and_export():
    report = check_neuron(Leaky, PARAMS, raise_on_failure=False)
    failed = {r.name for r in report.failures()}
    assert failed == {"registered", "block Dense", "block Conv", "hdf5"}
    assert "no neuron named 'conformance_leaky' is registered" in repr(report)


def test_default_export_of_the_public_base_round_trips_per_channel_decays(plugin):
    neuron = Leaky(threshold=0.75, decay=torch.tensor([0.1, 0.2, 0.3]), shared_param=False)
    neuron(torch.zeros(1, 3, 2))
    device = neuron.device_params
    assert device == {"type": "CONFORMANCE_LEAKY", "vThMant": 48, "vDecay": [410, 819, 1229]}
    params = Leaky.params_from_device(device)
    assert params["threshold"] == 0.75 and params["granularity"] == "channel"
    assert torch.allclose(params["decay"], torch.tensor([410, 819, 1229]) / 4096)
    assert slayer.spike.constants.surrogate_parameters("conformance_leaky", 0.5, 2.0) == (1.0, 1.0)


def test_register_decays_rejects_values_outside_the_unit_interval():
    with pytest.raises(ValueError, match=r"every value of decay must be in \[0, 1\] .*received 1.5"):
        Leaky(threshold=0.5, decay=1.5)


def test_register_decays_are_range_checked_on_load_too():
    source = Leaky(threshold=0.5, decay=0.1)
    state = source.state_dict()
    state["decay"] = torch.tensor([-1.0])
    with pytest.raises(RuntimeError, match=r"loaded 'decay' has 1 value\(s\) outside \[0, 4096\]"):
        Leaky(threshold=0.5, decay=0.1).load_state_dict(state)
