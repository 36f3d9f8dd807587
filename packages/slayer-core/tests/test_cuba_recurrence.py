"""cuba_recurrence (one autograd node) equals the fused cuba op run one step at a time with the state and the
spikes carried, in values and in every gradient; bad arguments raise naming the argument."""

import pytest
import torch

from slayer.core.dynamics import cuba, cuba_recurrence

SCALARS = dict(threshold=0.5 + 0.01 / 4096, tau_rho=0.5, scale_rho=1.0, s_scale=4096)


def _step_by_step(drive, weight, bias, cd, vd, c, v, s):
    outputs = []
    for t in range(drive.shape[-1]):
        z = (drive[..., t] + s @ weight.t() + bias).unsqueeze(-1)
        spikes, _, c, v = cuba(z, cd, vd, c, v, **SCALARS)
        s = spikes[..., 0]
        outputs.append(s)
    return torch.stack(outputs, -1)


def _leaves(seed=0, n=3, channels=5, steps=25):
    torch.manual_seed(seed)
    drive = (torch.rand(n, channels, steps, dtype=torch.float64) * 0.6).requires_grad_(True)
    weight = (torch.randn(channels, channels, dtype=torch.float64) * 0.3).requires_grad_(True)
    bias = (torch.rand(channels, dtype=torch.float64) * 0.1).requires_grad_(True)
    cd = torch.tensor([1024.0], dtype=torch.float64, requires_grad=True)
    vd = (torch.rand(channels, dtype=torch.float64) * 400 + 100).requires_grad_(True)
    c0 = (torch.rand(n, channels, dtype=torch.float64) * 0.2).requires_grad_(True)
    v0 = (torch.rand(n, channels, dtype=torch.float64) * 0.2).requires_grad_(True)
    return drive, weight, bias, cd, vd, c0, v0


def test_values_and_gradients_equal_the_step_by_step_op():
    leaves = _leaves()
    s0 = torch.zeros(3, 5, dtype=torch.float64)
    ramp = torch.linspace(-1, 2, 25, dtype=torch.float64)
    fused, _, _ = cuba_recurrence(*leaves, s0, **SCALARS)
    reference = _step_by_step(*leaves, s0)
    assert fused.sum() > 0 and torch.equal(fused, reference)
    for a, b in zip(
        torch.autograd.grad((fused * ramp).sum(), leaves), torch.autograd.grad((reference * ramp).sum(), leaves)
    ):
        torch.testing.assert_close(a, b)


def test_next_states_continue_a_chunked_run():
    drive, weight, bias, cd, vd, c0, v0 = (t.detach() for t in _leaves(seed=1))
    long, _, _ = cuba_recurrence(drive, weight, bias, cd, vd, c0, v0, None, **SCALARS)
    first, c, v = cuba_recurrence(drive[..., :10], weight, bias, cd, vd, c0, v0, None, **SCALARS)
    second, _, _ = cuba_recurrence(drive[..., 10:], weight, bias, cd, vd, c, v, first[..., -1], **SCALARS)
    assert torch.equal(long, torch.cat([first, second], -1))


def test_bad_arguments_are_named():
    drive, weight, bias, cd, vd, *_ = (t.detach() for t in _leaves())
    with pytest.raises(ValueError, match=r"recurrent_weight must be \(5, 5\)"):
        cuba_recurrence(drive, weight[:4], bias, cd, vd, **SCALARS)
    with pytest.raises(ValueError, match=r"drive must be \(N, C, T\)"):
        cuba_recurrence(drive[0], weight, bias, cd, vd, **SCALARS)
    with pytest.raises(TypeError, match="float32 or float64"):
        cuba_recurrence(drive.half(), weight, bias, cd, vd, **SCALARS)
