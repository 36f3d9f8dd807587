"""The ``slayer::*`` custom ops: ``torch.library.opcheck`` and ``torch.compile(fullgraph=True)``.

Kept tiny (``N=2, C=3, T=4``); compile tests use the ``aot_eager`` backend, which traces forward and
backward through the fake kernels (graph breaks would fail ``fullgraph=True``) without paying for
Inductor code generation.
"""

import pytest
import torch

import slayer.core.dynamics as dyn
from slayer.core.dynamics import _ops

f64 = torch.float64


def t(*shape, seed=0, grad=True, low=-1.0, high=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=g, dtype=f64) * (high - low) + low).requires_grad_(grad)


def d(value, shape=(3,)):
    return torch.full(shape, float(value), dtype=f64, requires_grad=True)


def forward_cases():
    x, y = t(2, 3, 4, seed=1), t(2, 3, 4, seed=2)
    s1, s2, s3 = t(2, 3, seed=3), t(2, 3, seed=4), t(2, 3, seed=5, low=0.5, high=1.0)
    return {
        "li": (_ops.leaky_integrator_op, (x, d(700), s1, 0.4, 4096)),
        "li-no-threshold": (_ops.leaky_integrator_op, (x, d(700), s1, None, 4096)),
        "resonator": (_ops.resonator_op, (x, y, d(1500), d(3300), s1, s2, 0.3, 4096)),
        "adaptive_threshold": (_ops.adaptive_threshold_op, (x, d(600), d(300), s1, s3, 0.25, 0.5, 4096)),
        "adaptive_phase_threshold": (
            _ops.adaptive_phase_threshold_op,
            (x, y, d(600), d(300), s2, s1, s3, 0.25, 0.5, 4096),
        ),
        "adaptive_resonator": (
            _ops.adaptive_resonator_op,
            (x, y, d(1500), d(3300), d(600), d(300), s1, s2, s1, s3, 0.25, 0.5, 4096),
        ),
    }


@pytest.mark.parametrize("case", list(forward_cases()))
def test_opcheck_forward_ops(case):
    op, args = forward_cases()[case]
    torch.library.opcheck(op, args)


def test_opcheck_forward_on_neuron_contiguous_input():
    x = torch.rand(2, 4, 3, dtype=f64).transpose(1, 2).requires_grad_()
    torch.library.opcheck(_ops.leaky_integrator_op, (x, d(700), t(2, 3), 0.4, 4096))


def backward_cases():
    g, gs = t(2, 3, 4, seed=6, grad=False), t(2, 3, seed=7, grad=False)
    li_out = _ops.leaky_integrator_op(*(a.detach() if torch.is_tensor(a) else a for a in forward_cases()["li"][1]))
    rf_args = [a.detach() if torch.is_tensor(a) else a for a in forward_cases()["resonator"][1]]
    rf_out = _ops.resonator_op(*rf_args)
    at_args = [a.detach() if torch.is_tensor(a) else a for a in forward_cases()["adaptive_threshold"][1]]
    at_out = _ops.adaptive_threshold_op(*at_args)
    dec, st = d(700).detach(), t(2, 3, seed=3, grad=False)
    return {
        "li": (_ops.leaky_integrator_backward_op, (g, gs, li_out[0], li_out[2], dec, st, 0.4, 4096)),
        "resonator": (
            _ops.resonator_backward_op,
            (g, g, gs, gs, rf_out[0], rf_out[1], rf_out[4], *rf_args[2:6], 0.3, 4096),
        ),
        "adaptive_threshold": (
            _ops.adaptive_threshold_backward_op,
            (g, g, gs, gs, at_out[0], at_out[1], at_out[4], *at_args[1:5], 0.25, 0.5, 4096),
        ),
    }


@pytest.mark.parametrize("case", ["li", "resonator", "adaptive_threshold"])
def test_opcheck_backward_ops(case):
    op, args = backward_cases()[case]
    torch.library.opcheck(op, args)


def public_calls():
    x, y = torch.rand(2, 3, 4), torch.rand(2, 3, 4) - 0.5
    dd = torch.tensor([700.0, 800.0, 900.0], requires_grad=True)
    sin, cos = torch.tensor(1500.0, requires_grad=True), torch.tensor(3300.0, requires_grad=True)
    return {
        "leaky_integrator": (lambda x, y: dyn.leaky_integrator(x, dd, None, 0.4), dd),
        "resonator": (lambda x, y: dyn.resonator(x, y, sin, cos, threshold=0.3), sin),
        "adaptive_threshold": (lambda x, y: dyn.adaptive_threshold(x, dd, dd, 0.25, 0.5), dd),
        "adaptive_phase_threshold": (lambda x, y: dyn.adaptive_phase_threshold(x, y, dd, dd, 0.25, 0.5), dd),
        "adaptive_resonator": (lambda x, y: dyn.adaptive_resonator(x, y, sin, cos, dd, dd, 0.25, 0.5), sin),
    }, (x, y)


@pytest.mark.parametrize("name", ["leaky_integrator", "resonator", "adaptive_threshold",
                                  "adaptive_phase_threshold", "adaptive_resonator"])  # fmt: skip
def test_compile_fullgraph_forward_and_backward(name):
    torch._dynamo.reset()
    calls, (x, y) = public_calls()
    fn, param = calls[name]
    eager = fn(x, y)
    (eager_grad,) = torch.autograd.grad(sum(o.sum() for o in eager), param)
    compiled = torch.compile(fn, fullgraph=True, backend="aot_eager")
    out = compiled(x, y)
    for a, b in zip(out, eager):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    (grad,) = torch.autograd.grad(sum(o.sum() for o in out), param)
    torch.testing.assert_close(grad, eager_grad)


def test_compile_with_inductor_once():
    """One op end to end through the default backend (Inductor) as well."""
    torch._dynamo.reset()
    x = torch.rand(2, 3, 5)
    decay = torch.tensor(1024.0)
    compiled = torch.compile(lambda x: dyn.leaky_integrator(x, decay, None, 0.5), fullgraph=True)
    for a, b in zip(compiled(x), dyn.leaky_integrator(x, decay, None, 0.5)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
