"""lava-dl's slayer.neuron.dynamics import paths give the same traces as the neurons."""

from __future__ import annotations

import torch

from slayer.neuron import alif, cuba, rf_iz
from slayer.neuron.dynamics import (
    adaptive_phase_th,
    adaptive_resonator,
    adaptive_threshold,
    leaky_integrator,
    resonator,
)

X = torch.tensor([1.0, 0.5, 0, 0, 0, 1.5, 0, 0, 0, 0, 0, 0]).reshape(1, 1, 12)
ZERO = torch.zeros(1)


def test_leaky_integrator_and_adaptive_threshold_paths():
    neuron = alif.Neuron(1.0, 0.5, 0.25, 0.03, 0.1, 0.2)
    _, v, th, r = neuron.dynamics(X)
    u = leaky_integrator.dynamics(X, torch.tensor([1024.0]), ZERO, 4096)
    v2 = leaky_integrator.dynamics(u, torch.tensor([123.0]), ZERO, 4096)
    assert torch.equal(v2, v)
    th2, r2 = adaptive_threshold.dynamics(
        v, ZERO, torch.tensor([819.0]), torch.ones(1), torch.tensor([410.0]), 0.5, 1.0, 4096
    )
    assert torch.equal(th2, th) and torch.equal(r2, r)
    c = cuba.Neuron(1.25, 0.25, 0.03)
    assert torch.equal(
        leaky_integrator.dynamics(u, torch.tensor([123.0]), ZERO, 4096, 1.25 + c.threshold_eps), c.dynamics(X)[1]
    )
    spike = torch.tensor([1.0, 0.0])
    assert leaky_integrator.persistent_state(torch.tensor([2.0, 3.0]), spike).tolist() == [0, 3]
    assert adaptive_threshold.persistent_ref_state(
        torch.tensor([1.0, 1.0]), spike, torch.tensor([2.0, 2.0])
    ).tolist() == [5, 1]
    assert adaptive_threshold.persistent_th_state(torch.tensor([1.0, 1.0]), spike, 0.5).tolist() == [1.5, 1]


def test_resonator_paths():
    neuron = rf_iz.Neuron(0.5, 8, 0.05)
    re, im = neuron.dynamics((X, torch.zeros_like(X)))
    sd, cd = neuron.sin_decay.detach(), neuron.cos_decay.detach()
    re2, im2 = resonator.dynamics(X, torch.zeros_like(X), sd, cd, ZERO, ZERO, 4096, 0.5)
    assert torch.equal(re2, re) and torch.equal(im2, im)
    assert resonator.persistent_imag_state(torch.tensor([0.1, 0.25]), torch.tensor([1.0, 0.0]), 0.5, 4096).tolist() == [
        0.5 - 1 / 4096,
        0.25,
    ]
    re3, im3 = resonator.dynamics(X, torch.zeros_like(X), sd, cd, ZERO, ZERO, 4096)
    th, r = adaptive_phase_th.dynamics(
        re3, im3, ZERO, ZERO, torch.tensor([819.0]), 0.5 * torch.ones(1), torch.tensor([410.0]), 0.25, 0.5, 4096
    )
    assert th.shape == re3.shape and r.shape == re3.shape
    out = adaptive_resonator.dynamics(
        X,
        torch.zeros_like(X),
        sd,
        cd,
        torch.tensor([819.0]),
        torch.tensor([410.0]),
        ZERO,
        ZERO,
        ZERO,
        0.5 * torch.ones(1),
        0.25,
        0.5,
        4096,
    )
    assert len(out) == 4 and torch.equal(out[0], re3)
