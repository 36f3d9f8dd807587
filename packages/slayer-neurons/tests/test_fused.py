"""The CUBA and ALIF neurons' fused forward (``slayer.core.dynamics.cuba``/``alif``) against the unfused
``spike(dynamics(x))`` path: the same spikes and stored states bit for bit, and the same gradients for the
input and every learnable decay, across granularities, layouts, graded spikes, persistence, norm and dropout."""

from __future__ import annotations

import copy

import pytest
import torch

from slayer.neuron import Dropout, alif, cuba
from slayer.neuron.norm import MeanOnlyBatchNorm


def make(model: str, **kwargs) -> torch.nn.Module:
    if model == "cuba":
        return cuba.Neuron(0.5, (0.1, 0.4), (0.02, 0.2), tau_grad=0.5, scale_grad=2.0, **kwargs)
    return alif.Neuron(0.5, 0.25, (0.1, 0.4), (0.02, 0.2), (0.05, 0.2), (0.1, 0.3), tau_grad=0.5, **kwargs)


def unfused(neuron: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The composition the neurons ran before the fused ops (and still run with ``norm`` on CUBA)."""
    traces = neuron.dynamics(x)
    spikes = neuron.spike(traces[1]) if neuron.name == "cuba" else neuron.spike(*traces[1:])
    return neuron._dropout(spikes)


def twins(model: str, shape: tuple[int, ...], seed: int = 0, **kwargs):
    """Two identical neurons (same sampled parameters) and an input ``(N, *S, T)``."""
    torch.manual_seed(seed)
    first = make(model, requires_grad=True, **kwargs)
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=gen, dtype=torch.float64) * 1.2 - 0.3
    first(x[..., :1].float())  # identify the shape and sample the parameters
    first.reset_state()
    return first, copy.deepcopy(first), x


def outputs_and_grads(neuron, fn, x, weight):
    x = x.clone().requires_grad_()
    spikes = fn(neuron, x)
    params = [p for p in neuron.parameters() if p.requires_grad]
    grads = torch.autograd.grad((spikes * weight).sum(), [x, *params])
    states = {name: getattr(neuron, name).clone() for name in neuron.state_names}
    return spikes.detach(), grads, states


@pytest.mark.parametrize("model", ["cuba", "alif"])
@pytest.mark.parametrize(
    ("shape", "granularity", "graded", "dtype"),
    [
        ((2, 5, 30), "layer", False, torch.float32),
        ((2, 5, 30), "channel", True, torch.float64),
        ((2, 3, 2, 2, 25), "neuron", False, torch.float64),
        ((2, 3, 2, 2, 25), "channel", True, torch.float32),
    ],
)
def test_fused_forward_equals_spike_of_dynamics(model, shape, granularity, graded, dtype):
    fused, reference, x = twins(model, shape, granularity=granularity, graded_spike=graded, persistent_state=True)
    x = x.to(dtype)
    weight = torch.randn(shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    for chunk in (x[..., :11], x[..., 11:]):  # persistent state carried over two calls
        expected = outputs_and_grads(reference, unfused, chunk, weight[..., : chunk.shape[-1]])
        actual = outputs_and_grads(fused, lambda n, v: n(v), chunk, weight[..., : chunk.shape[-1]])
        assert expected[0].sum() > 0
        assert torch.equal(actual[0], expected[0])
        assert actual[2].keys() == expected[2].keys()
        for name in expected[2]:
            assert torch.equal(actual[2][name], expected[2][name]), name
        tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-11}
        for e, a in zip(expected[1], actual[1], strict=True):
            torch.testing.assert_close(a, e, **tol)
        assert all(g.abs().sum() > 0 for g in actual[1][1:])  # every decay learns


def test_fused_path_is_taken_and_matches_on_neuron_contiguous_input(monkeypatch):
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return op(*args, **kwargs)

    op = cuba.cuba
    monkeypatch.setattr(cuba, "cuba", counting)
    fused, reference, x = twins("cuba", (2, 7, 20))
    calls.clear()
    x = x.float().transpose(1, 2).contiguous().transpose(1, 2)  # N C T over N T C storage
    spikes = fused(x)
    assert calls == [x.shape]
    assert spikes.stride() == x.stride()  # the fused op keeps the layout
    assert torch.equal(spikes, unfused(reference, x))


def test_alif_norm_on_the_input_then_fused():
    fused, reference, x = twins("alif", (3, 4, 16), norm=MeanOnlyBatchNorm)
    x = x.float()
    assert torch.equal(fused(x), unfused(reference, x))
    torch.testing.assert_close(fused.norm.running_mean, reference.norm.running_mean)


def test_cuba_norm_keeps_the_unfused_path():
    fused, reference, x = twins("cuba", (3, 4, 16), norm=MeanOnlyBatchNorm)
    x = x.float()
    assert torch.equal(fused(x), unfused(reference, x))


@pytest.mark.parametrize("model", ["cuba", "alif"])
def test_dropout_and_half_precision(model):
    fused, reference, x = twins(model, (2, 6, 12), dropout=Dropout(p=0.5))
    torch.manual_seed(3)
    out = fused(x.float())
    torch.manual_seed(3)
    assert torch.equal(out, unfused(reference, x.float()))
    half, half_reference, _ = twins(model, (2, 6, 12))
    assert torch.equal(half(x.half()), unfused(half_reference, x.half()))  # unfused path, same result
