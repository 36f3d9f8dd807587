"""Every model is registered through the slayer-neurons entry point (no hand wiring)."""

from __future__ import annotations

from slayer.core import neuron_class, neuron_names
from slayer.core.neuron import Neuron as CoreNeuron
from slayer.neuron import _plugin, adrf, adrf_iz, alif, cuba, rf, rf_iz, sigma_delta

MODELS = {
    "cuba": cuba, "alif": alif, "rf": rf, "rf_iz": rf_iz, "adrf": adrf, "adrf_iz": adrf_iz,
    "sigma_delta": sigma_delta,
}  # fmt: skip


def test_hook_returns_every_model():
    classes = _plugin.slayer_register_neurons()
    assert {cls.name: cls for cls in classes} == {name: module.Neuron for name, module in MODELS.items()}
    assert all(issubclass(cls, CoreNeuron) for cls in classes)


def test_registry_finds_every_model_through_the_entry_point():
    assert set(MODELS) <= set(neuron_names())
    for name, module in MODELS.items():
        assert neuron_class(name) is module.Neuron
        assert module.Neuron.complex == (name in ("rf", "rf_iz", "adrf", "adrf_iz"))
