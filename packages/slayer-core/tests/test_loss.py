"""slayer.loss against reference loops written here from the spec (lava-dl reference §11), gradients by
finite differences in float64, and clear errors on bad input."""

from __future__ import annotations

import math

import pytest
import torch

from slayer import loss


def spikes(*shape, rate=0.3, seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=generator) < rate).to(dtype)


def causal_filter_loop(x, kernel):
    """y[..., t] = sum_k kernel[k] x[..., t-k], one step at a time."""
    y = torch.zeros_like(x)
    for t in range(x.shape[-1]):
        for k in range(min(len(kernel), t + 1)):
            y[..., t] += kernel[k] * x[..., t - k]
    return y


def moving_average_loop(x, window):
    return causal_filter_loop(x, [1.0 / window] * window)


# -- SpikeTime ------------------------------------------------------------------------------------


def test_spike_time_kernel_is_the_truncated_self_convolution():
    tau, length = 2.0, 7
    h = [math.exp(-k / tau) for k in range(length)]
    order2 = [sum(h[j] * h[k - j] for j in range(k + 1)) for k in range(length)]
    kernel = loss.SpikeTime(time_constant=tau, length=length, filter_order=2).filter
    torch.testing.assert_close(kernel, torch.tensor(order2, dtype=torch.float32))
    torch.testing.assert_close(loss.SpikeTime(tau, length).filter, torch.tensor(h, dtype=torch.float32))


@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_spike_time_is_mse_of_the_filtered_trains(reduction):
    output, target = spikes(2, 3, 4, 30, seed=1), spikes(2, 3, 4, 30, seed=2)
    error = loss.SpikeTime(time_constant=3, length=10, filter_order=2, reduction=reduction)
    kernel = error.filter.double()
    difference = causal_filter_loop(output, kernel) - causal_filter_loop(target, kernel)
    expected = {"sum": difference.pow(2).sum(), "mean": difference.pow(2).mean(), "none": difference.pow(2).flatten()}
    torch.testing.assert_close(error(output, target), expected[reduction])


def test_spike_time_defaults_and_gradient():
    error = loss.SpikeTime()
    assert (error.time_constant, error.length, error.filter_order, error.reduction) == (5, 100, 1, "sum")
    target = spikes(1, 3, 12, seed=3)
    output = torch.rand(1, 3, 12, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda o: loss.SpikeTime(2, 5, 2)(o, target), (output,))


@pytest.mark.parametrize(("steps", "taps"), [(30, 10), (2000, 100), (7, 20), (1, 1)])
def test_causal_fft_conv_equals_the_loop_and_its_gradient_is_the_adjoint(steps, taps):
    # FFT sizes 2^a 3^b 5^c (2,160 for 2,099 samples); the backward is the anti-causal filter, not autograd's
    from slayer.loss._spike_time import causal_fft_conv

    gen = torch.Generator().manual_seed(steps)
    x = torch.randn(2, 3, steps, dtype=torch.float64, generator=gen)
    kernel = torch.rand(taps, dtype=torch.float64, generator=gen)
    padded = torch.nn.functional.pad(x.reshape(6, 1, steps), (taps - 1, 0))  # direct causal convolution
    direct = torch.nn.functional.conv1d(padded, kernel.flip(0).reshape(1, 1, taps)).reshape(2, 3, steps)
    torch.testing.assert_close(causal_fft_conv(x, kernel), direct)
    if steps < 100:
        torch.testing.assert_close(direct, causal_filter_loop(x, kernel))
    if steps <= 30:
        assert torch.autograd.gradcheck(lambda v: causal_fft_conv(v, kernel), (x.requires_grad_(),))


def test_spike_time_follows_a_loaded_or_edited_filter():
    output, target = spikes(1, 2, 3, 20, seed=4), spikes(1, 2, 3, 20, seed=5)
    error, other = loss.SpikeTime(3, 10, 1), loss.SpikeTime(1, 10, 2)
    first = error(output, target)
    error.load_state_dict(other.state_dict())  # the cached filter spectrum must not survive this
    torch.testing.assert_close(error(output, target), other(output, target))
    assert not torch.equal(first, error(output, target))


