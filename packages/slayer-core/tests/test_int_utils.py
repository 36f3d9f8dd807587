"""Integer helpers: truncation toward zero for ints (shift) and floats (identity gradient)."""

import pytest
import torch

from slayer.utils.int_utils import Q2Zero, right_shift_to_zero, truncate_toward_zero


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_right_shift_to_zero_rounds_toward_zero(dtype):
    x = torch.tensor([-4097, -4096, -4095, -1, 0, 1, 4095, 4096, 8191, -8191], dtype=dtype)
    out = right_shift_to_zero(x, 12)
    assert out.dtype == dtype
    assert out.tolist() == [-1, -1, 0, 0, 0, 0, 0, 1, 1, -1]
    # equals truncated division for every value
    x = torch.arange(-300, 300, dtype=dtype)
    assert torch.equal(right_shift_to_zero(x, 3), torch.div(x, 8, rounding_mode="trunc"))


def test_right_shift_to_zero_decay_product():
    # the fixed-point decay step: rtz(state * (4096 - d), 12) with state = -5120, d = 1024
    state = torch.tensor([-5120, 5120], dtype=torch.int64)
    assert right_shift_to_zero(state * (4096 - 1024), 12).tolist() == [-3840, 3840]
    assert right_shift_to_zero(torch.tensor([-3001 * 3973]), 12).tolist() == [-2910]  # -2910.88 -> -2910


def test_right_shift_to_zero_extremes_and_zero_bits():
    lo = torch.iinfo(torch.int64).min
    assert right_shift_to_zero(torch.tensor([lo]), 63).tolist() == [-1]
    assert right_shift_to_zero(torch.tensor([lo]), 1).tolist() == [lo // 2]
    x = torch.tensor([-3, 3], dtype=torch.int32)
    assert right_shift_to_zero(x, 0).tolist() == [-3, 3]


@pytest.mark.parametrize("dtype", [torch.float32, torch.int16, torch.uint8, torch.bool])
def test_right_shift_to_zero_rejects_other_dtypes(dtype):
    with pytest.raises(TypeError, match=f"int32 or int64.*{dtype}"):
        right_shift_to_zero(torch.zeros(2, dtype=dtype), 1)


def test_right_shift_to_zero_rejects_bad_bits():
    with pytest.raises(ValueError, match=r"\[0, 31\]"):
        right_shift_to_zero(torch.zeros(2, dtype=torch.int32), 32)
    with pytest.raises(ValueError, match="bits"):
        right_shift_to_zero(torch.zeros(2, dtype=torch.int64), -1)


def test_truncate_toward_zero_values_and_identity_gradient():
    x = torch.tensor([-2.7, -0.5, 0.0, 0.5, 2.7], dtype=torch.float64, requires_grad=True)
    out = truncate_toward_zero(x)
    torch.testing.assert_close(out, torch.tensor([-2.0, -0.0, 0.0, 0.0, 2.0], dtype=torch.float64))
    out.backward(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64))
    torch.testing.assert_close(x.grad, torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64))


def test_q2zero_apply_is_lava_compatible():
    torch.testing.assert_close(Q2Zero.apply(torch.tensor([-1.5, 1.5])), torch.tensor([-1.0, 1.0]))


def test_truncate_toward_zero_rejects_integers():
    with pytest.raises(TypeError, match=r"floating-point.*torch.int64"):
        truncate_toward_zero(torch.tensor([1]))
