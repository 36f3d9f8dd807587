"""The ``>>>`` examples in the packages' docstrings run and print what they show; the main entry points
(every neuron model, synapse, block type and event reader) have one."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest
from doc_pages import ROOT

import slayer


def all_modules() -> list[str]:
    """Every importable module under ``slayer`` (private ones too: block types are defined in ``_synaptic``);
    modules whose optional dependency (triton) is missing are left out."""
    names = []
    for info in pkgutil.walk_packages(slayer.__path__, "slayer.", onerror=lambda name: None):
        if info.name.endswith("__main__"):
            continue  # python -m slayer: runs the CLI on import
        try:
            importlib.import_module(info.name)
        except ImportError:
            continue
        names.append(info.name)
    return sorted(names)


def examples(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    return [t for t in doctest.DocTestFinder(exclude_empty=True).find(module) if t.examples]


MODULES = [name for name in all_modules() if examples(name)]


def run_doctests(tests: list[doctest.DocTest]) -> list[str]:
    """Failures (the runner's report) of the given doctests; ``[]`` when every example printed what it shows."""
    failures: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test, out=failures.append)
    return failures


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples read repository files such as tutorials/oxford/data/input.bs1
    failures = run_doctests(examples(module_name))
    assert not failures, "".join(failures)


def entry_points() -> dict[str, object]:
    """The public entry points that must carry an example: name -> object."""
    from slayer.block import block_types
    from slayer.core.plugins import registry

    found: dict[str, object] = {}
    for kind in ("neurons", "synapses"):  # slayer's own (not what a test registered in-process)
        registered = registry().get(kind).items()
        found.update({f"{kind} {n}": r.obj for n, r in registered if r.obj.__module__.startswith("slayer.")})
    found.update({f"block type {name}": cls for name, cls in block_types().items()})
    found.update({f"reader {name}": getattr(slayer.io, name) for name in slayer.io.__all__ if name.startswith("read_")})
    return found


#: entry points whose example cannot run in CI: reason
NO_EXAMPLE = {
    "reader read_aedat4": "needs an AEDAT4 recording (dv-processing writes one: packages/slayer-io/tests)",
    "reader read_aedat4_array": "needs an AEDAT4 recording (dv-processing writes one: packages/slayer-io/tests)",
}


def test_main_entry_points_have_examples():
    points = entry_points()
    expected = {"neurons cuba", "neurons sigma_delta", "synapses dense", "synapses complex_unpool", "block type KWTA"}
    assert expected | {"reader read_1d_spikes"} <= set(points)
    missing = [name for name, obj in points.items() if ">>>" not in (inspect.getdoc(obj) or "")]
    assert sorted(set(missing) - set(NO_EXAMPLE)) == []


def test_a_wrong_example_fails():
    def documented():
        """>>> 1 + 1
        3
        """

    test = doctest.DocTestFinder().find(documented, "documented", globs={})[0]
    [report] = run_doctests([test])
    assert "Failed example:\n    1 + 1\n" in report and "Got:\n    2\n" in report
