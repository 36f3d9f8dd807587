"""Every public module of every installed slayer distribution is reachable by attribute access after a
bare ``import slayer``, as the docs write paths (``slayer.io.plot.raster``, ``slayer.core.backends.cpu``)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import slayer


def public_modules() -> list[str]:
    """Dotted names of every module under ``slayer`` none of whose parts starts with an underscore."""
    found = pkgutil.walk_packages(slayer.__path__, "slayer.", onerror=lambda name: None)
    return sorted(m.name for m in found if not any(part.startswith("_") for part in m.name.split(".")))


def unreachable(names: list[str]) -> list[str]:
    """The names that a fresh interpreter cannot reach from ``import slayer`` by attribute access alone
    (a module that cannot be imported at all because an optional dependency such as triton is missing is
    not counted: a user gets that dependency's ImportError either way)."""
    script = (
        "import importlib, sys, slayer\n"
        "for name in sys.argv[1:]:\n"
        "    obj = slayer\n"
        "    try:\n"
        "        for part in name.split('.')[1:]:\n"
        "            obj = getattr(obj, part)\n"
        "    except ModuleNotFoundError as missing:\n"
        "        if (missing.name or '').startswith('slayer'):\n"
        "            print(f'{name}: {missing}')\n"
        "    except AttributeError as exc:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except ModuleNotFoundError as missing:\n"
        "            if not (missing.name or '').startswith('slayer'):\n"
        "                continue\n"
        "        print(f'{name}: {exc}')\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_every_public_module_is_an_attribute_path():
    names = public_modules()
    assert {"slayer.core.backends.cpu", "slayer.io.plot", "slayer.neuron.cuba", "slayer.utils.time"} <= set(names)
    assert unreachable(names) == []


def test_an_unlisted_submodule_is_reported():
    # the check itself can fail: a module that exists but is not an attribute path is named
    assert unreachable(["slayer.core.no_such_module"]) == [
        "slayer.core.no_such_module: module 'slayer.core' has no attribute 'no_such_module'"
    ]
