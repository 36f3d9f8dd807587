"""End to end: a third-party package installed (not editable) registers a neuron through its
pyproject entry point alone, and slayer finds it, lists it, and honours the switches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "slayer-example-plugin"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The fixture package built and installed (non-editable) into a directory of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(FIXTURE),
        ],
        check=True,
    )
    assert not list(target.glob("__editable__*")), "the fixture must be a regular install"
    assert list(target.glob("slayer_example_plugin-0.3.0.dist-info/entry_points.txt"))
    return target


def run_python(site: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    for name in ("SLAYER_DISABLE_PLUGIN_AUTOLOAD", "SLAYER_BLOCKED_PLUGINS"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False)


def test_neuron_is_found_through_its_entry_point(plugin_site):
    result = run_python(
        plugin_site,
        "import torch, slayer.core as c\n"
        "cls = c.neuron_class('example_if')\n"
        "entry = c.registry().get('neurons')['example_if']\n"
        "print(cls.__module__, entry.plugin, entry.source)\n"
        "x = torch.tensor([[[0.6, 0.6, 0.6, 0.6]]])\n"
        "print(cls(threshold=1.0)(x).tolist())\n",
    )
    assert result.returncode == 0, result.stderr
    module, plugin, *source = result.stdout.splitlines()[0].split()
    assert module == "slayer_example_plugin.neuron"
    assert plugin == "slayer-example-plugin"
    assert " ".join(source) == "distribution slayer-example-plugin 0.3.0"
    assert result.stdout.splitlines()[1] == "[[[0.0, 1.0, 0.0, 1.0]]]"


def test_cli_lists_the_plugin_with_its_distribution(plugin_site):
    result = run_python(plugin_site, "from slayer.core._cli import main; main(['plugins'])")
    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("slayer-example-plugin ")]
    assert row.split()[:4] == ["slayer-example-plugin", "slayer-example-plugin", "0.3.0", "loaded"]
    assert "neurons: example_if" in row


def test_python_dash_m_slayer_plugins(plugin_site):
    environment = {**os.environ, "PYTHONPATH": str(plugin_site)}
    environment.pop("SLAYER_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run(
        [sys.executable, "-m", "slayer", "plugins"], capture_output=True, text=True, env=environment, check=True
    )
    assert "slayer-example-plugin" in result.stdout
    assert "slayer-core" in result.stdout


def test_block_list_hides_it(plugin_site):
    result = run_python(
        plugin_site,
        "import slayer.core as c\nprint(sorted(c.neuron_names()))\n"
        "print([i.status for i in c.registry().plugins() if i.name == 'slayer-example-plugin'])",
        SLAYER_BLOCKED_PLUGINS="slayer-example-plugin",
    )
    assert result.returncode == 0, result.stderr
    names, statuses = result.stdout.splitlines()
    assert "example_if" not in names
    assert statuses == "['blocked']"


def test_disabled_autoload_skips_it_but_keeps_first_party(plugin_site):
    result = run_python(
        plugin_site,
        "import slayer.core as c\nprint(sorted(c.neuron_names()))\nprint(sorted(c.registry().get('backends')))",
        SLAYER_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    assert result.returncode == 0, result.stderr
    names, backends = result.stdout.splitlines()
    assert "example_if" not in names
    assert "reference" in backends
