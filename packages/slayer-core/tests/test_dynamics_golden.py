"""The spec's golden traces (lava-dl 0.6 CPU path, spec §19), reproduced bit for bit."""

import pytest
import torch

from slayer.core.dynamics import adaptive_threshold, leaky_integrator, resonator

SCALE = 4096
X = torch.tensor([1.0, 0.5, 0, 0, 0, 1.5, 0, 0, 0, 0, 0, 0]).reshape(1, 1, 12)


def ints(trace: torch.Tensor) -> list[int]:
    scaled = trace.flatten() * SCALE
    assert torch.equal(scaled, scaled.round()), "states must be exact multiples of 1/4096"
    return [int(v) for v in scaled.tolist()]


def decay(value: float) -> torch.Tensor:
    """A decay stored as lava-dl does (``value * 4096``, rounded inside the dynamics)."""
    return torch.tensor(value * 4096)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cuba_current_and_voltage(dtype):
    u, _ = leaky_integrator(X.to(dtype), decay(0.25))
    v, _ = leaky_integrator(u, decay(0.03), threshold=1.25 + 0.01 / SCALE)
    assert ints(u) == [4096, 5120, 3840, 2880, 2160, 7764, 5823, 4367, 3275, 2456, 1842, 1381]
    assert ints(v) == [4096, 9093, 3840, 6604, 2160, 9859, 5823, 4367, 7510, 2456, 4224, 5478]
    spikes = (v >= 1.25 + 0.01 / SCALE).int().flatten().tolist()
    assert spikes == [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1]


def test_alif_voltage_threshold_refractory():
    u, _ = leaky_integrator(X, decay(0.25))
    v, _ = leaky_integrator(u, decay(0.03))
    th, r, _, _ = adaptive_threshold(v, decay(0.2), decay(0.1), th_step=0.5, th0=1.0)
    assert ints(v) == [4096, 9093, 12659, 15158, 16862, 24119, 29217, 32706, 34998, 36403, 37151, 37416]
    assert ints(th) == [4096, 5939, 5754, 7431, 7097, 6796, 8368, 9783, 9213, 10543, 9897, 11159]
    assert ints(r) == [0, 6554, 5243, 13401, 10721, 8577, 17736, 27579, 22064, 32393, 25915, 36569]
    assert (v >= th + r).int().flatten().tolist() == [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0]


def test_rf_phase_resonator():
    re, im, _, _ = resonator(X, torch.zeros_like(X), torch.tensor(2751.0), torch.tensor(2751.0))
    assert ints(re) == [4096, 4799, 1376, -2481, -4573, 2240, 3007, 2019, 0, -1821, -2446, -1642]
    assert ints(im) == [0, 2751, 5070, 4329, 1241, -2238, 1, 2019, 2712, 1821, 0, -1642]


def test_rf_izhikevich_resonator():
    re, im, next_re, next_im = resonator(
        X, torch.zeros_like(X), torch.tensor(2751.0), torch.tensor(2751.0), threshold=0.5
    )
    assert ints(re) == [4096, 4799, -1374, -1844, -1238, 6144, 5242, -1374, -1844, -1238, 0, 1116]
    assert ints(im) == [0, 2751, 1374, 0, -1238, -1662, 3010, 1374, 0, -1238, -1662, -1116]
    assert (im >= 0.5).int().flatten().tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert ints(next_re) == [1116] and ints(next_im) == [-1116]  # no spike in the last bin: carried as is
