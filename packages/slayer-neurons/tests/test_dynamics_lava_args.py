"""lava-dl's argument conventions on the ``slayer.neuron.dynamics`` paths (issue 15, items 1 and 4):
``(T,)`` and ``(A, T)`` inputs as in lava-dl's dynamics tutorial, and fractional decays truncated
toward zero as lava-dl's CPU path does (409.6 acts as 409, not 410)."""

from __future__ import annotations

import math

import pytest
import torch

from slayer.neuron.dynamics import (
    adaptive_phase_th,
    adaptive_resonator,
    adaptive_threshold,
    leaky_integrator,
    resonator,
)

SCALE = 4096


def reference_leaky(x: list[float], decay: float, threshold: float | None) -> list[float]:
    """spec §3.1 written out: integer states, retention ``4096 - trunc(decay)``, reset after a spike."""
    retention = SCALE - math.trunc(decay)
    y, out = 0, []
    for value in x:
        product = y * retention
        y = int(product / SCALE) + math.trunc(SCALE * value)  # int(): truncation toward zero
        out.append(y / SCALE)
        if threshold is not None and y >= threshold * SCALE:
            y = 0
    return out


def tutorial_input(steps: int = 300) -> torch.Tensor:
    """Five weighted impulses in a ``(T,)`` trace, like lava-dl's dynamics tutorial."""
    x = torch.zeros(steps)
    for t, w in [(10, 1.0), (97, 1.8), (100, 1.6), (170, -3.0), (250, 0.5)]:
        x[t] = w
    return x


@pytest.mark.parametrize("threshold", [None, 1.5])
def test_one_dimensional_input_matches_the_reference_loop(threshold):
    x = tutorial_input()
    y = leaky_integrator.dynamics(x, decay=torch.tensor([0.1 * SCALE]), state=torch.zeros(1), w_scale=SCALE)
    if threshold is not None:
        y = leaky_integrator.dynamics(x, torch.tensor([0.1 * SCALE]), torch.zeros(1), SCALE, threshold=threshold)
    assert y.shape == (300,)
    assert y.tolist() == pytest.approx(reference_leaky(x.tolist(), 409.6, threshold), abs=0)


def test_fractional_decay_is_truncated_not_rounded():
    x = tutorial_input()
    fractional = leaky_integrator.dynamics(x, torch.tensor([409.6]), torch.zeros(1), SCALE)
    truncated = leaky_integrator.dynamics(x, torch.tensor([409.0]), torch.zeros(1), SCALE)
    rounded = leaky_integrator.dynamics(x, torch.tensor([410.0]), torch.zeros(1), SCALE)
    assert torch.equal(fractional, truncated)
    assert not torch.equal(fractional, rounded)
    # toward zero for negative decays too (a growing integrator)
    assert torch.equal(
        leaky_integrator.dynamics(x, torch.tensor([-2.7]), torch.zeros(1), SCALE),
        leaky_integrator.dynamics(x, torch.tensor([-2.0]), torch.zeros(1), SCALE),
    )


def test_truncated_decay_has_a_straight_through_gradient():
    x = tutorial_input()[:60].double()
    fractional = torch.tensor([409.6], dtype=torch.float64, requires_grad=True)
    integer = torch.tensor([409.0], dtype=torch.float64, requires_grad=True)
    weights = torch.linspace(-1, 1, 60, dtype=torch.float64)
    for decay in (fractional, integer):
        (leaky_integrator.dynamics(x, decay, torch.zeros(1, dtype=torch.float64), SCALE) * weights).sum().backward()
    assert fractional.grad is not None and fractional.grad.abs().item() > 0
    torch.testing.assert_close(fractional.grad, integer.grad)


def test_two_dimensional_input_is_one_sample_of_A_neurons():
    x = torch.stack([tutorial_input(), 0.5 * tutorial_input()])  # (A=2, T)
    decay = torch.tensor([409.0, 819.0])  # per neuron of the A axis, as lava-dl broadcasts it
    state = torch.tensor([0.25, -0.5])  # input.shape[:-1]
    y = leaky_integrator.dynamics(x, decay, state, SCALE, threshold=1.5)
    assert y.shape == x.shape
    for row in range(2):
        single = leaky_integrator.dynamics(x[row], decay[row : row + 1], state[row : row + 1], SCALE, threshold=1.5)
        assert torch.equal(y[row], single)
    three_d = leaky_integrator.dynamics(x[None], decay, state[None], SCALE, threshold=1.5)
    assert torch.equal(y, three_d[0])


def test_low_rank_resonator_and_adaptive_paths_equal_their_three_dimensional_runs():
    re_in, im_in = tutorial_input(), torch.zeros(300)
    zero = torch.zeros(1)
    sin, cos = (
        torch.tensor([0.97 * SCALE * math.sin(2 * math.pi / 25)]),
        torch.tensor([0.97 * SCALE * math.cos(2 * math.pi / 25)]),
    )
    ref_decay, th_decay = torch.tensor([204.8]), torch.tensor([409.6])

    def as3(x):
        return x.reshape(1, 1, -1)

    re, im = resonator.dynamics(re_in, im_in, sin, cos, zero, zero, SCALE)
    re3, im3 = resonator.dynamics(as3(re_in), as3(im_in), sin.trunc(), cos.trunc(), zero, zero, SCALE)
    assert re.shape == im.shape == (300,)
    assert torch.equal(re, re3.flatten()) and torch.equal(im, im3.flatten())

    th, ref = adaptive_threshold.dynamics(re, zero, ref_decay, zero + 0.3, th_decay, 0.15, 0.3, SCALE)
    th3, ref3 = adaptive_threshold.dynamics(
        as3(re), zero, ref_decay.trunc(), zero + 0.3, th_decay.trunc(), 0.15, 0.3, SCALE
    )
    assert th.shape == (300,) and torch.equal(th, th3.flatten()) and torch.equal(ref, ref3.flatten())

    th, ref = adaptive_phase_th.dynamics(re, im, zero, zero, ref_decay, zero + 0.3, th_decay, 0.15, 0.3, SCALE)
    th3, ref3 = adaptive_phase_th.dynamics(
        as3(re), as3(im), zero, zero, ref_decay.trunc(), zero + 0.3, th_decay.trunc(), 0.15, 0.3, SCALE
    )
    assert torch.equal(th, th3.flatten()) and torch.equal(ref, ref3.flatten())
    assert (th > 0.3).any()  # the phase spikes did raise the threshold

    out = adaptive_resonator.dynamics(
        re_in, im_in, sin, cos, ref_decay, th_decay, zero, zero, zero, zero + 0.3, 0.15, 0.3, SCALE
    )
    out3 = adaptive_resonator.dynamics(
        as3(re_in),
        as3(im_in),
        sin.trunc(),
        cos.trunc(),
        ref_decay.trunc(),
        th_decay.trunc(),
        zero,
        zero,
        zero,
        zero + 0.3,
        0.15,
        0.3,
        SCALE,
    )
    for low, full in zip(out, out3):
        assert low.shape == (300,) and torch.equal(low, full.flatten())


def test_a_state_of_the_wrong_shape_is_still_named():
    with pytest.raises(ValueError, match="state"):
        leaky_integrator.dynamics(torch.zeros(2, 10), torch.tensor([409.0]), torch.zeros(3), SCALE)
