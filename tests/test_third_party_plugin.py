"""End to end: the tutorial plugin package (tutorials/plugin), installed non-editable, registers its neuron
through its pyproject entry point alone; slayer finds it, lists it, honours the switches, and keeps working
next to plugins that are broken in each way a plugin can be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).parents[1] / "tutorials" / "plugin"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The tutorial package built and installed (non-editable) into a directory of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(PLUGIN)],
        check=True,
    )  # fmt: skip
    assert not list(target.glob("__editable__*")), "the tutorial package must be a regular install"
    assert list(target.glob("slayer_izhikevich-0.1.0.dist-info/entry_points.txt"))
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
        "import torch, slayer\n"
        "cls = slayer.core.neuron_class('izhikevich')\n"
        "entry = slayer.core.registry().get('neurons')['izhikevich']\n"
        "print(cls.__module__, entry.plugin, entry.source)\n"
        "block = slayer.block.izhikevich.Dense({'threshold': 1.0}, 3, 2)\n"
        "print(tuple(block(torch.rand(1, 3, 5)).shape))\n",
    )
    assert result.returncode == 0, result.stderr
    module, plugin, *source = result.stdout.splitlines()[0].split()
    assert (module, plugin) == ("slayer_izhikevich.neuron", "slayer-izhikevich")
    assert " ".join(source) == "distribution slayer-izhikevich 0.1.0"
    assert result.stdout.splitlines()[1] == "(1, 2, 5)"


def test_python_dash_m_slayer_plugins_lists_it(plugin_site):
    environment = {**os.environ, "PYTHONPATH": str(plugin_site)}
    environment.pop("SLAYER_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run(
        [sys.executable, "-m", "slayer", "plugins"], capture_output=True, text=True, env=environment, check=True
    )
    [row] = [line for line in result.stdout.splitlines() if line.startswith("slayer-izhikevich ")]
    assert row.split() == ["slayer-izhikevich", "slayer-izhikevich", "0.1.0", "loaded", "neurons:", "izhikevich"]
    assert "slayer-core" in result.stdout


def test_block_list_hides_it(plugin_site):
    result = run_python(
        plugin_site,
        "import slayer.core as c\nprint(sorted(c.neuron_names()))\n"
        "print([i.status for i in c.registry().plugins() if i.name == 'slayer-izhikevich'])",
        SLAYER_BLOCKED_PLUGINS="slayer-izhikevich",
    )
    assert result.returncode == 0, result.stderr
    names, statuses = result.stdout.splitlines()
    assert "izhikevich" not in names
    assert statuses == "['blocked']"


def test_disabled_autoload_skips_it_but_keeps_first_party(plugin_site):
    result = run_python(
        plugin_site,
        "import slayer.core as c\nprint(sorted(c.neuron_names()))\nprint(sorted(c.registry().get('backends')))",
        SLAYER_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    assert result.returncode == 0, result.stderr
    names, backends = result.stdout.splitlines()
    assert "izhikevich" not in names and "cuba" in names
    assert "reference" in backends


BROKEN_PLUGINS = {
    # entry-point name: (module source, what the table must say)
    "slayer-bad-item": ("from slayer.core import hookimpl\n@hookimpl\ndef slayer_register_neurons():\n"
                        "    return [int]\n", "int is not a subclass of slayer.core.neuron.Neuron"),
    "slayer-raising-hook": ("from slayer.core import hookimpl\n@hookimpl\ndef slayer_register_neurons():\n"
                            "    raise RuntimeError('hook exploded')\n", "RuntimeError: hook exploded"),
    "slayer-import-error": ("import a_dependency_that_is_not_installed\n", "ModuleNotFoundError"),
    # loads after slayer-izhikevich (entry points load in name order): the first registration keeps the name
    "zz-duplicate": ("from slayer.core import hookimpl\n@hookimpl\ndef slayer_register_neurons():\n"
                         "    from slayer_izhikevich import Neuron\n    class Copy(Neuron):\n        pass\n"
                         "    return [Copy]\n", "neuron name 'izhikevich' twice"),
}  # fmt: skip


@pytest.fixture(scope="module")
def broken_site(plugin_site, tmp_path_factory) -> Path:
    """The tutorial plugin plus four broken plugins, installed as distributions with entry points."""
    site = tmp_path_factory.mktemp("broken-site")
    for path in plugin_site.iterdir():
        (site / path.name).symlink_to(path)
    for name, (source, _) in BROKEN_PLUGINS.items():
        module = name.replace("-", "_")
        (site / f"{module}.py").write_text(source)
        info = site / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[slayer]\n{name} = {module}\n")
    return site


def test_broken_plugins_leave_the_others_and_the_plugins_table_working(broken_site):
    environment = {**os.environ, "PYTHONPATH": str(broken_site)}
    environment.pop("SLAYER_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run(
        [sys.executable, "-m", "slayer", "plugins"], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert rows["slayer-izhikevich"].split()[3:] == ["loaded", "neurons:", "izhikevich"]
    assert rows["slayer-neurons"].split()[3] == "loaded"
    for name, (_, reason) in BROKEN_PLUGINS.items():
        assert rows[name].split()[3] == "failed" and reason in rows[name], rows[name]
    assert "SLAYER_BLOCKED_PLUGINS=slayer-raising-hook" in result.stderr  # the warning says how to block it

    use = run_python(
        broken_site,
        "import torch, slayer\n"
        "net = slayer.block.Sequential([slayer.block.izhikevich.Dense({'threshold': 1.0}, 3, 2),"
        " slayer.block.cuba.Dense({'threshold': 1.0, 'current_decay': 0.1, 'voltage_decay': 0.1}, 2, 2)])\n"
        "print(tuple(net(torch.rand(1, 3, 5)).shape))\n",
    )
    assert use.returncode == 0, use.stderr
    assert use.stdout.strip() == "(1, 2, 5)"
