"""slayer.utils.time.shift and replicate: values against explicit loops, gradients, errors."""

import pytest
import torch

from slayer.utils.time import replicate, shift


def shifted_by_loop(x: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Explicit reference: y[n, i, t] = x[n, i, t - k_i] for 0 <= t - k_i < T, else 0."""
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    out = torch.zeros_like(flat)
    T = x.shape[-1]
    for i, k in enumerate(steps.flatten().tolist()):
        for t in range(T):
            if 0 <= t - k < T:
                out[:, i, t] = flat[:, i, t - k]
    return out.reshape(x.shape)


def test_scalar_shift_delays_and_advances_with_zero_fill():
    x = torch.arange(1.0, 6.0).reshape(1, 1, 5)
    assert shift(x, 2).tolist() == [[[0, 0, 1, 2, 3]]]
    assert shift(x, -2).tolist() == [[[3, 4, 5, 0, 0]]]
    assert shift(x, 0).tolist() == x.tolist()
    assert shift(x, 7).tolist() == [[[0] * 5]]


def test_shift_truncates_value_over_sampling_time():
    x = torch.arange(1.0, 6.0).reshape(1, 1, 5)
    assert shift(x, 2.9).tolist() == [[[0, 0, 1, 2, 3]]]  # int(2.9) = 2
    assert shift(x, 3, sampling_time=2).tolist() == [[[0, 1, 2, 3, 4]]]  # int(1.5) = 1
    assert shift(x, -1.5).tolist() == [[[2, 3, 4, 5, 0]]]  # toward zero: -1


@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 2, 2, 7)])
def test_per_neuron_shift_matches_loop(shape):
    torch.manual_seed(0)
    x = torch.randn(shape)
    neurons = torch.Size(shape[1:-1]).numel()
    k = torch.randint(-8, 9, (neurons,))
    assert torch.equal(shift(x, k.float()), shifted_by_loop(x, k))
    assert torch.equal(shift(x, k.reshape(shape[1:-1])), shifted_by_loop(x, k))


def test_per_neuron_shift_keeps_neuron_contiguous_storage():
    torch.manual_seed(1)
    x = torch.randn(2, 9, 4).transpose(1, 2)  # (N, C, T) view of (N, T, C) memory
    k = torch.tensor([0, 1, 2, 5])
    y = shift(x, k)
    assert torch.equal(y, shifted_by_loop(x.contiguous(), k))
    assert y.stride(-1) != 1 and y.transpose(1, 2).is_contiguous()
    assert shift(x, 3).transpose(1, 2).is_contiguous()


def test_shift_gradient_is_shift_back():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    k = torch.tensor([1.0, -2.0, 3.0])
    torch.autograd.gradcheck(lambda v: shift(v, k), (x,))
    g = torch.randn(2, 3, 6, dtype=torch.float64)
    (gx,) = torch.autograd.grad(shift(x, k), x, g)
    assert torch.equal(gx, shifted_by_loop(g, -k.long()))


def test_shift_errors_name_expected_and_received():
    x = torch.zeros(2, 3, 5)
    with pytest.raises(ValueError, match=r"expected 3 elements.*received 4"):
        shift(x, torch.zeros(4))
    with pytest.raises(ValueError, match="sampling_time must be a finite positive number"):
        shift(x, 1, sampling_time=0)


def test_replicate_appends_time_axis_neuron_contiguous():
    x = torch.arange(6.0).reshape(2, 3)
    y = replicate(x, 4)
    assert y.shape == (2, 3, 4)
    assert torch.equal(y, x.unsqueeze(-1).expand(2, 3, 4))
    assert y.transpose(1, 2).is_contiguous()
    img = torch.randn(2, 2, 3, 3)
    assert torch.equal(replicate(img, 5), img.unsqueeze(-1).expand(2, 2, 3, 3, 5))
    assert torch.equal(replicate(torch.tensor([1.0, 2.0]), 3), torch.tensor([[1.0, 1, 1], [2, 2, 2]]))
    with pytest.raises(ValueError, match="num_steps must be a positive int"):
        replicate(x, 0)
