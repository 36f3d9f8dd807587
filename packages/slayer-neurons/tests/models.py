"""Model factories and oracle runners shared by the tests (tiny shapes)."""

from __future__ import annotations

import neuron_oracle as oracle
import numpy as np
import torch

from slayer.neuron import adrf, adrf_iz, alif, cuba, rf, rf_iz

REAL = ("cuba", "alif")
COMPLEX = ("rf", "rf_iz", "adrf", "adrf_iz")
MODELS = REAL + COMPLEX
LAYOUTS = {"NCT": (2, 3), "NCHWT": (2, 3, 2, 2)}


def make(model: str, granularity: str = "layer", **kwargs) -> torch.nn.Module:
    shared = {"granularity": granularity, **kwargs}
    if model == "cuba":
        return cuba.Neuron(1.0, (0.1, 0.4), (0.05, 0.3), **shared)
    if model == "alif":
        return alif.Neuron(1.0, 0.5, (0.1, 0.4), (0.05, 0.3), (0.05, 0.2), (0.1, 0.3), **shared)
    if model in ("rf", "rf_iz"):
        module = rf if model == "rf" else rf_iz
        return module.Neuron(0.25, (6.0, 12.0), (0.02, 0.1), **shared)
    module = adrf if model == "adrf" else adrf_iz
    return module.Neuron(0.25, 0.125, (6.0, 12.0), (0.02, 0.1), (0.05, 0.2), (0.1, 0.3), **shared)


def inputs(model: str, shape: tuple[int, ...], T: int, seed: int = 0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand((*shape, T), generator=gen) * 1.2 - 0.2).to(dtype)
    if model in REAL:
        return x
    return x, (torch.rand((*shape, T), generator=gen) * 0.6 - 0.3).to(dtype)


def run(neuron, x):
    """Spikes and the dynamics traces of one call (dynamics + spike, as forward does)."""
    traces = neuron.dynamics(x)
    if neuron.name in ("cuba",):
        return neuron.spike(traces[1]), traces
    if neuron.name == "alif":
        return neuron.spike(*traces[1:]), traces
    if neuron.name in ("rf", "rf_iz"):
        return neuron.spike(*traces), traces
    return neuron.spike(*traces), traces


def expected(neuron, x) -> tuple[np.ndarray, ...]:
    """Oracle ``(spikes, *traces)`` as integers (traces x 4096) for the neuron's current parameters."""
    first = x if neuron.name in REAL else x[0]
    state_shape = tuple(first.shape[:-1])
    p = {name: oracle.as_neurons(param, state_shape) for name, param in neuron.named_parameters()}
    if neuron.name == "cuba":
        u, v, s = oracle.cuba(first.numpy(), p["current_decay"], p["voltage_decay"], neuron.threshold)
        return s, u, v
    if neuron.name == "alif":
        args = (p["current_decay"], p["voltage_decay"], p["threshold_decay"], p["refractory_decay"])
        v, th, r, s = oracle.alif(first.numpy(), *args, neuron.threshold, neuron.threshold_step)
        return s, v, th, r
    xr, xi = x[0].numpy(), x[1].numpy()
    sc = (p["sin_decay"], p["cos_decay"])
    if neuron.name == "rf":
        re, im, s = oracle.rf_phase(xr, xi, *sc, neuron.threshold)
        return s, re, im
    if neuron.name == "rf_iz":
        re, im, s = oracle.resonator(xr, xi, *sc, neuron.threshold)
        return s, re, im
    fn = oracle.adrf if neuron.name == "adrf" else oracle.adrf_iz
    re, im, th, r, s = fn(
        xr, xi, *sc, p["threshold_decay"], p["refractory_decay"], neuron.threshold, neuron.threshold_step
    )
    return s, re, im, th, r


def compared_traces(neuron, traces):
    """The module's traces in the oracle's order, as integers."""
    order = {
        "cuba": (0, 1),
        "alif": (1, 2, 3),
        "rf": (0, 1),
        "rf_iz": (0, 1),
        "adrf": (0, 1, 2, 3),
        "adrf_iz": (0, 1, 2, 3),
    }
    return [torch.round(traces[i].detach().double() * 4096).to(torch.int64).numpy() for i in order[neuron.name]]