def test_spike_time_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        loss.SpikeTime()(torch.zeros(1, 3, 10), torch.zeros(1, 3, 11))
    with pytest.raises(ValueError, match="reduction"):
        loss.SpikeTime(reduction="avg")
    with pytest.raises(ValueError, match="time_constant"):
        loss.SpikeTime(time_constant=0)


# -- SpikeRate ------------------------------------------------------------------------------------


def test_spike_rate_by_hand():
    output = torch.zeros(2, 3, 4)
    output[0, 1] = torch.tensor([1.0, 0, 1, 0])  # rate 0.5 on the true class
    output[1, 0, 0] = 1.0  # rate 0.25 on a false class; the true class 2 is silent
    label = torch.tensor([1, 2])
    # sample 0: (0 - .1)^2 + (.5 - .8)^2 + (0 - .1)^2; sample 1: (.25 - .1)^2 + (0 - .1)^2 + (0 - .8)^2
    expected = 0.01 + 0.09 + 0.01 + 0.0225 + 0.01 + 0.64
    torch.testing.assert_close(loss.SpikeRate(0.8, 0.1)(output, label), torch.tensor(expected))
    torch.testing.assert_close(loss.SpikeRate(0.8, 0.1, reduction="mean")(output, label), torch.tensor(expected / 6))


def test_spike_rate_flattens_neuron_dims():
    output, label = spikes(2, 2, 3, 20, seed=4), torch.tensor([5, 0])
    flat = loss.SpikeRate(0.5, 0.05)(output.reshape(2, 6, 20), label)
    torch.testing.assert_close(loss.SpikeRate(0.5, 0.05)(output, label), flat)


@pytest.mark.parametrize("label", [torch.tensor([2, 0]), torch.tensor([[2] * 5 + [1] * 10, [0] * 15])])
def test_spike_rate_moving_window_per_step(label):
    output, window = spikes(2, 3, 15, seed=5), 4
    rate = moving_average_loop(output, window)
    per_step = label if label.dim() == 2 else label[:, None].expand(2, 15)
    target = torch.full_like(rate, 0.1)
    for n in range(2):
        for t in range(15):
            target[n, per_step[n, t], t] = 0.7
    expected = (rate - target).pow(2).sum()
    torch.testing.assert_close(loss.SpikeRate(0.7, 0.1, moving_window=window)(output, label), expected)


def test_spike_rate_gradient():
    output = torch.rand(2, 4, 9, dtype=torch.float64, requires_grad=True)
    label = torch.tensor([3, 1])
    assert torch.autograd.gradcheck(lambda o: loss.SpikeRate(0.4, 0.05)(o, label), (output,))
    assert torch.autograd.gradcheck(lambda o: loss.SpikeRate(0.4, 0.05, moving_window=3)(o, label), (output,))


