"""Neuron parameters per family and one small instance of every block type with a fitting input."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

import slayer

NEURON_PARAMS: dict[str, dict] = {
    "cuba": dict(threshold=0.5, current_decay=0.25, voltage_decay=0.03, requires_grad=True),
    "alif": dict(
        threshold=0.5, threshold_step=0.2, current_decay=0.25, voltage_decay=0.03, threshold_decay=0.1,
        refractory_decay=0.1, requires_grad=True,
    ),
    "rf": dict(threshold=0.3, period=8, decay=0.1, requires_grad=True),
    "rf_iz": dict(threshold=0.3, period=8, decay=0.1, requires_grad=True),
    "adrf": dict(threshold=0.3, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1),
    "adrf_iz": dict(threshold=0.3, threshold_step=0.1, period=8, decay=0.1, threshold_decay=0.1, refractory_decay=0.1),
    "sigma_delta": dict(threshold=0.1, activation=F.relu, requires_grad=True),
}  # fmt: skip

T = 12


def _spikes(*shape: int) -> torch.Tensor:
    return (torch.rand(*shape, T) < 0.4).float()


#: block type -> (build(family, params), input)
CASES: dict[str, Callable[[object, dict], tuple[torch.nn.Module, torch.Tensor]]] = {
    "Input": lambda f, p: (f.Input(p, weight=1.5, bias=0.25), torch.rand(2, 4, T)),
    "Flatten": lambda f, p: (f.Flatten(), _spikes(2, 2, 3, 3)),
    "Average": lambda f, p: (f.Average(2), _spikes(2, 6)),
    "TimeDecimation": lambda f, p: (f.TimeDecimation(4), _spikes(2, 3)),
    "Dense": lambda f, p: (f.Dense(p, 6, 5, weight_scale=4, delay=True), _spikes(2, 6)),
    "Conv": lambda f, p: (f.Conv(p, 2, 3, 3, padding=1, weight_scale=4), _spikes(2, 2, 5, 5)),
    "ConvT": lambda f, p: (f.ConvT(p, 2, 3, 3, stride=2, weight_scale=4), _spikes(2, 2, 3, 3)),
    "Pool": lambda f, p: (f.Pool(p, 2, weight_scale=4), _spikes(2, 2, 4, 4)),
    "Unpool": lambda f, p: (f.Unpool(p, 2, weight_scale=4), _spikes(2, 2, 2, 2)),
    "Affine": lambda f, p: (f.Affine(p, 6, 3, weight_scale=4), _spikes(2, 6)),
    "Output": lambda f, p: (f.Output(p, 6, 3, weight_scale=4), _spikes(2, 6)),
    "Recurrent": lambda f, p: (f.Recurrent(p, 6, 5, weight_scale=4), _spikes(2, 6)),
    "KWTA": lambda f, p: (f.KWTA(p, 6, 5, num_winners=2, weight_scale=4), _spikes(2, 6)),
}


def combinations() -> list[tuple[str, str]]:
    """Every (family, block type) that exists."""
    return [
        (name, block) for name in NEURON_PARAMS for block in slayer.block.family(name).block_names if block in CASES
    ]


def build(family_name: str, block_name: str, seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(seed)
    return CASES[block_name](slayer.block.family(family_name), dict(NEURON_PARAMS[family_name]))
