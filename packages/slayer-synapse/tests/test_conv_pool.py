"""Conv, ConvTranspose, Pool, Unpool against explicit PyTorch formulations (values and gradients)."""

import pytest
import torch
import torch.nn.functional as F

from slayer.synapse import Conv, ConvTranspose, Pool, Unpool


def grads(fn, inputs, g):
    return torch.autograd.grad(fn(), inputs, g)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=3),
        dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
        dict(kernel_size=1, groups=2),
    ],
)
def test_conv_matches_conv3d(kwargs):
    conv = Conv(4, 6, **kwargs).double()
    x = torch.randn(2, 4, 7, 6, 5, dtype=torch.float64, requires_grad=True)
    s, p, d = conv.stride, conv.padding, conv.dilation
    ref = lambda: F.conv3d(x, conv.weight, stride=s, padding=p, dilation=d, groups=conv.groups)  # noqa: E731
    y = conv(x)
    assert torch.allclose(y, ref())
    assert y.movedim(-1, 1).is_contiguous()  # (N, T, C, H, W) storage
    g = torch.randn_like(y)
    for a, b in zip(grads(lambda: conv(x), (x, conv.weight), g), grads(ref, (x, conv.weight), g)):
        assert torch.allclose(a, b)


def test_conv_transpose_matches_conv_transpose3d():
    convt = ConvTranspose(4, 6, kernel_size=3, stride=2, padding=1, groups=2).double()
    assert convt.weight.shape == (4, 3, 3, 3, 1)
    x = torch.randn(2, 4, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    ref = lambda: F.conv_transpose3d(x, convt.weight, stride=convt.stride, padding=convt.padding, groups=2)  # noqa: E731
    y = convt(x)
    assert y.shape == (2, 6, 5, 7, 5)
    assert torch.allclose(y, ref())
    g = torch.randn_like(y)
    for a, b in zip(grads(lambda: convt(x), (x, convt.weight), g), grads(ref, (x, convt.weight), g)):
        assert torch.allclose(a, b)


def test_pool_is_a_per_channel_window_sum():
    pool = Pool(2, weight_scale=0.5).double()
    assert pool.weight.shape == (1, 1, 2, 2, 1) and not pool.weight.requires_grad
    x = torch.randn(2, 3, 4, 6, 5, dtype=torch.float64, requires_grad=True)
    y = pool(x)
    expected = 0.5 * x.reshape(2, 3, 2, 2, 3, 2, 5).sum(dim=(3, 5))
    assert torch.allclose(y, expected)
    g = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, x, g)
    assert torch.allclose(gx, 0.5 * g.repeat_interleave(2, 2).repeat_interleave(2, 3))


def test_pool_matches_lava_channel_folding_when_windows_align():
    # lava-dl: fold to (N, 1, C*H, W, T), one Conv3d filter, unfold; exact when stride == kernel and H % k == 0
    pool = Pool(2).double()
    x = torch.randn(2, 3, 4, 6, 5, dtype=torch.float64)
    folded = F.conv3d(x.reshape(2, 1, 12, 6, 5), pool.weight, stride=(2, 2, 1)).reshape(2, 3, 2, 3, 5)
    assert torch.allclose(pool(x), folded)


def test_pool_pads_the_remainder_at_the_end_like_lava():
    # H = 5, k = 2: one zero row appended (5 % 2), giving 3 rows; W = 7, k = 2: one column, 4 columns
    x = torch.ones(1, 1, 5, 7, 1)
    y = Pool(2)(x)[0, 0, :, :, 0]
    assert y.tolist() == [[4, 4, 4, 2], [4, 4, 4, 2], [2, 2, 2, 1]]


def test_pool_with_stride_does_not_mix_channels():
    x = torch.zeros(1, 2, 3, 3, 1)
    x[:, 1] = 1.0  # only channel 1 is active
    y = Pool(kernel_size=2, stride=1)(x)
    assert y[0, 0].abs().sum() == 0 and torch.all(y[0, 1] > 0)


def test_unpool_is_per_channel_transpose_of_pool():
    unpool = Unpool(2, weight_scale=2).double()
    x = torch.randn(1, 2, 2, 2, 2, dtype=torch.float64, requires_grad=True)
    y = unpool(x)
    assert torch.allclose(y, 2 * x.repeat_interleave(2, 2).repeat_interleave(2, 3))
    pool = Pool(2, weight_scale=2).double()
    z = torch.randn_like(y)
    assert torch.allclose((y * z).sum(), (x * pool(z)).sum())  # adjoint pair
    assert torch.autograd.gradcheck(unpool, (x,))


@pytest.mark.parametrize(
    ("make", "bad"),
    [
        (lambda: Conv(2, 2, kernel_size=0), "Conv: kernel_size must be an int >= 1.*received 0"),
        (
            lambda: ConvTranspose(2, 2, 3, stride=(1, 0)),
            r"ConvTranspose: stride must be an int >= 1.*received \(1, 0\)",
        ),
        (lambda: Conv(2, 2, 3, padding=-1), "Conv: padding must be an int >= 0.*received -1"),
        (lambda: Pool(2, dilation=0), "Pool: dilation must be an int >= 1.*received 0"),
        (lambda: Conv(3, 4, 2.5), "Conv: kernel_size must be an int >= 1.*received 2.5"),
    ],
)
def test_bad_geometry_is_a_clear_error(make, bad):
    with pytest.raises(ValueError, match=bad):
        make()


def test_kernel_triple_is_rejected_with_its_name():
    with pytest.raises(ValueError, match=r"Conv: kernel_size must be an int >= 1 or an \(height, width\) pair"):
        Conv(2, 2, (3, 3, 1))


def test_reprs_name_the_geometry():
    assert repr(Conv(2, 4, 3, padding=1, groups=2)) == (
        "Conv(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, weight=(4, 1, 3, 3, 1))"
    )
    assert repr(Pool(2)) == "Pool(kernel_size=(2, 2), stride=(2, 2), weight=(1, 1, 2, 2, 1))"