def test_spike_rate_rejects_bad_input():
    with pytest.raises(ValueError, match="true_rate must be in"):
        loss.SpikeRate(1.5, 0.1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        loss.SpikeRate(0.5, 0.1)(torch.zeros(2, 3, 5), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="labels must have shape"):
        loss.SpikeRate(0.5, 0.1)(torch.zeros(2, 3, 5), torch.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class indices"):
        loss.SpikeRate(0.5, 0.1)(torch.zeros(2, 3, 5), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="moving_window"):
        loss.SpikeRate(0.5, 0.1, moving_window=0)


# -- SpikeMax -------------------------------------------------------------------------------------


def test_spike_max_probability_by_hand():
    output = torch.zeros(1, 3, 4)
    output[0, 0, :2] = 1.0  # rate 0.5
    output[0, 2, 0] = 1.0  # rate 0.25
    eps = 1e-6
    expected = -math.log((0.25 + eps) / (0.75 + 3 * eps))
    torch.testing.assert_close(loss.SpikeMax()(output, torch.tensor([2])), torch.tensor(expected, dtype=torch.float32))


def test_spike_max_is_finite_when_nothing_spikes():
    output = torch.zeros(2, 4, 10, requires_grad=True)
    value = loss.SpikeMax()(output, torch.tensor([1, 3]))
    value.backward()
    # lava-dl: inf loss and NaN gradients; here log(C) per sample (a uniform guess)
    torch.testing.assert_close(value, torch.tensor(2 * math.log(4)))
    assert torch.isfinite(output.grad).all() and output.grad.abs().sum() > 0


def test_spike_max_softmax_and_moving_window():
    output, label = spikes(2, 3, 12, seed=6), torch.tensor([1, 2])
    rate = output.mean(-1)
    expected = -torch.log_softmax(rate, 1)[torch.arange(2), label].mean()
    torch.testing.assert_close(loss.SpikeMax(mode="softmax", reduction="mean")(output, label), expected)
    windowed = moving_average_loop(output, 3)
    log_p = torch.log_softmax(windowed, 1)
    expected = -sum(log_p[n, label[n], t] for n in range(2) for t in range(12))
    torch.testing.assert_close(loss.SpikeMax(moving_window=3, mode="softmax")(output, label), expected)


def test_spike_max_gradient_and_errors():
    output = torch.rand(2, 4, 6, dtype=torch.float64, requires_grad=True)
    label = torch.tensor([0, 2])
    assert torch.autograd.gradcheck(lambda o: loss.SpikeMax()(o, label), (output,))
    assert torch.autograd.gradcheck(lambda o: loss.SpikeMax(moving_window=2)(o, label), (output,))
    with pytest.raises(ValueError, match="mode must be one of"):
        loss.SpikeMax(mode="max")


# -- SpikeMoid ------------------------------------------------------------------------------------


def test_spike_moid_by_hand():
    output = torch.zeros(1, 2, 4)
    output[0, 0] = torch.tensor([1.0, 1, 1, 0])  # rate 0.75
    label = torch.tensor([[1.0, 0.0]])
    alpha, theta = 0.5, 0.25
    p0, p1 = 1 / (1 + math.exp(-(0.75 - theta) / alpha)), 1 / (1 + math.exp(-(0.0 - theta) / alpha))
    expected = -math.log(p0) - math.log(1 - p1)
    value = loss.SpikeMoid(alpha=alpha, theta=theta)(output, label)
    torch.testing.assert_close(value, torch.tensor(expected, dtype=torch.float32))


def test_spike_moid_moving_window_replicates_labels():
    output, label = spikes(2, 3, 8, seed=7), torch.tensor([[1.0, 0, 1], [0, 0, 1]])
    per_step = label[..., None].expand(2, 3, 8)
    error = loss.SpikeMoid(moving_window=3)
    torch.testing.assert_close(error(output, label), error(output, per_step))
    p = torch.sigmoid(moving_average_loop(output, 3))
    expected = -(per_step * torch.log(p) + (1 - per_step) * torch.log(1 - p)).sum()
    torch.testing.assert_close(error(output, label), expected)
    x = torch.rand(2, 3, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda o: error(o, label.double()), (x,))
    with pytest.raises(ValueError, match="labels must have shape"):
        error(output, torch.zeros(2, 3, 7))


# -- SparsityEnforcer -----------------------------------------------------------------------------


def test_sparsity_enforcer_by_hand():
    enforcer = loss.SparsityEnforcer(max_rate=0.1, lam=2.0)
    assert float(enforcer.loss) == 0.0
    enforcer.append(torch.tensor([0.5, -0.5, 0.0, 0.0]))  # mean |x| = 0.25 -> (0.15)^2
    enforcer.append(torch.tensor([0.05, 0.0]))  # below max_rate -> 0
    torch.testing.assert_close(enforcer.loss, torch.tensor(2.0 * 0.15**2))
    enforcer.clear()
    assert float(enforcer.loss) == 0.0
