"""slayer-izhikevich's own tests: the equations, their gradients, slayer's conformance check, and training.

They run against the *installed* package, found by slayer through its entry point (no in-process
registration): ``pip install ./tutorials/plugin && pytest tutorials/plugin/tests``.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from slayer_izhikevich import Neuron
from slayer_izhikevich.neuron import izhikevich

import slayer
from slayer.testing import check_neuron

PARAMS = {"threshold": 1.0, "recovery_decay": 0.05, "sensitivity": 0.3, "jump": 0.2, "sharpness": 0.2}


def reference(x: list[float], threshold, a, b, d, critical, k, reset, s_scale) -> tuple[list[int], float, float]:
    """One neuron, step by step, in plain Python floats, straight from the module docstring's equations."""

    def fixed(value: float) -> float:
        return math.trunc(value * s_scale) / s_scale

    v = u = 0.0
    spikes = []
    for drive in x:
        v = fixed(max(v + k * v * (v - critical) / threshold - u + drive, -threshold))
        u = fixed(u + a * (b * v - u))
        spikes.append(int(v >= threshold))
        if spikes[-1]:
            v, u = reset, u + d
    return spikes, v, u


def test_the_neuron_follows_the_equations_in_fixed_point():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 60, dtype=torch.float64) * 0.8 - 0.1
    neuron = Neuron(**PARAMS, persistent_state=True)
    spikes = neuron(x)
    a, b, d, k = (round(value * 4096) / 4096 for value in (0.05, 0.3, 0.2, 0.2))  # stored on a 1/4096 grid
    for n in range(2):
        for c in range(3):
            expected, v, u = reference(x[n, c].tolist(), 1.0, a, b, d, 0.5, k, 0.0, neuron.s_scale)
            assert spikes[n, c].tolist() == expected
            assert neuron.voltage_state[n, c].item() == v and neuron.recovery_state[n, c].item() == u
    assert 0 < spikes.mean() < 0.5  # the test input makes it spike, but not always


def test_the_recovery_makes_it_adapt():
    constant = torch.full((1, 1, 200), 0.3)
    spikes = Neuron(**{**PARAMS, "jump": 0.3})(constant)[0, 0]
    times = torch.nonzero(spikes).flatten()
    intervals = times.diff()
    assert len(times) > 3 and intervals[-1] > intervals[0]  # later spikes come slower


def test_gradients_of_the_dynamics_match_finite_differences():
    """The voltage/recovery recurrence in float64 (a fine grid, no spikes) against finite differences."""
    torch.manual_seed(1)
    x = (torch.rand(1, 2, 12, dtype=torch.float64) * 0.1).requires_grad_()
    decay = torch.tensor([0.05, 0.2], dtype=torch.float64, requires_grad=True)
    start = torch.zeros(1, 2, dtype=torch.float64)

    def last_states(x, decay):
        _, v, u = izhikevich(x, start, start, decay, lambda v: 0 * v, threshold=1.0, sensitivity=0.3, jump=0.2,
                             critical=0.5, sharpness=0.2, reset=0.0, s_scale=1 << 45)  # fmt: skip
        return v, u

    assert torch.autograd.gradcheck(last_states, (x, decay), eps=1e-6, atol=1e-6)


def test_spike_gradient_is_slayers_surrogate():
    neuron = Neuron(threshold=1.0, requires_grad=True)
    x = torch.full((1, 1, 1), 0.9, requires_grad=True)  # v = 0.9: just below the threshold
    neuron(x).sum().backward()
    tau_rho, scale_rho = neuron.surrogate_rho()
    assert (tau_rho, scale_rho) == (1.0, 1.0)
    # slayer's surrogate: scale_rho * exp(-|v - theta| / tau_rho) / (2 tau_rho), v = 0.9 on the 1/4096 grid
    v = math.trunc(0.9 * 4096) / 4096
    assert x.grad.item() == pytest.approx(math.exp(-abs(v - 1.0)) / 2, rel=1e-5)


@pytest.mark.parametrize("granularity", ["layer", "channel", "neuron"])
def test_slayer_conformance_check(granularity):
    params = {**PARAMS, "recovery_decay": (0.02, 0.1), "granularity": granularity}
    report = check_neuron(Neuron, params)
    assert "slayer-izhikevich" in repr(report)  # found through the installed entry point


def test_hdf5_description_round_trips():
    neuron = Neuron(**PARAMS)
    params = Neuron.params_from_device(neuron.device_params)
    on_grid = {"recovery_decay": 205 / 4096, "sensitivity": 1229 / 4096, "jump": 819 / 4096, "sharpness": 819 / 4096}
    assert params == {**PARAMS, **on_grid, "critical": 0.5, "reset": 0.0, "scale": 64}
    assert Neuron(**params).device_params == neuron.device_params  # the constants are on the state grid
    assert neuron.device_params["type"] == "IZHIKEVICH" and neuron.device_params["uDecay"] == 205


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"threshold": 0.0}, r"threshold must be in \[0.015625, 2\*\*38\]"),  # checked by slayer's base
        ({"threshold": 1.0, "recovery_decay": 1.5}, r"recovery_decay must be in \[0, 1\]"),
        ({"threshold": 1.0, "sharpness": 2.0}, r"sharpness must lie in \[0, 1\]"),
    ],
)
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        Neuron(**arguments)


def test_the_family_has_every_spiking_block_but_no_affine():
    family = slayer.block.izhikevich
    assert {"Dense", "Conv", "Pool", "Recurrent", "KWTA", "Input"} <= set(family.block_names)
    with pytest.raises(AttributeError, match="'izhikevich' does not support the block type 'Affine'"):
        family.Affine  # noqa: B018


def test_tutorial_trains_with_falling_loss_and_reloads_from_hdf5(tmp_path):
    path = Path(__file__).parents[1] / "train.py"
    spec = importlib.util.spec_from_file_location("izhikevich_train", path)
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    result = train.main(["--smoke", "--out", str(tmp_path)])
    assert result["last_loss"] < 0.7 * result["first_loss"]
    assert (tmp_path / "izhikevich.h5").exists()
