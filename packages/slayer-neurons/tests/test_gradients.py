"""Gradients of every learnable parameter (and the input) equal those of an independent float64
re-implementation of the linear surrogate model the fixed-point ops define: the forward values are the
exact integer ones, the derivatives those of the linear recursions with resets and spike events held
fixed (spec §3 backward, with the correct sign and threshold/refractory decay gradients), composed with
the spike surrogate of spec §4 (threshold gradient ``-ρ``)."""

from __future__ import annotations

import neuron_oracle as oracle
import pytest
import torch
from models import MODELS, REAL, inputs, make

from slayer.spike.constants import SURROGATE_SCALING


def module_gradients(neuron, x, weights):
    spikes = neuron(x)
    (spikes * weights).sum().backward()
    grads = {name: p.grad.clone() for name, p in neuron.named_parameters()}
    for name, tensor in zip(("input", "imag_input"), x if isinstance(x, tuple) else (x,)):
        grads[name] = tensor.grad.clone()
    return spikes.detach(), grads


def oracle_gradients(neuron, x, weights, spikes):
    """The same loss through the linear surrogate model, differentiated by autograd."""
    with torch.no_grad():
        traces = [
            t.detach() for t in neuron.dynamics(x if isinstance(x, torch.Tensor) else tuple(t.detach() for t in x))
        ]
    params = {name: p.detach().clone().requires_grad_() for name, p in neuron.named_parameters()}
    leaves = [t.detach().clone().requires_grad_() for t in (x if isinstance(x, tuple) else (x,))]
    fired = spikes > 0
    tau, scale = SURROGATE_SCALING[neuron.name].parameters(neuron.threshold, neuron.tau_grad, neuron.scale_grad)
    th0 = neuron.threshold
    if neuron.name == "cuba":
        u = oracle.linear_leaky(leaves[0], params["current_decay"], traces[0])
        v = oracle.linear_leaky(u, params["voltage_decay"], traces[1], fired)
        potential = oracle.real_spike_potential(v - (th0 + neuron.threshold_eps), tau, scale)
    elif neuron.name == "alif":
        u = oracle.linear_leaky(leaves[0], params["current_decay"], traces[0])
        v = oracle.linear_leaky(u, params["voltage_decay"], traces[1])
        th, r = oracle.linear_adaptive(
            params["threshold_decay"],
            params["refractory_decay"],
            traces[2],
            traces[3],
            fired,
            th0,
            neuron.threshold_step,
        )
        potential = oracle.real_spike_potential(v - (th + r), tau, scale)
    else:
        iz_reset = neuron.name == "rf_iz"
        re, im = oracle.linear_resonator(
            leaves[0], leaves[1], params["sin_decay"], params["cos_decay"], traces[0], traces[1],
            fired if iz_reset else None, th0,
        )  # fmt: skip
        level = torch.as_tensor(th0, dtype=re.dtype)
        if neuron.name in ("adrf", "adrf_iz"):
            th, r = oracle.linear_adaptive(
                params["threshold_decay"], params["refractory_decay"], traces[2], traces[3], fired, th0,
                neuron.threshold_step,
            )  # fmt: skip
            level = th + r
        if neuron.name in ("rf", "adrf"):
            potential = oracle.phase_spike_potential(re - level, im, tau, scale)
        else:
            potential = oracle.real_spike_potential(im - level, tau, scale)
    (potential * weights).sum().backward()
    grads = {name: p.grad for name, p in params.items()}
    for name, leaf in zip(("input", "imag_input"), leaves):
        grads[name] = leaf.grad
    return grads


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(("layout", "granularity"), [((2, 3), "layer"), ((2, 3), "channel"), ((2, 2, 2, 2), "neuron")])
def test_gradients_match_linear_surrogate_model(model, layout, granularity):
    torch.manual_seed(3)
    neuron = make(model, granularity, requires_grad=True, tau_grad=0.5, scale_grad=2.0).double()
    x = inputs(model, layout, 20, seed=7, dtype=torch.float64)
    x = x.requires_grad_() if model in REAL else tuple(t.requires_grad_() for t in x)
    neuron(x)  # identify the shape (and clamp) before copying parameters
    for p in neuron.parameters():
        p.grad = None
    x = x.detach().requires_grad_() if model in REAL else tuple(t.detach().requires_grad_() for t in x)
    weights = torch.randn(x.shape if model in REAL else x[0].shape, dtype=torch.float64)
    spikes, got = module_gradients(neuron, x, weights)
    assert spikes.sum() > 0
    want = oracle_gradients(neuron, x, weights, spikes)
    assert set(got) == set(want)
    for name in want:
        assert want[name].abs().sum() > 0, f"{name}: the check needs a non-zero gradient"
        torch.testing.assert_close(got[name], want[name], rtol=1e-7, atol=1e-10, msg=name)


def test_leaky_decay_gradient_has_the_descent_sign():
    # one neuron integrating a constant input: a larger voltage decay lowers the voltage, so the
    # gradient of the final voltage w.r.t. voltage_decay must be negative (lava-dl returns a positive one)
    neuron = make("cuba", requires_grad=True).double()
    x = torch.full((1, 1, 8), 0.05, dtype=torch.float64)
    _, v = neuron.dynamics(x)
    v[..., -1].sum().backward()
    assert neuron.voltage_decay.grad.item() < 0 and neuron.current_decay.grad.item() < 0
