"""The plugin registry: in-process registration, validation, duplicates, broken plugins, switches."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest
import torch

import slayer.core
from slayer.core import Neuron, hookimpl
from slayer.core.plugins import (
    DuplicateNameError,
    PluginValidationError,
    Registry,
    SlayerPluginWarning,
    _loading,
)


class Leaky(Neuron):
    name = "test_leaky"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 1).to(x.dtype)


class Other(Neuron):
    name = "test_leaky"  # same name as Leaky

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def plugin_returning(**hooks):
    """A plugin object whose hooks return the given values."""
    namespace = types.SimpleNamespace()
    for hook_name, value in hooks.items():

        def impl(value=value):
            return value

        impl.__name__ = f"slayer_register_{hook_name}"
        setattr(namespace, impl.__name__, hookimpl(impl))
    return namespace


@pytest.fixture
def reg(monkeypatch):
    """A registry that sees no entry points at all (hermetic)."""
    return Registry(autoload=False)


def test_in_process_neuron_is_found_by_name(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="mine")
    entry = reg.get("neurons")["test_leaky"]
    assert entry.obj is Leaky
    assert entry.plugin == "mine"
    assert reg.lookup("neurons", "test_leaky") is Leaky


def test_repr_says_what_is_loaded(reg):
    assert repr(reg) == "Registry(not loaded yet)"
    reg.register(plugin_returning(neurons=[Leaky]), name="mine")
    reg.get("neurons")
    assert repr(reg) == "Registry(plugins=1, neurons=1)"


def test_unknown_name_lists_the_known_ones(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="mine")
    with pytest.raises(KeyError, match=r"no neuron named 'nope'.*known: test_leaky"):
        reg.lookup("neurons", "nope")


def test_unknown_kind_is_an_error(reg):
    with pytest.raises(KeyError, match="unknown registry kind 'widgets'"):
        reg.get("widgets")


def test_non_class_is_rejected_naming_the_plugin(reg):
    reg.register(plugin_returning(neurons=[42]), name="bad-plugin")
    with pytest.raises(PluginValidationError, match=r"'bad-plugin'.*42 is not a class"):
        reg.get("neurons")


def test_class_of_the_wrong_base_is_rejected(reg):
    reg.register(plugin_returning(neurons=[torch.nn.ReLU]), name="bad-plugin")
    with pytest.raises(PluginValidationError, match=r"ReLU is not a subclass of slayer.core.neuron.Neuron"):
        reg.get("neurons")


def test_class_without_a_name_is_rejected(reg):
    class Nameless(Neuron):
        def forward(self, x):
            return x

    reg.register(plugin_returning(neurons=[Nameless]), name="bad-plugin")
    with pytest.raises(PluginValidationError, match="has no class attribute 'name'"):
        reg.get("neurons")


def test_non_list_result_is_rejected(reg):
    reg.register(plugin_returning(neurons=Leaky), name="bad-plugin")
    with pytest.raises(PluginValidationError, match="expected a list"):
        reg.get("neurons")


def test_none_result_warns_and_contributes_nothing(reg):
    reg.register(plugin_returning(neurons=None), name="forgetful")
    with pytest.warns(SlayerPluginWarning, match="'forgetful'.*returned None"):
        assert reg.get("neurons") == {}


def test_duplicate_name_raises_naming_both_sources(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="first")
    reg.register(plugin_returning(neurons=[Other]), name="second")
    with pytest.raises(DuplicateNameError) as info:
        reg.get("neurons")
    message = str(info.value)
    assert "'test_leaky' is registered twice" in message
    assert "Leaky from plugin 'first'" in message
    assert "Other from plugin 'second'" in message


def test_same_class_from_two_plugins_is_not_a_duplicate(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="first")
    reg.register(plugin_returning(neurons=[Leaky]), name="second")
    assert list(reg.get("neurons")) == ["test_leaky"]


def test_hook_that_raises_is_skipped_with_a_warning_and_others_still_register(reg):
    @hookimpl
    def slayer_register_neurons():
        raise ImportError("No module named 'missing_dependency'")

    reg.register(types.SimpleNamespace(slayer_register_neurons=slayer_register_neurons), name="broken")
    reg.register(plugin_returning(neurons=[Leaky]), name="good")
    with pytest.warns(SlayerPluginWarning, match=r"'broken'.*failed in slayer_register_neurons.*missing_dependency"):
        neurons = reg.get("neurons")
    assert list(neurons) == ["test_leaky"]


def test_unregister_removes_the_registrations(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="mine")
    assert "test_leaky" in reg.get("neurons")
    reg.unregister("mine")
    assert "test_leaky" not in reg.get("neurons")
    assert all(info.name != "mine" for info in reg.plugins())


def test_plugin_with_an_unknown_hook_is_skipped_with_a_warning(reg):
    @hookimpl
    def slayer_register_nuerons():  # typo
        return [Leaky]

    plugin = types.SimpleNamespace(slayer_register_nuerons=slayer_register_nuerons)
    with pytest.warns(SlayerPluginWarning, match="'typo'.*unknown hook.*slayer_register_nuerons"):
        reg.register(plugin, name="typo")
    assert reg.get("neurons") == {}


def test_backend_must_be_a_backend_instance(reg):
    reg.register(plugin_returning(backends=["cpu"]), name="bad-backend")
    with pytest.raises(PluginValidationError, match="not an instance of slayer.core.backends.Backend"):
        reg.get("backends")


def test_event_format_must_be_an_event_format(reg):
    reg.register(plugin_returning(event_formats=[object()]), name="bad-format")
    with pytest.raises(PluginValidationError, match="not an instance of slayer.core.events.EventFormat"):
        reg.get("event_formats")


def test_event_format_is_registered_by_name(reg):
    fmt = slayer.core.EventFormat("toy", suffixes=(".toy",), read=lambda path: None)
    reg.register(plugin_returning(event_formats=[fmt]), name="toy-plugin")
    assert reg.lookup("event_formats", "toy") is fmt


# -- entry points --------------------------------------------------------------------------


class FakeDist:
    def __init__(self, name: str, version: str = "1.0") -> None:
        self.metadata = {"Name": name}
        self.version = version


def fake_entry_point(name: str, value: str, dist: str) -> EntryPoint:
    ep = EntryPoint(name=name, value=value, group="slayer")
    return ep._for(FakeDist(dist))


@pytest.fixture
def fake_entry_points(monkeypatch):
    """Install fake entry points (and their modules) for the loader to find."""

    def install(*specs):
        eps = []
        for name, module_name, dist, module in specs:
            if module is not None:
                monkeypatch.setitem(sys.modules, module_name, module)
            eps.append(fake_entry_point(name, module_name, dist))
        monkeypatch.setattr(_loading, "entry_points", lambda group: eps if group == "slayer" else [])

    monkeypatch.delenv("SLAYER_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("SLAYER_BLOCKED_PLUGINS", raising=False)
    return install


def module_with_neurons(name: str, *classes) -> types.ModuleType:
    module = types.ModuleType(name)

    @hookimpl
    def slayer_register_neurons():
        return list(classes)

    module.slayer_register_neurons = slayer_register_neurons
    return module


def test_entry_point_plugin_is_loaded_with_its_distribution(fake_entry_points):
    fake_entry_points(("thirdparty", "thirdparty_plugin", "slayer-thirdparty", module_with_neurons("x", Leaky)))
    reg = Registry()
    entry = reg.get("neurons")["test_leaky"]
    assert entry.plugin == "thirdparty"
    assert "slayer-thirdparty 1.0" in entry.source
    [info] = reg.plugins()
    assert (info.name, info.distribution, info.version, info.status) == (
        "thirdparty",
        "slayer-thirdparty",
        "1.0",
        "loaded",
    )


def test_broken_plugin_is_skipped_with_a_warning_and_others_load(fake_entry_points):
    fake_entry_points(
        ("broken", "does_not_exist_anywhere_xyz", "slayer-broken", None),
        ("good", "good_plugin", "slayer-good", module_with_neurons("good_plugin", Leaky)),
    )
    reg = Registry()
    with pytest.warns(SlayerPluginWarning, match=r"'broken' from distribution slayer-broken 1.0 failed to import"):
        neurons = reg.get("neurons")
    assert "test_leaky" in neurons
    statuses = {info.name: info.status for info in reg.plugins()}
    assert statuses == {"broken": "failed", "good": "loaded"}


def test_disabled_autoload_skips_third_party_but_keeps_first_party(fake_entry_points, monkeypatch):
    fake_entry_points(
        ("slayer-neurons", "fp_plugin", "slayer-neurons", module_with_neurons("fp_plugin", Leaky)),
        ("thirdparty", "tp_plugin", "slayer-thirdparty", module_with_neurons("tp_plugin", Other)),
    )
    monkeypatch.setenv("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = Registry()
    assert reg.get("neurons")["test_leaky"].obj is Leaky
    statuses = {info.name: info.status for info in reg.plugins()}
    assert statuses == {"slayer-neurons": "loaded", "thirdparty": "disabled"}


@pytest.mark.parametrize("blocked", ["thirdparty", "slayer-thirdparty", " other , thirdparty"])
def test_block_list_by_plugin_or_distribution_name(fake_entry_points, monkeypatch, blocked):
    fake_entry_points(("thirdparty", "tp_plugin", "slayer-thirdparty", module_with_neurons("tp_plugin", Leaky)))
    monkeypatch.setenv("SLAYER_BLOCKED_PLUGINS", blocked)
    reg = Registry()
    assert reg.get("neurons") == {}
    [info] = reg.plugins()
    assert info.status == "blocked"
    assert reg.plugin_manager.is_blocked("thirdparty")


def test_duplicate_entry_point_name_keeps_the_first_and_warns(fake_entry_points):
    fake_entry_points(
        ("same", "plugin_a", "dist-a", module_with_neurons("plugin_a", Leaky)),
        ("same", "plugin_b", "dist-b", module_with_neurons("plugin_b", Other)),
    )
    reg = Registry()
    with pytest.warns(SlayerPluginWarning, match="declared by both dist-a and dist-b"):
        reg.plugins()
    assert reg.get("neurons")["test_leaky"].obj is Leaky


def test_duplicate_neuron_from_two_distributions_names_both(fake_entry_points):
    fake_entry_points(
        ("plugin-a", "plugin_a", "dist-a", module_with_neurons("plugin_a", Leaky)),
        ("plugin-b", "plugin_b", "dist-b", module_with_neurons("plugin_b", Other)),
    )
    with pytest.raises(DuplicateNameError, match=r"distribution dist-a 1.0.*distribution dist-b 1.0"):
        Registry().get("neurons")


def test_reset_forgets_the_process_registry_and_runs_callbacks(monkeypatch):
    from slayer.core.plugins import _registry

    calls = []
    monkeypatch.setattr(_registry, "_reset_callbacks", [lambda: calls.append(1)])
    first = slayer.core.registry()
    slayer.core.plugins.reset()
    assert slayer.core.registry() is not first
    assert calls == [1]


def test_core_registers_the_reference_backend_through_its_entry_point():
    backends = slayer.core.registry().get("backends")
    assert backends["reference"].plugin == "slayer-core"
    assert "distribution slayer-core" in backends["reference"].source
