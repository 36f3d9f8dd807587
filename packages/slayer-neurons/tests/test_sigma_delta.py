"""sigma_delta.Neuron: sigma -> norm -> activation(+bias) -> delta, lava-dl compatible."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from slayer.neuron import sigma_delta

A = torch.tensor([0, 0.05, 0.25, 0.5, 0.76, 0.86, 0.56, 1.06]).reshape(1, 1, 8)
GOLDEN = [0, 0, 0.25, 0.25, 0.259765625, 0.099853515625, -0.300048828125, 0.499755859375]


def test_delta_golden_trace_and_device_params():
    neuron = sigma_delta.Neuron(threshold=0.1, activation=F.relu)
    assert neuron.threshold.item() == 0.09375 and neuron.v_th_mant == 6
    assert neuron.delta(A).flatten().tolist() == GOLDEN
    changes = torch.diff(A, dim=-1, prepend=torch.zeros(1, 1, 1))
    torch.testing.assert_close(neuron(changes).flatten(), torch.tensor(GOLDEN), atol=1 / 4096, rtol=0)
    assert neuron.device_params == {"type": "SDNN", "activation": "relu", "vThMant": 6}
    assert sigma_delta.neuron_params(neuron.device_params) == {"threshold": 6 / 64}
    assert set(neuron.state_dict()) == {"bias", "delta.threshold"}


def test_bias_is_added_before_the_activation():
    neuron = sigma_delta.Neuron(threshold=0.1, activation=F.relu)
    x = torch.zeros(1, 2, 4)
    assert torch.equal(neuron(x), torch.zeros_like(x))
    neuron.set_bias(torch.tensor([0.5, -0.5]))
    out = neuron(x)
    assert out[0, 0, 0].item() == 0.5 and torch.equal(out[0, 1], torch.zeros(4))


def test_persistent_chunks_equal_long_run_and_reset():
    torch.manual_seed(0)
    x = 0.2 * torch.randn(2, 3, 20)
    long_run = sigma_delta.Neuron(0.05, F.relu, persistent_state=True)(x)
    neuron = sigma_delta.Neuron(0.05, F.relu, persistent_state=True)
    parts = torch.cat([neuron(c) for c in torch.split(x, [5, 1, 14], dim=-1)], dim=-1)
    assert torch.equal(parts, long_run)
    neuron.reset_state()
    assert torch.equal(neuron(x), long_run)


def test_learnable_threshold_gets_a_gradient():
    neuron = sigma_delta.Neuron(0.1, F.relu, requires_grad=True)
    x = torch.randn(2, 3, 10, requires_grad=True)
    neuron(x).pow(2).sum().backward()
    assert neuron.threshold.grad is not None and x.grad is not None
    with pytest.raises(ValueError, match="granularity 'layer' or 'channel'"):
        sigma_delta.Neuron(0.1, F.relu, granularity="neuron")
    with pytest.raises(ValueError, match=r"2-D tensor"):
        neuron(torch.zeros(2, 3))


def test_bias_of_the_wrong_size_is_a_clear_error():
    neuron = sigma_delta.Neuron(threshold=0.1, activation=F.relu)
    neuron.set_bias(torch.tensor([0.5, -0.5, 0.1]))
    with pytest.raises(ValueError, match=r"bias set by set_bias has 3 elements.*needs 1, 2 \(per channel\) or 8"):
        neuron(torch.zeros(1, 2, 2, 2, 4))
