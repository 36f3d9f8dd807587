"""The custom ops' kernels import ``torch._dynamo`` only once something else has (``_ops._lazy_dynamo``).

A fresh process runs a neuron forward and backward without importing ``torch._dynamo`` (torch's own wrapper
imports it on the first call of any custom op, ~1 s); once Dynamo is loaded, the kernels go through
``torch._dynamo.disable`` as torch would have made them, and ``torch.compile`` still traces the ops.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

from slayer.core.dynamics import _ops
from slayer.core.dynamics._ops._lazy_dynamo import DisabledOnceDynamoLoads, defer_dynamo_import

FIRST_CALL = textwrap.dedent(
    """
    import sys
    import torch
    from slayer.core.dynamics import cuba, leaky_integrator
    x = torch.randn(2, 3, 7, requires_grad=True)
    decay = torch.full((3,), 100.0, requires_grad=True)
    s, *_ = cuba(x, decay, decay, threshold=0.5, tau_rho=0.5, scale_rho=1.0)
    y, _ = leaky_integrator(x, decay, threshold=0.5)
    (s.sum() + y.sum()).backward()
    assert x.grad is not None and decay.grad is not None
    print("dynamo imported:", "torch._dynamo" in sys.modules)
    """
)


def test_first_calls_do_not_import_dynamo():
    proc = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "dynamo imported: False" in proc.stdout, proc.stdout


def test_every_op_kernel_is_deferred():
    for name in _ops.__all__:
        kernels = [wrapper.__wrapped__ for wrapper in getattr(_ops, name)._backend_fns.values()]
        assert kernels, name
        for kernel in kernels:
            assert isinstance(getattr(kernel, "__dynamo_disable"), DisabledOnceDynamoLoads), name


def test_direct_until_dynamo_loads_then_disabled(monkeypatch):
    calls = []

    def kernel(a, b=0):
        calls.append((a, b))
        return a + b

    deferred = DisabledOnceDynamoLoads(kernel)
    saved = sys.modules.pop("torch._dynamo", None)  # as in a process that never imported it
    try:
        assert deferred(1, b=2) == 3 and deferred.disabled is None
        assert "direct until" in repr(deferred)
    finally:
        if saved is not None:
            sys.modules["torch._dynamo"] = saved
    import torch._dynamo

    marked = []
    monkeypatch.setattr(torch._dynamo, "disable", lambda fn: marked.append(fn) or fn)
    assert deferred(4) == 4 and deferred(5) == 5
    assert marked == [kernel]  # built once, on the first call after the import
    assert calls == [(1, 2), (4, 0), (5, 0)]
    assert "through torch._dynamo.disable" in repr(deferred)


def test_patching_twice_and_foreign_objects_are_harmless():
    @torch.library.custom_op("slayer_test_lazy::twice", mutates_args=())
    def twice(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    assert defer_dynamo_import(twice) == 1
    assert defer_dynamo_import(twice) == 0  # already deferred
    assert defer_dynamo_import(object()) == 0  # not a CustomOpDef: nothing to patch
    assert torch.equal(twice(torch.ones(3)), torch.full((3,), 2.0))


@pytest.mark.parametrize("graded", [False, True])
def test_compiled_ops_after_the_deferred_eager_calls_equal_eager(graded):
    from slayer.core.dynamics import cuba

    x = torch.randn(2, 4, 9, dtype=torch.float64)
    decay = torch.full((4,), 300.0, dtype=torch.float64)

    def run(inp):
        return cuba(inp, decay, decay, threshold=0.3, tau_rho=0.5, scale_rho=1.0, graded=graded)[0]

    eager = run(x)
    compiled = torch.compile(run, backend="eager", fullgraph=True)(x)
    torch.testing.assert_close(compiled, eager, rtol=0, atol=0)
