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


def skipped(reg, kind, match):
    """The registrations of ``kind``, asserting one warning that matches ``match`` and says how to block."""
    with pytest.warns(SlayerPluginWarning, match=match) as record:
        table = reg.get(kind)
    assert any("SLAYER_BLOCKED_PLUGINS=" in str(w.message) for w in record)
    return table


def status_of(reg, name):
    [info] = [info for info in reg.plugins() if info.name == name]
    return info.status, info.error


def test_non_class_is_skipped_naming_the_plugin_and_others_still_register(reg):
    reg.register(plugin_returning(neurons=[42, Leaky]), name="bad-plugin")
    table = skipped(reg, "neurons", r"'bad-plugin'.*42 is not a class")
    assert list(table) == ["test_leaky"]  # the plugin's valid item is kept
    assert status_of(reg, "bad-plugin") == ("partial", "registered an invalid neuron: 42 is not a class "
                                            "(expected a subclass of slayer.core.neuron.Neuron)")  # fmt: skip


def test_class_of_the_wrong_base_is_skipped(reg):
    reg.register(plugin_returning(neurons=[torch.nn.ReLU]), name="bad-plugin")
    reg.register(plugin_returning(neurons=[Leaky]), name="good")
    table = skipped(reg, "neurons", r"ReLU is not a subclass of slayer.core.neuron.Neuron")
    assert table["test_leaky"].obj is Leaky
    assert status_of(reg, "bad-plugin")[0] == "failed"  # it registers nothing
    assert status_of(reg, "good") == ("in-process", None)


def test_class_without_a_name_is_skipped(reg):
    class Nameless(Neuron):
        def forward(self, x):
            return x

    reg.register(plugin_returning(neurons=[Nameless]), name="bad-plugin")
    assert skipped(reg, "neurons", "has no class attribute 'name'") == {}


def test_non_list_result_is_refused(reg):
    reg.register(plugin_returning(neurons=Leaky), name="bad-plugin")
    assert skipped(reg, "neurons", "expected a list") == {}
    assert status_of(reg, "bad-plugin")[0] == "failed"


def test_strict_registry_raises_instead_of_skipping():
    strict = Registry(autoload=False, strict=True)
    strict.register(plugin_returning(neurons=[42]), name="bad-plugin")
    with pytest.raises(PluginValidationError, match=r"'bad-plugin'.*42 is not a class"):
        strict.get("neurons")
    strict = Registry(autoload=False, strict=True)
    strict.register(plugin_returning(neurons=Leaky), name="bad-plugin")
    with pytest.raises(PluginValidationError, match="expected a list"):
        strict.get("neurons")


def test_none_result_warns_and_contributes_nothing(reg):
    reg.register(plugin_returning(neurons=None), name="forgetful")
    with pytest.warns(SlayerPluginWarning, match="'forgetful'.*returned None"):
        assert reg.get("neurons") == {}


def test_duplicate_name_keeps_the_first_and_names_both_sources(reg):
    reg.register(plugin_returning(neurons=[Leaky]), name="first")
    reg.register(plugin_returning(neurons=[Other]), name="second")
    with pytest.warns(SlayerPluginWarning) as record:
        table = reg.get("neurons")
    assert table["test_leaky"].obj is Leaky
    [message] = [str(w.message) for w in record]
    assert "'second'" in message and "neuron name 'test_leaky' twice" in message
    assert "Leaky from plugin 'first'" in message and "(kept)" in message
    assert "Other from plugin 'second'" in message and "(skipped)" in message
    assert status_of(reg, "second")[0] == "failed"
    with pytest.raises(DuplicateNameError, match="'test_leaky' twice"):
        strict = Registry(autoload=False, strict=True)
        strict.register(plugin_returning(neurons=[Leaky]), name="first")
        strict.register(plugin_returning(neurons=[Other]), name="second")
        strict.get("neurons")


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
    status, error = status_of(reg, "broken")
    assert status == "failed" and "ImportError: No module named 'missing_dependency'" in error


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
    assert skipped(reg, "backends", "not an instance of slayer.core.backends.Backend") == {}


def test_event_format_must_be_an_event_format(reg):
    reg.register(plugin_returning(event_formats=[object()]), name="bad-format")
    assert skipped(reg, "event_formats", "not an instance of slayer.core.events.EventFormat") == {}


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
    with pytest.warns(SlayerPluginWarning, match=r"distribution dist-a 1.0.*distribution dist-b 1.0"):
        assert Registry().get("neurons")["test_leaky"].obj is Leaky


def test_a_third_party_cannot_shadow_a_first_party_model(fake_entry_points):
    # "aaa" loads before "slayer-neurons" (entry points are sorted by name), yet the built-in model is kept
    fake_entry_points(
        ("aaa", "plugin_a", "slayer-aaa", module_with_neurons("plugin_a", Other)),
        ("slayer-neurons", "fp_plugin", "slayer-neurons", module_with_neurons("fp_plugin", Leaky)),
    )
    reg = Registry()
    with pytest.warns(SlayerPluginWarning, match=r"'aaa'.*Leaky from plugin 'slayer-neurons'.*\(kept\)"):
        assert reg.get("neurons")["test_leaky"].obj is Leaky
    assert status_of(reg, "aaa")[0] == "failed" and status_of(reg, "slayer-neurons") == ("loaded", None)


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


def test_cli_lists_every_plugin_when_some_are_broken(fake_entry_points, capsys):
    """One plugin fails to import, one hook raises, one registers a bad item: each shows as failed with the
    reason, and the good plugin's model still works."""

    @hookimpl
    def slayer_register_neurons():
        raise RuntimeError("boom")

    hook_raises = types.ModuleType("raising_plugin")
    hook_raises.slayer_register_neurons = slayer_register_neurons
    fake_entry_points(
        ("bad-item", "bad_item_plugin", "slayer-bad-item", module_with_neurons("bad_item_plugin", torch.nn.ReLU)),
        ("broken-import", "no_such_module_xyz", "slayer-broken-import", None),
        ("good", "good_plugin", "slayer-good", module_with_neurons("good_plugin", Leaky)),
        ("hook-raises", "raising_plugin", "slayer-hook-raises", hook_raises),
    )
    slayer.core.plugins.reset()
    try:
        with pytest.warns(SlayerPluginWarning):
            from slayer.core._cli import main

            assert main(["plugins"]) == 0
            assert slayer.core.neuron_class("test_leaky") is Leaky
    finally:
        slayer.core.plugins.reset()
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["good"].split()[3:] == ["loaded", "neurons:", "test_leaky"]
    assert rows["bad-item"].split()[3] == "failed" and "ReLU is not a subclass" in rows["bad-item"]
    assert rows["broken-import"].split()[3] == "failed" and "ModuleNotFoundError" in rows["broken-import"]
    assert rows["hook-raises"].split()[3] == "failed" and "RuntimeError: boom" in rows["hook-raises"]
