"""One ``slayer`` import root over several distributions."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import slayer


def test_core_subpackages_are_reachable_as_attributes():
    assert slayer.core.__name__ == "slayer.core"
    assert slayer.utils.__name__ == "slayer.utils"
    assert "neuron" in dir(slayer)


def test_missing_distribution_is_named_on_attribute_access(monkeypatch):
    monkeypatch.setitem(slayer.SUBPACKAGES, "imaginary", "slayer-imaginary")
    with pytest.raises(
        ImportError,
        match=r"slayer.imaginary is provided by the distribution 'slayer-imaginary'.*pip install slayer-imaginary",
    ):
        slayer.imaginary  # noqa: B018


def test_missing_distribution_is_named_on_import_statement(monkeypatch):
    monkeypatch.setitem(slayer.SUBPACKAGES, "imaginary", "slayer-imaginary")
    with pytest.raises(ModuleNotFoundError, match="pip install slayer-imaginary") as info:
        importlib.import_module("slayer.imaginary")
    assert info.value.name == "slayer.imaginary"


def test_subpackage_missing_from_an_installed_distribution_is_not_called_uninstalled(monkeypatch):
    """slayer-core is installed here: a subpackage listed for it that this release lacks (a planned one)
    says so, instead of telling the user to install what they have."""
    monkeypatch.setitem(slayer.SUBPACKAGES, "imaginary", "slayer-core")
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module("slayer.imaginary")
    message = str(info.value)
    assert message.startswith("slayer.imaginary does not exist in the installed slayer-core ")
    assert "planned for a later release of slayer-core" in message and "not installed" not in message


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        slayer.nonsense  # noqa: B018


def test_sibling_distributions_report_themselves_when_absent():
    """In this package's isolated test venv the siblings are absent: the error names them."""
    for name, dist in slayer.SUBPACKAGES.items():
        if dist == "slayer-core":
            continue
        try:
            importlib.import_module(f"slayer.{name}")
        except ModuleNotFoundError as err:
            assert f"pip install {dist}" in str(err)


def test_python_dash_m_slayer_plugins_lists_core():
    result = subprocess.run([sys.executable, "-m", "slayer", "plugins"], capture_output=True, text=True, check=True)
    header, _rule, *rows = result.stdout.splitlines()
    assert header.split() == ["plugin", "distribution", "version", "status", "registers"]
    [core] = [row for row in rows if row.startswith("slayer-core ")]
    backends = core.split("backends: ", 1)[1].split(", ")
    assert {"reference", "cpu", "gpu"} <= set(backends)
