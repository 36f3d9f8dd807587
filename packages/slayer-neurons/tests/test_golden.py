"""Spec §19: golden traces produced by lava-dl, and the device_params rows."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from slayer.neuron import alif, cuba, rf, rf_iz

X = torch.tensor([1.0, 0.5, 0, 0, 0, 1.5, 0, 0, 0, 0, 0, 0]).reshape(1, 1, 12)


def ints(trace: torch.Tensor) -> list[int]:
    return torch.round(trace * 4096).to(torch.int64).flatten().tolist()


def flat(spikes: torch.Tensor) -> list[int]:
    return spikes.to(torch.int64).flatten().tolist()


def test_cuba_golden_trace():
    neuron = cuba.Neuron(threshold=1.25, current_decay=0.25, voltage_decay=0.03)
    u, v = neuron.dynamics(X)
    assert ints(u) == [4096, 5120, 3840, 2880, 2160, 7764, 5823, 4367, 3275, 2456, 1842, 1381]
    assert ints(v) == [4096, 9093, 3840, 6604, 2160, 9859, 5823, 4367, 7510, 2456, 4224, 5478]
    assert flat(neuron.spike(v)) == [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]
    assert flat(neuron(X)) == [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]
    assert (neuron.cx_current_decay, neuron.cx_voltage_decay, neuron.v_th_mant) == (1024, 123, 80)


def test_alif_golden_trace():
    neuron = alif.Neuron(
        1.0, threshold_step=0.5, current_decay=0.25, voltage_decay=0.03, threshold_decay=0.1, refractory_decay=0.2
    )
    _, v, th, r = neuron.dynamics(X)
    assert ints(v) == [4096, 9093, 12659, 15158, 16862, 24119, 29217, 32706, 34998, 36403, 37151, 37416]
    assert ints(th) == [4096, 5939, 5754, 7431, 7097, 6796, 8368, 9783, 9213, 10543, 9897, 11159]
    assert ints(r) == [0, 6554, 5243, 13401, 10721, 8577, 17736, 27579, 22064, 32393, 25915, 36569]
    assert flat(neuron.spike(v, th, r)) == [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0]


def test_rf_phase_golden_trace():
    neuron = rf.Neuron(threshold=0.5, period=8, decay=0.05)
    assert (neuron.cx_sin_decay, neuron.cx_cos_decay) == (2751, 2751)
    re, im = neuron.dynamics((X, torch.zeros_like(X)))
    assert ints(re) == [4096, 4799, 1376, -2481, -4573, 2240, 3007, 2019, 0, -1821, -2446, -1642]
    assert ints(im) == [0, 2751, 5070, 4329, 1241, -2238, 1, 2019, 2712, 1821, 0, -1642]
    assert flat(neuron.spike(re, im)) == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_rf_izhikevich_golden_trace():
    neuron = rf_iz.Neuron(threshold=0.5, period=8, decay=0.05)
    re, im = neuron.dynamics((X, torch.zeros_like(X)))
    assert ints(re) == [4096, 4799, -1374, -1844, -1238, 6144, 5242, -1374, -1844, -1238, 0, 1116]
    assert ints(im) == [0, 2751, 1374, 0, -1238, -1662, 3010, 1374, 0, -1238, -1662, -1116]
    assert flat(neuron.spike(re, im)) == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_device_params_rows():
    assert cuba.Neuron(1, 0.1, 0.1).device_params == {
        "type": "CUBA", "iDecay": 410, "vDecay": 410, "vThMant": 64, "refDelay": 1, "gradedSpike": False,
    }  # fmt: skip
    assert alif.Neuron(1, 0.5, 0.2, 0.2, 0.1, 0.1).device_params == {
        "type": "ALIF", "iDecay": 819, "vDecay": 819, "thDecay": 410, "refDecay": 410, "vThMant": 64,
        "vThStep": 32, "refDelay": 1, "gradedSpike": False,
    }  # fmt: skip
    assert rf.Neuron(1, 10, 0.1).device_params == {
        "type": "RF_PHASE", "sinDecay": 2167, "cosDecay": 2982, "vThMant": 64, "gradedSpike": False,
    }  # fmt: skip
    assert rf_iz.Neuron(1, 10, 0.1).device_params["type"] == "RF_IZHIKEVICH"


def test_quantize_8bit_row():
    neuron = cuba.Neuron(1, 0.1, 0.1)
    w = torch.tensor([-5, -0.013, 0.016, 3.97, 5])
    assert neuron.quantize_8bit(w).tolist() == [-4, -0.0, 0.03125, 3.96875, 3.96875]
    assert neuron.quantize_8bit(w, descale=True).tolist() == [-256, -0.0, 2, 254, 254]
    assert F.relu.__name__ == "relu"
