"""Hand-computed fixed-point arithmetic and threshold edge cases (spec §3, docs/semantics.md)."""

import pytest
import torch

from slayer.core.dynamics import adaptive_phase_threshold, adaptive_threshold, leaky_integrator, resonator

W = 4096


def series(*values):
    return torch.tensor(values, dtype=torch.float64).reshape(1, 1, -1)


def ints(x):
    return [round(v * W) for v in x.flatten().tolist()]


def test_decay_product_truncates_toward_zero_not_floor():
    # -1 LSB with decay 1: rtz(-1 * 4095, 12) = 0 (floor would give -1); +1 LSB likewise 0
    out, _ = leaky_integrator(series(0, 0), torch.tensor(1.0), torch.tensor([[-1.0 / W]]))
    assert ints(out) == [0, 0]
    # -5000 LSB with decay 1024: -5000 * 3072 / 4096 = -3750 exactly; -4097 -> -3072.75 -> -3072
    out, _ = leaky_integrator(series(0), torch.tensor(1024.0), torch.tensor([[-4097.0 / W]]))
    assert ints(out) == [-3072]


def test_input_scaling_truncates_toward_zero():
    out, _ = leaky_integrator(series(1.9 / W, -1.9 / W, 0), torch.tensor(4096.0))
    assert ints(out) == [1, -1, 0]


def test_threshold_exactly_zero_resets_at_zero_and_above():
    """Our rule: any given threshold resets when ``y_int >= ceil(θ s_scale)``; θ = 0 resets at 0
    (lava-dl's CPU path treats θ <= 0 as "no threshold", a side effect of its -1 sentinel for None)."""
    out, nxt = leaky_integrator(series(0.5, -0.25, 0.25, 0.0), torch.tensor(0.0), threshold=0.0)
    assert out.flatten().tolist() == [0.5, -0.25, 0.0, 0.0]
    assert nxt.item() == 0.0
    # without threshold the same input integrates
    out, _ = leaky_integrator(series(0.5, -0.25, 0.25, 0.0), torch.tensor(0.0))
    assert out.flatten().tolist() == [0.5, 0.25, 0.5, 0.5]


def test_state_exactly_at_threshold_with_cuba_epsilon_does_not_reset():
    """CUBA passes θ + 0.01/s_scale: an integer state exactly at θ is below it (spike/reset on ``>``)."""
    x = series(1.25, 0.0)
    out, nxt = leaky_integrator(x, torch.tensor(0.0), threshold=1.25 + 0.01 / W)
    assert out.flatten().tolist() == [1.25, 1.25] and nxt.item() == 1.25
    out, nxt = leaky_integrator(x, torch.tensor(0.0), threshold=1.25)  # no epsilon: reset at equality
    assert out.flatten().tolist() == [1.25, 0.0] and nxt.item() == 0.0
    out, _ = leaky_integrator(series(1.25 + 1 / W, 0.0), torch.tensor(0.0), threshold=1.25 + 0.01 / W)
    assert out.flatten().tolist() == [1.25 + 1 / W, 0.0]


def test_negative_threshold_resets_everything_at_or_above_it():
    out, _ = leaky_integrator(series(-0.5, -0.25), torch.tensor(0.0), threshold=-0.3)
    assert out.flatten().tolist() == [-0.5, -0.75]
    out, _ = leaky_integrator(series(-0.25, -0.25), torch.tensor(0.0), threshold=-0.3)
    assert out.flatten().tolist() == [-0.25, -0.25]


def test_threshold_as_zero_dim_tensor():
    a = leaky_integrator(series(1, 1, 1), torch.tensor(100.0), threshold=torch.tensor(1.5))
    b = leaky_integrator(series(1, 1, 1), torch.tensor(100.0), threshold=1.5)
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_resonator_izhikevich_reset_sits_one_lsb_below_threshold():
    # θ = 0.3 -> ceil(0.3 * 4096) = 1229; after a spike im' = 1228, re' = 0 (decays 0 / 4096 keep values)
    re, im, nre, nim = resonator(series(0.5, 0), series(0.4, 0), torch.tensor(0.0), torch.tensor(4096.0), threshold=0.3)
    assert ints(re) == [2048, 0] and ints(im) == [1638, 1228]
    assert ints(nre) == [0] and ints(nim) == [1228]


def test_adaptive_threshold_by_hand():
    # th0 = 1, step 0.5, no decay of θ (th_decay 0), refractory halves (ref_decay 2048)
    v = series(1.0, 0.0, 5.0, 0.0)
    th, r, nr, nt = adaptive_threshold(v, torch.tensor(2048.0), torch.tensor(0.0), 0.5, 1.0)
    # t0: θ=1, r=0, v=1 >= 1 spike -> r'=2, θ'=1.5; t1: r=1, θ=1.5 no; t2: v=5 >= 2.5 spike -> r'=0.5+3, θ'=2
    assert th.flatten().tolist() == [1.0, 1.5, 1.5, 2.0]
    assert r.flatten().tolist() == [0.0, 1.0, 0.5, 1.75]
    assert nr.item() == 1.75 and nt.item() == 2.0


def test_adaptive_threshold_decays_toward_th0():
    v = series(0, 0, 0)
    th, _, _, _ = adaptive_threshold(v, torch.tensor(0.0), torch.tensor(2048.0), 0.5, 1.0, th_state=torch.tensor(3.0))
    assert th.flatten().tolist() == [2.0, 1.5, 1.25]


def test_th0_and_th_step_truncate_to_the_state_grid():
    v = series(10.0, 0.0)
    th, _, _, nt = adaptive_threshold(v, torch.tensor(0.0), torch.tensor(0.0), 1.9 / W, 2.9 / W)
    assert ints(th) == [2, 3] and ints(nt) == [3]


def test_phase_threshold_needs_an_upward_zero_crossing():
    re = series(2.0, 2.0, 2.0, 2.0)
    im = series(-0.1, 0.0, 0.2, -0.1)
    th, r, _, _ = adaptive_phase_threshold(re, im, torch.tensor(0.0), torch.tensor(0.0), 0.5, 1.0)
    # spike only at t=1 (im: -0.1 -> 0.0); then r = 2θ = 2, θ = 1.5
    assert th.flatten().tolist() == [1.0, 1.0, 1.5, 1.5]
    assert r.flatten().tolist() == [0.0, 0.0, 2.0, 2.0]
    # the crossing can straddle chunks through imag_state
    th, r, _, _ = adaptive_phase_threshold(
        re[..., 1:], im[..., 1:], torch.tensor(0.0), torch.tensor(0.0), 0.5, 1.0, imag_state=torch.tensor(-0.1)
    )
    assert r.flatten().tolist() == [0.0, 2.0, 2.0]


@pytest.mark.parametrize("s_scale", [0, -4096, 4096.0, True])
def test_s_scale_must_be_a_positive_int(s_scale):
    with pytest.raises(ValueError, match="s_scale must be a positive int"):
        leaky_integrator(series(1.0), torch.tensor(0.0), s_scale=s_scale)


def test_other_s_scale():
    out, _ = leaky_integrator(series(1.0, 0.0), torch.tensor(1024.0), s_scale=64)
    assert out.flatten().tolist() == [1.0, 0.75]


def test_decay_must_be_a_floating_tensor():
    with pytest.raises(TypeError, match="decay has dtype torch.int64"):
        leaky_integrator(series(1.0), torch.tensor(3))
    with pytest.raises(TypeError, match="decay must be a torch.Tensor"):
        leaky_integrator(series(1.0), 3.0)
