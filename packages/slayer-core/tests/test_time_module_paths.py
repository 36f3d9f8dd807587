"""lava-dl's tests import ``slayer.utils.time.shift`` and ``.replicate`` as modules; the functions keep
working under the same names."""

import importlib
import subprocess
import sys

import torch


def test_module_paths_and_function_calls_both_work():
    import slayer
    from slayer.utils.time.replicate import replicate
    from slayer.utils.time.shift import shift

    x = torch.arange(6.0).reshape(1, 2, 3)
    expected = torch.tensor([[[0.0, 0.0, 1.0], [0.0, 3.0, 4.0]]])
    assert torch.equal(shift(x, 1), expected)
    # after the submodule import the package attribute is the module, which still calls like the function
    assert torch.equal(slayer.utils.time.shift(x, 1), expected)
    assert torch.equal(slayer.utils.time.replicate(torch.ones(1, 2), 3), replicate(torch.ones(1, 2), 3))
    assert importlib.import_module("slayer.utils.time.shift").shift is shift


def test_function_before_any_submodule_import():
    code = (
        "import torch, slayer; f = slayer.utils.time.shift; "
        "assert callable(f) and f(torch.ones(1, 1, 3), 1).tolist() == [[[0.0, 1.0, 1.0]]]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
