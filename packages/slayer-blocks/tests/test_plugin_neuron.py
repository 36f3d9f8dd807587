"""A neuron registered in-process by a plugin gets every block type, export and import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import torch

import slayer
from slayer.block import export_hdf5, load_hdf5
from slayer.core import hookimpl
from slayer.core.dynamics import leaky_integrator
from slayer.core.plugins import registry
from slayer.neuron import base
from slayer.spike import Spike


class Leaky(base.Neuron):
    """A one-state LIF neuron written the way a third party would: ``v[t] = (1 - d) v[t-1] + x[t]``."""

    name = "test_leaky"
    device_type = "TEST_LEAKY"
    block_types = base.SPIKING_BLOCK_TYPES

    def __init__(self, threshold: float, decay: float, persistent_state: bool = False, requires_grad: bool = True):
        super().__init__(threshold, p_scale=4096, w_scale=64, s_scale=4096, persistent_state=persistent_state,
                         requires_grad=requires_grad)  # fmt: skip
        self.register_neuron_parameters({"decay": 4096 * decay})
        self.register_state("voltage_state")

    @property
    def device_params(self) -> dict[str, Any]:
        return {"type": self.device_type, "vDecay": base.rounded_int(self.decay), "vThMant": self.v_th_mant}

    @classmethod
    def params_from_device(cls, device_params: Mapping[str, Any], scale: int = 64) -> dict[str, Any]:
        return {"threshold": device_params["vThMant"] / scale, "decay": device_params["vDecay"] / 4096}

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x = self._real_input(input)
        voltage, next_voltage = leaky_integrator(
            x, self.decay, self._state("voltage_state", x), self.threshold, s_scale=self.s_scale
        )
        self._store_state(voltage_state=next_voltage)
        return Spike.apply(voltage, self.threshold, 1.0, 1.0, False, None, 1)


class _Plugin:
    @staticmethod
    @hookimpl
    def slayer_register_neurons():
        return [Leaky]


@pytest.fixture
def plugin():
    registry().register(_Plugin, name="test-leaky-plugin")
    yield
    registry().unregister("test-leaky-plugin")


PARAMS = dict(threshold=0.5, decay=0.1)


def test_plugin_neuron_gets_every_spiking_block_type(plugin):
    family = slayer.block.test_leaky
    assert set(family.block_names) == set(base.SPIKING_BLOCK_TYPES) | {"Flatten", "Average", "TimeDecimation"}
    with pytest.raises(AttributeError, match="'test_leaky' does not support the block type 'Affine'"):
        family.Affine  # noqa: B018


def test_plugin_family_disappears_with_the_plugin(plugin):
    assert slayer.block.test_leaky.neuron_class is Leaky
    registry().unregister("test-leaky-plugin")
    with pytest.raises(AttributeError, match="no neuron model 'test_leaky'"):
        slayer.block.test_leaky  # noqa: B018
    registry().register(_Plugin, name="test-leaky-plugin")


def test_plugin_network_trains_exports_and_loads_back_identically(plugin, tmp_path):
    torch.manual_seed(0)
    f = slayer.block.test_leaky
    blocks = torch.nn.ModuleList([
        f.Input(PARAMS), f.Conv(PARAMS, 2, 4, 3, padding=1, weight_scale=4), f.Pool(PARAMS, 2, weight_scale=2),
        f.ConvT(PARAMS, 4, 2, 2, stride=2, weight_scale=4), f.Unpool(PARAMS, 1), f.Flatten(),
        f.Dense(PARAMS, 2 * 6 * 6, 8, weight_scale=4, delay=True), f.Recurrent(PARAMS, 8, 6, weight_scale=4),
        f.KWTA(PARAMS, 6, 4, num_winners=1, weight_scale=4),
    ])  # fmt: skip
    x = torch.rand(2, 2, 6, 6, 15)
    y = x
    for block in blocks:
        y = block(y)
    y.sum().backward()
    assert blocks[1].synapse.weight.grad.abs().sum() > 0 and blocks[1].neuron.decay.grad is not None
    export_hdf5(blocks, tmp_path / "plugin.h5")
    loaded = load_hdf5(tmp_path / "plugin.h5")
    assert [type(b).__name__ for b in loaded.blocks] == [type(b).__name__ for b in blocks]
    with torch.no_grad():
        expected = x
        for block in blocks:
            expected = block(expected)
        assert torch.equal(loaded(x), expected)
