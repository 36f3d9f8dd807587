"""The example network of the project's seed: five neuron families in one network, forward, backward,
export and exact reload."""

from __future__ import annotations

import torch
import torch.nn.functional as F

import slayer

SIGMA_DELTA = dict(threshold=0.1, activation=F.relu, requires_grad=True, shared_param=False)
RF_IZ = dict(threshold=0.5, period=(5, 15), decay=(0.1, 0.3), requires_grad=True, shared_param=False)
ALIF = dict(
    threshold=0.5, threshold_step=0.2, current_decay=0.25, voltage_decay=0.03, threshold_decay=0.1,
    refractory_decay=0.1, requires_grad=True,
)  # fmt: skip
CUBA = dict(threshold=0.5, current_decay=0.25, voltage_decay=0.03, requires_grad=True)


def seed_network() -> torch.nn.ModuleList:
    block = slayer.block
    return torch.nn.ModuleList([
        block.sigma_delta.Input(SIGMA_DELTA),
        block.sigma_delta.Conv(SIGMA_DELTA, 3, 24, 3, padding=1, weight_scale=2),
        block.sigma_delta.Conv(SIGMA_DELTA, 24, 36, 3, padding=1, stride=2, weight_scale=2),
        block.rf_iz.Conv(RF_IZ, 36, 64, 3, padding=1, delay=True, weight_scale=2),
        block.rf_iz.Conv(RF_IZ, 64, 64, 3, padding=1, stride=2, delay=True, weight_scale=2),
        block.Flatten(),
        block.alif.Dense(ALIF, 64 * 4 * 4, 100, delay=True, weight_scale=2),
        block.cuba.Recurrent(CUBA, 100, 50, weight_scale=2),
        block.cuba.KWTA(CUBA, 50, 10, num_winners=3, weight_scale=2),
    ])  # fmt: skip


def test_seed_network_runs_forward_backward_exports_and_reloads(tmp_path):
    torch.manual_seed(0)
    blocks = seed_network()
    x = torch.rand(2, 3, 13, 16, 16)  # (N, C, H, W, T)
    y = x
    shapes = []
    for block in blocks:
        y = block(y)
        shapes.append(tuple(y.shape))
    assert shapes == [
        (2, 3, 13, 16, 16), (2, 24, 13, 16, 16), (2, 36, 7, 8, 16), (2, 64, 7, 8, 16), (2, 64, 4, 4, 16),
        (2, 1024, 16), (2, 100, 16), (2, 50, 16), (2, 10, 16),
    ]  # fmt: skip
    assert y.sum() > 0
    y.sum().backward()
    for name, parameter in blocks.named_parameters():
        if parameter.requires_grad and not name.endswith("neuron.bias"):  # sigma-delta bias: unused until set
            assert parameter.grad is not None, name
    slayer.block.export_hdf5(blocks, tmp_path / "seed.h5")
    loaded = slayer.block.load_hdf5(tmp_path / "seed.h5")
    with torch.no_grad():
        expected = x
        for block in blocks:
            expected = block(expected)
        assert torch.equal(loaded(x), expected)
